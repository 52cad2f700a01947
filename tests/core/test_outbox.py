"""The transactional outbox: owed side effects survive a dead broker and run once."""

from datetime import timedelta

import pytest
from celery import shared_task
from django.db import transaction
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from tests.conftest import broker_down

pytestmark = pytest.mark.django_db

CALLS: list = []


@shared_task(name="tests.outbox_record")
def record(value: str) -> int:
    CALLS.append(value)
    return len(CALLS)


@shared_task(name="tests.outbox_fail")
def fail() -> None:
    raise ConnectionRefusedError("SMTP server said no")


@pytest.fixture(autouse=True)
def _calls():
    CALLS.clear()


def _change_that_fails():
    with transaction.atomic():
        outbox.outbox_enqueue(task="tests.outbox_record", args=["a"])
        raise RuntimeError("the change failed")


def test_a_rolled_back_change_owes_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError),
    ):
        _change_that_fails()
    assert not OutboxMessage.objects.exists()
    assert callbacks == []


def test_a_message_runs_once_however_often_it_is_delivered():
    message = outbox.outbox_enqueue(task="tests.outbox_record", args=["a"])
    for _delivery in range(3):
        outbox.outbox_run(message_id=message.pk)
    message.refresh_from_db()
    assert CALLS == ["a"]
    assert (message.status, message.attempts, message.result) == ("done", 1, 1)
    assert message.done_at is not None


def test_a_failing_task_is_kept_for_the_sweeper_and_given_up_after_five_attempts():
    message = outbox.outbox_enqueue(task="tests.outbox_fail", args=[])
    for attempt in range(1, 5):
        outbox.outbox_run(message_id=message.pk)
        message.refresh_from_db()
        assert (message.status, message.attempts) == ("pending", attempt)
    outbox.outbox_run(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 5)
    assert "SMTP server said no" in message.error


def test_the_broker_down_at_commit_time_loses_nothing(django_capture_on_commit_callbacks):
    with broker_down():
        with django_capture_on_commit_callbacks(execute=True):
            message = outbox.outbox_enqueue(task="tests.outbox_record", args=["b"])
        message.refresh_from_db()
        assert (message.status, message.queued_at) == ("pending", None)
        assert outbox.outbox_sweep() == 0

    assert outbox.outbox_sweep() == 1
    message.refresh_from_db()
    assert message.queued_at is not None


def test_the_sweeper_resends_only_what_waited_too_long():
    now = timezone.now()
    fresh = outbox.outbox_enqueue(task="tests.outbox_record", args=["c"])
    stale = outbox.outbox_enqueue(task="tests.outbox_record", args=["d"])
    done = outbox.outbox_enqueue(task="tests.outbox_record", args=["e"])
    OutboxMessage.objects.filter(pk=fresh.pk).update(queued_at=now)
    OutboxMessage.objects.filter(pk=stale.pk).update(queued_at=now - timedelta(hours=1))
    OutboxMessage.objects.filter(pk=done.pk).update(status="done", queued_at=None)
    assert outbox.outbox_sweep() == 1
    stale.refresh_from_db()
    assert stale.queued_at > now
