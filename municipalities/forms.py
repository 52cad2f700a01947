"""Forms of the registry pages. They only parse and check input; writes go through services."""

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from municipalities import selectors
from municipalities.models import Agreement, AgreementParty, Municipality
from municipalities.services import PartyInput
from municipalities.size_classes import SizeClass

DATE_WIDGET = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
_LEADING_OKTMO = re.compile(r"^\s*(\d{8})(?!\d)")


def _region_choices() -> list[tuple[str, Any]]:
    return [("", _("All regions")), *((r.code, r.name) for r in selectors.region_list())]


class MunicipalityFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name or OKTMO code"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *Municipality.Kind.choices],
    )
    size_class = forms.ChoiceField(
        label=_("Size class of the main town"),
        required=False,
        choices=[("", _("All size classes")), *SizeClass.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()  # type: ignore[attr-defined]

    def filters(self) -> dict[str, str]:
        """The valid filters only: a stale link with an unknown region still lists the rest."""
        self.is_valid()
        return {
            name: self.cleaned_data.get(name) or ""
            for name in ("q", "region", "kind", "size_class")
        }


class TownFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Name or OKTMO code"),
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    region = forms.ChoiceField(label=_("Region"), required=False)
    size_class = forms.ChoiceField(
        label=_("Size class"),
        required=False,
        choices=[("", _("All size classes")), *SizeClass.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()  # type: ignore[attr-defined]

    def filters(self) -> dict[str, str]:
        self.is_valid()
        return {name: self.cleaned_data.get(name) or "" for name in ("q", "region", "size_class")}


class AgreementForm(forms.ModelForm):
    """The agreement's own fields plus the ``version`` it was loaded at. Nothing is saved
    here: the view hands ``cleaned_data`` to ``agreement_create`` / ``agreement_update``."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    class Meta:
        model = Agreement
        fields = [
            "title",
            "number",
            "legal_form",
            "sphere",
            "status",
            "signed_on",
            "valid_from",
            "valid_to",
            "budget",
            "description",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"size": 60}),
            "signed_on": DATE_WIDGET,
            "valid_from": DATE_WIDGET,
            "valid_to": DATE_WIDGET,
            "description": forms.Textarea(attrs={"rows": 5}),
        }
        localized_fields = ["budget"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["budget"].widget.attrs.setdefault("inputmode", "decimal")
        if self.instance.pk:
            # An edit says which version it is based on, or it could overwrite unseen changes.
            self.fields["version"].required = True
            self.fields["version"].initial = self.instance.version

    def clean_budget(self) -> Any:
        budget = self.cleaned_data.get("budget")
        if budget is not None and budget < 0:
            raise forms.ValidationError(_("The budget cannot be negative."))
        return budget

    def clean(self) -> dict[str, Any]:
        # Said here in words; otherwise the model's check constraint would answer with its
        # technical name. A field with an error keeps the constraint from being checked.
        cleaned = super().clean() or {}
        valid_from, valid_to = cleaned.get("valid_from"), cleaned.get("valid_to")
        if valid_from and valid_to and valid_to < valid_from:
            self.add_error("valid_to", _("The term cannot end before it starts."))
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) for name in self.Meta.fields}


class PartyForm(forms.Form):
    municipality = forms.CharField(
        label=_("Municipality"),
        required=False,
        max_length=300,
        help_text=_("OKTMO code (8 digits) or the exact name."),
        # The hint is shown once above all rows (templates: id "parties-hint").
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "size": 50, "aria-describedby": "parties-hint"}
        ),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=AgreementParty.Role.choices, initial=AgreementParty.Role.MEMBER
    )

    def clean_municipality(self) -> Municipality | None:
        raw = (self.cleaned_data.get("municipality") or "").strip()
        if not raw:
            return None
        if match := _LEADING_OKTMO.match(raw):
            found = list(selectors.municipality_list(oktmo=match.group(1))[:1])
            if not found:
                raise forms.ValidationError(
                    _("There is no municipality with the OKTMO code %(code)s."),
                    params={"code": match.group(1)},
                )
            return found[0]
        found = list(selectors.municipality_list(search=raw).filter(name__iexact=raw)[:2])
        if not found:
            raise forms.ValidationError(
                _("No municipality is called “%(name)s”. Enter its OKTMO code."),
                params={"name": raw},
            )
        if len(found) > 1:
            raise forms.ValidationError(
                _("Several municipalities are called “%(name)s”. Enter the OKTMO code."),
                params={"name": raw},
            )
        return found[0]


class BasePartyFormSet(forms.BaseFormSet):
    """Rows left empty are ignored, so the page can offer spare rows without JavaScript."""

    def clean(self) -> None:
        if any(self.errors):
            return
        seen: set[int] = set()
        for form in self.forms:
            municipality = form.cleaned_data.get("municipality")
            if municipality is None:
                continue
            if municipality.pk in seen:
                raise forms.ValidationError(
                    _("%(name)s is listed twice."), params={"name": municipality.name}
                )
            seen.add(municipality.pk)
        if len(seen) < 2:
            raise forms.ValidationError(
                _("An inter-municipal agreement needs at least two different municipalities.")
            )

    def parties(self) -> list[PartyInput]:
        return [
            PartyInput(
                municipality=form.cleaned_data["municipality"], role=form.cleaned_data["role"]
            )
            for form in self.forms
            if form.cleaned_data.get("municipality") is not None
        ]


def party_formset(
    data: Any = None, *, initial: list[dict[str, str]] | None = None
) -> BasePartyFormSet:
    """Parties as rows of (municipality, role), with spare empty rows to add more: four on a
    new agreement, two after the existing parties."""
    formset_class = forms.formset_factory(
        PartyForm, formset=BasePartyFormSet, extra=2 if initial else 4, max_num=50
    )
    return cast(BasePartyFormSet, formset_class(data, initial=initial, prefix="parties"))


def party_initial(agreement: Agreement) -> list[dict[str, str]]:
    return [
        {"municipality": f"{p.municipality.oktmo} — {p.municipality.name}", "role": p.role}
        for p in agreement.parties.all()
    ]


class IndicatorImportForm(forms.Form):
    file = forms.FileField(
        label=_("File with indicator values"),
        help_text=_("CSV (UTF-8 or Windows-1251; comma, semicolon or tab) or Excel (.xlsx)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file and report, write nothing"),
        required=False,
        initial=True,
    )
