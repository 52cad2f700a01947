"""The approval of a strategy: its transitions, sign-offs and what a content change does to
an open round. One service per move, each in one transaction on the locked strategy row."""

from datetime import date
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.outbox import outbox_enqueue
from strategies import permissions
from strategies.content import snapshot_hash, strategy_snapshot
from strategies.models import ApprovalRound, SignOff, Strategy
from strategies.services.events import strategy_event_write
from strategies.services.locking import lock_strategy
from strategies.transitions import TRANSITIONS


def _queue_approver_notice(strategy: Strategy, reason: str) -> None:
    # Through the outbox: the e-mail is owed as soon as the change commits, broker up or not.
    outbox_enqueue(task="strategies.notify_approvers", args=[strategy.pk, reason])


def open_round(strategy: Strategy) -> ApprovalRound | None:
    return strategy.rounds.filter(outcome=ApprovalRound.Outcome.OPEN).first()


def _check(strategy: Strategy, name: str, actor: Any) -> None:
    """Refuse a move the table does not allow from the current status (409), or one the
    actor may not make (403). ``actor`` None: the system moves it (the last sign-off)."""
    transition = TRANSITIONS[name]
    if strategy.status not in transition.sources:
        raise ApplicationError(
            _("A strategy that is %(status)s cannot be moved this way (%(action)s).")
            % {"status": strategy.get_status_display(), "action": name},
            status=409,
            code="illegal_transition",
        )
    if actor is not None and not transition.allowed(actor, strategy):
        raise ApplicationError(str(transition.who), status=403, code="permission_denied")


def _move(
    strategy: Strategy,
    name: str,
    actor: Any,
    data: dict[str, Any] | None = None,
    *,
    checked: bool = False,
) -> str:
    """Check the table and the actor's right (unless ``checked``), move the status and
    write the event."""
    transition = TRANSITIONS[name]
    if not checked:
        _check(strategy, name, actor)
    before = strategy.status
    strategy.status = transition.target
    strategy.version += 1
    if transition.target == Strategy.Status.ADOPTED:
        strategy.adopted_at = timezone.now()
    strategy.save(update_fields=["status", "version", "adopted_at", "updated_at"])
    strategy_event_write(
        strategy=strategy,
        actor=actor,
        kind=name,
        from_status=before,
        to_status=strategy.status,
        data=data,
    )
    return before


