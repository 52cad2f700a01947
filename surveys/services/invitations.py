"""Respondents of a campaign: adding them one by one or from a file, and the e-mails that
carry their links (the invitation, reminders, the sweeper's second try).

The token is never stored, only its sha256. So an e-mail can carry a working link only when
it is sent by code that holds the plain token:
- a new invitation hands its token to the e-mail task in the task's (JSON) arguments, queued
  after commit; the token lives in the broker until the worker takes it, never in the DB;
- anything sent later — the invitation of a campaign opened after its respondents were added,
  the sweeper's second try of an e-mail that never left, each reminder — makes a NEW token
  (new hash stored, the old link stops working) and mails that. A respondent always has one
  working link: the newest one they were sent."""

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from smtplib import SMTPException
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_log_write
from core.exceptions import ApplicationError
from municipalities.imports.readers import header_text, open_table
from municipalities.models import Municipality
from surveys.models import Campaign, Invitation, Response
from surveys.tokens import token_hash, token_new

logger = logging.getLogger(__name__)

# A file bigger than this is certainly not a list of officials to invite.
IMPORT_MAX_ROWS = 5000
# The sweeper leaves an unsent invitation alone for this long after it was queued (last
# touched): the worker may just be busy.
UNSENT_GRACE = dt.timedelta(minutes=5)
SWEEP_BATCH = 500

