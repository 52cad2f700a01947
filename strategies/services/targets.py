"""Target indicators: what the strategy promises (baseline, a target per year, optionally
split into each participant's contribution) and, for monitoring, what came true (the
actual value per year).

Targets and contributions are content: written like the rest of the plan (see
``strategies.services.plan``), they move an open review to the new text. Actual values are
monitoring data: recorded in any status, adopted included, by the plan's writers; they are
not in the signed snapshot and leave the review alone."""

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from municipalities.models import Indicator, Municipality
from strategies import permissions
from strategies.baselines import registry_baseline
from strategies.models import (
    Objective,
    Strategy,
    TargetContribution,
    TargetIndicator,
    TargetValue,
)
from strategies.services.events import strategy_event_write
from strategies.services.locking import lock_versioned
from strategies.services.plan_common import (
    TITLE_LENGTH,
    UNSET,
    Errors,
    Unset,
    check_position,
    invalid,
    lock_for_actuals,
    lock_for_plan,
    number_error,
    position_or_next,
    record,
    strategy_id_of,
    text,
    year_values,
)

VALUE_DIGITS = 16  # TargetValue and the baseline: 20 digits, 4 of them after the point
PLACES = Decimal("0.0001")
FIELDS = [
    "objective_id",
    "indicator_id",
    "name",
    "unit",
    "direction",
    "baseline_year",
    "baseline_value",
    "position",
]


class ContributionRow(NamedTuple):
    """A participant's share of the target in a year."""

    municipality: Municipality
    year: int
    value: Decimal


YearValues = Mapping[int, Decimal | None]


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.quantize(PLACES).normalize(), "f")


def _state(
    target: TargetIndicator,
    targets: Mapping[int, Decimal],
    actuals: Mapping[int, Decimal],
    contributions: Sequence[TargetContribution | ContributionRow],
) -> dict[str, Any]:
    """Everything a version of the target indicator holds, comparable and JSON-safe (the
    audit row's before and after)."""
    state: dict[str, Any] = {name: getattr(target, name) for name in FIELDS}
    state["baseline_value"] = _number(target.baseline_value)
    state["targets"] = {str(year): _number(value) for year, value in sorted(targets.items())}
    state["actuals"] = {str(year): _number(value) for year, value in sorted(actuals.items())}
    state["contributions"] = sorted(
        [row.municipality.pk, row.year, _number(row.value)] for row in contributions
    )
    return state


def _check_baseline(
    errors: Errors, strategy: Strategy, year: int | None, value: Decimal | None
) -> None:
    if (year is None) != (value is None):
        field = "baseline_value" if value is None else "baseline_year"
        errors[field] = [_("Give the baseline's year and value together.")]
    elif year is not None and not settings.INDICATOR_YEAR_MIN <= year <= strategy.start_year:
        errors["baseline_year"] = [
            _("The baseline describes the state before the strategy: a year up to %(year)s.")
            % {"year": strategy.start_year}
        ]
    elif value is not None and number_error(value, VALUE_DIGITS):
        errors["baseline_value"] = [str(number_error(value, VALUE_DIGITS))]


def _check_direction(errors: Errors, direction: str) -> None:
    if direction not in TargetIndicator.Direction.values:
        errors["direction"] = [_("Choose whether higher or lower is better.")]


def _objective(errors: Errors, strategy: Strategy, objective_id: int | None) -> Objective | None:
    if objective_id is None:
        return None
    objective = Objective.objects.filter(pk=objective_id, goal__strategy=strategy).first()
    if objective is None:
        errors["objective"] = [_("Choose an objective of this strategy.")]
    return objective


def _fill_baseline(target: TargetIndicator, strategy: Strategy) -> None:
    """The baseline from the registry (``strategies.baselines``), when it has one."""
    assert target.indicator is not None  # noqa: S101 - for mypy; callers check
    found = registry_baseline(
        indicator=target.indicator,
        municipality_ids=permissions.participant_ids(strategy),
        up_to_year=strategy.start_year,
    )
    if found is not None:
        target.baseline_year, target.baseline_value = found


def _contributions(
    errors: Errors, strategy: Strategy, rows: Sequence[ContributionRow]
) -> list[ContributionRow]:
    participants = permissions.participant_ids(strategy)
    seen: set[tuple[int, int]] = set()
    messages: list[str] = []
    for number, row in enumerate(rows, start=1):
        problem = None
        if row.municipality.pk not in participants:
            problem = _("%(name)s does not take part in the strategy.") % {
                "name": row.municipality.name
            }
        elif row.year not in strategy.years:
            problem = _("choose a year of the strategy (%(start)s–%(end)s).") % {
                "start": strategy.start_year,
                "end": strategy.end_year,
            }
        elif (row.municipality.pk, row.year) in seen:
            problem = _("the same municipality and year are given twice.")
        else:
            problem = number_error(row.value, VALUE_DIGITS)
        seen.add((row.municipality.pk, row.year))
        if problem:
            messages.append(_("Row %(row)s: %(problem)s") % {"row": number, "problem": problem})
    if messages:
        errors["contributions"] = messages
        return list(rows)
    return [row._replace(value=row.value.quantize(PLACES)) for row in rows]


