"""The statuses a campaign moves through, as a table. The one service that moves it,
``surveys.services.campaigns.campaign_transition``, reads this table; nothing else sets
``Campaign.status``."""

from dataclasses import dataclass

from surveys.models import Campaign

Status = Campaign.Status


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition("open", frozenset({Status.DRAFT}), Status.OPEN),
        Transition("close", frozenset({Status.OPEN}), Status.CLOSED),
    )
}


def can_transition(campaign: Campaign, name: str) -> bool:
    """Whether the table allows ``name`` from the campaign's current status."""
    transition = TRANSITIONS.get(name)
    return transition is not None and campaign.status in transition.sources
