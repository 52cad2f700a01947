"""Reads of strategies, always scoped to the asking user. Fetch-by-id goes through the
access selectors, which return the object or raise 404 (a strategy one may not see is not
revealed to exist)."""

from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from municipalities.permissions import is_admin, member_municipality_ids
from strategies.models import (
    ApprovalRound,
    Comment,
    Participation,
    Revision,
    Section,
    SignOff,
    Strategy,
    StrategyEvent,
)
from strategies.permissions import can_view_strategy

PUBLISHED = [Strategy.Status.ADOPTED, Strategy.Status.ARCHIVED]


# The strategy's newest round with its sign-offs, prefetched for a whole page of strategies
# at once (a sliced Prefetch: one query, a window function per strategy). The snapshot
# itself can be large and no list shows it.
LATEST_ROUNDS = "latest_rounds"


def _latest_round_prefetch() -> Prefetch:
    return Prefetch(
        "rounds",
        queryset=ApprovalRound.objects.defer("snapshot")
        .prefetch_related(
            Prefetch("sign_offs", queryset=SignOff.objects.select_related("approver"))
        )
        .order_by("-number")[:1],
        to_attr=LATEST_ROUNDS,
    )


def _with_participants(qs: QuerySet[Strategy]) -> QuerySet[Strategy]:
    return qs.select_related("lead").prefetch_related(
        Prefetch(
            "participations",
            queryset=Participation.objects.select_related("municipality").order_by("id"),
        ),
        _latest_round_prefetch(),
    )


def strategy_list(*, user: Any, status: str = "", municipality: str = "") -> QuerySet[Strategy]:
    """Strategies ``user`` may see: published ones, and any of the user's municipalities."""
    qs = Strategy.objects.all()
    if not is_admin(user):
        mine = Participation.objects.filter(
            strategy=OuterRef("pk"), municipality_id__in=member_municipality_ids(user)
        )
        qs = qs.filter(Q(status__in=PUBLISHED) | Exists(mine))
    if status:
        qs = qs.filter(status=status)
    if municipality:
        qs = qs.filter(participations__municipality__oktmo=municipality)
    return _with_participants(qs).order_by("-created_at", "-id")


def strategy_get_for(*, user: Any, pk: int) -> Strategy:
    strategy = _with_participants(Strategy.objects.filter(pk=pk)).first()
    if strategy is None or not can_view_strategy(user, strategy):
        raise Http404
    return strategy


def section_get_for(*, user: Any, pk: int) -> Section:
    section = (
        Section.objects.select_related("owner", "updated_by", "strategy").filter(pk=pk).first()
    )
    if section is None:
        raise Http404
    section.strategy = strategy_get_for(user=user, pk=section.strategy_id)
    return section


def comment_get_for(*, user: Any, pk: int) -> Comment:
    """A comment, if ``user`` may see its strategy; else 404."""
    comment = Comment.objects.select_related("author", "resolved_by").filter(pk=pk).first()
    if comment is None:
        raise Http404
    comment.section = section_get_for(user=user, pk=comment.section_id)
    return comment


def section_list(*, strategy: Strategy) -> QuerySet[Section]:
    return (
        Section.objects.filter(strategy=strategy)
        .select_related("owner", "updated_by")
        .order_by("position", "id")
    )


def revision_list(*, section: Section) -> QuerySet[Revision]:
    return section.revisions.select_related("author").order_by("-number")


def comment_list(*, section: Section) -> QuerySet[Comment]:
    return section.comments.select_related("author", "resolved_by").order_by("created_at", "id")


def current_round(*, strategy: Strategy) -> ApprovalRound | None:
    """The open round, or else the last one (its sign-offs still show after approval).
    Free for a strategy that came from ``strategy_list`` or ``strategy_get_for``."""
    prefetched = getattr(strategy, LATEST_ROUNDS, None)
    if prefetched is not None:
        return prefetched[0] if prefetched else None
    return (
        ApprovalRound.objects.filter(strategy=strategy)
        .prefetch_related(
            Prefetch("sign_offs", queryset=SignOff.objects.select_related("approver"))
        )
        .order_by("-number")
        .first()
    )


def signing_round(*, strategy: Strategy) -> ApprovalRound | None:
    """The round whose snapshot counts now: the open one, or the one that approved the
    strategy. None for a draft (a returned round no longer counts)."""
    if strategy.status == Strategy.Status.DRAFT:
        return None
    round_ = current_round(strategy=strategy)
    if round_ is None or round_.outcome == ApprovalRound.Outcome.RETURNED:
        return None
    return round_


def signed_municipality_ids(*, strategy: Strategy) -> set[int]:
    """Participants that signed the current snapshot: of the open round, or of the round
    that approved it. Empty for a draft."""
    round_ = signing_round(strategy=strategy)
    if round_ is None:
        return set()
    return {s.municipality_id for s in round_.sign_offs.all()}


# --- for the strategy pages -------------------------------------------------------------------


def section_overview(*, strategy: Strategy) -> QuerySet[Section]:
    """``section_list`` with each section's number of unresolved comments (``open_comments``),
    in one query whatever the number of sections."""
    return section_list(strategy=strategy).annotate(
        open_comments=Count("comments", filter=Q(comments__resolved_at__isnull=True))
    )


def strategy_event_list(*, strategy: Strategy) -> QuerySet[StrategyEvent]:
    """The strategy's event log, newest first."""
    return (
        StrategyEvent.objects.filter(strategy=strategy)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )


def revision_get(*, section: Section, number: int) -> Revision | None:
    """The revision of ``section`` that became its version ``number``, if one was saved."""
    return section.revisions.select_related("author").filter(number=number).first()
