"""Forms of the invitation pages: one respondent by hand, or a file of them."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from core.forms import PageForm
from municipalities.models import Municipality

IMPORT_MAX_BYTES = 5 * 1024 * 1024


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