# Header names accepted for each column (case-insensitive): the English ones of the
# documented format and the Russian ones people type in a spreadsheet.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "фио", "имя"),
    "position": ("position", "должность"),
    "email": ("email", "e-mail", "почта", "электронная почта", "эл. почта"),
    "oktmo": ("oktmo", "октмо"),
}
REQUIRED_COLUMNS = ("name", "email", "oktmo")


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation with its plain token and link: they exist only here, only now."""

    invitation: Invitation
    token: str
    link: str


@dataclass(frozen=True)
class RowError:
    row: int  # line in the file; the header is row 1
    messages: list[str]


@dataclass
class ImportReport:
    ok: bool
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: list[IssuedInvitation] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "rows": self.rows,
            "errors": [{"row": e.row, "messages": e.messages} for e in self.errors],
            "created": [
                {
                    "id": issued.invitation.pk,
                    "name": issued.invitation.name,
                    "email": issued.invitation.email,
                    "oktmo": issued.invitation.municipality.oktmo,
                    "link": issued.link,
                }
                for issued in self.created
            ],
        }


def invitation_link(token: str) -> str:
    return f"{settings.SITE_URL}/s/{token}/"


# --- adding respondents --------------------------------------------------------------------


def _lock_campaign_for_invitations(campaign_id: int) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_for_update(), pk=campaign_id)
    if campaign.status == Campaign.Status.CLOSED:
        raise ApplicationError(
            _("The campaign is closed: nobody can be invited any more."),
            status=409,
            code="campaign_closed",
        )
    return campaign


def _check_respondent(
    targets: dict[str, Municipality],
    taken: set[str],
    *,
    name: str,
    email: str,
    oktmo: str,
) -> dict[str, list[str]]:
    """Field errors of one respondent; ``taken`` holds the lower-cased e-mails already in
    the campaign (and earlier in the same file)."""
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the respondent's name.")]
    elif len(name) > 255:
        errors["name"] = [_("The name is longer than 255 characters.")]
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("“%(email)s” is not a valid e-mail address.") % {"email": email}]
    else:
        if email.lower() in taken:
            errors["email"] = [
                _("%(email)s is already invited to this campaign.") % {"email": email}
            ]
    if oktmo not in targets:
        errors["oktmo"] = [
            _("%(oktmo)s is not one of the campaign's municipalities.") % {"oktmo": oktmo or "—"}
        ]
    return errors


def _targets(campaign: Campaign) -> dict[str, Municipality]:
    return {m.oktmo: m for m in campaign.municipalities.all()}


def _taken(campaign: Campaign) -> set[str]:
    return {e.lower() for e in campaign.invitations.values_list("email", flat=True)}


def _issue(campaign: Campaign, actor: Any, rows: list[dict[str, Any]]) -> list[IssuedInvitation]:
    """Insert the invitations, each with a fresh token; e-mail them after commit if the
    campaign is open (a draft's go out when it opens)."""
    tokens = [token_new() for _row in rows]
    creator = actor if getattr(actor, "is_authenticated", False) else None
    try:
        with transaction.atomic():
            invitations = Invitation.objects.bulk_create(
                Invitation(
                    campaign=campaign,
                    municipality=row["municipality"],
                    name=row["name"],
                    position=row["position"],
                    email=row["email"],
                    token_hash=token_hash(token),
                    created_by=creator,
                )
                for row, token in zip(rows, tokens, strict=True)
            )
    except IntegrityError as exc:
        # Only a concurrent insert of the same e-mail can get here: the campaign row lock
        # serialises our own writers, so this is somebody bypassing the services.
        raise ApplicationError(
            _("This e-mail address is already invited to this campaign."),
            extra={"errors": {"email": [_("Already invited.")]}},
        ) from exc
    if campaign.status == Campaign.Status.OPEN:
        _queue_send([(inv.pk, token) for inv, token in zip(invitations, tokens, strict=True)])
    return [
        IssuedInvitation(invitation=inv, token=token, link=invitation_link(token))
        for inv, token in zip(invitations, tokens, strict=True)
    ]


@transaction.atomic
def invitation_create(
    *,
    actor: Any,
    campaign_id: int,
    name: str,
    email: str,
    oktmo: str,
    position: str = "",
) -> IssuedInvitation:
    """Invite one respondent. The result carries the link: show it now, it is not kept."""
    campaign = _lock_campaign_for_invitations(campaign_id)
    name, email, oktmo, position = name.strip(), email.strip(), oktmo.strip(), position.strip()
    targets = _targets(campaign)
    errors = _check_respondent(targets, _taken(campaign), name=name, email=email, oktmo=oktmo)
    if len(position) > 255:
        errors["position"] = [_("The position is longer than 255 characters.")]
    if errors:
        raise ApplicationError(_("The respondent has errors."), extra={"errors": errors})
    [issued] = _issue(
        campaign,
        actor,
        [{"name": name, "email": email, "position": position, "municipality": targets[oktmo]}],
    )
    audit_log_write(
        actor=actor,
        action="invitation.create",
        obj=issued.invitation,
        after={"campaign": campaign.pk, "email": email, "oktmo": oktmo},
    )
    return issued


def _cell(value: Any) -> str:
    """A cell as text. Excel keeps an OKTMO typed as a number as 19638000 (or 19638000.0)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Column index of each field, and the problems with the header."""
    index: dict[str, int] = {}
    for position, title in enumerate(header):
        key = header_text(title).lower()
        for name, aliases in COLUMNS.items():
            if key in aliases and name not in index:
                index[name] = position
    missing = [name for name in REQUIRED_COLUMNS if name not in index]
    problems = []
    if missing:
        problems.append(
            _(
                "The header row lacks the columns: %(columns)s (expected: name, position, "
                "email, oktmo)."
            )
            % {"columns": ", ".join(missing)}
        )
    return index, problems


def _oktmo(value: str) -> str:
    # A code starting with 0 loses it when a spreadsheet takes it for a number.
    return value.zfill(8) if value.isdigit() and 5 <= len(value) < 8 else value


@transaction.atomic
def invitations_import(
    *, actor: Any, campaign_id: int, file: IO[bytes], filename: str = "respondents.csv"
) -> ImportReport:
    """Invite everybody listed in a CSV (``;`` or ``,``, UTF-8 with or without BOM, or
    Windows-1251) or XLSX file with the columns ``name, position, email, oktmo``. All or
    nothing: any bad row and nobody is invited; the report names every bad row by its number
    in the file (the header is row 1)."""
    campaign = _lock_campaign_for_invitations(campaign_id)
    targets = _targets(campaign)
    taken = _taken(campaign)
    report = ImportReport(ok=False)
    valid: list[dict[str, Any]] = []
    with open_table(file, filename or "respondents.csv") as table:
        columns, problems = _columns(table.header)
        if problems:
            report.errors.append(RowError(row=1, messages=problems))
            return report
        for line, cells in table.rows:
            report.rows += 1
            if report.rows > IMPORT_MAX_ROWS:
                report.errors.append(
                    RowError(
                        row=line,
                        messages=[
                            _("The file has more than %(n)s rows: split it.")
                            % {"n": IMPORT_MAX_ROWS}
                        ],
                    )
                )
                break
            values = {
                name: _cell(cells[i]) if i < len(cells) else "" for name, i in columns.items()
            }
            row = {
                "name": values.get("name", ""),
                "position": values.get("position", ""),
                "email": values.get("email", ""),
                "oktmo": _oktmo(values.get("oktmo", "")),
            }
            errors = _check_respondent(
                targets,
                taken,
                name=row["name"],
                email=row["email"],
                oktmo=row["oktmo"],
            )
            if len(row["position"]) > 255:
                errors["position"] = [_("The position is longer than 255 characters.")]
            if errors:
                messages = [m for field_errors in errors.values() for m in field_errors]
                report.errors.append(RowError(row=line, messages=messages))
                continue
            taken.add(row["email"].lower())
            valid.append({**row, "municipality": targets[row["oktmo"]]})
    if not report.errors and not valid:
        report.errors.append(RowError(row=2, messages=[_("The file lists nobody.")]))
    if report.errors:
        return report
    report.created = _issue(campaign, actor, valid)
    report.ok = True
    audit_log_write(
        actor=actor,
        action="invitation.import",
        obj=Invitation,
        object_repr=f"{campaign}: {len(valid)}",
        after={"campaign": campaign.pk, "count": len(valid), "file": filename},
    )
    return report


# --- e-mail --------------------------------------------------------------------------------


def _queue_send(pairs: list[tuple[int, str]]) -> None:
    """Queue one e-mail task per (invitation id, token) once the transaction commits: the
    worker must find the row, and must not find a rolled-back one."""
    from surveys.tasks import send_invitation

    if not pairs:
        return

    def queue() -> None:
        for invitation_id, token in pairs:
            send_invitation.delay(invitation_id, token)

    transaction.on_commit(queue)


def _rotate(invitations: list[Invitation]) -> list[tuple[int, str]]:
    """A new token for each (the old links stop working); saves the hashes."""
    now = timezone.now()
    pairs = []
    for invitation in invitations:
        token = token_new()
        invitation.token_hash = token_hash(token)
        # bulk_update skips auto_now; updated_at is when the sweeper last queued it.
        invitation.updated_at = now
        pairs.append((invitation.pk, token))
    Invitation.objects.bulk_update(invitations, ["token_hash", "updated_at"])
    return pairs


def invitations_queue_unsent(*, campaign: Campaign) -> int:
    """Inside the opening transaction: mail every invitation of ``campaign`` not sent yet,
    each with a new token (the plain one of its creation is gone)."""
    invitations = list(
        campaign.invitations.select_for_update().filter(
            sent_at__isnull=True, submitted_at__isnull=True
        )
    )
    _queue_send(_rotate(invitations))
    return len(invitations)


def _message(invitation: Invitation, token: str, kind: str) -> EmailMessage:
    campaign = invitation.campaign
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "invitation": invitation,
            "campaign": campaign,
            "municipality": invitation.municipality,
            "link": invitation_link(token),
            "closes_at": formats.date_format(
                timezone.localtime(campaign.closes_at), "DATETIME_FORMAT"
            ),
        }
        subject = render_to_string(f"surveys/email/{kind}_subject.txt", context)
        body = render_to_string(f"surveys/email/{kind}.txt", context)
    # A header must be one line whatever the template or the campaign title hold.
    return EmailMessage(" ".join(subject.split()), body, None, [invitation.email])