def _quantize_baseline(target: TargetIndicator) -> None:
    """Four decimal places, as stored, so that comparing versions sees no false change."""
    if target.baseline_value is not None:
        target.baseline_value = target.baseline_value.quantize(PLACES)


def _quantized(values: dict[int, Decimal]) -> dict[int, Decimal]:
    return {year: value.quantize(PLACES) for year, value in values.items()}


def _write_values(
    target: TargetIndicator,
    targets: Mapping[int, Decimal] | None,
    actuals: Mapping[int, Decimal] | None,
) -> None:
    """Store the maps that were given (``None``: keep). A year with neither a target nor an
    actual keeps no row."""
    rows = {row.year: row for row in TargetValue.objects.filter(target_indicator=target)}
    for year in sorted(set(rows) | set(targets or {}) | set(actuals or {})):
        row = rows.get(year) or TargetValue(target_indicator=target, year=year)
        before = (row.target, row.actual)
        if targets is not None:
            row.target = targets.get(year)
        if actuals is not None:
            row.actual = actuals.get(year)
        if row.target is None and row.actual is None:
            if row.pk is not None:
                row.delete()
        elif row.pk is None or (row.target, row.actual) != before:
            row.save()


def _write_contributions(target: TargetIndicator, rows: Sequence[ContributionRow]) -> None:
    target.contributions.all().delete()
    TargetContribution.objects.bulk_create(
        TargetContribution(
            target_indicator=target, municipality=row.municipality, year=row.year, value=row.value
        )
        for row in rows
    )


@transaction.atomic
def target_indicator_create(
    *,
    actor: Any,
    strategy_id: int,
    name: str = "",
    unit: str = "",
    direction: str | None = None,
    indicator: Indicator | None = None,
    objective_id: int | None = None,
    baseline_year: int | None = None,
    baseline_value: Decimal | None = None,
    targets: YearValues | None = None,
    actuals: YearValues | None = None,
    contributions: Sequence[ContributionRow] | None = None,
    position: int | None = None,
) -> TargetIndicator:
    """A target indicator. Linked to a registry ``indicator``, its name, unit and direction
    default to the indicator's and, when no baseline is given, the baseline comes from the
    registry (``strategies.baselines``)."""
    strategy = lock_for_plan(actor, strategy_id)
    errors: Errors = {}
    if indicator is not None:
        name = name or indicator.name
        unit = unit or indicator.unit
        direction = direction or indicator.direction
    target = TargetIndicator(
        strategy=strategy,
        indicator=indicator,
        objective=_objective(errors, strategy, objective_id),
        name=text(errors, "name", name, required=True, max_length=TITLE_LENGTH),
        unit=text(errors, "unit", unit, required=True, max_length=64),
        direction=direction or TargetIndicator.Direction.HIGHER,
        position=position_or_next(errors, position, strategy.target_indicators.all()),
    )
    _check_direction(errors, target.direction)
    if indicator is not None and baseline_year is None and baseline_value is None:
        _fill_baseline(target, strategy)
    else:
        _check_baseline(errors, strategy, baseline_year, baseline_value)
        target.baseline_year, target.baseline_value = baseline_year, baseline_value
    new_targets = year_values(errors, "targets", targets or {}, strategy.years, digits=VALUE_DIGITS)
    new_actuals = year_values(errors, "actuals", actuals or {}, strategy.years, digits=VALUE_DIGITS)
    new_contributions = _contributions(errors, strategy, contributions or [])
    if errors:
        raise invalid(_("The target indicator has errors."), errors)
    _quantize_baseline(target)
    target.save()
    _write_values(target, _quantized(new_targets), _quantized(new_actuals))
    _write_contributions(target, new_contributions)
    record(
        strategy=strategy,
        actor=actor,
        obj=target,
        action="target_indicator.create",
        after=_state(target, new_targets, new_actuals, new_contributions),
        event="target_indicator_added",
    )
    return target


