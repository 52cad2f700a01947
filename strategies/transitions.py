"""The statuses a strategy moves through, as a table. The one service that moves it,
``strategies.services.approval.strategy_transition``, reads this table; nothing else sets
``Strategy.status``."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from strategies import permissions
from strategies.models import Strategy

Status = Strategy.Status


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    allowed: Callable[[Any, Strategy], bool]
    who: Any  # a lazy message naming who may do it, for the refusal


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "review",
            frozenset({Status.DRAFT}),
            Status.IN_REVIEW,
            permissions.is_lead_coordinator,
            _("Only a coordinator of the lead municipality may open the review."),
        ),
        Transition(
            "return",
            frozenset({Status.IN_REVIEW}),
            Status.DRAFT,
            permissions.can_return,
            _("Only an approver of a participant or the lead's coordinator may return it."),
        ),
        # Reached by the last sign-off, never asked for directly.
        Transition(
            "approve",
            frozenset({Status.IN_REVIEW}),
            Status.APPROVED,
            lambda user, strategy: False,
            _("A strategy is approved by the sign-offs of all its participants."),
        ),
        Transition(
            "adopt",
            frozenset({Status.APPROVED}),
            Status.ADOPTED,
            permissions.is_lead_coordinator,
            _("Only a coordinator of the lead municipality may mark it adopted."),
        ),
        Transition(
            "archive",
            frozenset({Status.ADOPTED}),
            Status.ARCHIVED,
            permissions.is_lead_coordinator,
            _("Only a coordinator of the lead municipality may archive it."),
        ),
    )
}


def can_transition(strategy: Strategy, name: str) -> bool:
    """Whether the table allows ``name`` from the strategy's current status (no actor)."""
    transition = TRANSITIONS.get(name)
    return transition is not None and strategy.status in transition.sources
