"""The running tallies of submitted answers (``AnswerTally``) that results are read from.

Submitting a response adds to them in the transaction that writes its ``Answer`` rows
(``surveys.services.responses.response_save``): ``response_tally`` turns the response's
Answer rows and its respondent's group into cells, ``tally_add`` adds those cells to the
campaign's rows in one statement (``INSERT … ON CONFLICT … DO UPDATE``, the same clause on
PostgreSQL and on SQLite). Both take plain data, so bulk loaders (the bench, test data) add
many responses' cells at once and end with exactly the rows the submits would have made.

What one response adds:

- each Answer row counts once in its cell of the whole campaign — (question, option, matrix
  row, value, "other") — and once in its cell of the respondent's group in each breakdown
  dimension (kind, size class, region), where the value is not kept but summed in
  ``total``;
- each question it answered counts one respondent overall and in each of its groups (a
  multiple choice or a matrix has several rows per respondent, so its respondents cannot be
  counted from its cells);
- its municipality counts one respondent (response rates).

Concurrent submits to one campaign add to the same rows: each row is locked by the first
writer until it commits, and rows are always written in one order (sorted by their key), so
two submits queue up rather than deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.db import connection

from municipalities.models import Municipality
from surveys.models import TALLY_NO_ID, TALLY_NO_VALUE, AnswerTally

ANSWERS = AnswerTally.Measure.ANSWERS.value
RESPONDENTS = AnswerTally.Measure.RESPONDENTS.value
OVERALL = AnswerTally.Dimension.OVERALL.value
MUNICIPALITY = AnswerTally.Dimension.MUNICIPALITY.value
# The breakdown dimensions, in the order results show them.
DIMENSIONS: tuple[str, ...] = (
    AnswerTally.Dimension.KIND.value,
    AnswerTally.Dimension.SIZE_CLASS.value,
    AnswerTally.Dimension.REGION.value,
)

# (measure, dimension, group_key, question_id, option_id, row_id, value, is_other)
TallyKey = tuple[str, str, str, int | None, int | None, int | None, Decimal | None, bool]


class AnswerLike(Protocol):
    """What a tally needs of an ``Answer`` row (any object with these attributes)."""

    question_id: int
    option_id: int | None
    row_id: int | None
    number: Decimal | None
    is_other: bool


@dataclass
class TallyCell:
    count: int = 0
    total: Decimal | None = None

    def add(self, count: int, total: Decimal | None) -> None:
        self.count += count
        if total is not None:
            self.total = total if self.total is None else self.total + total


Tally = dict[TallyKey, TallyCell]


@dataclass(frozen=True)
class RespondentGroup:
    """The groups a respondent counts in: those of the invitation's municipality at submit
    (a later change of the municipality moves none of its answers)."""

    municipality_id: int
    kind: str
    size_class: str  # "" when the municipality has no main town
    region: str  # the region's code

    def keys(self) -> tuple[tuple[str, str], ...]:
        """(dimension, group key) of each breakdown dimension."""
        return tuple(zip(DIMENSIONS, (self.kind, self.size_class, self.region), strict=True))


def respondent_group(municipality: Municipality) -> RespondentGroup:
    """The group of a respondent of ``municipality`` (select its ``main_town`` and
    ``region`` with it to read this without queries)."""
    town = municipality.main_town
    return RespondentGroup(
        municipality_id=municipality.pk,
        kind=municipality.kind,
        size_class=(town.size_class or "") if town is not None else "",
        region=municipality.region.code,
    )


def response_tally(
    answers: Iterable[AnswerLike], group: RespondentGroup, *, into: Tally | None = None
) -> Tally:
    """The cells one submitted response adds (see the module's docstring), added to ``into``
    when given (to sum many responses) and returned."""
    tally: Tally = {} if into is None else into
    groups = group.keys()

    def add(key: TallyKey, total: Decimal | None = None) -> None:
        cell = tally.get(key)
        if cell is None:
            tally[key] = TallyCell(1, total)
        else:
            cell.add(1, total)

    answered: set[int] = set()
    for answer in answers:
        qid, option, row, number, other = (
            answer.question_id,
            answer.option_id,
            answer.row_id,
            answer.number,
            answer.is_other,
        )
        answered.add(qid)
        add((ANSWERS, OVERALL, "", qid, option, row, number, other), number)
        for dimension, key in groups:
            add((ANSWERS, dimension, key, qid, option, row, None, other), number)
    for qid in answered:
        add((RESPONDENTS, OVERALL, "", qid, None, None, None, False))
        for dimension, key in groups:
            add((RESPONDENTS, dimension, key, qid, None, None, None, False))
    add((RESPONDENTS, MUNICIPALITY, str(group.municipality_id), None, None, None, None, False))
    return tally


def _order(key: TallyKey) -> tuple[Any, ...]:
    # The unique index's view of a key (no value = a value no answer has), so that keys with
    # and without ids and values sort together in one total order.
    measure, dimension, group_key, question, option, row, value, other = key
    return (
        measure,
        dimension,
        group_key,
        TALLY_NO_ID if question is None else question,
        TALLY_NO_ID if option is None else option,
        TALLY_NO_ID if row is None else row,
        TALLY_NO_VALUE if value is None else value,
        other,
    )


_TABLE = AnswerTally._meta.db_table
_COLUMNS = (
    "campaign_id",
    "measure",
    "dimension",
    "group_key",
    "question_id",
    "option_id",
    "row_id",
    "value",
    "is_other",
    "count",
    "total",
)
# The expressions of the unique index ``answer_tally_cell``, exactly as the migration made
# them (PostgreSQL and SQLite find the index by comparing them).
_CONFLICT = (
    "campaign_id, measure, dimension, group_key, "
    f"(COALESCE(question_id, {TALLY_NO_ID})), (COALESCE(option_id, {TALLY_NO_ID})), "
    f"(COALESCE(row_id, {TALLY_NO_ID})), (COALESCE(value, {TALLY_NO_VALUE})), is_other"
)
_UPDATE = (
    f"ON CONFLICT ({_CONFLICT}) DO UPDATE SET "
    f'"count" = {_TABLE}."count" + EXCLUDED."count", total = {_TABLE}.total + EXCLUDED.total'
)
# PostgreSQL takes the cells as one array per column (eleven parameters, however many cells;
# a VALUES list of a few thousand parameters costs more to bind than to run), in their order.
_ARRAY_TYPES = (
    "bigint",
    "text",
    "text",
    "text",
    "integer",
    "integer",
    "integer",
    "numeric",
    "boolean",
    "integer",
    "numeric",
)
_UPSERT_POSTGRESQL = (
    f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) "  # noqa: S608 - no input in the text
    f"SELECT {', '.join(_COLUMNS)} FROM unnest("
    + ", ".join(f"%s::{kind}[]" for kind in _ARRAY_TYPES)
    + f") WITH ORDINALITY AS cell ({', '.join(_COLUMNS)}, ordinal) ORDER BY ordinal "
    + _UPDATE
)
# Elsewhere (SQLite, the demo) a VALUES list, at most this many cells per statement.
ROWS_PER_STATEMENT = 1000


def _upsert_sql(rows: int) -> str:
    values = ", ".join(["(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"] * rows)
    return f"INSERT INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES {values} {_UPDATE}"  # noqa: S608


def tally_add(*, campaign_id: int, tally: Mapping[TallyKey, TallyCell]) -> None:
    """Add ``tally`` to the campaign's ``AnswerTally`` rows: new cells are inserted, known
    ones counted up, in key order. One statement on PostgreSQL (elsewhere one per
    ``ROWS_PER_STATEMENT`` cells)."""
    rows = [
        (campaign_id, *key, tally[key].count, tally[key].total) for key in sorted(tally, key=_order)
    ]
    if not rows:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_UPSERT_POSTGRESQL, [list(column) for column in zip(*rows, strict=True)])
            return
        for start in range(0, len(rows), ROWS_PER_STATEMENT):
            chunk = rows[start : start + ROWS_PER_STATEMENT]
            cursor.execute(_upsert_sql(len(chunk)), [value for row in chunk for value in row])
