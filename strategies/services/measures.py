"""Measures of the action plan: what is done, in which years, by which participants, and
with what money (financing rows by source, budget and year, thousand roubles). Written like
the rest of the plan (see ``strategies.services.plan``)."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import model_snapshot
from municipalities.models import Municipality
from strategies import permissions
from strategies.models import Financing, Measure, Objective, Strategy
from strategies.services.locking import lock_versioned
from strategies.services.plan_common import (
    TITLE_LENGTH,
    Errors,
    check_position,
    invalid,
    lock_for_plan,
    number_error,
    position_or_next,
    record,
    save_if_changed,
    strategy_id_of,
    text,
    year_span,
)

AMOUNT_DIGITS = 14  # Financing.amount: 16 digits, 2 of them after the point
MEASURE_FIELDS = [
    "objective",
    "title",
    "description",
    "expected_result",
    "start_year",
    "end_year",
    "position",
]


class FinancingRow(NamedTuple):
    """Money for a measure: ``municipality`` names the budget for the source ``municipal``
    and is ``None`` for the others."""

    source: str
    municipality: Municipality | None
    year: int
    amount: Decimal


def _check_responsible(
    errors: Errors, strategy: Strategy, responsible: Sequence[Municipality]
) -> None:
    outsiders = [m for m in responsible if m.pk not in permissions.participant_ids(strategy)]
    if outsiders:
        errors["responsible"] = [
            _("%(name)s does not take part in the strategy.") % {"name": m.name} for m in outsiders
        ]


def _check_financing(
    errors: Errors,
    strategy: Strategy,
    measure: Measure,
    rows: Sequence[Financing | FinancingRow],
) -> None:
    participants = permissions.participant_ids(strategy)
    seen: set[tuple[str, int | None, int]] = set()
    messages: list[str] = []
    for number, row in enumerate(rows, start=1):
        problem = ""
        municipality_id = _budget_id(row)
        key = (row.source, municipality_id, row.year)
        if row.source not in Financing.Source.values:
            problem = _("unknown source.")
        elif row.source == Financing.Source.MUNICIPAL and municipality_id is None:
            problem = _("name the municipality whose budget pays.")
        elif row.source == Financing.Source.MUNICIPAL and municipality_id not in participants:
            problem = _("only the budget of a participant can finance the plan.")
        elif row.source != Financing.Source.MUNICIPAL and municipality_id is not None:
            problem = _("only a municipal budget names a municipality.")
        elif not measure.start_year <= row.year <= measure.end_year:
            problem = _("the year must be one of the measure's years (%(start)s–%(end)s).") % {
                "start": measure.start_year,
                "end": measure.end_year,
            }
        elif number_error(row.amount, AMOUNT_DIGITS):
            problem = str(number_error(row.amount, AMOUNT_DIGITS))
        elif row.amount < 0:
            problem = _("the amount cannot be negative.")
        elif key in seen:
            problem = _("the same source, budget and year are given twice.")
        seen.add(key)
        if problem:
            messages.append(_("Row %(row)s: %(problem)s") % {"row": number, "problem": problem})
    if messages:
        errors["financing"] = messages


def _budget_id(row: Financing | FinancingRow) -> int | None:
    if isinstance(row, Financing):
        return row.municipality_id
    return row.municipality.pk if row.municipality is not None else None


def _financing_state(rows: Sequence[Financing | FinancingRow]) -> list[list[Any]]:
    """Financing rows (stored or entered) in a comparable, JSON-safe form."""
    return sorted(
        [
            row.source,
            _budget_id(row),
            row.year,
            format(Decimal(row.amount).quantize(Decimal("0.01")), "f"),
        ]
        for row in rows
    )


def _measure_state(
    measure: Measure,
    responsible: Sequence[Municipality],
    financing: Sequence[Financing | FinancingRow],
) -> dict[str, Any]:
    return {
        **model_snapshot(measure, MEASURE_FIELDS),
        "responsible": sorted(m.pk for m in responsible),
        "financing": _financing_state(financing),
    }


def _write_plan_of(
    measure: Measure,
    responsible: Sequence[Municipality] | None,
    financing: Sequence[FinancingRow] | None,
) -> None:
    """Store the lists that were given (``None``: keep)."""
    if responsible is not None:
        measure.responsible.set(responsible)
    if financing is not None:
        # Replaced wholesale: the rows are the measure's financing as the user entered it.
        measure.financing.all().delete()
        Financing.objects.bulk_create(
            Financing(
                measure=measure,
                source=row.source,
                municipality=row.municipality,
                year=row.year,
                amount=row.amount,
            )
            for row in financing
        )


def _objective_of(errors: Errors, strategy: Strategy, objective_id: int) -> Objective | None:
    objective = Objective.objects.filter(pk=objective_id, goal__strategy=strategy).first()
    if objective is None:
        errors["objective"] = [_("Choose an objective of this strategy.")]
    return objective


@transaction.atomic
def measure_create(
    *,
    actor: Any,
    objective_id: int,
    title: str,
    start_year: int,
    end_year: int,
    description: str = "",
    expected_result: str = "",
    responsible: Sequence[Municipality] = (),
    financing: Sequence[FinancingRow] = (),
    position: int | None = None,
) -> Measure:
    """A measure of the plan. ``responsible`` are participants; ``financing`` lists its
    money by source, budget and year, each year within the measure's years."""
    strategy_id = strategy_id_of(Objective, objective_id, "goal__strategy_id")
    strategy = lock_for_plan(actor, strategy_id)
    errors: Errors = {}
    objective = Objective.objects.get(pk=objective_id)
    measure = Measure(
        objective=objective,
        title=text(errors, "title", title, required=True, max_length=TITLE_LENGTH),
        description=(description or "").strip(),
        expected_result=(expected_result or "").strip(),
        start_year=start_year,
        end_year=end_year,
        position=position_or_next(errors, position, objective.measures.all()),
    )
    year_span(errors, strategy, start_year, end_year)
    _check_responsible(errors, strategy, responsible)
    if not errors:
        _check_financing(errors, strategy, measure, financing)
    if errors:
        raise invalid(_("The measure has errors."), errors)
    measure.save()
    _write_plan_of(measure, responsible, financing)
    record(
        strategy=strategy,
        actor=actor,
        obj=measure,
        action="measure.create",
        after=_measure_state(measure, responsible, financing),
        event="measure_added",
    )
    return measure


