"""What the results page and the PDF report print: ``campaign_results`` turned into
template-ready pieces — percentages and means as people read them, one chart per question,
breakdown tables with suppressed cells, and the list of texts split into the first few and
the rest.

Pure functions of the results dictionary; no queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from core.charts import format_number
from surveys.charts import percent, question_chart
from surveys.models import QuestionType

# Texts shown before "show all" on the page (the PDF prints all it has).
TEXTS_SHOWN = 10

DIMENSION_TITLES = {
    "kind": lambda n: _("Question %(number)s by kind of municipality") % {"number": n},
    "size_class": lambda n: _("Question %(number)s by size class of the main town") % {"number": n},
    "region": lambda n: _("Question %(number)s by region") % {"number": n},
}


def number(value: float | int | None, places: int = 2) -> str:
    if value is None:
        return "—"
    return format_number(Decimal(str(value)).quantize(Decimal(1).scaleb(-places)))


@dataclass
class Row:
    """A row of a table: a label and its cells; a suppressed row has none."""

    label: str
    cells: list[str] = field(default_factory=list)
    respondents: str = ""
    suppressed: bool = False


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[Row]
    # The header of the first column (what the rows are).
    first: str = ""


@dataclass
class QuestionView:
    number: int
    id: int
    type: str
    type_label: str
    text: str
    answered: int
    chart: SafeString | None
    table: Table | None
    summary: list[tuple[str, str]]
    breakdowns: list[Table]
    texts: list[str]
    more_texts: list[str]
    texts_total: int
    texts_title: str
    note: str = ""

    @property
    def texts_listed(self) -> int:
        return len(self.texts) + len(self.more_texts)


def question_views(results: Mapping[str, Any], *, chart_width: int = 640) -> list[QuestionView]:
    return [
        _question(number, question, results, chart_width)
        for number, question in enumerate(results["questions"], start=1)
    ]


def _question(
    number_: int, question: Mapping[str, Any], results: Mapping[str, Any], width: int
) -> QuestionView:
    kind = question["type"]
    title = f"{number_}. {question['text']}"
    chart = None
    table = None
    summary: list[tuple[str, str]] = [(_("Answered"), format_number(question["answered"]))]
    texts: list[str] = []
    texts_total = 0
    texts_title = ""
    note = ""
    if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
        table = _choice_table(
            question, _("Question %(number)s: respondents by option") % {"number": number_}
        )
        texts, texts_total = question.get("other_texts", []), question.get("other_texts_total", 0)
        texts_title = _("“Other” answers")
        if kind == QuestionType.MULTIPLE_CHOICE:
            note = _(
                "Several options could be chosen: each is counted on its own and its share "
                "is of all respondents, so the shares need not add up to 100 %."
            )
    elif kind in (QuestionType.SCALE, QuestionType.NUMBER):
        summary += [
            (_("Mean"), number(question["mean"])),
            (_("Median"), number(question["median"])),
        ]
        if kind == QuestionType.NUMBER:
            summary += [
                (_("Minimum"), number(question["min"])),
                (_("Maximum"), number(question["max"])),
            ]
        table = _distribution_table(
            question, _("Question %(number)s: respondents by value") % {"number": number_}
        )
    elif kind == QuestionType.MATRIX:
        table = _matrix_table(
            question, _("Question %(number)s: ratings by row") % {"number": number_}
        )
    else:
        texts, texts_total = question.get("texts", []), question.get("texts_total", 0)
        texts_title = _("Answers, newest first")
    # Nothing to draw before the first answer: "0 respondents answered" says it all.
    if question["answered"] and kind not in (QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT):
        chart = question_chart(
            question, title=title, width=width, chart_id=f"chart-q{question['id']}"
        )
    return QuestionView(
        number=number_,
        id=question["id"],
        type=kind,
        type_label=str(QuestionType(kind).label),
        text=question["text"],
        answered=question["answered"],
        chart=chart,
        table=table,
        summary=summary,
        breakdowns=_breakdowns(question, number_),
        texts=texts[:TEXTS_SHOWN],
        more_texts=texts[TEXTS_SHOWN:],
        texts_total=texts_total,
        texts_title=texts_title,
        note=note,
    )


def _choice_table(question: Mapping[str, Any], title: str) -> Table:
    rows = [
        Row(option["text"], [format_number(option["count"]), percent(option["share"])])
        for option in question["options"]
    ]
    if "other_count" in question:
        rows.append(
            Row(
                _("Other"),
                [format_number(question["other_count"]), percent(question["other_share"])],
            )
        )
    return Table(
        caption=title,
        first=_("Option"),
        columns=[_("Respondents"), _("Share of respondents")],
        rows=rows,
    )


def _distribution_table(question: Mapping[str, Any], title: str) -> Table:
    answered = question["answered"]
    scale = question.get("scale") or {}
    ends = {
        scale.get("min"): scale.get("min_label", ""),
        scale.get("max"): scale.get("max_label", ""),
    }
    rows = []
    for item in question["distribution"]:
        label = (
            number(item["value"], 4)
            if question["type"] == QuestionType.NUMBER
            else str(item["value"])
        )
        if ends.get(item["value"]):
            label = f"{label} — {ends[item['value']]}"
        share = item["count"] / answered if answered else None
        rows.append(Row(label, [format_number(item["count"]), percent(share)]))
    return Table(
        caption=title,
        first=_("Value"),
        columns=[_("Respondents"), _("Share of those who answered")],
        rows=rows,
    )


def _matrix_table(question: Mapping[str, Any], title: str) -> Table:
    rows = []
    for row in question["rows"]:
        counts = [format_number(item["count"]) for item in row["distribution"]]
        rows.append(
            Row(
                row["text"],
                [
                    *counts,
                    format_number(row["answered"]),
                    number(row["mean"]),
                    number(row["median"]),
                ],
            )
        )
    values = [
        str(item["value"])
        for item in (question["rows"][0]["distribution"] if question["rows"] else [])
    ]
    return Table(
        caption=title,
        first=_("Row"),
        columns=[*values, _("Answered"), _("Mean"), _("Median")],
        rows=rows,
    )


def _breakdowns(question: Mapping[str, Any], number_: int) -> list[Table]:
    tables = []
    for dimension, entries in (question.get("breakdowns") or {}).items():
        if not entries:
            continue
        kind = question["type"]
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
            columns = [option["text"] for option in question["options"]]
            if "other_count" in question:
                columns.append(_("Other"))
        elif kind == QuestionType.MATRIX:
            columns = [_("Mean: %(row)s") % {"row": row["text"]} for row in question["rows"]]
        else:
            columns = [_("Mean")]
        rows = []
        for entry in entries:
            if entry["suppressed"]:
                rows.append(Row(entry["label"], suppressed=True))
                continue
            if "options" in entry:
                cells = [
                    f"{format_number(o['count'])} ({percent(o['share'])})" for o in entry["options"]
                ]
                if "other_count" in entry:
                    cells.append(
                        f"{format_number(entry['other_count'])} ({percent(entry['other_share'])})"
                    )
            elif "rows" in entry:
                cells = [number(row["mean"]) for row in entry["rows"]]
            else:
                cells = [number(entry["mean"])]
            rows.append(Row(entry["label"], cells, respondents=format_number(entry["respondents"])))
        tables.append(
            Table(
                caption=DIMENSION_TITLES[dimension](number_),
                first=_("Group"),
                columns=columns,
                rows=rows,
            )
        )
    return tables


@dataclass(frozen=True)
class MunicipalityRow:
    oktmo: str
    name: str
    invited: str
    respondents: str
    rate: str


def municipality_rows(results: Mapping[str, Any]) -> list[MunicipalityRow]:
    return [
        MunicipalityRow(
            m["oktmo"],
            m["name"],
            format_number(m["invited"]),
            format_number(m["respondents"]),
            percent(m["response_rate"]) if m["response_rate"] is not None else "—",
        )
        for m in results["municipalities"]
    ]


def summary(results: Mapping[str, Any]) -> dict[str, Any]:
    rate = results["response_rate"]
    return {
        "respondents_count": results["respondents"],
        "respondents": format_number(results["respondents"]),
        "invited": format_number(results["invited"]),
        "rate": percent(rate) if rate is not None else "—",
    }
