"""Form bases shared by the apps' pages."""

from typing import Any

from django import forms


class PageForm(forms.Form):
    """A form of a page: after a failed submission the first field in error takes the focus
    (``autofocus``), so that keyboard and screen-reader users land where the work is; its
    message is linked to it by ``aria-describedby`` (``includes/field.html``)."""

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        for form_field in self.fields.values():
            form_field.widget.attrs.pop("autofocus", None)
        first = next((name for name in self.fields if name in self.errors), None)
        if first is not None and not self.fields[first].widget.is_hidden:
            self.fields[first].widget.attrs["autofocus"] = True
