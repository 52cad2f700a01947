"""Monitoring of target indicators: is the actual value of a year on track against the
target for that year?

The target for a year is interpolated linearly between the neighbouring known points: the
baseline and the yearly targets (a target given for the baseline year wins over the
baseline). After the last target that target stays in force; before the first point (or with
targets but neither a baseline nor an earlier target) there is nothing to compare with.

Status of an actual against that target, ``higher`` or ``lower`` being better:

- **on track** when it meets or beats the target;
- **at risk** when it misses by at most 5 % of the target's absolute value (a target of 0
  leaves no tolerance);
- **off track** when it misses by more.

The tolerance is of the target value rather than of the road from the baseline, so that it
means the same to staff whatever the baseline: "within 5 % of what we promised".
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from strategies.models import Strategy, TargetIndicator
from strategies.plan_selectors import target_indicator_list

AT_RISK_TOLERANCE = Decimal("0.05")


class TargetStatus(models.TextChoices):
    ON_TRACK = "on_track", _("on track")
    AT_RISK = "at_risk", _("at risk")
    OFF_TRACK = "off_track", _("off track")


def interpolated_target(
    *,
    baseline_year: int | None,
    baseline_value: Decimal | None,
    targets: Mapping[int, Decimal],
    year: int,
) -> Decimal | None:
    """The target for ``year`` (see the module's docstring); ``None`` when there is none."""
    if not targets:
        return None
    points = dict(targets)
    if baseline_year is not None and baseline_value is not None:
        points.setdefault(baseline_year, baseline_value)
    years = sorted(points)
    if year in points:
        return points[year]
    if year < years[0]:
        return None
    if year > years[-1]:
        return points[years[-1]]
    after = next(y for y in years if y > year)
    before = max(y for y in years if y < year)
    share = Decimal(year - before) / Decimal(after - before)
    return points[before] + (points[after] - points[before]) * share


def target_status(
    *,
    direction: str,
    baseline_year: int | None,
    baseline_value: Decimal | None,
    targets: Mapping[int, Decimal],
    year: int,
    actual: Decimal | None,
) -> str | None:
    """``"on_track"``, ``"at_risk"``, ``"off_track"``, or ``None`` without an actual or a
    target for ``year``."""
    if actual is None:
        return None
    target = interpolated_target(
        baseline_year=baseline_year, baseline_value=baseline_value, targets=targets, year=year
    )
    if target is None:
        return None
    ahead = actual - target if direction == TargetIndicator.Direction.HIGHER else target - actual
    if ahead >= 0:
        return TargetStatus.ON_TRACK
    if -ahead <= abs(target) * AT_RISK_TOLERANCE:
        return TargetStatus.AT_RISK
    return TargetStatus.OFF_TRACK


@dataclass(frozen=True)
class TargetCell:
    year: int
    target: Decimal | None
    actual: Decimal | None
    status: str | None


@dataclass(frozen=True)
class TargetRow:
    """One target indicator in the monitoring table: its known values by year of the
    horizon (``None`` for a gap) and the status of the latest year with an actual."""

    target_indicator: TargetIndicator
    baseline_year: int | None
    baseline_value: Decimal | None
    targets: dict[int, Decimal | None]
    actuals: dict[int, Decimal | None]
    statuses: dict[int, str | None]
    status_year: int | None
    status: str | None

    @property
    def cells(self) -> list[TargetCell]:
        """The horizon year by year, for a table."""
        return [
            TargetCell(year, self.targets[year], self.actuals[year], self.statuses[year])
            for year in self.targets
        ]


def _known(target_indicator: TargetIndicator) -> tuple[dict[int, Decimal], dict[int, Decimal]]:
    """Targets and actuals by year, from the prefetched ``values``."""
    targets: dict[int, Decimal] = {}
    actuals: dict[int, Decimal] = {}
    for value in target_indicator.values.all():
        if value.target is not None:
            targets[value.year] = value.target
        if value.actual is not None:
            actuals[value.year] = value.actual
    return targets, actuals


def latest_status(target_indicator: TargetIndicator) -> tuple[int | None, str | None]:
    """The latest year with an actual value and its status (``(None, None)`` without one)."""
    targets, actuals = _known(target_indicator)
    if not actuals:
        return None, None
    year = max(actuals)
    status = target_status(
        direction=target_indicator.direction,
        baseline_year=target_indicator.baseline_year,
        baseline_value=target_indicator.baseline_value,
        targets=targets,
        year=year,
        actual=actuals[year],
    )
    return year, status


def target_row(target_indicator: TargetIndicator, years: range) -> TargetRow:
    """The row of one target indicator; reads its prefetched ``values``."""
    targets, actuals = _known(target_indicator)
    statuses = {
        year: target_status(
            direction=target_indicator.direction,
            baseline_year=target_indicator.baseline_year,
            baseline_value=target_indicator.baseline_value,
            targets=targets,
            year=year,
            actual=actual,
        )
        for year, actual in actuals.items()
    }
    status_year = max(actuals, default=None)
    return TargetRow(
        target_indicator=target_indicator,
        baseline_year=target_indicator.baseline_year,
        baseline_value=target_indicator.baseline_value,
        targets={year: targets.get(year) for year in years},
        actuals={year: actuals.get(year) for year in years},
        statuses={year: statuses.get(year) for year in years},
        status_year=status_year,
        status=None if status_year is None else statuses[status_year],
    )


def target_table(*, strategy: Strategy) -> list[TargetRow]:
    """Every target indicator of the strategy, in three queries whatever their number."""
    return [target_row(t, strategy.years) for t in target_indicator_list(strategy=strategy)]
