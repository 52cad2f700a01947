"""Thin Celery wrappers: take ids (and, for a new invitation, its token), call one service."""

from smtplib import SMTPException

from celery import shared_task

from surveys.services import invitations


# The token travels in the task's JSON arguments because it is stored nowhere else (only
# its hash is in the database); a retry carries the same token, so the link stays the same.
@shared_task(
    name="surveys.send_invitation",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    max_retries=3,
)
def send_invitation(invitation_id: int, token: str) -> bool:
    return invitations.invitation_send(invitation_id=invitation_id, token=token)


@shared_task(name="surveys.send_reminders")
def send_reminders() -> int:
    return invitations.invitation_reminders_send()


@shared_task(name="surveys.sweep_unsent_invitations")
def sweep_unsent_invitations() -> int:
    return invitations.invitations_sweep_unsent()