def invitation_send(*, invitation_id: int, token: str) -> bool:
    """Send the invitation e-mail with the link of ``token``; the e-mail task runs this.
    Nothing is sent when the invitation is gone, already sent, answered, its campaign not
    open, or the token no longer the invitation's (rotated since it was queued: a newer
    e-mail carries the working link). The row stays locked while the message goes out, so
    two deliveries of one task cannot both send. Returns whether it sent."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("campaign", "municipality")
            .filter(pk=invitation_id)
            .first()
        )
        if (
            invitation is None
            or invitation.sent_at is not None
            or invitation.submitted_at is not None
            or invitation.campaign.status != Campaign.Status.OPEN
            or invitation.token_hash != token_hash(token)
        ):
            return False
        _message(invitation, token, "invitation").send(fail_silently=False)
        invitation.sent_at = timezone.now()
        invitation.save(update_fields=["sent_at", "updated_at"])
    return True


def invitations_sweep_unsent(*, now: dt.datetime | None = None) -> int:
    """Invitations of open campaigns whose e-mail has not gone out within ``UNSENT_GRACE`` of
    being queued (the broker was down, the worker lost it, SMTP refused): queue them again
    with a NEW token, since the one queued before is not stored anywhere we can read. A task
    still holding the old token finds it rotated and sends nothing. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        invitations = list(
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                campaign__status=Campaign.Status.OPEN,
                campaign__closes_at__gt=now,
                sent_at__isnull=True,
                submitted_at__isnull=True,
                updated_at__lte=now - UNSENT_GRACE,
            )
            .order_by("pk")[:SWEEP_BATCH]
        )
        _queue_send(_rotate(invitations))
    if invitations:
        logger.warning("Re-queued %d unsent survey invitations", len(invitations))
    return len(invitations)


