"""Forms of the survey pages for administrators. They only parse and check input; every write
goes through ``surveys.services``, which has the last word (its refusals are shown on these
forms)."""

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from core.forms import PageForm
from municipalities import selectors as registry
from municipalities.models import Municipality
from municipalities.size_classes import SizeClass
from surveys.models import CHOICE_TYPES, Campaign, Question, Questionnaire, QuestionType
from surveys.services.campaigns import MAX_INTERVAL_DAYS, MAX_REMINDERS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME_WIDGET = forms.DateTimeInput(format=DATETIME_FORMAT, attrs={"type": "datetime-local"})
IMPORT_MAX_BYTES = 5 * 1024 * 1024
NO_CONDITION = ""
# The fields of the question form that each type uses; the others are not even shown.
TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    QuestionType.SINGLE_CHOICE: ("options", "has_other", "condition"),
    QuestionType.MULTIPLE_CHOICE: ("options", "has_other", "condition"),
    QuestionType.SCALE: ("scale_min_label", "scale_max_label", "condition"),
    QuestionType.NUMBER: ("min_value", "max_value", "condition"),
    QuestionType.SHORT_TEXT: ("condition",),
    QuestionType.LONG_TEXT: ("condition",),
    QuestionType.MATRIX: ("rows", "scale_min_label", "scale_max_label", "condition"),
}
OPTIONAL_FIELDS = {name for names in TYPE_FIELDS.values() for name in names}


def add_service_errors(
    form: forms.Form, errors: dict[str, Any], aliases: dict[str, str] | None = None
) -> None:
    """Put the field errors of an ``ApplicationError`` on the form's own fields (``aliases``
    maps a service's name to the form's), the rest at the top of the form."""
    aliases = aliases or {}
    for name, messages in errors.items():
        target = aliases.get(name, name)
        if isinstance(messages, dict):
            # Nested (per question, per row): flatten into readable lines at the top.
            messages = [str(m) for value in messages.values() for m in _flatten(value)]
        form.add_error(target if target in form.fields else None, list(messages))


