"""Charts of survey results: each question type drawn with ``core.charts.bar_chart``
(horizontal bars, so long option texts fit above their bar).

Pure functions of one question of ``campaign_results``. Every chart is an accessible SVG
(title and description) and the page or PDF prints the same numbers in a table next to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.charts import ChartBar, bar_chart, format_number, no_data_chart
from surveys.models import QuestionType

# A number question with more distinct values than this is drawn as a histogram.
HISTOGRAM_BINS = 8


def percent(share: float | None) -> str:
    """A share as people read it: "33,3 %" (the active language's decimal sign)."""
    if share is None:
        return ""
    value = Decimal(str(share * 100)).quantize(Decimal("0.1"))
    return f"{format_number(value, decimals=1)}\u00a0%"


def question_chart(
    question: Mapping[str, Any], *, title: str, width: int = 640, chart_id: str | None = None
) -> SafeString:
    """The chart of one question of ``campaign_results`` (nothing to draw for texts)."""
    kind = question["type"]
    if not question.get("answered"):
        return no_data_chart(title=title, width=width, height=120, chart_id=chart_id)
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        bars = [
            ChartBar(option["text"], option["count"], percent(option["share"]))
            for option in question["options"]
        ]
        if "other_count" in question:
            bars.append(
                ChartBar(_("Other"), question["other_count"], percent(question["other_share"]))
            )
        return bar_chart(
            title=title,
            bars=bars,
            unit=_("respondents"),
            width=width,
            description=_choice_description(question, bars),
            chart_id=chart_id,
        )
    if kind == QuestionType.SCALE:
        return bar_chart(
            title=title,
            bars=_scale_bars(question["distribution"], question.get("scale") or {}),
            unit=_("respondents"),
            width=width,
            chart_id=chart_id,
        )
    if kind == QuestionType.NUMBER:
        return bar_chart(
            title=title,
            bars=_number_bars(question["distribution"]),
            unit=_("respondents"),
            width=width,
            chart_id=chart_id,
        )
    if kind == QuestionType.MATRIX:
        return bar_chart(
            title=title,
            bars=[
                ChartBar(row["text"], _rounded(row["mean"]), _answered(row["answered"]))
                for row in question["rows"]
            ],
            unit=_("mean rating, 1–5"),
            width=width,
            chart_id=chart_id,
        )
    return no_data_chart(title=title, width=width, height=120, chart_id=chart_id)


def _answered(count: int) -> str:
    return ngettext("%(n)s answer", "%(n)s answers", count) % {"n": count}


def _rounded(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _choice_description(question: Mapping[str, Any], bars: list[ChartBar]) -> str:
    text = "; ".join(f"{bar.label}: {format_number(bar.value)} ({bar.note})" for bar in bars)
    if question["type"] == QuestionType.MULTIPLE_CHOICE:
        text += ". " + _("Several options could be chosen; shares are of all respondents.")
    return text


def _scale_bars(distribution: list[dict[str, Any]], scale: Mapping[str, Any]) -> list[ChartBar]:
    ends = {
        scale.get("min", 1): scale.get("min_label", ""),
        scale.get("max", 5): scale.get("max_label", ""),
    }

    def label(value: int) -> str:
        return f"{value} — {ends[value]}" if ends.get(value) else str(value)

    return [ChartBar(label(item["value"]), item["count"]) for item in distribution]


def _number_bars(distribution: list[dict[str, Any]]) -> list[ChartBar]:
    """One bar per value when there are few of them, else a histogram of equal bins."""
    if len(distribution) <= HISTOGRAM_BINS:
        return [ChartBar(format_number(item["value"]), item["count"]) for item in distribution]
    low = Decimal(str(distribution[0]["value"]))
    high = Decimal(str(distribution[-1]["value"]))
    step = (high - low) / HISTOGRAM_BINS
    counts = [0] * HISTOGRAM_BINS
    for item in distribution:
        index = int((Decimal(str(item["value"])) - low) / step) if step else 0
        counts[min(index, HISTOGRAM_BINS - 1)] += item["count"]
    edges = [format_number(_bin_edge(low + step * i)) for i in range(HISTOGRAM_BINS + 1)]
    return [ChartBar(f"{edges[i]} – {edges[i + 1]}", count) for i, count in enumerate(counts)]


def _bin_edge(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"))
