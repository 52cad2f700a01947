"""Campaign results: counts, shares, means, medians, texts, response rates and breakdowns.

``campaign_results`` reads nothing but aggregates (``tallies``) and the frozen questionnaire
version, so it costs the same handful of queries for ten responses or twenty thousand. The
dictionary it returns is the API's shape (``GET /api/v1/campaigns/{id}/results/``) and what
the results page, the PDF report and the exports print.

Rules of counting:

- ``respondents`` are the submitted responses; an option's ``share`` is its count divided by
  ``respondents``. A multiple choice counts each chosen option on its own, so its shares need
  not add up to 1; ``answered`` says how many respondents answered the question at all (a
  question shown only under a condition is answered by fewer).
- Means and medians are of the values given; the median of an even count is the mean of the
  two middle values.
- Breakdowns group respondents by the kind of their municipality, the size class of its main
  town (the largest town linked to it; "unknown" without one) and its region. In an
  anonymous campaign a breakdown cell answered by fewer than ``K_ANONYMITY`` respondents is
  suppressed: it says so and carries no numbers, not even its respondent count.
- Response rates per municipality are always shown, also in anonymous campaigns: that an
  official of a municipality answered is not an answer (the invitation list shows it
  anyway), whereas the answers of a group of one or two would be.
- Texts are plain strings, newest first, without names, in every campaign; at most
  ``TEXTS_LIMIT`` per question are listed, ``texts_total`` says how many there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from municipalities.models import Municipality
from municipalities.size_classes import SizeClass
from surveys.models import (
    SCALE_MAX,
    SCALE_MIN,
    Campaign,
    Invitation,
    QuestionnaireVersion,
    QuestionType,
    Response,
)
from surveys.results import tallies
from surveys.results.tallies import DIMENSIONS, NO_SIZE_CLASS, OVERALL, CountRow

# Breakdown cells of anonymous campaigns answered by fewer respondents are suppressed.
K_ANONYMITY = 3
# Texts listed per question (the newest); the page links to the rest through the export.
TEXTS_LIMIT = 500

MULTI_ROW_TYPES = frozenset({QuestionType.MULTIPLE_CHOICE, QuestionType.MATRIX})
CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})
NUMERIC_TYPES = frozenset({QuestionType.SCALE, QuestionType.NUMBER})
TEXT_TYPES = frozenset({QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT})

Number = int | float


@dataclass(frozen=True)
class Place:
    """A municipality of the campaign with its region and its response rate."""

    pk: int
    oktmo: str
    name: str
    region_id: int
    region_code: str
    region_name: str
    invited: int
    respondents: int


def _places(campaign: Campaign) -> list[Place]:
    """The campaign's municipalities (its targets and any with invitations), two queries."""
    rates = {
        row["municipality_id"]: (row["invited"], row["respondents"])
        for row in Invitation.objects.filter(campaign=campaign)
        .order_by()
        .values("municipality_id")
        .annotate(
            invited=Count("id"),
            respondents=Count("id", filter=Q(response__status=Response.Status.SUBMITTED)),
        )
    }
    targets = Campaign.municipalities.through.objects.filter(campaign_id=campaign.pk).values(
        "municipality_id"
    )
    municipalities = (
        Municipality.objects.filter(Q(pk__in=targets) | Q(pk__in=list(rates)))
        .order_by("oktmo")
        .values_list(
            "pk",
            "oktmo",
            "name",
            "region_id",
            "region__code",
            "region__name",
        )
    )
    return [
        Place(
            pk=pk,
            oktmo=oktmo,
            name=name,
            region_id=region_id,
            region_code=region_code,
            region_name=region_name,
            invited=rates.get(pk, (0, 0))[0],
            respondents=rates.get(pk, (0, 0))[1],
        )
        for pk, oktmo, name, region_id, region_code, region_name in municipalities
    ]


def _number(value: Decimal | None) -> Number | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _ratio(part: Number | Decimal, whole: Number | Decimal) -> float:
    return float(Decimal(part) / Decimal(whole)) if whole else 0.0


def _rate(part: int, whole: int) -> float | None:
    # No invitation, no rate (rather than a misleading 0 %).
    return part / whole if whole else None


