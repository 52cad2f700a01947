"""Campaign results: counts, shares, means, medians, texts, response rates and breakdowns.

``campaign_results`` reads nothing but the campaign's running tallies (``tallies``: counts
kept by every submit), the newest texts and the frozen questionnaire version, so it costs the
same handful of small queries for ten responses or twenty thousand. The dictionary it
returns is the API's shape (``GET /api/v1/campaigns/{id}/results/``) and what the results
page, the PDF report and the exports print.

Rules of counting:

- ``respondents`` are the submitted responses; an option's ``share`` is its count divided by
  ``respondents``. A multiple choice counts each chosen option on its own, so its shares need
  not add up to 1; ``answered`` says how many respondents answered the question at all (a
  question shown only under a condition is answered by fewer).
- Means and medians are of the values given; the median of an even count is the mean of the
  two middle values.
- Breakdowns group respondents by the kind of their municipality, the size class of its main
  town (the largest town linked to it; "unknown" without one) and its region, as they were
  when the respondent submitted (a later change of the registry moves no answers). In an
  anonymous campaign a breakdown cell answered by fewer than ``K_ANONYMITY`` respondents is
  suppressed: it says so and carries no numbers, not even its respondent count.
- Response rates per municipality are always shown, also in anonymous campaigns: that an
  official of a municipality answered is not an answer (the invitation list shows it
  anyway), whereas the answers of a group of one or two would be.
- Texts are plain strings, newest first (the last written first), without names, in every
  campaign; at most ``TEXTS_LIMIT`` per question are listed, ``texts_total`` says how many
  there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection
from django.utils.translation import gettext as _

from municipalities.models import Municipality, Region
from municipalities.size_classes import SizeClass
from surveys.models import (
    SCALE_MAX,
    SCALE_MIN,
    Campaign,
    Invitation,
    QuestionnaireVersion,
    QuestionType,
)
from surveys.results import tallies
from surveys.results.tallies import (
    DIMENSIONS,
    NO_SIZE_CLASS,
    OVERALL,
    VALUE_PLACES,
    VALUE_SCALE,
    CountRow,
)

# Breakdown cells of anonymous campaigns answered by fewer respondents are suppressed.
K_ANONYMITY = 3
# Texts listed per question (the newest); the page links to the rest through the export.
TEXTS_LIMIT = 500

CHOICE_TYPES = frozenset({QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE})
NUMERIC_TYPES = frozenset({QuestionType.SCALE, QuestionType.NUMBER})
TEXT_TYPES = frozenset({QuestionType.SHORT_TEXT, QuestionType.LONG_TEXT})

Number = int | float


class Place(NamedTuple):
    """A municipality of the campaign with its region and its response rate."""

    pk: int
    oktmo: str
    name: str
    region_code: str
    region_name: str
    invited: int
    respondents: int


# The campaign's municipalities — its targets and any with invitations — with how many were
# invited there, in one pass: the invitations are counted from the index on (campaign,
# municipality) alone (COUNT(*): no column outside it), who submitted is in the tallies.
_PLACES_SQL = (
    "SELECT m.id, m.oktmo, m.name, r.code, r.name, COALESCE(i.invited, 0) "  # noqa: S608
    f"FROM {Municipality._meta.db_table} m "
    f"JOIN {Region._meta.db_table} r ON r.id = m.region_id "
    "LEFT JOIN (SELECT municipality_id, COUNT(*) AS invited "
    f"FROM {Invitation._meta.db_table} WHERE campaign_id = %s GROUP BY municipality_id) i "
    "ON i.municipality_id = m.id "
    "WHERE i.municipality_id IS NOT NULL OR m.id IN (SELECT municipality_id "
    f"FROM {Campaign.municipalities.through._meta.db_table} WHERE campaign_id = %s) "
    "ORDER BY m.oktmo"
)


def _places(campaign: Campaign, respondents: Mapping[int, int]) -> list[Place]:
    """The campaign's municipalities with their response rates (one query; the respondents
    come from the tallies)."""
    with connection.cursor() as cursor:
        cursor.execute(_PLACES_SQL, [campaign.pk, campaign.pk])
        rows = cursor.fetchall()
    return [
        Place(pk, oktmo, name, region_code, region_name, invited, respondents.get(pk, 0))
        for pk, oktmo, name, region_code, region_name, invited in rows
    ]


def _ratio(part: Number | Decimal, whole: Number | Decimal) -> float:
    return float(Decimal(part) / Decimal(whole)) if whole else 0.0


def _rate(part: int, whole: int) -> float | None:
    # No invitation, no rate (rather than a misleading 0 %).
    return part / whole if whole else None


def median_of(distribution: Iterable[tuple[Decimal, int]]) -> Decimal | None:
    """The median of values given as (value, count) pairs: the middle value, or the mean of
    the two middle ones for an even count (what PostgreSQL's percentile_cont(0.5) gives)."""
    counts: dict[Decimal, int] = {}
    for value, count in distribution:
        if count:
            counts[value] = counts.get(value, 0) + count
    middle = _middle(sorted(counts), counts)
    if middle is None:
        return None
    low, high = middle
    return low if low == high else (low + high) / 2


def _middle(ordered: Sequence[Any], counts: Mapping[Any, int]) -> tuple[Any, Any] | None:
    """The two middle values of the values ``ordered`` given ``counts`` times each — the one
    middle value twice for an odd count — or None without any."""
    total = sum(counts.values())
    if not total:
        return None
    # 1-based positions of the middle value(s).
    low, high = (total + 1) // 2, total // 2 + 1
    seen = 0
    found: dict[int, Any] = {}
    for value in ordered:
        first, seen = seen + 1, seen + counts[value]
        for position in (low, high):
            if position not in found and first <= position <= seen:
                found[position] = value
        if len(found) == 2 or (low == high and found):
            break
    return found[low], found[high]


def _scaled_number(value: int, scale: int = VALUE_SCALE) -> Number:
    """``value / scale`` as results print numbers: an int when whole, else the nearest float
    (what ``float`` of the decimal gives: Python rounds the quotient of integers exactly)."""
    return value / scale if value % scale else value // scale


def _mean(count: int, total: Decimal | None) -> float | None:
    return float(total / count) if count and total is not None else None


class _Tally:
    """The rows of ``tallies`` indexed for building questions."""

    def __init__(self, counts: tallies.Tallies, texts: list[tallies.TextRow]) -> None:
        self.overall: dict[int, list[CountRow]] = defaultdict(list)
        self.grouped: dict[tuple[str, int], dict[str, list[CountRow]]] = defaultdict(
            lambda: defaultdict(list)
        )
        # How many texts a question has, its own (False) and "other" ones (True).
        self.text_totals: dict[tuple[int, bool], int] = defaultdict(int)
        for row in counts.counts:
            if row.dimension == OVERALL:
                self.overall[row.question_id].append(row)
                if row.option_id is None and row.row_id is None and row.total is None:
                    self.text_totals[(row.question_id, row.is_other)] += row.count
            else:
                self.grouped[(row.dimension, row.question_id)][row.key].append(row)
        self.values = counts.values
        self.respondents = {
            (r.dimension, r.key, r.question_id): r.count for r in counts.respondents
        }
        self.texts: dict[tuple[int, bool], list[str]] = defaultdict(list)
        for text in texts:
            self.texts[(text.question_id, text.is_other)].append(text.text)
        self._ordered: dict[tuple[int, int | None], list[int]] = {}

    def distribution(
        self, question_id: int, row_id: int | None = None
    ) -> tuple[list[int], Mapping[int, int]]:
        """The values given to a question or a matrix row (× VALUE_SCALE), in order, and how
        many gave each. (Counts by value rather than (value, count) pairs: a number question
        may have a value per respondent, and every pair would be one more object.)"""
        key = (question_id, row_id)
        counts = self.values.get(key, {})
        if key not in self._ordered:
            self._ordered[key] = sorted(counts)
        return self._ordered[key], counts

    def summary(
        self, question_id: int, row_id: int | None = None
    ) -> tuple[int, float | None, Number | None]:
        """How many answered, the mean and the median of a question or a matrix row."""
        ordered, counts = self.distribution(question_id, row_id)
        answered = sum(counts.values())
        total = sum(value * count for value, count in counts.items())
        middle = _middle(ordered, counts)
        return (
            answered,
            # As the decimals of the answers would give it.
            _mean(answered, Decimal(total).scaleb(-VALUE_PLACES)),
            None if middle is None else _scaled_number(sum(middle), 2 * VALUE_SCALE),
        )


class _Groups:
    """Keys and labels of the breakdown groups, in a stable order."""

    def __init__(self, places: list[Place]) -> None:
        self.region_names = {p.region_code: p.region_name for p in places}
        self.kind_order = {value: i for i, value in enumerate(Municipality.Kind.values)}
        self.size_order = {value: i for i, value in enumerate(SizeClass.values)}
        # Every question repeats the groups; translating a label is not free.
        self._labels: dict[tuple[str, str], str] = {}

    def order(self, dimension: str, keys: Iterable[str]) -> list[str]:
        if dimension == "kind":
            return sorted(keys, key=lambda k: (self.kind_order.get(k, len(self.kind_order)), k))
        if dimension == "size_class":
            return sorted(keys, key=lambda k: (self.size_order.get(k, len(self.size_order)), k))
        return sorted(keys)

    def label(self, dimension: str, key: str) -> str:
        label = self._labels.get((dimension, key))
        if label is None:
            label = self._labels[(dimension, key)] = self._label(dimension, key)
        return label

    def _label(self, dimension: str, key: str) -> str:
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
        ordered, counts = self.tally.distribution(qid)
        result["answered"], result["mean"], result["median"] = self.tally.summary(qid)
        if question["type"] == QuestionType.SCALE:
            result["distribution"] = _scale_distribution(counts)
            result["scale"] = question.get("scale")
        else:
            # ``_scaled_number`` inlined: a number question may have a value per respondent.
            result["distribution"] = [
                {
                    "value": value / VALUE_SCALE if value % VALUE_SCALE else value // VALUE_SCALE,
                    "count": counts[value],
                }
                for value in ordered
            ]
            result["min"] = _scaled_number(ordered[0]) if ordered else None
            result["max"] = _scaled_number(ordered[-1]) if ordered else None
        if self.breakdown:
            result["breakdowns"] = self._breakdowns(question, self._numeric_cell)

    def _matrix(self, question: Mapping[str, Any], result: dict[str, Any]) -> None:
        qid = question["id"]
        result["answered"] = self.tally.respondents.get((OVERALL, "", qid), 0)
        result["scale"] = question.get("scale")
        rows = []
        for row in question["rows"]:
            answered, mean, median = self.tally.summary(qid, row["id"])
            rows.append(
                {
                    "id": row["id"],
                    "text": row["text"],
                    "answered": answered,
                    "mean": mean,
                    "median": median,
                    "distribution": _scale_distribution(self.tally.distribution(qid, row["id"])[1]),
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
            cells = []
            for key in self.groups.order(dimension, grouped):
                respondents, numbers = cell(question, dimension, key, grouped[key])
                if respondents:
                    cells.append((key, respondents, numbers))
            hidden = self._suppressed(cells)
            entries = []
            for key, respondents, numbers in cells:
                entry: dict[str, Any] = {
                    "key": key,
                    "label": self.groups.label(dimension, key),
                }
                if key in hidden:
                    entry["suppressed"] = True
                else:
                    entry.update({"suppressed": False, "respondents": respondents, **numbers})
                entries.append(entry)
            breakdowns[dimension] = entries
        return breakdowns

    def _suppressed(self, cells: list[tuple[str, int, Any]]) -> set[str]:
        """The groups whose numbers are withheld (anonymous campaigns): those answered by
        fewer than ``K_ANONYMITY`` respondents, as the issue defines it. A single hidden group
        can still be worked out as the overall numbers minus the shown groups; hiding a
        second, large enough group too (complementary suppression) would hide numbers the
        rule says to show, so it is not done."""
        if not self.anonymous:
            return set()
        return {key for key, respondents, _ in cells if respondents < K_ANONYMITY}

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


def _scale_distribution(counts: Mapping[int, int]) -> list[dict[str, int]]:
    """Every point of the scale with how many chose it (``counts`` by value × VALUE_SCALE)."""
    points = {value // VALUE_SCALE: count for value, count in counts.items()}
    return [
        {"value": value, "count": points.get(value, 0)} for value in range(SCALE_MIN, SCALE_MAX + 1)
    ]


def _tally(campaign: Campaign, questions: list[dict[str, Any]], counts: tallies.Tallies) -> _Tally:
    texts = tallies.text_rows(
        campaign_id=campaign.pk,
        question_ids=[q["id"] for q in questions if q["type"] in TEXT_TYPES or q.get("has_other")],
        limit=TEXTS_LIMIT,
    )
    return _Tally(counts, texts)


def campaign_results(*, campaign: Campaign, breakdown: bool = True) -> dict[str, Any]:
    """The results of ``campaign`` so far (see the module's docstring for the rules), in a
    fixed number of queries whatever the number of responses."""
    schema = QuestionnaireVersion.objects.values_list("schema", flat=True).get(
        pk=campaign.questionnaire_version_id
    )
    questions = schema.get("questions", [])
    counts = tallies.campaign_tallies(campaign_id=campaign.pk, breakdown=breakdown)
    places = _places(campaign, counts.municipalities)
    respondents = sum(p.respondents for p in places)
    invited = sum(p.invited for p in places)
    tally = _tally(campaign, questions, counts)
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
