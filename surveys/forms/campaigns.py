"""Forms of the campaign pages: the list's filter, the campaign itself and the targeting
that fills the preview list of municipalities."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import PageForm
from municipalities import selectors as registry
from municipalities.models import Municipality
from municipalities.size_classes import SizeClass
from surveys.forms.common import _lines
from surveys.models import Campaign, Questionnaire
from surveys.services.campaigns import MAX_INTERVAL_DAYS, MAX_REMINDERS

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
DATETIME_WIDGET = forms.DateTimeInput(format=DATETIME_FORMAT, attrs={"type": "datetime-local"})


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