def _flatten(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [m for item in value.values() for m in _flatten(item)]
    if isinstance(value, list | tuple):
        return [str(item) for item in value]
    return [str(value)]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# --- questionnaires --------------------------------------------------------------------------


class QuestionnaireForm(PageForm):
    """Title and description; ``version`` is the builder's version when editing (optimistic
    locking: a save based on an older version is refused and shown as a conflict)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Respondents see it at the top of the form."),
    )
    description = forms.CharField(
        label=_("Introduction"),
        required=False,
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Optional: who runs the survey, why, and how long it takes. Shown above the questions."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class QuestionTypeForm(forms.Form):
    type = forms.ChoiceField(label=_("Type of question"), choices=QuestionType.choices)


class QuestionForm(PageForm):
    """One question of the draft. Only the fields its type uses are on the form; options and
    matrix rows are typed one per line. The condition is one select of "question → option"
    pairs, limited to the choice questions above this one."""

    type = forms.ChoiceField(choices=QuestionType.choices, widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Question"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    help_text = forms.CharField(
        label=_("Help text"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Optional: shown under the question, e.g. what to count or which period."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One per line, at least two. Correcting the text of a line keeps the option, so "
            "conditions that use it stay; removing a line removes the option from the draft "
            "(published versions and answers keep it)."
        ),
    )
    has_other = forms.BooleanField(
        label=_("Add “Other (please specify)” with a text field"), required=False
    )
    rows = forms.CharField(
        label=_("Rows of the matrix"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One per line. Each row is rated on the same scale from 1 to 5."),
    )
    scale_min_label = forms.CharField(
        label=_("Label of 1"),
        required=False,
        max_length=200,
        help_text=_("For example: not at all ready."),
    )
    scale_max_label = forms.CharField(
        label=_("Label of 5"),
        required=False,
        max_length=200,
        help_text=_("For example: fully ready."),
    )
    min_value = forms.DecimalField(
        label=_("Smallest allowed number"),
        required=False,
        max_digits=20,
        decimal_places=4,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Optional. For example 0 for a count."),
    )
    max_value = forms.DecimalField(
        label=_("Largest allowed number"),
        required=False,
        max_digits=20,
        decimal_places=4,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
        help_text=_("Optional."),
    )
    condition = forms.ChoiceField(
        label=_("Show this question only if"),
        required=False,
        help_text=_(
            "Optional: the question is shown (and may be required) only when the chosen "
            "earlier question was answered with that option."
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(
        self,
        *args: Any,
        question_type: str,
        earlier: Sequence[Question],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.question_type = question_type
        used = TYPE_FIELDS.get(question_type, ())
        for name in OPTIONAL_FIELDS:
            if name not in used:
                del self.fields[name]
        self._option_question: dict[str, int] = {}
        if "condition" in self.fields:
            groups: list[tuple[str, Any]] = [(NO_CONDITION, _("Always show it"))]
            # Numbered as on the builder page: every question above counts.
            for number, question in enumerate(earlier, start=1):
                if question.type not in CHOICE_TYPES:
                    continue
                label = _("Question %(number)s “%(text)s” was answered") % {
                    "number": number,
                    "text": _short(question.text),
                }
                choices = []
                for option in question.options.all():
                    key = str(option.pk)
                    self._option_question[key] = question.pk
                    choices.append((key, f"{number} → {option.text}"))
                if choices:
                    groups.append((label, choices))
            self.fields["condition"].choices = groups  # type: ignore[attr-defined]
            if len(groups) == 1:
                self.fields["condition"].help_text = _(
                    "A condition needs a single or multiple choice question above this one."
                )
        self.fields["type"].initial = question_type

    def clean_options(self) -> list[str]:
        return _lines(self.cleaned_data.get("options", ""))

    def clean_rows(self) -> list[str]:
        return _lines(self.cleaned_data.get("rows", ""))

    def clean_condition(self) -> tuple[int, int] | None:
        value = self.cleaned_data.get("condition") or NO_CONDITION
        if value == NO_CONDITION:
            return None
        return self._option_question[value], int(value)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        type_ = cleaned.get("type")
        if type_ and type_ != self.question_type:
            # The page was built for another type than the one posted: a tampered form.
            self.add_error(None, _("Choose the type again."))
        if type_ in CHOICE_TYPES and "options" in self.fields:
            options = cleaned.get("options") or []
            if len(options) < 2:
                self.add_error("options", _("A choice question needs at least two options."))
            elif len({o.casefold() for o in options}) != len(options):
                self.add_error("options", _("Two options have the same text."))
        if type_ == QuestionType.MATRIX and "rows" in self.fields and not cleaned.get("rows"):
            self.add_error("rows", _("A matrix needs at least one row."))
        low, high = cleaned.get("min_value"), cleaned.get("max_value")
        if low is not None and high is not None and low >= high:
            self.add_error("max_value", _("The largest number must be greater than the smallest."))
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments of ``question_create`` / ``question_update`` (without the
        options and rows, which need the ids of the existing ones on an edit)."""
        data = self.cleaned_data
        condition = data.get("condition")
        return {
            "type": self.question_type,
            "text": data["text"],
            "help_text": data.get("help_text", ""),
            "required": data.get("required", False),
            "has_other": data.get("has_other", False),
            "min_value": data.get("min_value"),
            "max_value": data.get("max_value"),
            "scale_min_label": data.get("scale_min_label", ""),
            "scale_max_label": data.get("scale_max_label", ""),
            "condition_question_id": condition[0] if condition else None,
            "condition_option_id": condition[1] if condition else None,
        }


def _short(text: str, length: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _plain(value: Decimal | None) -> Decimal | None:
    """``500.0000`` as ``500`` and ``2.5000`` as ``2.5`` (the column keeps four places)."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def question_initial(question: Question, version: int) -> dict[str, Any]:
    return {
        "type": question.type,
        "text": question.text,
        "help_text": question.help_text,
        "required": question.required,
        "has_other": question.has_other,
        "options": "\n".join(o.text for o in question.options.all()),
        "rows": "\n".join(r.text for r in question.rows.all()),
        "scale_min_label": question.scale_min_label,
        "scale_max_label": question.scale_max_label,
        "min_value": _plain(question.min_value),
        "max_value": _plain(question.max_value),
        "condition": str(question.condition_option_id or NO_CONDITION),
        "version": version,
    }


def keep_ids(existing: Sequence[tuple[int, str]], lines: Sequence[str]) -> list[Any]:
    """The new list of options (or rows) for the service from the lines typed, keeping the
    id of an existing item whose text is unchanged, or whose line was corrected in place (the
    same line number, no exact match elsewhere): versions and conditions refer to ids."""
    by_text: dict[str, int] = {}
    for existing_pk, text in existing:
        by_text.setdefault(text, existing_pk)
    used = {by_text[line] for line in lines if line in by_text}
    result: list[Any] = []
    taken: set[int] = set()
    for index, line in enumerate(lines):
        pk: int | None = by_text.get(line)
        if pk is not None and pk not in taken:
            taken.add(pk)
            result.append({"id": pk, "text": line})
            continue
        if index < len(existing):
            in_place = existing[index][0]
            if in_place not in used and in_place not in taken:
                taken.add(in_place)
                result.append({"id": in_place, "text": line})
                continue
        result.append(line)
    return result


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class VersionForm(forms.Form):
    """A write that must be based on the builder's current version (remove a question)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


# --- campaigns -------------------------------------------------------------------------------


def _region_choices() -> list[tuple[str, Any]]:
    return [("", _("Any region")), *((r.code, r.name) for r in registry.region_list())]


class CampaignFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Campaign.Status.choices],
    )

    def filters(self) -> dict[str, str]:
        """The valid filters only: a stale link with an unknown status lists everything."""
        self.is_valid()
        return {"status": self.cleaned_data.get("status") or ""}


class TickedMunicipalities(forms.MultipleChoiceField):
    """Any 8-digit codes: the choices are the preview's, and the codes are looked up again."""

    def valid_value(self, value: Any) -> bool:
        return isinstance(value, str) and len(value) == 8 and value.isdigit()