def median_of(distribution: Iterable[tuple[Decimal, int]]) -> Decimal | None:
    """The median of values given as (value, count) pairs: the middle value, or the mean of
    the two middle ones for an even count (what PostgreSQL's percentile_cont(0.5) gives)."""
    ordered = sorted((value, count) for value, count in distribution if count)
    total = sum(count for _value, count in ordered)
    if not total:
        return None
    # 1-based positions of the middle value(s).
    low, high = (total + 1) // 2, total // 2 + 1
    seen = 0
    found: dict[int, Decimal] = {}
    for value, count in ordered:
        first, seen = seen + 1, seen + count
        for position in (low, high):
            if position not in found and first <= position <= seen:
                found[position] = value
        if len(found) == 2 or (low == high and found):
            break
    return found[low] if total % 2 else (found[low] + found[high]) / 2


def _mean(count: int, total: Decimal | None) -> float | None:
    return float(total / count) if count and total is not None else None


class _Tally:
    """The rows of ``tallies`` indexed for building questions."""

    def __init__(
        self,
        counts: list[CountRow],
        respondents: list[tallies.RespondentRow],
        texts: list[tallies.TextRow],
    ) -> None:
        self.overall: dict[int, list[CountRow]] = defaultdict(list)
        self.grouped: dict[tuple[str, int], dict[str, list[CountRow]]] = defaultdict(
            lambda: defaultdict(list)
        )
        for row in counts:
            if row.dimension == OVERALL:
                self.overall[row.question_id].append(row)
            else:
                self.grouped[(row.dimension, row.question_id)][row.key].append(row)
        self.respondents = {(r.dimension, r.key, r.question_id): r.count for r in respondents}
        self.texts: dict[tuple[int, bool], list[str]] = defaultdict(list)
        self.text_totals: dict[tuple[int, bool], int] = {}
        for text in texts:
            self.texts[(text.question_id, text.is_other)].append(text.text)
            self.text_totals[(text.question_id, text.is_other)] = text.total

    def distribution(
        self, question_id: int, row_id: int | None = None
    ) -> list[tuple[Decimal, int]]:
        return sorted(
            (row.number, row.count)
            for row in self.overall[question_id]
            if row.number is not None and row.row_id == row_id and row.option_id is None
        )

    def median(self, question_id: int, row_id: int | None = None) -> Decimal | None:
        return median_of(self.distribution(question_id, row_id))


class _Groups:
    """Keys and labels of the breakdown groups, in a stable order."""

    def __init__(self, places: list[Place]) -> None:
        self.region_names = {p.region_code: p.region_name for p in places}
        self.kind_order = {value: i for i, value in enumerate(Municipality.Kind.values)}
        self.size_order = {value: i for i, value in enumerate(SizeClass.values)}

    def order(self, dimension: str, keys: Iterable[str]) -> list[str]:
        if dimension == "kind":
            return sorted(keys, key=lambda k: (self.kind_order.get(k, len(self.kind_order)), k))
        if dimension == "size_class":
            return sorted(keys, key=lambda k: (self.size_order.get(k, len(self.size_order)), k))
        return sorted(keys)

    def label(self, dimension: str, key: str) -> str:
        if dimension == "kind":
            return str(Municipality.Kind(key).label) if key in self.kind_order else key
        if dimension == "size_class":
            if key == NO_SIZE_CLASS:
                return _("unknown (no main town)")
            return str(SizeClass(key).label) if key in self.size_order else key
        return self.region_names.get(key, key)


