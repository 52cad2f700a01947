"""The action plan: goals → objectives → measures, with the municipalities responsible for
each measure and its financing by source and year (thousand roubles), and the target
indicators.

Every write follows the sections' pattern: one transaction that locks the strategy first
(409 once its content can no longer change), checks the actor's right (403), locks the item
at the version the actor saw (412 when stale), validates (400 with field errors), writes an
audit row and, the plan being part of the signed text, calls ``content_changed`` (during
review it moves the round to the new text and clears the sign-offs).

Goals and objectives are written here; measures live in ``strategies.services.measures``
and target indicators in ``strategies.services.targets``, both re-exported here."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import model_snapshot
from strategies.models import Goal, Objective, Strategy
from strategies.services.locking import lock_versioned
from strategies.services.measures import (
    FinancingRow,
    measure_create,
    measure_delete,
    measure_update,
)
from strategies.services.plan_common import (
    TITLE_LENGTH,
    Errors,
    check_position,
    invalid,
    lock_for_plan,
    position_or_next,
    record,
    save_if_changed,
    strategy_id_of,
    text,
)
from strategies.services.targets import (
    ContributionRow,
    contributions_set,
    target_actuals_set,
    target_indicator_create,
    target_indicator_delete,
    target_indicator_update,
    target_values_set,
)

__all__ = [
    "ContributionRow",
    "FinancingRow",
    "contributions_set",
    "goal_create",
    "goal_delete",
    "goal_update",
    "measure_create",
    "measure_delete",
    "measure_update",
    "objective_create",
    "objective_delete",
    "objective_update",
    "target_actuals_set",
    "target_indicator_create",
    "target_indicator_delete",
    "target_indicator_update",
    "target_values_set",
]

GOAL_FIELDS = ["title", "description", "position"]
OBJECTIVE_FIELDS = ["goal", "title", "description", "position"]


# Goals


@transaction.atomic
def goal_create(
    *,
    actor: Any,
    strategy_id: int,
    title: str,
    description: str = "",
    position: int | None = None,
) -> Goal:
    strategy = lock_for_plan(actor, strategy_id)
    errors: Errors = {}
    goal = Goal(
        strategy=strategy,
        title=text(errors, "title", title, required=True, max_length=TITLE_LENGTH),
        description=(description or "").strip(),
        position=position_or_next(errors, position, strategy.goals.all()),
    )
    if errors:
        raise invalid(_("The goal has errors."), errors)
    goal.save()
    record(
        strategy=strategy,
        actor=actor,
        obj=goal,
        action="goal.create",
        after=model_snapshot(goal, GOAL_FIELDS),
        event="goal_added",
    )
    return goal


@transaction.atomic
def goal_update(
    *,
    actor: Any,
    goal_id: int,
    version: int,
    title: str | None = None,
    description: str | None = None,
    position: int | None = None,
) -> Goal:
    strategy = lock_for_plan(actor, strategy_id_of(Goal, goal_id, "strategy_id"))
    goal = lock_versioned(Goal, goal_id, version)
    before = model_snapshot(goal, GOAL_FIELDS)
    errors: Errors = {}
    if title is not None:
        goal.title = text(errors, "title", title, required=True, max_length=TITLE_LENGTH)
    if description is not None:
        goal.description = description.strip()
    if position is not None:
        goal.position = check_position(errors, position)
    if errors:
        raise invalid(_("The goal has errors."), errors)
    return save_if_changed(
        strategy=strategy,
        actor=actor,
        obj=goal,
        state=lambda g: model_snapshot(g, GOAL_FIELDS),
        before=before,
        action="goal.update",
    )


@transaction.atomic
def goal_delete(*, actor: Any, goal_id: int, version: int) -> None:
    """Remove a goal with its objectives and their measures."""
    strategy = lock_for_plan(actor, strategy_id_of(Goal, goal_id, "strategy_id"))
    goal = lock_versioned(Goal, goal_id, version)
    before = model_snapshot(goal, GOAL_FIELDS)
    goal.delete()
    goal.pk = goal_id  # for the record
    record(
        strategy=strategy,
        actor=actor,
        obj=goal,
        action="goal.delete",
        before=before,
        event="goal_removed",
    )


# Objectives


def _goal_of(errors: Errors, strategy: Strategy, goal_id: int) -> Goal | None:
    goal = Goal.objects.filter(pk=goal_id, strategy=strategy).first()
    if goal is None:
        errors["goal"] = [_("Choose a goal of this strategy.")]
    return goal


@transaction.atomic
def objective_create(
    *,
    actor: Any,
    goal_id: int,
    title: str,
    description: str = "",
    position: int | None = None,
) -> Objective:
    strategy = lock_for_plan(actor, strategy_id_of(Goal, goal_id, "strategy_id"))
    errors: Errors = {}
    goal = Goal.objects.get(pk=goal_id)
    objective = Objective(
        goal=goal,
        title=text(errors, "title", title, required=True, max_length=TITLE_LENGTH),
        description=(description or "").strip(),
        position=position_or_next(errors, position, goal.objectives.all()),
    )
    if errors:
        raise invalid(_("The objective has errors."), errors)
    objective.save()
    record(
        strategy=strategy,
        actor=actor,
        obj=objective,
        action="objective.create",
        after=model_snapshot(objective, OBJECTIVE_FIELDS),
        event="objective_added",
    )
    return objective


@transaction.atomic
def objective_update(
    *,
    actor: Any,
    objective_id: int,
    version: int,
    goal_id: int | None = None,
    title: str | None = None,
    description: str | None = None,
    position: int | None = None,
) -> Objective:
    """``goal_id`` moves the objective, with its measures, under another goal of the
    same strategy."""
    strategy = lock_for_plan(actor, strategy_id_of(Objective, objective_id, "goal__strategy_id"))
    objective = lock_versioned(Objective, objective_id, version)
    before = model_snapshot(objective, OBJECTIVE_FIELDS)
    errors: Errors = {}
    if goal_id is not None and goal_id != objective.goal_id:
        goal = _goal_of(errors, strategy, goal_id)
        if goal is not None:
            objective.goal = goal
    if title is not None:
        objective.title = text(errors, "title", title, required=True, max_length=TITLE_LENGTH)
    if description is not None:
        objective.description = description.strip()
    if position is not None:
        objective.position = check_position(errors, position)
    if errors:
        raise invalid(_("The objective has errors."), errors)
    return save_if_changed(
        strategy=strategy,
        actor=actor,
        obj=objective,
        state=lambda o: model_snapshot(o, OBJECTIVE_FIELDS),
        before=before,
        action="objective.update",
    )


@transaction.atomic
def objective_delete(*, actor: Any, objective_id: int, version: int) -> None:
    """Remove an objective with its measures; its target indicators stay, unlinked."""
    strategy = lock_for_plan(actor, strategy_id_of(Objective, objective_id, "goal__strategy_id"))
    objective = lock_versioned(Objective, objective_id, version)
    before = model_snapshot(objective, OBJECTIVE_FIELDS)
    objective.delete()
    objective.pk = objective_id
    record(
        strategy=strategy,
        actor=actor,
        obj=objective,
        action="objective.delete",
        before=before,
        event="objective_removed",
    )
