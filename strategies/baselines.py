"""The baseline of a target indicator linked to the registry: one figure for the whole group
of participants, computed from their registry values.

The rule, kept simple on purpose so that staff can check it by hand:

- the year is the latest one up to the strategy's first year in which *every* participant
  has a value (a sum or mean over part of the group would be a different territory);
- an additive indicator (population, budget totals) is the sum over the participants;
- any other indicator (wages, per-capita figures, rates) is the mean weighted by population,
  each participant's population taken from the registry year nearest the baseline year
  (censuses are rarer than the yearly series); when a participant's population is unknown,
  the plain mean.
"""

from collections.abc import Collection
from decimal import Decimal

from municipalities.models import Indicator, IndicatorValue

POPULATION = "population"
PLACES = Decimal("0.0001")  # TargetIndicator.baseline_value has four decimal places


def _populations(municipality_ids: Collection[int], year: int) -> dict[int, Decimal] | None:
    """Population of each municipality in the registry year nearest ``year`` (the earlier of
    two equally near); ``None`` when one of them has none or the total is not positive."""
    best: dict[int, tuple[tuple[int, int], Decimal]] = {}
    rows = IndicatorValue.objects.filter(
        indicator__code=POPULATION, municipality_id__in=municipality_ids
    ).values_list("municipality_id", "year", "value")
    for municipality_id, value_year, value in rows:
        rank = (abs(value_year - year), value_year)
        if municipality_id not in best or rank < best[municipality_id][0]:
            best[municipality_id] = (rank, value)
    weights = {pk: value for pk, (_rank, value) in best.items()}
    if set(weights) != set(municipality_ids) or sum(weights.values()) <= 0:
        return None
    return weights


def registry_baseline(
    *, indicator: Indicator, municipality_ids: Collection[int], up_to_year: int
) -> tuple[int, Decimal] | None:
    """``(year, value)`` for the group, or ``None`` when no year has every participant."""
    ids = set(municipality_ids)
    if not ids:
        return None
    by_year: dict[int, dict[int, Decimal]] = {}
    rows = IndicatorValue.objects.filter(
        indicator=indicator, municipality_id__in=ids, year__lte=up_to_year
    ).values_list("year", "municipality_id", "value")
    for year, municipality_id, value in rows:
        by_year.setdefault(year, {})[municipality_id] = value
    complete = [year for year, values in by_year.items() if set(values) == ids]
    if not complete:
        return None
    year = max(complete)
    values = by_year[year]
    if indicator.additive:
        result = sum(values.values(), Decimal(0))
    else:
        weights = _populations(ids, year)
        if weights is None:
            result = sum(values.values(), Decimal(0)) / len(values)
        else:
            total = sum(weights.values(), Decimal(0))
            result = sum((values[pk] * weights[pk] for pk in ids), Decimal(0)) / total
    return year, result.quantize(PLACES)
