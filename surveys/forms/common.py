"""Helpers the survey forms share: showing a service's refusal on a form, and splitting
a text area into its lines."""

from typing import Any

from django import forms


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
