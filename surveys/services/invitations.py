"""Respondents of a campaign: adding them one by one or from a file, issuing a new link,
and the e-mails that carry their links (the invitation, the sweeper's further tries, the
reminders).

A link's token is derived from the invitation's salt (``surveys.tokens``), so every e-mail
carries the SAME link the administrator was shown when the invitation was made: opening a
campaign, the sweeper and the reminders change nothing about it. Only "issue a new link"
(``invitation_reissue``) makes a new one, and the old one stops working.

E-mail is sent by Celery tasks that take the invitation id; the services queue them after
commit. A task claims the invitation under its row lock (``sending_since``, one more
attempt), commits, and only then talks to the mail server, so no lock is held while SMTP
answers; the outcome is written afterwards. A permanent refusal (the address does not exist)
marks the delivery failed at once; other errors are tried again by the sweeper, further and
further apart, until ``MAX_SEND_ATTEMPTS``. Delivery is at least once: a worker dying between
the send and the record of it may, rarely, mean a second e-mail with the same link."""

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from smtplib import SMTPDataError, SMTPException, SMTPRecipientsRefused
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Q, QuerySet, TextField, Value, When
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from core.audit import audit_log_write
from core.exceptions import ApplicationError
from municipalities.imports.readers import header_text, open_table
from municipalities.models import Municipality
from surveys.models import Campaign, Invitation, Response
from surveys.tokens import (
    TokenNotDerivable,
    token_derive,
    token_for,
    token_hash,
    token_salt_new,
)

logger = logging.getLogger(__name__)

# A file bigger than this is certainly not a list of officials to invite.
IMPORT_MAX_ROWS = 5000
# The sweeper leaves an unsent invitation alone for this long after it was queued or last
# tried (the worker may just be busy), doubled after every failed attempt: 5, 10, 20, 40 and
# 80 minutes. After MAX_SEND_ATTEMPTS the delivery is given up and shown as failed.
UNSENT_GRACE = dt.timedelta(minutes=5)
MAX_SEND_ATTEMPTS = 5
# A worker's claim on an e-mail outlives the task's hard time limit (300 s) with margin: a
# claim older than this belongs to a worker that died.
SEND_CLAIM_TTL = dt.timedelta(minutes=10)
# The sweeper queues in batches, each in its own short transaction, and at most this many
# per run: a campaign of 20,000 opened ahead of its opening time is queued within two runs.
SWEEP_BATCH = 500
SWEEP_MAX_PER_RUN = 10_000
ERROR_MAX_LENGTH = 1000

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


def campaign_invitations_refusal(campaign: Campaign) -> ApplicationError | None:
    """Why ``campaign`` takes no more respondents (and issues no new links), if it does not:
    it is closed, or its closing time has passed (the form would only say "closed")."""
    if campaign.status == Campaign.Status.CLOSED:
        return ApplicationError(
            _("The campaign is closed: nobody can be invited any more."),
            status=409,
            code="campaign_closed",
        )
    if campaign.closes_at <= timezone.now():
        return ApplicationError(
            _(
                "The campaign's closing time has passed: nobody can be invited any more. "
                "The form no longer accepts answers."
            ),
            status=400,
            code="campaign_ended",
        )
    return None


def _lock_campaign_for_invitations(campaign_id: int) -> Campaign:
    campaign = get_object_or_404(Campaign.objects.select_for_update(), pk=campaign_id)
    if (refusal := campaign_invitations_refusal(campaign)) is not None:
        raise refusal
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


def _mails_now(campaign: Campaign) -> bool:
    """Whether an invitation of ``campaign`` is e-mailed right away: it is open and its
    opening time has come (before that the sweeper sends them, once it has)."""
    return campaign.status == Campaign.Status.OPEN and campaign.opens_at <= timezone.now()


def _issue(campaign: Campaign, actor: Any, rows: list[dict[str, Any]]) -> list[IssuedInvitation]:
    """Insert the invitations, each with a new salt and so a new link; e-mail them after
    commit if the campaign is open (a draft's go out when it opens)."""
    salts = [token_salt_new() for _row in rows]
    tokens = [token_derive(salt) for salt in salts]
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
                    token_salt=salt,
                    token_hash=token_hash(token),
                    created_by=creator,
                )
                for row, salt, token in zip(rows, salts, tokens, strict=True)
            )
    except IntegrityError as exc:
        # Only a concurrent insert of the same e-mail can get here: the campaign row lock
        # serialises our own writers, so this is somebody bypassing the services.
        raise ApplicationError(
            _("This e-mail address is already invited to this campaign."),
            extra={"errors": {"email": [_("Already invited.")]}},
        ) from exc
    if _mails_now(campaign):
        _queue_send([inv.pk for inv in invitations])
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


# --- a new link ---------------------------------------------------------------------------