class _Builder:
    def __init__(
        self, *, tally: _Tally, groups: _Groups, respondents: int, anonymous: bool, breakdown: bool
    ) -> None:
        self.tally = tally
        self.groups = groups
        self.respondents = respondents
        self.anonymous = anonymous
        self.breakdown = breakdown

    def question(self, question: Mapping[str, Any]) -> dict[str, Any]:
        kind = question["type"]
        result: dict[str, Any] = {
            "id": question["id"],
            "type": kind,
            "text": question["text"],
            "answered": 0,
            "options": [],
        }
        if kind in CHOICE_TYPES:
            self._choice(question, result)
        elif kind in NUMERIC_TYPES:
            self._numeric(question, result)
        elif kind == QuestionType.MATRIX:
            self._matrix(question, result)
        else:
            self._text(question, result)
        return result

    # --- one question per type ---------------------------------------------------------------

    def _choice(self, question: Mapping[str, Any], result: dict[str, Any]) -> None:
        qid = question["id"]
        rows = self.tally.overall[qid]
        counts = _option_counts(rows)
        other = sum(row.count for row in rows if row.is_other)
        if question["type"] == QuestionType.MULTIPLE_CHOICE:
            answered = self.tally.respondents.get((OVERALL, "", qid), 0)
        else:
            # One option or the "other" text per respondent (the answers are checked so).
            answered = sum(counts.values()) + other
        result["answered"] = answered
        result["options"] = [
            {
                "id": option["id"],
                "text": option["text"],
                "count": counts.get(option["id"], 0),
                "share": _ratio(counts.get(option["id"], 0), self.respondents),
            }
            for option in question["options"]
        ]
        if question.get("has_other"):
            result["other_count"] = other
            result["other_share"] = _ratio(other, self.respondents)
            result["other_texts"] = self.tally.texts.get((qid, True), [])
            result["other_texts_total"] = self.tally.text_totals.get((qid, True), 0)
        if self.breakdown:
            result["breakdowns"] = self._breakdowns(question, self._choice_cell)

    def _numeric(self, question: Mapping[str, Any], result: dict[str, Any]) -> None:
        qid = question["id"]
        distribution = self.tally.distribution(qid)
        answered = sum(count for _value, count in distribution)
        total = sum((value * count for value, count in distribution), Decimal(0))
        result["answered"] = answered
        result["mean"] = _mean(answered, total)
        result["median"] = _number(self.tally.median(qid))
        if question["type"] == QuestionType.SCALE:
            result["distribution"] = _scale_distribution(distribution)
            result["scale"] = question.get("scale")
        else:
            result["distribution"] = [
                {"value": _number(value), "count": count} for value, count in distribution
            ]
            result["min"] = _number(distribution[0][0]) if distribution else None
            result["max"] = _number(distribution[-1][0]) if distribution else None
        if self.breakdown:
            result["breakdowns"] = self._breakdowns(question, self._numeric_cell)

    def _matrix(self, question: Mapping[str, Any], result: dict[str, Any]) -> None:
        qid = question["id"]
        result["answered"] = self.tally.respondents.get((OVERALL, "", qid), 0)
        result["scale"] = question.get("scale")
        rows = []
        for row in question["rows"]:
            distribution = self.tally.distribution(qid, row["id"])
            answered = sum(count for _value, count in distribution)
            total = sum((value * count for value, count in distribution), Decimal(0))
            rows.append(
                {
                    "id": row["id"],
                    "text": row["text"],
                    "answered": answered,
                    "mean": _mean(answered, total),
                    "median": _number(self.tally.median(qid, row["id"])),
                    "distribution": _scale_distribution(distribution),
                }
            )
        result["rows"] = rows
        if self.breakdown:
            result["breakdowns"] = self._breakdowns(question, self._matrix_cell)

    def _text(self, question: Mapping[str, Any], result: dict[str, Any]) -> None:
        qid = question["id"]
        total = self.tally.text_totals.get((qid, False), 0)
        result["answered"] = total
        result["texts"] = self.tally.texts.get((qid, False), [])
        result["texts_total"] = total

    # --- breakdowns --------------------------------------------------------------------------

    def _breakdowns(self, question: Mapping[str, Any], cell: Any) -> dict[str, list[dict]]:
        qid = question["id"]
        breakdowns: dict[str, list[dict]] = {}
        for dimension in DIMENSIONS:
            grouped = self.tally.grouped.get((dimension, qid), {})
            entries = []
            for key in self.groups.order(dimension, grouped):
                respondents, numbers = cell(question, dimension, key, grouped[key])
                if not respondents:
                    continue
                entry: dict[str, Any] = {
                    "key": key,
                    "label": self.groups.label(dimension, key),
                }
                if self.anonymous and respondents < K_ANONYMITY:
                    entry["suppressed"] = True
                else:
                    entry.update({"suppressed": False, "respondents": respondents, **numbers})
                entries.append(entry)
            breakdowns[dimension] = entries
        return breakdowns

    def _choice_cell(
        self, question: Mapping[str, Any], dimension: str, key: str, rows: list[CountRow]
    ) -> tuple[int, dict[str, Any]]:
        counts = _option_counts(rows)
        if question["type"] == QuestionType.MULTIPLE_CHOICE:
            respondents = self.tally.respondents.get((dimension, key, question["id"]), 0)
        else:
            respondents = sum(counts.values()) + sum(row.count for row in rows if row.is_other)
        options = [
            {
                "id": option["id"],
                "count": counts.get(option["id"], 0),
                "share": _ratio(counts.get(option["id"], 0), respondents),
            }
            for option in question["options"]
        ]
        numbers: dict[str, Any] = {"options": options}
        if question.get("has_other"):
            other = sum(row.count for row in rows if row.is_other)
            numbers.update(other_count=other, other_share=_ratio(other, respondents))
        return respondents, numbers

    def _numeric_cell(
        self, question: Mapping[str, Any], dimension: str, key: str, rows: list[CountRow]
    ) -> tuple[int, dict[str, Any]]:
        count = sum(row.count for row in rows if row.total is not None)
        total = sum((row.total for row in rows if row.total is not None), Decimal(0))
        return count, {"mean": _mean(count, total)}

    def _matrix_cell(
        self, question: Mapping[str, Any], dimension: str, key: str, rows: list[CountRow]
    ) -> tuple[int, dict[str, Any]]:
        respondents = self.tally.respondents.get((dimension, key, question["id"]), 0)
        by_row: dict[int | None, tuple[int, Decimal]] = {}
        for row in rows:
            count, total = by_row.get(row.row_id, (0, Decimal(0)))
            by_row[row.row_id] = (count + row.count, total + (row.total or 0))
        return respondents, {
            "rows": [
                {"id": r["id"], "mean": _mean(*by_row.get(r["id"], (0, None)))}
                for r in question["rows"]
            ]
        }


