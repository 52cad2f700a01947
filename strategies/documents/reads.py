"""The reads shared by the context and the fingerprint: the strategy with its participants,
the approval of the current text and the snapshot the redline compares with."""

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from strategies.documents.parts import Approval, ApprovalLine, ParticipantLine
from strategies.models import (
    ApprovalRound,
    Participation,
    SignOff,
    Strategy,
    StrategyEvent,
)

# --- reads -----------------------------------------------------------------------------------


def _strategy(strategy: Strategy) -> Strategy:
    """The strategy with its participants, whatever the caller loaded."""
    return (
        Strategy.objects.select_related("lead")
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=Participation.objects.select_related("municipality").order_by("id"),
            )
        )
        .get(pk=strategy.pk)
    )


def _participants(strategy: Strategy) -> list[ParticipantLine]:
    """The lead first, then the partners in the order they joined."""
    rows = sorted(strategy.participations.all(), key=lambda p: (p.role != "lead", p.pk))
    return [ParticipantLine(p.municipality.name, p.get_role_display()) for p in rows]


def _person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _approval(strategy: Strategy) -> Approval:
    """Two or three queries: the newest round with its sign-offs, and when its snapshot was
    last fixed (opening the review, or a change of the text during it)."""
    round_ = (
        ApprovalRound.objects.filter(strategy=strategy)
        .defer("snapshot")
        .prefetch_related(
            Prefetch("sign_offs", queryset=SignOff.objects.select_related("approver"))
        )
        .order_by("-number")
        .first()
    )
    counts = (
        strategy.status != Strategy.Status.DRAFT
        and round_ is not None
        and round_.outcome != ApprovalRound.Outcome.RETURNED
    )
    sign_offs = {s.municipality_id: s for s in round_.sign_offs.all()} if counts and round_ else {}
    fixed_at = None
    if counts:
        fixed_at = (
            StrategyEvent.objects.filter(
                strategy=strategy, kind__in=("review", "content_changed_in_review")
            )
            .order_by("-created_at", "-id")
            .values_list("created_at", flat=True)
            .first()
        )
    lines = []
    for p in sorted(strategy.participations.all(), key=lambda p: (p.role != "lead", p.pk)):
        sign_off = sign_offs.get(p.municipality_id)
        lines.append(
            ApprovalLine(
                municipality=p.municipality.name,
                role=p.get_role_display(),
                approver=_person(sign_off.approver) if sign_off else "",
                signed_on=timezone.localdate(sign_off.signed_at) if sign_off else None,
                decision_number=sign_off.decision_number if sign_off else "",
                decision_date=sign_off.decision_date if sign_off else None,
            )
        )
    return Approval(
        round_number=round_.number if counts and round_ else None,
        snapshot_hash=round_.snapshot_hash if counts and round_ else "",
        snapshot_fixed_at=fixed_at,
        lines=lines,
    )


def _base_round(strategy: Strategy, approval: Approval) -> ApprovalRound | None:
    """The latest approved snapshot before the current one: the text the redline compares
    with. None when the strategy was never approved before."""
    rounds = ApprovalRound.objects.filter(strategy=strategy, outcome=ApprovalRound.Outcome.APPROVED)
    if approval.round_number is not None:
        rounds = rounds.filter(number__lt=approval.round_number)
    return rounds.order_by("-number").first()