@transaction.atomic
def strategy_transition(*, actor: Any, strategy_id: int, name: str, comment: str = "") -> Strategy:
    """Move the strategy by the transition ``name`` (review, return, adopt, archive)."""
    if name not in TRANSITIONS or name == "approve":
        raise ApplicationError(_("Unknown action."), code="unknown_transition")
    strategy = lock_strategy(strategy_id)
    # State and right first: somebody who may not return the strategy learns that, not
    # that a comment is missing.
    _check(strategy, name, actor)
    if name == "return" and not comment.strip():
        raise ApplicationError(
            _("Say why the strategy goes back to draft."),
            code="invalid",
            extra={"errors": {"comment": [_("This field is required.")]}},
        )
    _move(strategy, name, actor, {"comment": comment} if comment else None, checked=True)
    if name == "review":
        snapshot = strategy_snapshot(strategy)
        number = (
            strategy.rounds.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        ApprovalRound.objects.create(
            strategy=strategy,
            number=number,
            snapshot=snapshot,
            snapshot_hash=snapshot_hash(snapshot),
            opened_by=actor,
        )
        _queue_approver_notice(strategy, "review")
    elif name == "return":
        round_ = open_round(strategy)
        if round_ is not None:
            round_.outcome = ApprovalRound.Outcome.RETURNED
            round_.closed_at = timezone.now()
            round_.save(update_fields=["outcome", "closed_at"])
    return strategy


@transaction.atomic
def strategy_sign_off(
    *,
    actor: Any,
    strategy_id: int,
    municipality_id: int | None = None,
    decision_number: str = "",
    decision_date: date | None = None,
    decision_file: UploadedFile | None = None,
    snapshot_hash: str | None = None,
) -> SignOff:
    """The actor, an approver of a participant, signs the current snapshot for that
    municipality. The last missing sign-off approves the strategy.

    ``snapshot_hash``, when given, is the hash of the text the approver read: if the text
    has changed since (a save slipped in between reading and signing), the sign-off is
    refused rather than applied to a text the approver has not seen."""
    strategy = lock_strategy(strategy_id)
    if strategy.status != Strategy.Status.IN_REVIEW:
        raise ApplicationError(
            _("Only a strategy in review can be signed off; this one is %(status)s.")
            % {"status": strategy.get_status_display()},
            status=409,
            code="illegal_transition",
        )
    mine = permissions.approver_municipality_ids(actor, strategy)
    if municipality_id is None and len(mine) == 1:
        municipality_id = next(iter(mine))
    if municipality_id is None or municipality_id not in mine:
        raise ApplicationError(
            _("Only an approver of a participant signs off, and for their own municipality."),
            status=403,
            code="permission_denied",
        )
    round_ = open_round(strategy)
    if round_ is None:  # cannot happen while review opens a round in the same transaction
        raise ApplicationError(_("No approval round is open."), status=409, code="no_round")
    if snapshot_hash is not None and snapshot_hash != round_.snapshot_hash:
        raise ApplicationError(
            _("The text has changed since you read it. Read it again before signing off."),
            status=409,
            code="snapshot_changed",
            extra={"snapshot_hash": round_.snapshot_hash},
        )
    if round_.sign_offs.filter(municipality_id=municipality_id).exists():
        raise ApplicationError(
            _("This municipality has already signed off the current text."),
            status=409,
            code="already_signed",
        )
    sign_off = SignOff.objects.create(
        round=round_,
        municipality_id=municipality_id,
        approver=actor,
        snapshot_hash=round_.snapshot_hash,
        decision_number=decision_number,
        decision_date=decision_date,
        decision_file=decision_file or "",
    )
    strategy_event_write(
        strategy=strategy,
        actor=actor,
        kind="sign_off",
        data={"municipality": municipality_id, "snapshot": round_.snapshot_hash},
    )
    signed = set(round_.sign_offs.values_list("municipality_id", flat=True))
    if permissions.participant_ids(strategy) <= signed:
        # Nobody asks for "approve": the last sign-off makes it, and its approver is
        # recorded as the event's actor.
        _check(strategy, "approve", None)
        _move(strategy, "approve", actor, {"snapshot": round_.snapshot_hash}, checked=True)
        round_.outcome = ApprovalRound.Outcome.APPROVED
        round_.closed_at = timezone.now()
        round_.save(update_fields=["outcome", "closed_at"])
    return sign_off


def content_changed(*, strategy: Strategy, actor: Any) -> None:
    """Call after any change of content, inside the change's transaction, with the strategy
    row locked. During review the round moves to the new snapshot and its sign-offs are
    cleared: approvers sign the text as it is, never an older one."""
    if strategy.status != Strategy.Status.IN_REVIEW:
        return
    round_ = open_round(strategy)
    if round_ is None:
        return
    snapshot = strategy_snapshot(strategy)
    new_hash = snapshot_hash(snapshot)
    if new_hash == round_.snapshot_hash:
        return
    cleared = list(round_.sign_offs.values_list("municipality_id", flat=True))
    round_.sign_offs.all().delete()
    round_.snapshot, round_.snapshot_hash = snapshot, new_hash
    round_.save(update_fields=["snapshot", "snapshot_hash"])
    strategy_event_write(
        strategy=strategy,
        actor=actor,
        kind="content_changed_in_review",
        data={"snapshot": new_hash, "cleared_sign_offs": cleared},
    )
    if cleared:
        _queue_approver_notice(strategy, "sign_offs_cleared")