@transaction.atomic
def target_indicator_update(
    *,
    actor: Any,
    target_indicator_id: int,
    version: int,
    name: str | None = None,
    unit: str | None = None,
    direction: str | None = None,
    position: int | None = None,
    objective_id: int | Unset | None = UNSET,
    indicator: Indicator | Unset | None = UNSET,
    baseline_year: int | Unset | None = UNSET,
    baseline_value: Decimal | Unset | None = UNSET,
    targets: YearValues | None = None,
    actuals: YearValues | None = None,
    contributions: Sequence[ContributionRow] | None = None,
) -> TargetIndicator:
    """Change what is given; ``targets``, ``actuals`` (``{year: value}``) and
    ``contributions`` replace what there was. Linking another registry indicator without
    giving a baseline takes the baseline from the registry.

    Given nothing but ``actuals`` it is a monitoring record: allowed in any status, and the
    signed text (and an open review) stays as it was."""
    monitoring_only = actuals is not None and not any(
        value is not None for value in (name, unit, direction, position, targets, contributions)
    )
    monitoring_only = monitoring_only and all(
        value is UNSET for value in (objective_id, indicator, baseline_year, baseline_value)
    )
    strategy_id = strategy_id_of(TargetIndicator, target_indicator_id, "strategy_id")
    lock = lock_for_actuals if monitoring_only else lock_for_plan
    strategy = lock(actor, strategy_id)
    target = lock_versioned(TargetIndicator, target_indicator_id, version)
    values = list(target.values.all())
    old_targets = {v.year: v.target for v in values if v.target is not None}
    old_actuals = {v.year: v.actual for v in values if v.actual is not None}
    old_contributions = list(target.contributions.select_related("municipality"))
    before = _state(target, old_targets, old_actuals, old_contributions)

    errors: Errors = {}
    if name is not None:
        target.name = text(errors, "name", name, required=True, max_length=TITLE_LENGTH)
    if unit is not None:
        target.unit = text(errors, "unit", unit, required=True, max_length=64)
    if direction is not None:
        _check_direction(errors, direction)
        target.direction = direction
    if position is not None:
        target.position = check_position(errors, position)
    if not isinstance(objective_id, Unset):
        target.objective = _objective(errors, strategy, objective_id)
    if not isinstance(indicator, Unset) and getattr(indicator, "pk", None) != target.indicator_id:
        target.indicator = indicator
        if indicator is not None and baseline_year is UNSET and baseline_value is UNSET:
            _fill_baseline(target, strategy)
    if not (isinstance(baseline_year, Unset) and isinstance(baseline_value, Unset)):
        year = target.baseline_year if isinstance(baseline_year, Unset) else baseline_year
        value = target.baseline_value if isinstance(baseline_value, Unset) else baseline_value
        _check_baseline(errors, strategy, year, value)
        target.baseline_year, target.baseline_value = year, value
    new_targets = old_targets
    if targets is not None:
        new_targets = year_values(errors, "targets", targets, strategy.years, digits=VALUE_DIGITS)
    new_actuals = old_actuals
    if actuals is not None:
        new_actuals = year_values(errors, "actuals", actuals, strategy.years, digits=VALUE_DIGITS)
    entered: list[ContributionRow] | None = None
    if contributions is not None:
        entered = _contributions(errors, strategy, contributions)
    new_contributions = old_contributions if entered is None else entered
    if errors:
        raise invalid(_("The target indicator has errors."), errors)
    _quantize_baseline(target)

    after = _state(target, new_targets, new_actuals, new_contributions)
    if after == before:
        return target
    target.version += 1
    target.save()
    _write_values(
        target,
        None if targets is None else _quantized(new_targets),
        None if actuals is None else _quantized(new_actuals),
    )
    if entered is not None:
        _write_contributions(target, entered)
    content = {k: v for k, v in after.items() if k != "actuals"} != {
        k: v for k, v in before.items() if k != "actuals"
    }
    record(
        strategy=strategy,
        actor=actor,
        obj=target,
        action="target_indicator.update" if content else "target_indicator.actuals",
        before=before,
        after=after,
        content=content,
    )
    if after["actuals"] != before["actuals"]:
        strategy_event_write(
            strategy=strategy,
            actor=actor,
            kind="actuals_recorded",
            data={"id": target.pk, "title": target.name, "actuals": after["actuals"]},
        )
    return target


def target_values_set(
    *, actor: Any, target_indicator_id: int, version: int, targets: YearValues
) -> TargetIndicator:
    """The targets by year (``{year: target}``); a year left out or given ``None`` has no
    target."""
    return target_indicator_update(
        actor=actor, target_indicator_id=target_indicator_id, version=version, targets=targets
    )


def target_actuals_set(
    *, actor: Any, target_indicator_id: int, version: int, actuals: YearValues
) -> TargetIndicator:
    """The actual values by year, for monitoring: in any status, outside the signed text."""
    return target_indicator_update(
        actor=actor, target_indicator_id=target_indicator_id, version=version, actuals=actuals
    )


def contributions_set(
    *,
    actor: Any,
    target_indicator_id: int,
    version: int,
    contributions: Sequence[ContributionRow],
) -> TargetIndicator:
    """Split the target among the participants: ``(municipality, year, value)`` rows that
    replace the previous split (an empty list removes it)."""
    return target_indicator_update(
        actor=actor,
        target_indicator_id=target_indicator_id,
        version=version,
        contributions=contributions,
    )


@transaction.atomic
def target_indicator_delete(*, actor: Any, target_indicator_id: int, version: int) -> None:
    strategy_id = strategy_id_of(TargetIndicator, target_indicator_id, "strategy_id")
    strategy = lock_for_plan(actor, strategy_id)
    target = lock_versioned(TargetIndicator, target_indicator_id, version)
    before = {name: getattr(target, name) for name in FIELDS}
    before["baseline_value"] = _number(target.baseline_value)
    target.delete()
    target.pk = target_indicator_id
    record(
        strategy=strategy,
        actor=actor,
        obj=target,
        action="target_indicator.delete",
        before=before,
        event="target_indicator_removed",
    )