@transaction.atomic
def invitation_reissue(*, actor: Any, invitation_id: int) -> IssuedInvitation:
    """Give the invitation a new link: a new salt makes a new token, and the old link stops
    working at once (a lost or forwarded link). The result carries the new link: show it
    now. The invitation e-mail goes out again with it, after commit, when the campaign is
    open (a draft's when it opens); an earlier failed delivery is tried afresh."""
    invitation = get_object_or_404(
        Invitation.objects.select_for_update(of=("self",)).select_related(
            "campaign", "municipality"
        ),
        pk=invitation_id,
    )
    campaign = invitation.campaign
    if (refusal := campaign_invitations_refusal(campaign)) is not None:
        raise refusal
    if invitation.submitted_at is not None:
        raise ApplicationError(
            _("%(name)s has already submitted the answers: a new link would change nothing.")
            % {"name": invitation.name},
            status=409,
            code="already_submitted",
        )
    before = {"sent_at": invitation.sent_at, "send_failed_at": invitation.send_failed_at}
    salt = token_salt_new()
    token = token_derive(salt)
    invitation.token_salt = salt
    invitation.token_hash = token_hash(token)
    # Sent again from scratch: the e-mail with the old link is worthless now.
    invitation.sent_at = None
    invitation.send_attempts = 0
    invitation.sending_since = None
    invitation.send_error = ""
    invitation.send_failed_at = None
    invitation.save(
        update_fields=[
            "token_salt",
            "token_hash",
            "sent_at",
            "send_attempts",
            "sending_since",
            "send_error",
            "send_failed_at",
            "updated_at",
        ]
    )
    audit_log_write(
        actor=actor,
        action="invitation.reissue",
        obj=invitation,
        before={key: value.isoformat() if value else None for key, value in before.items()},
        after={"campaign": campaign.pk, "email": invitation.email},
    )
    if _mails_now(campaign):
        _queue_send([invitation.pk])
    return IssuedInvitation(invitation=invitation, token=token, link=invitation_link(token))


# --- e-mail --------------------------------------------------------------------------------


def _queue_send(invitation_ids: list[int]) -> None:
    """Queue one e-mail task per invitation once the transaction commits: the worker must
    find the row, and must not find a rolled-back one. An unreachable broker loses nothing:
    the rows are the truth and the sweeper queues them again."""
    from surveys.tasks import send_invitation

    if not invitation_ids:
        return

    def queue() -> None:
        try:
            for invitation_id in invitation_ids:
                send_invitation.delay(invitation_id)
        except Exception:  # kombu/redis raise several types for an unreachable broker
            logger.warning(
                "broker unreachable: %d survey invitations wait for the sweeper",
                len(invitation_ids),
            )

    transaction.on_commit(queue)


def invitations_queue_unsent(*, campaign: Campaign) -> int:
    """Inside the opening transaction (the campaign row locked): mail every invitation of
    ``campaign`` not sent yet, with the link it was given. Before the opening time nothing
    is queued: the sweeper sends them once it has come. Returns how many were queued."""
    if not _mails_now(campaign):
        return 0
    unsent = campaign.invitations.filter(
        sent_at__isnull=True, submitted_at__isnull=True, send_failed_at__isnull=True
    )
    # Touched as "queued now", so the sweeper gives the worker its grace period.
    unsent.update(updated_at=timezone.now())
    invitation_ids = list(unsent.order_by("pk").values_list("pk", flat=True))
    _queue_send(invitation_ids)
    return len(invitation_ids)


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


def _is_permanent(error: Exception) -> bool:
    """Whether the mail server refused for good (a 5xx reply about the recipient or the
    message); anything else — a 4xx, a timeout, a connection refused — may pass later."""
    if isinstance(error, SMTPRecipientsRefused):
        codes = [code for code, _text in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, SMTPDataError):
        return 500 <= error.smtp_code < 600
    return False


