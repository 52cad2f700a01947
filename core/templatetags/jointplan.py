"""Template helpers shared by every page: numbers, gaps, navigation."""

from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.charts import format_number

register = template.Library()


@register.filter
def number(value: int | float | Decimal | None) -> str:
    """``12345.0000`` → ``12 345`` (the active language's separators); ``None`` → ``""``."""
    if value is None or value == "":
        return ""
    return format_number(value)


@register.simple_tag
def value_or_gap(value: int | float | Decimal | None) -> SafeString:
    """A value of a table cell, or a gap: an em dash that screen readers hear as "no data".
    A missing value is never shown as 0."""
    if value is None or value == "":
        return format_html(
            '<span class="gap" aria-hidden="true">—</span><span class="visually-hidden">{}</span>',
            _("no data"),
        )
    return format_html("{}", format_number(value))


@register.simple_tag(takes_context=True)
def nav_link(context: template.Context, url_name: str, label: str, section: str = "") -> SafeString:
    """A navigation link that tells assistive technology where the user is: ``aria-current=
    "page"`` on the page itself, ``"true"`` anywhere else in its section."""
    href = reverse(url_name)
    request = context.get("request")
    if request is not None and request.path == href:
        return format_html('<a href="{}" aria-current="page">{}</a>', href, label)
    if section and context.get("section") == section:
        return format_html('<a href="{}" aria-current="true">{}</a>', href, label)
    return format_html('<a href="{}">{}</a>', href, label)
