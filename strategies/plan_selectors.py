"""Reads of the action plan (goals, objectives, measures) and the target indicators, with
what their representations need prefetched, so that a list costs the same few queries
whatever its length. Fetch-by-id returns the item only when its strategy is visible to the
user, else 404 (like ``strategies.selectors``)."""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from strategies.models import (
    Financing,
    Goal,
    Measure,
    Objective,
    Strategy,
    TargetContribution,
    TargetIndicator,
)
from strategies.selectors import strategy_get_for


def goal_list(*, strategy: Strategy) -> QuerySet[Goal]:
    return Goal.objects.filter(strategy=strategy).order_by("position", "id")


def objective_list(*, strategy: Strategy, goal_id: int | None = None) -> QuerySet[Objective]:
    qs = Objective.objects.filter(goal__strategy=strategy).select_related("goal")
    if goal_id is not None:
        qs = qs.filter(goal_id=goal_id)
    return qs.order_by("goal__position", "goal_id", "position", "id")


def measure_list(*, strategy: Strategy, objective_id: int | None = None) -> QuerySet[Measure]:
    qs = (
        Measure.objects.filter(objective__goal__strategy=strategy)
        .select_related("objective__goal")
        .prefetch_related(
            "responsible",
            Prefetch("financing", queryset=Financing.objects.select_related("municipality")),
        )
    )
    if objective_id is not None:
        qs = qs.filter(objective_id=objective_id)
    return qs.order_by(
        "objective__goal__position",
        "objective__goal_id",
        "objective__position",
        "objective_id",
        "position",
        "id",
    )


def target_indicator_list(*, strategy: Strategy) -> QuerySet[TargetIndicator]:
    return (
        TargetIndicator.objects.filter(strategy=strategy)
        .select_related("indicator")
        .prefetch_related(
            "values",
            Prefetch(
                "contributions",
                queryset=TargetContribution.objects.select_related("municipality"),
            ),
        )
        .order_by("position", "id")
    )


def goal_get_for(*, user: Any, pk: int) -> Goal:
    goal = Goal.objects.filter(pk=pk).first()
    if goal is None:
        raise Http404
    goal.strategy = strategy_get_for(user=user, pk=goal.strategy_id)
    return goal


def objective_get_for(*, user: Any, pk: int) -> Objective:
    objective = Objective.objects.select_related("goal").filter(pk=pk).first()
    if objective is None:
        raise Http404
    objective.goal.strategy = strategy_get_for(user=user, pk=objective.goal.strategy_id)
    return objective


def measure_get_for(*, user: Any, pk: int) -> Measure:
    measure = (
        Measure.objects.select_related("objective__goal")
        .prefetch_related(
            "responsible",
            Prefetch("financing", queryset=Financing.objects.select_related("municipality")),
        )
        .filter(pk=pk)
        .first()
    )
    if measure is None:
        raise Http404
    goal = measure.objective.goal
    goal.strategy = strategy_get_for(user=user, pk=goal.strategy_id)
    return measure


def target_indicator_get_for(*, user: Any, pk: int) -> TargetIndicator:
    target = (
        TargetIndicator.objects.select_related("indicator")
        .prefetch_related(
            "values",
            Prefetch(
                "contributions",
                queryset=TargetContribution.objects.select_related("municipality"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if target is None:
        raise Http404
    target.strategy = strategy_get_for(user=user, pk=target.strategy_id)
    return target