def _reply(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _describe(error: Exception) -> str:
    """The mail server's answer, as the administrator will see it."""
    if isinstance(error, SMTPRecipientsRefused):
        text = "; ".join(
            f"{address}: {code} {_reply(reply)}"
            for address, (code, reply) in error.recipients.items()
        )
    elif isinstance(error, SMTPDataError):
        text = f"{error.smtp_code} {_reply(error.smtp_error)}"
    else:
        text = f"{type(error).__name__}: {error}"
    return text[:ERROR_MAX_LENGTH]


def _claimed_by_another(invitation: Invitation, now: dt.datetime) -> bool:
    since = invitation.sending_since
    return since is not None and since > now - SEND_CLAIM_TTL


def _invitation_due(invitation: Invitation, now: dt.datetime) -> bool:
    campaign = invitation.campaign
    return (
        invitation.sent_at is None
        and invitation.submitted_at is None
        and invitation.send_failed_at is None
        and campaign.status == Campaign.Status.OPEN
        and campaign.opens_at <= now < campaign.closes_at
    )


def _not_derivable(invitation: Invitation, now: dt.datetime) -> None:
    """The invitation's link cannot be re-derived (made before links were derived, or the
    demo's fixed link): e-mailing another link would hand out one that does not work."""
    invitation.send_error = _(
        "Its link cannot be sent again (it was made before links were derived): issue a new link."
    )
    invitation.send_failed_at = now
    invitation.sending_since = None
    invitation.save(update_fields=["send_error", "send_failed_at", "sending_since", "updated_at"])


def invitation_send(*, invitation_id: int) -> bool:
    """Send the invitation e-mail; the e-mail task runs this, outside any transaction.
    Nothing is sent when the invitation is gone, already sent or being sent, answered, given
    up, or its campaign not open or not yet at its opening time. Returns whether it sent."""
    now = timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("campaign", "municipality")
            .filter(pk=invitation_id)
            .first()
        )
        if (
            invitation is None
            or not _invitation_due(invitation, now)
            or _claimed_by_another(invitation, now)
        ):
            return False
        try:
            token = token_for(invitation)
        except TokenNotDerivable:
            _not_derivable(invitation, now)
            return False
        invitation.send_attempts += 1
        invitation.sending_since = now
        invitation.save(update_fields=["send_attempts", "sending_since", "updated_at"])
    # Committed: the claim is visible to a second delivery of this task, and no lock is held
    # while the mail server answers.
    mine = Invitation.objects.filter(pk=invitation_id, token_hash=invitation.token_hash)
    try:
        _message(invitation, token, "invitation").send(fail_silently=False)
    except (SMTPException, OSError) as error:
        failed = _is_permanent(error) or invitation.send_attempts >= MAX_SEND_ATTEMPTS
        logger.warning(
            "Survey invitation %s not sent (attempt %d%s): %s",
            invitation_id,
            invitation.send_attempts,
            ", given up" if failed else "",
            type(error).__name__,
        )
        # Filtered on the link it carried: a new link issued meanwhile has its own e-mail.
        done = timezone.now()
        mine.update(
            sending_since=None,
            send_error=_describe(error),
            send_failed_at=done if failed else None,
            updated_at=done,
        )
        return False
    done = timezone.now()
    mine.update(sent_at=done, sending_since=None, send_error="", updated_at=done)
    return True


def _unsent_waited_long_enough(now: dt.datetime) -> Q:
    waited = Q()
    for attempts in range(MAX_SEND_ATTEMPTS):
        waited |= Q(send_attempts=attempts, updated_at__lte=now - UNSENT_GRACE * 2**attempts)
    return waited


def _give_up_abandoned(now: dt.datetime) -> None:
    """Mark failed the invitations whose last attempt was claimed by a worker that died (no
    outcome recorded) when no attempt is left: otherwise they would wait forever."""
    Invitation.objects.filter(
        sent_at__isnull=True,
        submitted_at__isnull=True,
        send_failed_at__isnull=True,
        send_attempts__gte=MAX_SEND_ATTEMPTS,
    ).filter(Q(sending_since__isnull=True) | Q(sending_since__lte=now - SEND_CLAIM_TTL)).update(
        send_failed_at=now,
        sending_since=None,
        send_error=Case(
            When(send_error="", then=Value(_("The sending stopped without an answer."))),
            default=F("send_error"),
            output_field=TextField(),
        ),
        updated_at=now,
    )


def invitations_sweep_unsent(*, now: dt.datetime | None = None) -> int:
    """Queue again the invitations of open campaigns whose e-mail has not gone out: the
    broker was down, the worker lost the task, the mail server failed, or the campaign was
    opened before its opening time (their e-mails go once it has come). Each waits
    ``UNSENT_GRACE`` after it was queued or last tried, doubled after every failed attempt,
    and is given up after ``MAX_SEND_ATTEMPTS``. The link stays the same. Returns how many
    were queued."""
    now = now or timezone.now()
    due = (
        Invitation.objects.filter(
            campaign__status=Campaign.Status.OPEN,
            campaign__opens_at__lte=now,
            campaign__closes_at__gt=now,
            sent_at__isnull=True,
            submitted_at__isnull=True,
            send_failed_at__isnull=True,
        )
        .filter(_unsent_waited_long_enough(now))
        .filter(Q(sending_since__isnull=True) | Q(sending_since__lte=now - SEND_CLAIM_TTL))
    )
    _give_up_abandoned(now)
    queued = 0
    while queued < SWEEP_MAX_PER_RUN:
        with transaction.atomic():
            batch = list(
                due.select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
                .values_list("pk", flat=True)[:SWEEP_BATCH]
            )
            if not batch:
                break
            # "Queued now": the next run leaves them their grace period.
            Invitation.objects.filter(pk__in=batch).update(updated_at=now)
            _queue_send(batch)
        queued += len(batch)
    if queued:
        logger.warning("Re-queued %d unsent survey invitations", queued)
    return queued


