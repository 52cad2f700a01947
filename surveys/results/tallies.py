"""The SQL behind campaign results: a fixed handful of aggregate queries over ``Answer``.

Results never read responses one by one. Every number comes from GROUP BYs over the flat
``Answer`` rows written at submit, so the work is done by the database and the number of
queries does not depend on the number of responses.

Breakdowns (by kind of municipality, size class of its main town, region) need each answer's
municipality, which lives on the invitation: answer → response → invitation → municipality.
On PostgreSQL the overall counts and the three breakdowns come out of ONE pass over that join
(``GROUPING SETS``); elsewhere (the SQLite demo) each grouping is its own query. Both paths
return the same rows, and the tests run both on PostgreSQL.

Medians are taken from the value counts (``compute.median_of``), not with
``percentile_cont``: the counts are needed for the distributions anyway, and another
ordered aggregate would read every number again (on 20,000 responses it alone took ten
times the floor of ``bench/surveys.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.db.models.functions import RowNumber

from municipalities.models import Municipality, Town
from municipalities.size_classes import SizeClass
from surveys.answers import OTHER_SUFFIX
from surveys.models import Answer, Invitation, Response

# What a breakdown groups by, and the path from an Answer row to it.
DIMENSIONS: tuple[str, ...] = ("kind", "size_class", "region")
_ANSWER_PATHS = {
    "kind": "response__invitation__municipality__kind",
    "size_class": "response__invitation__municipality__main_town__size_class",
    "region": "response__invitation__municipality__region__code",
}
OVERALL = ""  # the "dimension" of the overall rows
_CELL = ("question_id", "option_id", "row_id", "is_other")

# A municipality without a known main town has no size class; it still gets a group.
NO_SIZE_CLASS = ""


@dataclass(frozen=True)
class CountRow:
    """Answers of one question falling into one cell: an option (``option_id``), a matrix
    row (``row_id``), a value (``number``, overall rows only) or the "other" text
    (``is_other``), in one group of one dimension (``dimension`` is ``OVERALL`` for the
    campaign as a whole). ``total`` is the sum of the numbers in the cell."""

    dimension: str
    key: str
    question_id: int
    option_id: int | None
    row_id: int | None
    is_other: bool
    number: Decimal | None
    count: int
    total: Decimal | None


@dataclass(frozen=True)
class RespondentRow:
    """How many respondents answered ``question_id`` at all, in one group of a dimension
    (``OVERALL``: the whole campaign): for questions answered with several rows."""

    dimension: str
    key: str
    question_id: int
    count: int


def postgresql() -> bool:
    """Whether to use PostgreSQL's own SQL (GROUPING SETS); SQLite has none. Tests switch
    this off to run the portable path on PostgreSQL too."""
    return connection.vendor == "postgresql"


def _answers(campaign_id: int) -> QuerySet[Answer]:
    return Answer.objects.filter(campaign_id=campaign_id).order_by()


def _counted(campaign_id: int) -> QuerySet[Answer]:
    # Rows that counts and means are made of; free texts are read by ``text_rows``.
    return _answers(campaign_id).filter(
        Q(option_id__isnull=False) | Q(number__isnull=False) | Q(is_other=True)
    )


def _key(dimension: str, value: Any) -> str:
    if dimension == "size_class":
        return value or NO_SIZE_CLASS
    return "" if value is None else str(value)


# --- PostgreSQL: every group of a response as small integers ---------------------------------

# The groups of each submitted response as integers: grouping by short integers is several
# times faster than by the text columns, and the subquery is fenced (OFFSET 0) so that the
# 20,000 responses are joined with their municipalities once, before the hash join with the
# answers, not after it for every one of the answers.
_KINDS = tuple(Municipality.Kind.values)
_SIZE_CLASSES = tuple(SizeClass.values)


def _response_groups_sql(*, answers: bool = False) -> str:
    return (
        "SELECT r.id, "
        + ("r.answers, " if answers else "")
        + "COALESCE(array_position(%(kinds)s::text[], m.kind::text), 0) AS k, "
        "COALESCE(array_position(%(sizes)s::text[], t.size_class::text), 0) AS s, "
        "m.region_id AS g "
        f"FROM {Response._meta.db_table} r "
        f"JOIN {Invitation._meta.db_table} i ON i.id = r.invitation_id "
        f"JOIN {Municipality._meta.db_table} m ON m.id = i.municipality_id "
        f"LEFT JOIN {Town._meta.db_table} t ON t.id = m.main_town_id "
        "WHERE r.campaign_id = %(campaign)s AND r.status = %(submitted)s"
    )


def _group_parameters(campaign_id: int) -> dict[str, Any]:
    return {
        "campaign": campaign_id,
        "submitted": Response.Status.SUBMITTED.value,
        "kinds": list(_KINDS),
        "sizes": list(_SIZE_CLASSES),
    }


def _group_key(
    dimension: str, k: int | None, s: int | None, g: int | None, regions: dict[int, str]
) -> str:
    if dimension == "kind":
        return _KINDS[k - 1] if k else ""
    if dimension == "size_class":
        return _SIZE_CLASSES[s - 1] if s else NO_SIZE_CLASS
    if dimension == "region":
        return regions.get(g, str(g)) if g is not None else ""
    return ""


@contextmanager
def aggregate_settings() -> Iterator[None]:
    """A transaction whose settings suit a few big aggregates (PostgreSQL; elsewhere just a
    transaction): no JIT — compiling the plan costs more than running it, and PostgreSQL
    decides by the plan's estimated cost, not by its run time — and enough memory for the
    hash tables not to spill to disk. Both end with the transaction."""
    with transaction.atomic():
        if postgresql():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
                    [AGGREGATE_WORK_MEM],
                )
        yield


# Per query of results, while it runs; PostgreSQL's default is 4 MB.
AGGREGATE_WORK_MEM = "64MB"

# GROUPING(n, k, s, g) is a bit mask, the first argument the highest bit; a bit is set where
# the column is NOT grouped by in that set.
_COUNT_SETS = {0b0111: OVERALL, 0b1011: "kind", 0b1101: "size_class", 0b1110: "region"}
_COUNT_SQL = (
    # First the answers per (cell, value, group of municipalities) — a few tens of thousands
    # of rows whatever the number of answers — then their totals per dimension.
    "WITH cells AS ("  # noqa: S608 - table names from the models; values are parameters
    "SELECT a.question_id AS q, a.option_id AS o, a.row_id AS r, a.is_other AS x, "
    "a.number AS n, grp.k, grp.s, grp.g, count(*) AS c "
    f"FROM {Answer._meta.db_table} a "
    f"JOIN ({_response_groups_sql()} OFFSET 0) grp ON grp.id = a.response_id "
    "WHERE a.campaign_id = %(campaign)s "
    "AND (a.option_id IS NOT NULL OR a.number IS NOT NULL OR a.is_other) "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) "
    "SELECT GROUPING(n, k, s, g), q, o, r, x, n, k, s, g, sum(c), sum(c * n) FROM cells "
    "GROUP BY q, o, r, x, GROUPING SETS ((n), (k), (s), (g))"
)


# --- counts ----------------------------------------------------------------------------------


def count_rows(*, campaign_id: int, breakdown: bool, regions: dict[int, str]) -> list[CountRow]:
    """Overall rows per (question, option, matrix row, other, value) and, with
    ``breakdown``, rows per (question, option, matrix row, other, group) of every dimension
    with the sum of the numbers (for means). ``regions`` maps region ids to codes."""
    if breakdown and postgresql():
        return _count_rows_postgresql(campaign_id, regions)
    rows = [
        CountRow(
            OVERALL,
            "",
            r["question_id"],
            r["option_id"],
            r["row_id"],
            r["is_other"],
            r["number"],
            r["count"],
            None,
        )
        for r in _counted(campaign_id).values(*_CELL, "number").annotate(count=Count("id"))
    ]
    if breakdown:
        for dimension in DIMENSIONS:
            rows += [
                CountRow(
                    dimension,
                    _key(dimension, r["key"]),
                    r["question_id"],
                    r["option_id"],
                    r["row_id"],
                    r["is_other"],
                    None,
                    r["count"],
                    r["total"],
                )
                for r in _counted(campaign_id)
                .values(*_CELL, key=F(_ANSWER_PATHS[dimension]))
                .annotate(count=Count("id"), total=Sum("number"))
            ]
    return rows


def _count_rows_postgresql(campaign_id: int, regions: dict[int, str]) -> list[CountRow]:
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(_COUNT_SQL, _group_parameters(campaign_id))
        for grouping, q, o, r, x, n, k, s, g, count, total in cursor.fetchall():
            dimension = _COUNT_SETS[grouping]
            overall = dimension == OVERALL
            rows.append(
                CountRow(
                    dimension,
                    _group_key(dimension, k, s, g, regions),
                    q,
                    o,
                    r,
                    x,
                    n if overall else None,
                    int(count),
                    None if overall else total,
                )
            )
    return rows


# --- respondents of questions answered with several rows -------------------------------------


_RESPONDENT_SETS = {0b111: OVERALL, 0b011: "kind", 0b101: "size_class", 0b110: "region"}
_RESPONDENT_PATHS = {
    "kind": "invitation__municipality__kind",
    "size_class": "invitation__municipality__main_town__size_class",
    "region": "invitation__municipality__region__code",
}


def respondent_rows(
    *,
    campaign_id: int,
    question_ids: Iterable[int],
    breakdown: bool,
    regions: dict[int, str],
) -> list[RespondentRow]:
    """How many respondents answered each question of ``question_ids`` (with an option or
    a rated row, or with the "other" text), overall and with ``breakdown`` per group.

    A question answered with several Answer rows per respondent cannot be counted by
    counting rows; counting distinct respondents over the answers would take another pass
    over all of them, so this reads the responses' answers instead (one per respondent):
    a question is answered when its key (or its "other" key) is there."""
    ids = sorted(set(question_ids))
    if not ids:
        return []
    keys = {qid: [str(qid), f"{qid}{OTHER_SUFFIX}"] for qid in ids}
    if breakdown and postgresql():
        return _respondent_rows_postgresql(campaign_id, keys, regions)
    submitted = Response.objects.filter(
        campaign_id=campaign_id, status=Response.Status.SUBMITTED
    ).order_by()
    counts = {f"q{qid}": Count("id", filter=Q(answers__has_any_keys=k)) for qid, k in keys.items()}
    totals = submitted.aggregate(**counts)
    rows = [RespondentRow(OVERALL, "", qid, totals[f"q{qid}"] or 0) for qid in ids]
    if breakdown:
        for dimension in DIMENSIONS:
            for group in submitted.values(key=F(_RESPONDENT_PATHS[dimension])).annotate(**counts):
                key = _key(dimension, group["key"])
                rows += [RespondentRow(dimension, key, qid, group[f"q{qid}"]) for qid in ids]
    return rows


def _respondent_rows_postgresql(
    campaign_id: int, keys: dict[int, list[str]], regions: dict[int, str]
) -> list[RespondentRow]:
    ids = list(keys)
    filters = ", ".join(f"count(*) FILTER (WHERE answers ?| %(keys_{qid})s)" for qid in ids)
    sql = (
        f"SELECT GROUPING(k, s, g), k, s, g, {filters} "  # noqa: S608 - no input in the text
        f"FROM ({_response_groups_sql(answers=True)}) grp "
        "GROUP BY GROUPING SETS ((), (k), (s), (g))"
    )
    parameters = _group_parameters(campaign_id)
    parameters.update({f"keys_{qid}": k for qid, k in keys.items()})
    rows = []
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters)
        for grouping, k, s, g, *counts in cursor.fetchall():
            dimension = _RESPONDENT_SETS[grouping]
            key = _group_key(dimension, k, s, g, regions)
            rows += [
                RespondentRow(dimension, key, qid, int(count))
                for qid, count in zip(ids, counts, strict=True)
            ]
    return rows


# --- free texts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextRow:
    question_id: int
    is_other: bool
    text: str
    # How many texts the question has in all (the rows are capped).
    total: int


def text_rows(*, campaign_id: int, question_ids: Iterable[int], limit: int) -> list[TextRow]:
    """The latest ``limit`` texts of each question in ``question_ids`` (answers of text
    questions and "other" texts, apart), newest submission first, with their totals. One
    query: window functions number and count the texts of each question."""
    ids = sorted(set(question_ids))
    if not ids:
        return []
    partition = [F("question_id"), F("is_other")]
    ranked = (
        _answers(campaign_id)
        .filter(question_id__in=ids)
        .exclude(text="")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=partition,
                order_by=[F("response__submitted_at").desc(nulls_last=True), F("id").desc()],
            ),
            total=Window(Count("id"), partition_by=partition),
        )
        .filter(rank__lte=limit)
        .order_by("question_id", "is_other", "rank")
        .values_list("question_id", "is_other", "text", "total")
    )
    return [TextRow(*row) for row in ranked]
