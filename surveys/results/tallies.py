"""The numbers behind campaign results, read from the campaign's running tallies.

Every submit adds its answers to the campaign's ``AnswerTally`` rows
(``surveys.services.tallies``), so results never go over the answers themselves: two
queries read the campaign's tally rows — a few thousand, however many responses there are
(cells of questions times groups, plus one row per distinct value of a number question) —
and one more the newest texts. The number of queries and, but for the distinct values of
number questions, their cost do not grow with the responses.

Breakdown groups are those of the respondents' municipalities at submit (see
``AnswerTally``): kind, size class of the main town ("" without one) and region code.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import F, QuerySet, TextField, Window
from django.db.models.functions import Cast, RowNumber

from surveys.models import Answer, AnswerTally
from surveys.services.tallies import ANSWERS, DIMENSIONS, MUNICIPALITY, OVERALL

__all__ = [
    "DIMENSIONS",
    "NO_SIZE_CLASS",
    "OVERALL",
    "VALUE_PLACES",
    "VALUE_SCALE",
    "CountRow",
    "RespondentRow",
    "Tallies",
    "TextRow",
    "Values",
    "campaign_tallies",
    "postgresql",
    "text_rows",
]

# A municipality without a known main town has no size class; it still gets a group.
NO_SIZE_CLASS = ""


@dataclass(slots=True)
class CountRow:
    """Answers of one question falling into one cell: an option (``option_id``), a matrix
    row (``row_id``), the "other" text (``is_other``) or a text answer (none of these), in
    one group of one dimension (``dimension`` is ``OVERALL`` for the campaign as a whole).
    ``total`` is the sum of the numbers in the cell (rated matrix rows and number and scale
    answers: their overall counts per value are in ``Tallies.values``)."""

    dimension: str
    key: str
    question_id: int
    option_id: int | None
    row_id: int | None
    is_other: bool
    count: int
    total: Decimal | None


@dataclass(slots=True)
class RespondentRow:
    """How many respondents answered ``question_id`` at all, in one group of a dimension
    (``OVERALL``: the whole campaign)."""

    dimension: str
    key: str
    question_id: int
    count: int


# Values are handled as whole numbers of ten-thousandths (the tallies keep four decimal
# places): exact, and much cheaper to sort and add up than decimals — a number question may
# have a value per respondent.
VALUE_PLACES = 4
VALUE_SCALE = 10**VALUE_PLACES

# (question id, matrix row id or None) → {value × VALUE_SCALE: how many gave it}.
Values = dict[tuple[int, int | None], dict[int, int]]


@dataclass
class Tallies:
    counts: list[CountRow]
    values: Values
    respondents: list[RespondentRow]
    # Respondents per municipality (pk), for response rates.
    municipalities: dict[int, int]


def postgresql() -> bool:
    """Whether to use PostgreSQL's own ways (LATERAL for the newest texts, rows fetched past
    the ORM); SQLite has neither. Tests switch this off to run the portable path on
    PostgreSQL too."""
    return connection.vendor == "postgresql"


def _fetched(rows: QuerySet[Any, Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` query, all at once. On PostgreSQL these columns need no
    conversion, so they go from the cursor straight to the caller, past the ORM's work per
    row (a number question may have a row per respondent); SQLite needs the ORM's decimals."""
    if not postgresql():
        return list(rows)
    sql, parameters = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        return cursor.fetchall()


