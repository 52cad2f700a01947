"""Forms of the strategy pages. They only parse and check input; every write goes through
``strategies.services``, which has the last word (its refusals are shown on these forms)."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import PageForm
from municipalities import selectors as registry
from municipalities.models import Municipality
from strategies.models import Section, Strategy

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
MIN_YEAR, MAX_YEAR = 2000, 2100
# A scanned council decision: a PDF or a picture of the signed page, not an office file.
DECISION_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "tif", "tiff"]
DECISION_MAX_BYTES = 20 * 1024 * 1024
SHARED = ""


def add_service_errors(
    form: forms.Form, errors: dict[str, list[str]], aliases: dict[str, str]
) -> None:
    """Put the field errors of an ``ApplicationError`` on the form's own fields (``aliases``
    maps a service's name to the form's), the rest at the top of the form."""
    for name, messages in errors.items():
        target = aliases.get(name, name)
        form.add_error(target if target in form.fields else None, list(messages))


class StrategyFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Strategy.Status.choices],
    )

    def filters(self) -> dict[str, str]:
        """The valid filters only: a stale link with an unknown status lists everything."""
        self.is_valid()
        return {"status": self.cleaned_data.get("status") or ""}


class StrategyCreateForm(PageForm):
    title = forms.CharField(
        label=_("Title"),
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60}),
        help_text=_(
            "For example: joint development strategy of the Sokolsky and Vologodsky "
            "districts to 2030."
        ),
    )
    start_year = forms.IntegerField(
        label=_("First year"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    end_year = forms.IntegerField(
        label=_("Last year"),
        min_value=MIN_YEAR,
        max_value=MAX_YEAR,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    lead = forms.ModelChoiceField(
        label=_("Lead municipality"),
        queryset=Municipality.objects.none(),
        empty_label=None,
        help_text=_(
            "A municipality where you are a coordinator. Its coordinators run the "
            "strategy: structure, review and adoption."
        ),
    )
    partners = forms.CharField(
        label=_("Partner municipalities"),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off"}),
        help_text=_(
            "One per line: the OKTMO code (8 digits) or the exact name. At least one "
            "partner: a joint strategy has two or more participants."
        ),
    )

    def __init__(self, *args: Any, coordinated: Iterable[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead_field = self.fields["lead"]
        assert isinstance(lead_field, forms.ModelChoiceField)  # noqa: S101 - for mypy
        lead_field.queryset = Municipality.objects.filter(
            pk__in=[m.pk for m in coordinated]
        ).order_by("name")
        this_year = timezone.localdate().year
        self.fields["start_year"].initial = this_year
        self.fields["end_year"].initial = max(2030, this_year + 5)

    def clean_partners(self) -> list[Municipality]:
        found: list[Municipality] = []
        errors: list[str] = []
        lines = [line.strip() for line in self.cleaned_data.get("partners", "").splitlines()]
        for number, line in enumerate(lines, start=1):
            if not line:
                continue
            municipality, error = registry.municipality_find(line)
            if error:
                errors.append(_("Line %(number)s: %(error)s") % {"number": number, "error": error})
            elif municipality is not None:
                found.append(municipality)
        if errors:
            raise forms.ValidationError(errors)
        if not found:
            raise forms.ValidationError(_("Name at least one partner municipality."))
        return found

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lead, partners = cleaned.get("lead"), cleaned.get("partners") or []
        if lead is not None and any(p.pk == lead.pk for p in partners):
            self.add_error(
                "partners",
                _("%(name)s leads the strategy already: list only the partners.")
                % {"name": lead.name},
            )
        return cleaned

    def participants(self) -> list[Municipality]:
        return [self.cleaned_data["lead"], *self.cleaned_data["partners"]]


class ReturnForm(PageForm):
    comment = forms.CharField(
        label=_("Why does it go back to draft?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The coordinators and editors read this; it stays in the event log."),
    )


class SignOffForm(PageForm):
    municipality = forms.TypedChoiceField(label=_("Sign off for"), coerce=int)
    decision_number = forms.CharField(
        label=_("Council decision number"), max_length=64, required=False
    )
    decision_date = forms.DateField(
        label=_("Council decision date"), required=False, widget=DATE_WIDGET
    )
    decision_file = forms.FileField(
        label=_("Council decision (scan)"),
        required=False,
        validators=[FileExtensionValidator(DECISION_EXTENSIONS)],
        help_text=_(
            "PDF or an image, up to 20 MB. Optional: you can sign off before the "
            "council has decided."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.tif,.tiff"}),
    )

    def __init__(self, *args: Any, municipalities: Iterable[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["municipality"]
        assert isinstance(field, forms.TypedChoiceField)  # noqa: S101 - for mypy
        field.choices = [(m.pk, m.name) for m in municipalities]

    def clean_decision_file(self) -> Any:
        upload = self.cleaned_data.get("decision_file")
        if upload and upload.size > DECISION_MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."))
        return upload

    def clean_decision_date(self) -> date | None:
        decided = self.cleaned_data.get("decision_date")
        if decided and decided > timezone.localdate():
            raise forms.ValidationError(_("The decision date cannot be in the future."))
        return decided


class SectionForm(PageForm):
    """The text of a section and the ``version`` it was loaded at: a save based on an older
    version is refused by the service (412) and answered with the conflict screen."""

    title = forms.CharField(label=_("Title"), max_length=300)
    body = forms.CharField(
        label=_("Text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "true"}),
        help_text=_(
            "HTML: headings <h2>–<h4>, paragraphs <p>, lists <ul>/<ol> with <li>, "
            'tables, <strong>, <em> and links <a href="https://…">. Anything else '
            "is removed when saved."
        ),
    )
    note = forms.CharField(
        label=_("What did you change?"),
        max_length=255,
        required=False,
        help_text=_("Optional; shown in the history."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CommentForm(PageForm):
    body = forms.CharField(
        label=_("Comment"), max_length=10_000, widget=forms.Textarea(attrs={"rows": 3})
    )
    parent = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)


class ResolveForm(forms.Form):
    resolved = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )


class VersionForm(forms.Form):
    """A write that must be based on the object's current version (restore, remove)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def owner_choices(participants: Iterable[Municipality]) -> list[tuple[str, str]]:
    return [
        (SHARED, str(_("Shared by all participants"))),
        *((str(m.pk), m.name) for m in participants),
    ]


class SectionCreateForm(PageForm):
    title = forms.CharField(label=_("Title"), max_length=300)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Section.Kind.choices, initial=Section.Kind.CUSTOM
    )
    owner = forms.ChoiceField(
        label=_("Written by"),
        required=False,
        help_text=_(
            "Its editors write the section; a shared section is written by every "
            "participant's editors."
        ),
    )

    def __init__(self, *args: Any, participants: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._participants = {m.pk: m for m in participants}
        self.fields["owner"].choices = owner_choices(participants)  # type: ignore[attr-defined]

    def clean_owner(self) -> Municipality | None:
        value = self.cleaned_data.get("owner") or SHARED
        return None if value == SHARED else self._participants[int(value)]


class SectionOwnerForm(forms.Form):
    owner = forms.ChoiceField(label=_("Written by"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, participants: list[Municipality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._participants = {m.pk: m for m in participants}
        self.fields["owner"].choices = owner_choices(participants)  # type: ignore[attr-defined]

    def clean_owner(self) -> Municipality | None:
        value = self.cleaned_data.get("owner") or SHARED
        return None if value == SHARED else self._participants[int(value)]


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
