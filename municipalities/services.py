"""Writes to the registry. Every change goes through here, whatever calls it (API, page,
admin action, management command), and writes an audit row in the same transaction."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_log_write, model_snapshot
from core.concurrency import check_version
from core.exceptions import ApplicationError
from municipalities.models import Agreement, AgreementParty, Membership, Municipality
from municipalities.permissions import can_create_agreement, can_edit_agreement

AGREEMENT_FIELDS = [
    "title",
    "number",
    "legal_form",
    "sphere",
    "signed_on",
    "valid_from",
    "valid_to",
    "budget",
    "status",
    "description",
]


@dataclass(frozen=True)
class PartyInput:
    municipality: Municipality
    role: str = AgreementParty.Role.MEMBER


def _agreement_audit_state(agreement: Agreement) -> dict[str, Any]:
    state = model_snapshot(agreement, AGREEMENT_FIELDS)
    state["parties"] = sorted(
        [p.municipality.oktmo, p.role] for p in agreement.parties.select_related("municipality")
    )
    return state


def _validate_agreement(fields: dict[str, Any], parties: list[PartyInput]) -> None:
    errors: dict[str, list[str]] = {}
    municipality_ids = [p.municipality.pk for p in parties]
    if len(set(municipality_ids)) < 2:
        errors.setdefault("parties", []).append(
            _("An inter-municipal agreement needs at least two different municipalities.")
        )
    if len(set(municipality_ids)) != len(municipality_ids):
        errors.setdefault("parties", []).append(_("A municipality is listed twice."))
    valid_from: date | None = fields.get("valid_from")
    valid_to: date | None = fields.get("valid_to")
    if valid_from and valid_to and valid_to < valid_from:
        errors.setdefault("valid_to", []).append(_("The term cannot end before it starts."))
    budget: Decimal | None = fields.get("budget")
    if budget is not None and budget < 0:
        errors.setdefault("budget", []).append(_("The budget cannot be negative."))
    if not (fields.get("title") or "").strip():
        errors.setdefault("title", []).append(_("Give the agreement a title."))
    if errors:
        raise ApplicationError(
            _("The agreement has errors."), code="invalid", extra={"errors": errors}
        )


def _set_parties(agreement: Agreement, parties: list[PartyInput]) -> None:
    agreement.parties.all().delete()
    AgreementParty.objects.bulk_create(
        AgreementParty(agreement=agreement, municipality=p.municipality, role=p.role)
        for p in parties
    )


@transaction.atomic
def agreement_create(*, actor: Any, parties: list[PartyInput], **fields: Any) -> Agreement:
    _validate_agreement(fields, parties)
    if not can_create_agreement(actor, [p.municipality.pk for p in parties]):
        raise ApplicationError(
            _("Only administrators and coordinators of a party may register an agreement."),
            status=403,
            code="permission_denied",
        )
    agreement = Agreement.objects.create(**{k: v for k, v in fields.items() if v is not None})
    _set_parties(agreement, parties)
    audit_log_write(
        actor=actor,
        action="agreement.create",
        obj=agreement,
        after=_agreement_audit_state(agreement),
    )
    return agreement


@transaction.atomic
def agreement_update(
    *,
    actor: Any,
    agreement_id: int,
    version: int,
    parties: list[PartyInput] | None = None,
    **fields: Any,
) -> Agreement:
    """Change an agreement based on ``version``; refused with 412 if it changed meanwhile."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
    if not can_edit_agreement(actor, agreement):
        raise ApplicationError(
            _("Only administrators and coordinators of a party may change this agreement."),
            status=403,
            code="permission_denied",
        )
    check_version(agreement, version)
    before = _agreement_audit_state(agreement)
    merged = {name: getattr(agreement, name) for name in AGREEMENT_FIELDS} | fields
    new_parties = parties
    if new_parties is None:
        new_parties = [
            PartyInput(p.municipality, p.role)
            for p in agreement.parties.select_related("municipality")
        ]
    _validate_agreement(merged, new_parties)
    # A coordinator must not hand an agreement over to parties they do not belong to.
    if not can_create_agreement(actor, [p.municipality.pk for p in new_parties]):
        raise ApplicationError(
            _("Keep one of your own municipalities among the parties."),
            status=403,
            code="permission_denied",
        )
    for name, value in fields.items():
        setattr(agreement, name, value)
    agreement.version += 1
    agreement.save()
    if parties is not None:
        _set_parties(agreement, parties)
    audit_log_write(
        actor=actor,
        action="agreement.update",
        obj=agreement,
        before=before,
        after=_agreement_audit_state(agreement),
    )
    return agreement


@transaction.atomic
def agreement_delete(*, actor: Any, agreement_id: int, version: int) -> None:
    agreement = Agreement.objects.select_for_update().get(pk=agreement_id)
    if not can_edit_agreement(actor, agreement):
        raise ApplicationError(
            _("Only administrators and coordinators of a party may delete this agreement."),
            status=403,
            code="permission_denied",
        )
    check_version(agreement, version)
    audit_log_write(
        actor=actor,
        action="agreement.delete",
        obj=agreement,
        before=_agreement_audit_state(agreement),
    )
    agreement.delete()


@transaction.atomic
def membership_grant(*, actor: Any, user: Any, municipality: Municipality, role: str) -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, municipality=municipality, role=role
    )
    if created:
        audit_log_write(
            actor=actor,
            action="membership.grant",
            obj=membership,
            after={"user": user.username, "municipality": municipality.oktmo, "role": role},
        )
    return membership