def campaign_tallies(*, campaign_id: int, breakdown: bool) -> Tallies:
    """The campaign's tally rows in two queries: the overall counts of each value of each
    number, scale and matrix row, then every other row — the cells of the whole campaign,
    those of every breakdown group with ``breakdown``, respondents per question and per
    municipality.

    Apart because a number question may have as many values as respondents: those rows are
    read with just the four columns they need (fetching and converting the columns is most
    of the cost here), the values as ten-thousandths (``VALUE_SCALE``)."""
    rows = AnswerTally.objects.filter(campaign_id=campaign_id).order_by()
    values: Values = defaultdict(dict)
    # Only overall answer cells keep a value.
    valued = rows.filter(value__isnull=False)
    if postgresql():
        # numeric(20, 4) is printed with exactly four decimals: without the point, the
        # digits are the ten-thousandths (exact at any size, and cheaper than decimals).
        printed = valued.annotate(printed=Cast("value", TextField()))
        for question, row, text, count in _fetched(
            printed.values_list("question_id", "row_id", "printed", "count")
        ):
            values[(question, row)][int(text.replace(".", ""))] = count
    else:
        for question, row, value, count in _fetched(
            valued.values_list("question_id", "row_id", "value", "count")
        ):
            cell = values[(question, row)]
            scaled = int(value.scaleb(VALUE_PLACES))
            # SQLite keeps decimals as floats: two very long ones might round together.
            cell[scaled] = cell.get(scaled, 0) + count
    rest = rows.filter(value__isnull=True)
    if not breakdown:
        rest = rest.filter(dimension__in=(OVERALL, MUNICIPALITY))
    counts: list[CountRow] = []
    respondents: list[RespondentRow] = []
    municipalities: dict[int, int] = {}
    columns = (
        "measure",
        "dimension",
        "group_key",
        "question_id",
        "option_id",
        "row_id",
        "is_other",
        "count",
        "total",
    )
    for measure, dimension, key, question, option, row, other, count, total in _fetched(
        rest.values_list(*columns)
    ):
        if question is None:  # the respondents of a municipality
            municipalities[int(key)] = count
        elif measure == ANSWERS:
            counts.append(CountRow(dimension, key, question, option, row, other, count, total))
        else:
            respondents.append(RespondentRow(dimension, key, question, count))
    return Tallies(counts, dict(values), respondents, municipalities)


# --- free texts ------------------------------------------------------------------------------


class TextRow(NamedTuple):
    question_id: int
    is_other: bool
    text: str


def text_rows(*, campaign_id: int, question_ids: Iterable[int], limit: int) -> list[TextRow]:
    """The latest ``limit`` texts of each question in ``question_ids`` (answers of text
    questions and "other" texts, apart), newest first: the Answer rows written last. (How
    many there are in all is in the tallies.)"""
    ids = sorted(set(question_ids))
    if not ids:
        return []
    if postgresql():
        return _text_rows_postgresql(campaign_id, ids, limit)
    partition = [F("question_id"), F("is_other")]
    ranked = (
        Answer.objects.filter(campaign_id=campaign_id, question_id__in=ids)
        .exclude(text="")
        .annotate(rank=Window(RowNumber(), partition_by=partition, order_by=F("id").desc()))
        .filter(rank__lte=limit)
        .order_by("question_id", "is_other", "rank")
        .values_list("question_id", "is_other", "text")
    )
    return [TextRow(*row) for row in ranked]


def _text_rows_postgresql(campaign_id: int, ids: list[int], limit: int) -> list[TextRow]:
    # For each (question, "other") the index answer_campaign_q_text gives the newest rows
    # straight away: ``limit`` index entries each, not every text of the campaign sorted.
    pairs = ", ".join(["(%s::integer, %s::boolean)"] * (2 * len(ids)))
    sql = (
        f"SELECT k.q, k.x, t.text FROM (VALUES {pairs}) AS k(q, x) "  # noqa: S608 - no input
        "CROSS JOIN LATERAL ("
        f"SELECT a.id, a.text FROM {Answer._meta.db_table} a "
        "WHERE a.campaign_id = %s AND a.question_id = k.q AND a.is_other = k.x "
        "AND a.text <> '' ORDER BY a.id DESC LIMIT %s) t "
        "ORDER BY k.q, k.x, t.id DESC"
    )
    parameters: list[int | bool] = []
    for qid in ids:
        parameters += [qid, False, qid, True]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*parameters, campaign_id, limit])
        return [TextRow(*row) for row in cursor.fetchall()]