def _due_for_reminder(campaign: Campaign, now: dt.datetime) -> QuerySet[Invitation]:
    cutoff = now - dt.timedelta(days=campaign.reminder_interval_days)
    return (
        Invitation.objects.filter(
            campaign=campaign,
            sent_at__isnull=False,
            submitted_at__isnull=True,
            reminder_count__lt=campaign.max_reminders,
        )
        .filter(
            Q(last_reminded_at__lte=cutoff) | Q(last_reminded_at__isnull=True, sent_at__lte=cutoff)
        )
        .exclude(response__status=Response.Status.SUBMITTED)
    )


def _remind(campaign: Campaign, invitation_id: int, now: dt.datetime) -> bool:
    """One reminder in its own transaction: lock the invitation unless another sweeper holds
    it, check it is still due, rotate its token, mail the new link, count it. A failed send
    rolls all of it back, the old link keeps working and the next run tries again."""
    try:
        with transaction.atomic():
            invitation = (
                _due_for_reminder(campaign, now)
                .select_for_update(skip_locked=True, of=("self",))
                .select_related("campaign", "municipality")
                .filter(pk=invitation_id)
                .first()
            )
            if invitation is None:
                return False
            [(_pk, token)] = _rotate([invitation])
            invitation.reminder_count += 1
            invitation.last_reminded_at = now
            invitation.save(update_fields=["reminder_count", "last_reminded_at"])
            _message(invitation, token, "reminder").send(fail_silently=False)
    except (SMTPException, OSError):
        logger.exception("Reminder to invitation %s not sent", invitation_id)
        return False
    return True


def _open_campaigns(now: dt.datetime) -> Iterator[Campaign]:
    return Campaign.objects.filter(
        status=Campaign.Status.OPEN, closes_at__gt=now, max_reminders__gt=0
    ).iterator()


def invitation_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Remind invitees of open campaigns who have not submitted: at most the campaign's
    ``max_reminders`` times, ``reminder_interval_days`` after the invitation or the previous
    reminder. Each reminder carries a new link (the plain token is not stored) and says the
    old one stops working. Safe to run concurrently. Returns how many were sent."""
    now = now or timezone.now()
    sent = 0
    for campaign in _open_campaigns(now):
        due = list(_due_for_reminder(campaign, now).values_list("pk", flat=True))
        for invitation_id in due:
            sent += _remind(campaign, invitation_id, now)
    return sent
