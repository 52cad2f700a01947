"""The transactional outbox: side effects (e-mails) that must not be lost.

A service calls ``outbox_enqueue`` inside its transaction instead of queueing a Celery task
on commit. The row commits with the change or not at all; after the commit the broker gets a
message naming the row. A worker runs the named task under the row's lock and marks it done.
If the broker was down, or the message was lost, ``outbox_sweep`` (beat) sends it again.
Delivery is at least once: an e-mail may, rarely, go out twice (a worker dying between the
send and the commit of "done"), never zero times.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.models import OutboxMessage
from core.queueing import task_send

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# A pending row whose message has waited this long is sent again.
RESEND_AFTER = timedelta(minutes=10)
# A claimed row whose run has taken longer than this is taken to be dead (its worker was
# killed): longer than the hard time limit of any task.
CLAIM_TIMEOUT = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)

Status = OutboxMessage.Status


def outbox_enqueue(*, task: str, args: list[Any]) -> OutboxMessage:
    """Record that ``task(*args)`` must run once the current transaction commits."""
    message = OutboxMessage.objects.create(task=task, args=args)
    message_id = message.pk
    transaction.on_commit(lambda: outbox_dispatch(message_id=message_id))
    return message


def outbox_dispatch(*, message_id: int) -> bool:
    """Hand the row to the broker; when it cannot be reached, leave it to the sweeper."""
    from core.tasks import run_outbox_message

    if not task_send(run_outbox_message, message_id):
        return False
    OutboxMessage.objects.filter(pk=message_id).update(queued_at=timezone.now())
    return True


def outbox_run(*, message_id: int) -> OutboxMessage | None:
    """Run the row's task in this process. The attempt is counted and the row claimed in a
    transaction of its own (a worker killed mid-send still used up an attempt), the task runs
    outside any lock (a slow SMTP server holds no row), and the row is marked done after."""
    message = _claim(message_id)
    if message is None:
        return OutboxMessage.objects.filter(pk=message_id).first()
    # Task modules are imported by workers at start; a web process running tasks in-process
    # (the demo) must load them before looking a name up.
    current_app.loader.import_default_modules()
    try:
        result = current_app.tasks[message.task].run(*message.args)
    except Exception as error:  # recorded on the row; the sweeper tries again
        logger.exception("outbox message %s failed", message_id)
        with transaction.atomic():
            message = OutboxMessage.objects.select_for_update().get(pk=message_id)
            message.error = f"{type(error).__name__}: {error}"[:2000]
            message.claimed_at = None
            if message.attempts >= MAX_ATTEMPTS:
                message.status = Status.FAILED
            message.save(update_fields=["error", "claimed_at", "status", "updated_at"])
        return message
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=message_id)
        message.status = Status.DONE
        message.done_at = timezone.now()
        message.claimed_at = None
        message.result = result if isinstance(result, int | str | None) else str(result)
        message.error = ""
        message.save()
    return message


def _claim(message_id: int) -> OutboxMessage | None:
    """The row, claimed for this run, or None when it is done, failed, or being run by a
    live delivery (claimed less than ``CLAIM_TIMEOUT`` ago)."""
    now = timezone.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != Status.PENDING:
            return None
        if message.claimed_at is not None and message.claimed_at > now - CLAIM_TIMEOUT:
            return None
        if message.attempts >= MAX_ATTEMPTS:
            # Every attempt died with its worker: give up instead of trying forever.
            message.status = Status.FAILED
            message.error = message.error or f"interrupted {message.attempts} times"
            message.save(update_fields=["status", "error", "updated_at"])
            return None
        message.attempts += 1
        message.claimed_at = now
        message.save(update_fields=["attempts", "claimed_at", "updated_at"])
    return message


def outbox_sweep(*, now: datetime | None = None) -> int:
    """Send again the rows that never reached the broker or have waited too long."""
    now = now or timezone.now()
    pending = OutboxMessage.objects.filter(status=Status.PENDING)
    ids = sorted(
        {*pending.filter(queued_at__isnull=True).values_list("pk", flat=True)}
        | {*pending.filter(queued_at__lt=now - RESEND_AFTER).values_list("pk", flat=True)}
    )
    return sum(outbox_dispatch(message_id=message_id) for message_id in ids)
