"""The PDF's own treatment of what it prints: section bodies sanitised without links, numbers
of tables, and charts in the page's font without tooltips."""

import re
from decimal import Decimal

import nh3
from django.utils.safestring import SafeString, mark_safe

from core.charts import FONT, format_number
from strategies import content

# Section bodies in the PDF: the page's allowlist without links. A printed link is of no
# use, and its address must not reach the file (an attachment URL, an internal host).
PDF_TAGS = content.ALLOWED_TAGS - {"a"}
PDF_ATTRIBUTES = {tag: attrs for tag, attrs in content.ALLOWED_ATTRIBUTES.items() if tag != "a"}

# Charts of target indicators, three side by side on a landscape page (CSS scales them).
CHART_WIDTH, CHART_HEIGHT = 440, 220
# The charts' text inherits the page's font on a web page; WeasyPrint's SVG renderer does
# not inherit from the HTML around it and would fall back to a system font.
CHART_FONT = "font-family:'PT Sans'"
# Tooltips of the chart's markers mean nothing on paper and cost the renderer an element each.
MARKER_TOOLTIP = re.compile(r"<title>[^<]*</title>(?=</(?:circle|rect|path)>)")


def pdf_body(html: str) -> SafeString:
    """A section body for the PDF, sanitised on the way out whatever the stored row holds
    (a row written past the services, or before a tightening of the allowlist)."""
    cleaned = nh3.clean(
        html or "",
        tags=PDF_TAGS,
        attributes=PDF_ATTRIBUTES,
        url_schemes=set(),
        strip_comments=True,
    ).strip()
    return mark_safe(cleaned)  # noqa: S308 - nh3 output


def _figure(value: Decimal | None) -> str:
    """A value of a table: at most two decimals (the registry keeps four), "—" for a gap."""
    if value is None:
        return "—"
    return format_number(value.quantize(Decimal("0.01")).normalize())


def _for_print(chart: SafeString) -> SafeString:
    """A chart of ``core.charts`` as the PDF wants it: our font, no tooltips. Only markup
    that the chart itself wrote is removed, so it stays as safe as it was."""
    printed = MARKER_TOOLTIP.sub("", chart.replace(FONT, CHART_FONT))
    return mark_safe(printed)  # noqa: S308 - safe markup with parts of it removed
