"""Server-rendered SVG charts: small pure functions that return safe markup.

Every chart is an ``<svg role="img">`` named by its ``<title>`` and described by its ``<desc>``;
the page always shows the same numbers in a table, which is the accessible alternative (a chart
alone does not meet WCAG 1.1.1 for exact values). Every piece of text that reaches the markup
goes through :func:`django.utils.html.escape` before the result is marked safe, so names of
municipalities or indicators cannot inject markup. No JavaScript, no external assets: the
charts print, work offline and go into PDFs as they are.
"""

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Number = float | int | Decimal

# Colours with at least 4.5:1 contrast on white, told apart by dash and marker too (WCAG
# 1.4.1: colour is never the only means of telling series apart).
PALETTE = ("#1d4e89", "#a13d00", "#2a6b2e", "#6a1b9a", "#5c5c00")
DASHES = ("", "7 4", "2 3", "9 3 2 3", "4 2")
MARKERS = ("circle", "square", "diamond", "triangle", "ring")

FONT = "font-family:inherit"
AXIS_COLOUR = "#595959"
GRID_COLOUR = "#d9d9d9"
TEXT_COLOUR = "#1a1a1a"


@dataclass(frozen=True)
class ChartSeries:
    """One line: ``points`` are ``(x, y)`` pairs in x order; ``y is None`` is a gap (no data),
    where the line breaks instead of falling to zero."""

    label: str
    points: Sequence[tuple[int, Number | None]] = field(default_factory=list)


@dataclass(frozen=True)
class ChartBar:
    label: str
    value: Number | None
    note: str = ""


def format_number(value: Number | None, *, decimals: int | None = None) -> str:
    """A number for people: the active language's separators, thousands grouped, no trailing
    zeros of a ``Decimal(…, 4)``."""
    if value is None:
        return ""
    if decimals is None:
        decimal_value = value if isinstance(value, Decimal) else Decimal(str(value))
        if decimal_value == decimal_value.to_integral_value():
            decimals = 0
        else:
            exponent = decimal_value.normalize().as_tuple().exponent
            decimals = min(-exponent, 4) if isinstance(exponent, int) else 2
    return number_format(value, decimal_pos=decimals, use_l10n=True, force_grouping=True)


