"""Thin Celery wrappers: take ids, call one service. No secret travels in the arguments: an
e-mail task derives the invitation's link when it sends (``surveys.tokens``)."""

from celery import shared_task

from surveys.services import campaigns, invitations


# No autoretry: the invitation row records the failed attempt and the sweeper tries again,
# further and further apart (``invitations.UNSENT_GRACE``, ``MAX_SEND_ATTEMPTS``).
@shared_task(name="surveys.send_invitation")
def send_invitation(invitation_id: int) -> bool:
    return invitations.invitation_send(invitation_id=invitation_id)


@shared_task(name="surveys.send_reminders")
def send_reminders() -> int:
    """Beat: queue one ``surveys.send_reminder`` per invitation due for a reminder."""
    return invitations.invitation_reminders_send()


@shared_task(name="surveys.send_reminder")
def send_reminder(invitation_id: int) -> bool:
    return invitations.invitation_remind(invitation_id=invitation_id)


@shared_task(name="surveys.sweep_unsent_invitations")
def sweep_unsent_invitations() -> int:
    return invitations.invitations_sweep_unsent()


@shared_task(name="surveys.close_expired_campaigns")
def close_expired_campaigns() -> int:
    return campaigns.campaigns_close_expired()