# --- reminders -----------------------------------------------------------------------------


def _due_for_reminder(campaign: Campaign, now: dt.datetime) -> QuerySet[Invitation]:
    cutoff = now - dt.timedelta(days=campaign.reminder_interval_days)
    return (
        Invitation.objects.filter(
            campaign=campaign,
            sent_at__isnull=False,
            submitted_at__isnull=True,
            send_failed_at__isnull=True,
            reminder_count__lt=campaign.max_reminders,
        )
        .filter(
            Q(last_reminded_at__lte=cutoff) | Q(last_reminded_at__isnull=True, sent_at__lte=cutoff)
        )
        .exclude(response__status=Response.Status.SUBMITTED)
    )


def _reminder_due(invitation: Invitation, now: dt.datetime) -> bool:
    """``_due_for_reminder`` for one locked invitation (its campaign may have closed, or a
    reminder gone out, since the ids were selected)."""
    campaign = invitation.campaign
    last = invitation.last_reminded_at or invitation.sent_at
    return (
        campaign.status == Campaign.Status.OPEN
        and campaign.opens_at <= now < campaign.closes_at
        and invitation.sent_at is not None
        and invitation.submitted_at is None
        and invitation.send_failed_at is None
        and invitation.reminder_count < campaign.max_reminders
        and last is not None
        and last <= now - dt.timedelta(days=campaign.reminder_interval_days)
    )


def invitation_remind(*, invitation_id: int, now: dt.datetime | None = None) -> bool:
    """Send one reminder; the reminder task runs this, outside any transaction. Under the
    invitation's lock (skipped, not waited for, when another worker holds it) it checks the
    reminder is still due and counts it; after commit it sends the e-mail, with the same
    link as ever. A second delivery of the task finds it counted and sends nothing; a failed
    send gives the reminder back for the next run (a permanent refusal marks the delivery
    failed instead). Returns whether it sent."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("campaign", "municipality")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or not _reminder_due(invitation, now):
            return False
        try:
            token = token_for(invitation)
        except TokenNotDerivable:
            _not_derivable(invitation, now)
            return False
        previous = invitation.last_reminded_at
        invitation.reminder_count += 1
        invitation.last_reminded_at = now
        invitation.save(update_fields=["reminder_count", "last_reminded_at", "updated_at"])
    counted = Invitation.objects.filter(
        pk=invitation_id,
        token_hash=invitation.token_hash,
        reminder_count=invitation.reminder_count,
        last_reminded_at=now,
    )
    try:
        _message(invitation, token, "reminder").send(fail_silently=False)
    except (SMTPException, OSError) as error:
        permanent = _is_permanent(error)
        logger.warning(
            "Survey reminder to invitation %s not sent%s: %s",
            invitation_id,
            " (refused for good)" if permanent else "",
            type(error).__name__,
        )
        failure: dict[str, Any] = {"send_error": _describe(error)}
        if permanent:
            failure["send_failed_at"] = timezone.now()
        counted.update(
            reminder_count=invitation.reminder_count - 1,
            last_reminded_at=previous,
            updated_at=timezone.now(),
            **failure,
        )
        return False
    return True


def _open_campaigns(now: dt.datetime) -> Iterator[Campaign]:
    return Campaign.objects.filter(
        status=Campaign.Status.OPEN, opens_at__lte=now, closes_at__gt=now, max_reminders__gt=0
    ).iterator()


def invitation_reminders_due(*, now: dt.datetime | None = None) -> list[int]:
    """Ids of the invitations due for a reminder: of open campaigns within their period,
    sent, not submitted, not failed, reminded fewer than the campaign's ``max_reminders``
    times, the last one (or the invitation) ``reminder_interval_days`` ago."""
    now = now or timezone.now()
    due: list[int] = []
    for campaign in _open_campaigns(now):
        due += _due_for_reminder(campaign, now).order_by("pk").values_list("pk", flat=True)
    return due


def invitation_reminders_send(*, now: dt.datetime | None = None) -> int:
    """The hourly beat task: select the invitations due for a reminder and queue one task
    per invitation (``surveys.send_reminder``), which checks again and sends. Selecting is
    one query per open campaign, whatever the number of invitations; the sending is spread
    over the workers, each task well within the time limits. A reminder queued twice (the
    previous run's still waiting) is sent once. Returns how many were queued."""
    from surveys.tasks import send_reminder

    due = invitation_reminders_due(now=now)
    for invitation_id in due:
        send_reminder.delay(invitation_id)
    return len(due)