def _nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round tick values covering ``low``…``high`` (steps of 1, 2, 2.5 or 5 times a power of
    ten), so the axis reads 0, 250, 500 rather than 13, 261, 509."""
    if low == high:
        pad = abs(low) * 0.1 or 1.0
        low, high = low - pad, high + pad
    raw_step = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = magnitude * 10
    for multiple in (1, 2, 2.5, 5, 10):
        if magnitude * multiple >= raw_step:
            step = magnitude * multiple
            break
    start = math.floor(low / step) * step
    end = math.ceil(high / step) * step
    steps = round((end - start) / step)
    return [round(start + i * step, 10) for i in range(steps + 1)]


def _tick_decimals(ticks: list[float]) -> int:
    if len(ticks) < 2:
        return 0
    step = ticks[1] - ticks[0]
    if step >= 1:
        return 0
    return min(4, max(0, -math.floor(math.log10(step))))


def _marker(kind: str, x: float, y: float, colour: str, tooltip: str) -> str:
    tip = f"<title>{escape(tooltip)}</title>"
    if kind == "square":
        return (
            f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" '
            f'fill="{colour}">{tip}</rect>'
        )
    if kind == "diamond":
        return (
            f'<path d="M{x:.1f} {y - 5:.1f}L{x + 5:.1f} {y:.1f}L{x:.1f} {y + 5:.1f}'
            f'L{x - 5:.1f} {y:.1f}Z" fill="{colour}">{tip}</path>'
        )
    if kind == "triangle":
        return (
            f'<path d="M{x:.1f} {y - 5:.1f}L{x + 5:.1f} {y + 4:.1f}L{x - 5:.1f} {y + 4:.1f}Z" '
            f'fill="{colour}">{tip}</path>'
        )
    if kind == "ring":
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="{colour}" '
            f'stroke-width="2">{tip}</circle>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{tip}</circle>'


def _open_svg(*, chart_id: str, width: int, height: int, title: str, description: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'id="{chart_id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" '
        f'preserveAspectRatio="xMinYMin meet">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def _new_id(chart_id: str | None) -> str:
    # Several charts share a page; their title/desc ids must not collide.
    return escape(chart_id) if chart_id else f"chart-{uuid.uuid4().hex[:10]}"


def no_data_chart(
    *, title: str, width: int = 640, height: int = 240, chart_id: str | None = None
) -> SafeString:
    """The figure shown instead of a chart when there is nothing to draw."""
    chart_id = _new_id(chart_id)
    message = _("No data")
    return mark_safe(  # noqa: S308 - every text above and below went through escape()
        _open_svg(chart_id=chart_id, width=width, height=height, title=title, description=message)
        + f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="#f6f6f6" '
        f'stroke="{GRID_COLOUR}"/>'
        f'<text x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle" '
        f'dominant-baseline="middle" font-size="16" fill="{TEXT_COLOUR}" style="{FONT}">'
        f"{escape(message)}</text></svg>"
    )


def line_chart(
    *,
    title: str,
    series: Sequence[ChartSeries],
    unit: str = "",
    width: int = 640,
    height: int = 240,
    description: str = "",
    chart_id: str | None = None,
) -> SafeString:
    """A line chart of one or more series over integer x values (years). The line breaks at a
    gap: each run of consecutive known values is its own ``<path class="chart-line">``; every
    known point is marked, so a lone value between two gaps is still visible."""
    known = [
        (x, float(y)) for s in series for x, y in s.points if y is not None and math.isfinite(y)
    ]
    if not known:
        return no_data_chart(title=title, width=width, height=height, chart_id=chart_id)
    chart_id = _new_id(chart_id)
    xs = sorted({x for s in series for x, _y in s.points})
    ys = [y for _x, y in known]
    ticks = _nice_ticks(min(ys), max(ys))
    decimals = _tick_decimals(ticks)
    y_low, y_high = ticks[0], ticks[-1]

    legend_rows = len(series) if len(series) > 1 else 0
    left, right, top, bottom = 84, 20, 28 if unit else 14, 34
    plot_w = width - left - right
    plot_h = height - top - bottom
    total_h = height + legend_rows * 22 + (8 if legend_rows else 0)

    inset = 12  # keeps the first and last markers off the axis and the edge

    def sx(x: int) -> float:
        if len(xs) == 1:
            return left + plot_w / 2
        return left + inset + (x - xs[0]) / (xs[-1] - xs[0]) * (plot_w - 2 * inset)

    def sy(y: float) -> float:
        return top + plot_h - (y - y_low) / (y_high - y_low) * plot_h

    if not description:
        description = _summary(series, unit)
    parts = [
        _open_svg(
            chart_id=chart_id, width=width, height=total_h, title=title, description=description
        ),
        f'<g font-size="14" fill="{TEXT_COLOUR}" style="{FONT}">',
    ]
    if unit:
        parts.append(f'<text x="4" y="14" class="chart-unit">{escape(unit)}</text>')
    for tick in ticks:
        y = sy(tick)
        parts.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOUR}"/>'
            f'<text x="{left - 8}" y="{y:.1f}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(format_number(tick, decimals=decimals))}</text>"
        )
    label_every = max(1, math.ceil(len(xs) / 10))
    for i, x in enumerate(xs):
        if i % label_every and i != len(xs) - 1:
            continue
        parts.append(
            f'<text x="{sx(x):.1f}" y="{top + plot_h + 20}" text-anchor="middle">'
            f"{escape(str(x))}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + plot_h}" stroke="{AXIS_COLOUR}"/>'
        f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" '
        f'stroke="{AXIS_COLOUR}"/>'
    )
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        dash = DASHES[index % len(DASHES)]
        marker = MARKERS[index % len(MARKERS)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        for run in _runs(one.points):
            if len(run) < 2:
                continue
            d = "".join(
                f"{'M' if i == 0 else 'L'}{sx(x):.1f} {sy(y):.1f}" for i, (x, y) in enumerate(run)
            )
            parts.append(
                f'<path class="chart-line" d="{d}" fill="none" stroke="{colour}" '
                f'stroke-width="2.5" stroke-linejoin="round"{dash_attr}/>'
            )
        for x, value in one.points:
            if value is None:
                continue
            tooltip = f"{one.label}, {x}: {format_number(value)} {unit}".strip()
            parts.append(_marker(marker, sx(x), sy(float(value)), colour, tooltip))
    for index, one in enumerate(series if legend_rows else []):
        colour = PALETTE[index % len(PALETTE)]
        dash = DASHES[index % len(DASHES)]
        y = height + 8 + index * 22 + 8
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<g class="chart-legend"><line x1="{left}" x2="{left + 28}" y1="{y}" y2="{y}" '
            f'stroke="{colour}" stroke-width="2.5"{dash_attr}/>'
            + _marker(MARKERS[index % len(MARKERS)], left + 14, y, colour, one.label)
            + f'<text x="{left + 36}" y="{y}" dominant-baseline="middle">'
            f"{escape(one.label)}</text></g>"
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text went through escape()


def _runs(points: Sequence[tuple[int, Number | None]]) -> list[list[tuple[int, float]]]:
    """Consecutive known points; a ``None`` ends a run."""
    runs: list[list[tuple[int, float]]] = [[]]
    for x, y in points:
        if y is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((x, float(y)))
    return [run for run in runs if run]


def _summary(series: Sequence[ChartSeries], unit: str) -> str:
    """A one-sentence description for screen readers: what is plotted, over which years, and
    whether there are gaps. The exact values are in the table next to the chart."""
    xs = [x for s in series for x, _y in s.points]
    gaps = any(y is None for s in series for _x, y in s.points)
    text = _("%(series)s, %(first)s–%(last)s.") % {
        "series": "; ".join(s.label for s in series),
        "first": min(xs),
        "last": max(xs),
    }
    if unit:
        text += " " + _("Unit: %(unit)s.") % {"unit": unit}
    if gaps:
        text += " " + _("The line breaks where a year has no data.")
    return text


def bar_chart(
    *,
    title: str,
    bars: Sequence[ChartBar],
    unit: str = "",
    width: int = 640,
    description: str = "",
    chart_id: str | None = None,
) -> SafeString:
    """Horizontal bars, one per label (long names of municipalities fit above their bar); a
    bar without a value says "no data" instead of drawing a zero."""
    values = [float(b.value) for b in bars if b.value is not None]
    if not values:
        return no_data_chart(title=title, width=width, chart_id=chart_id)
    chart_id = _new_id(chart_id)
    left, right, top, row_h = 8, 130, 28 if unit else 10, 46
    height = top + row_h * len(bars) + 6
    plot_w = width - left - right
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0

    def sx(v: float) -> float:
        return left + (v - low) / span * plot_w

    if not description:
        description = "; ".join(
            f"{b.label}: {format_number(b.value) if b.value is not None else _('no data')}"
            + (f" ({b.note})" if b.note else "")
            for b in bars
        )
        if unit:
            description += f" ({unit})"
    parts = [
        _open_svg(
            chart_id=chart_id, width=width, height=height, title=title, description=description
        ),
        f'<g font-size="14" fill="{TEXT_COLOUR}" style="{FONT}">',
    ]
    if unit:
        parts.append(f'<text x="{left}" y="16" class="chart-unit">{escape(unit)}</text>')
    zero = sx(0.0)
    for index, bar in enumerate(bars):
        y = top + index * row_h
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<text x="{left}" y="{y + 14}">{escape(bar.label)}</text>')
        if bar.value is None:
            parts.append(
                f'<text x="{left}" y="{y + 34}" font-style="italic">{escape(_("no data"))}</text>'
            )
            continue
        v = float(bar.value)
        x0, x1 = sorted((zero, sx(v)))
        label = format_number(bar.value) + (f" ({bar.note})" if bar.note else "")
        parts.append(
            f'<rect class="chart-bar" x="{x0:.1f}" y="{y + 20}" width="{max(x1 - x0, 1):.1f}" '
            f'height="18" fill="{colour}"><title>{escape(bar.label)}: {escape(label)}</title>'
            f"</rect>"
            f'<text x="{x1 + 6:.1f}" y="{y + 34}">{escape(label)}</text>'
        )
    parts.append(
        f'<line x1="{zero:.1f}" x2="{zero:.1f}" y1="{top + 16}" y2="{height - 4}" '
        f'stroke="{AXIS_COLOUR}"/></g></svg>'
    )
    return mark_safe("".join(parts))  # noqa: S308 - every text went through escape()