def _option_counts(rows: Iterable[CountRow]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for row in rows:
        if row.option_id is not None:
            counts[row.option_id] += row.count
    return counts


def _scale_distribution(distribution: Iterable[tuple[Decimal, int]]) -> list[dict[str, int]]:
    counts = {int(value): count for value, count in distribution}
    return [
        {"value": value, "count": counts.get(value, 0)} for value in range(SCALE_MIN, SCALE_MAX + 1)
    ]


def _tally(
    campaign: Campaign,
    questions: list[dict[str, Any]],
    breakdown: bool,
    regions: dict[int, str],
) -> _Tally:
    return _Tally(
        counts=tallies.count_rows(campaign_id=campaign.pk, breakdown=breakdown, regions=regions),
        respondents=tallies.respondent_rows(
            campaign_id=campaign.pk,
            question_ids=[q["id"] for q in questions if q["type"] in MULTI_ROW_TYPES],
            breakdown=breakdown,
            regions=regions,
        ),
        texts=tallies.text_rows(
            campaign_id=campaign.pk,
            question_ids=[
                q["id"] for q in questions if q["type"] in TEXT_TYPES or q.get("has_other")
            ],
            limit=TEXTS_LIMIT,
        ),
    )


def campaign_results(*, campaign: Campaign, breakdown: bool = True) -> dict[str, Any]:
    """The results of ``campaign`` so far (see the module's docstring for the rules), in a
    fixed number of queries whatever the number of responses."""
    schema = QuestionnaireVersion.objects.values_list("schema", flat=True).get(
        pk=campaign.questionnaire_version_id
    )
    questions = schema.get("questions", [])
    places = _places(campaign)
    respondents = sum(p.respondents for p in places)
    invited = sum(p.invited for p in places)
    regions = {p.region_id: p.region_code for p in places}
    with tallies.aggregate_settings():
        tally = _tally(campaign, questions, breakdown, regions)
    builder = _Builder(
        tally=tally,
        groups=_Groups(places),
        respondents=respondents,
        anonymous=campaign.anonymous,
        breakdown=breakdown,
    )
    return {
        "campaign": {
            "id": campaign.pk,
            "title": campaign.title,
            "status": campaign.status,
            "anonymous": campaign.anonymous,
        },
        "respondents": respondents,
        "invited": invited,
        "response_rate": _rate(respondents, invited),
        "suppression_threshold": K_ANONYMITY if campaign.anonymous else None,
        "questions": [builder.question(q) for q in questions],
        "municipalities": [
            {
                "oktmo": p.oktmo,
                "name": p.name,
                "invited": p.invited,
                "respondents": p.respondents,
                "response_rate": _rate(p.respondents, p.invited),
            }
            for p in places
        ],
    }
