"""Forms of the question builder: one question of the draft, moving it, and the writes that
must be based on the builder's current version."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import PageForm
from surveys.forms.common import _lines
from surveys.models import CHOICE_TYPES, Question, QuestionType

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