@transaction.atomic
def measure_update(
    *,
    actor: Any,
    measure_id: int,
    version: int,
    objective_id: int | None = None,
    title: str | None = None,
    description: str | None = None,
    expected_result: str | None = None,
    start_year: int | None = None,
    end_year: int | None = None,
    responsible: Sequence[Municipality] | None = None,
    financing: Sequence[FinancingRow] | None = None,
    position: int | None = None,
) -> Measure:
    """Change what is given. ``responsible`` and ``financing`` replace the lists; new years
    are checked against the financing kept as well as against a new one."""
    strategy_id = strategy_id_of(Measure, measure_id, "objective__goal__strategy_id")
    strategy = lock_for_plan(actor, strategy_id)
    measure = lock_versioned(Measure, measure_id, version)
    old_responsible = list(measure.responsible.all())
    old_financing = list(measure.financing.all())
    before = _measure_state(measure, old_responsible, old_financing)
    errors: Errors = {}
    if objective_id is not None and objective_id != measure.objective_id:
        objective = _objective_of(errors, strategy, objective_id)
        if objective is not None:
            measure.objective = objective
    if title is not None:
        measure.title = text(errors, "title", title, required=True, max_length=TITLE_LENGTH)
    if description is not None:
        measure.description = description.strip()
    if expected_result is not None:
        measure.expected_result = expected_result.strip()
    if start_year is not None:
        measure.start_year = start_year
    if end_year is not None:
        measure.end_year = end_year
    if position is not None:
        measure.position = check_position(errors, position)
    year_span(errors, strategy, measure.start_year, measure.end_year)
    new_responsible = list(responsible) if responsible is not None else old_responsible
    new_financing: list[Financing | FinancingRow] = (
        list(financing) if financing is not None else list(old_financing)
    )
    _check_responsible(errors, strategy, new_responsible)
    if not errors:
        _check_financing(errors, strategy, measure, new_financing)
    if errors:
        raise invalid(_("The measure has errors."), errors)
    return save_if_changed(
        strategy=strategy,
        actor=actor,
        obj=measure,
        state=lambda m: _measure_state(m, new_responsible, new_financing),
        before=before,
        action="measure.update",
        write=lambda: _write_plan_of(measure, responsible, financing),
    )


@transaction.atomic
def measure_delete(*, actor: Any, measure_id: int, version: int) -> None:
    strategy_id = strategy_id_of(Measure, measure_id, "objective__goal__strategy_id")
    strategy = lock_for_plan(actor, strategy_id)
    measure = lock_versioned(Measure, measure_id, version)
    before = _measure_state(measure, list(measure.responsible.all()), list(measure.financing.all()))
    measure.delete()
    measure.pk = measure_id
    record(
        strategy=strategy,
        actor=actor,
        obj=measure,
        action="measure.delete",
        before=before,
        event="measure_removed",
    )