class CampaignForm(PageForm):
    """A campaign and its target municipalities. The targeting fields only fill the preview
    list; the municipalities ticked in that list are the campaign's."""

    questionnaire = forms.ModelChoiceField(
        label=_("Questionnaire"),
        queryset=Questionnaire.objects.none(),
        help_text=_(
            "Only published questionnaires. The campaign keeps the latest published version: "
            "later changes of the questionnaire do not reach it."
        ),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Respondents see it in the invitation and on the form."),
    )
    opens_at = forms.DateTimeField(
        label=_("Opens"), widget=DATETIME_WIDGET, input_formats=[DATETIME_FORMAT]
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"),
        widget=DATETIME_WIDGET,
        input_formats=[DATETIME_FORMAT],
        help_text=_("After this time the form no longer accepts answers."),
    )
    anonymous = forms.BooleanField(
        label=_("Anonymous: results never show who answered"),
        required=False,
        initial=True,
        help_text=_(
            "Breakdown cells with fewer than 3 respondents are hidden, and exports carry no "
            "names or e-mail addresses."
        ),
    )
    max_reminders = forms.IntegerField(
        label=_("Reminders at most"),
        min_value=0,
        max_value=MAX_REMINDERS,
        initial=2,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        help_text=_("Sent only to those who have not submitted. 0: no reminders."),
    )
    reminder_interval_days = forms.IntegerField(
        label=_("Days between reminders"),
        min_value=1,
        max_value=MAX_INTERVAL_DAYS,
        initial=3,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    municipalities = TickedMunicipalities(
        label=_("Municipalities to survey"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    def __init__(self, *args: Any, questionnaires: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["questionnaire"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - for mypy
        field.queryset = questionnaires

    def clean_municipalities(self) -> list[Municipality]:
        # Whatever the preview offered, looked up again: a stale page cannot name a
        # municipality that no longer exists.
        codes = list(self.cleaned_data.get("municipalities") or [])
        return list(Municipality.objects.filter(oktmo__in=codes).order_by("oktmo"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        opens_at, closes_at = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            self.add_error("closes_at", _("The campaign must close after it opens."))
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "title",
                "opens_at",
                "closes_at",
                "anonymous",
                "max_reminders",
                "reminder_interval_days",
            )
        }


class TargetForm(PageForm):
    """Which municipalities to offer in the preview list: those matching all the criteria
    given, plus any named one by one."""

    region = forms.ChoiceField(label=_("Region"), required=False)
    kinds = forms.MultipleChoiceField(
        label=_("Kinds of municipality"),
        required=False,
        choices=Municipality.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Any of the ticked kinds; none ticked: every kind."),
    )
    size_classes = forms.MultipleChoiceField(
        label=_("Size class of the main town"),
        required=False,
        choices=SizeClass.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Any of the ticked classes; none ticked: any size."),
    )
    oktmos = forms.CharField(
        label=_("Add one by one"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        help_text=_("One per line: the OKTMO code (8 digits) or the exact name."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()  # type: ignore[attr-defined]

    def clean_oktmos(self) -> list[str]:
        codes: list[str] = []
        errors: list[str] = []
        for number, line in enumerate(_lines(self.cleaned_data.get("oktmos", "")), start=1):
            municipality, error = registry.municipality_find(line)
            if error:
                errors.append(
                    str(_("Line %(number)s: %(error)s")) % {"number": number, "error": error}
                )
            elif municipality is not None and municipality.oktmo not in codes:
                codes.append(municipality.oktmo)
        if errors:
            raise forms.ValidationError(errors)
        return codes

    def criteria(self) -> dict[str, Any]:
        """The arguments of ``campaign_target_municipalities``."""
        data = self.cleaned_data
        return {
            "region": data.get("region") or None,
            "kinds": data.get("kinds") or (),
            "size_classes": data.get("size_classes") or (),
            "oktmos": data.get("oktmos") or (),
        }

    def is_empty(self) -> bool:
        return not any(self.criteria().values())


class InvitationForm(PageForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=255,
        widget=forms.TextInput(attrs={"autocomplete": "off", "size": 50}),
        help_text=_("Surname, first name and patronymic, as the invitation addresses them."),
    )
    position = forms.CharField(
        label=_("Position"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"size": 50}),
        help_text=_("For example: head of the district administration."),
    )
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off", "size": 40}),
        help_text=_("The link to the form is sent here once the campaign is open."),
    )
    oktmo = forms.ChoiceField(label=_("Municipality"))

    def __init__(self, *args: Any, municipalities: Iterable[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["oktmo"].choices = [  # type: ignore[attr-defined]
            ("", _("Choose the respondent's municipality")),
            *((m.oktmo, f"{m.name} ({m.oktmo})") for m in municipalities),
        ]


class InvitationImportForm(PageForm):
    file = forms.FileField(
        label=_("File with respondents"),
        validators=[FileExtensionValidator(["csv", "xlsx"])],
        help_text=_(
            "CSV (UTF-8, comma or semicolon) or Excel (.xlsx) with the header row: name, "
            "position, email, oktmo. Up to 5 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload and upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload
