"""The transactional outbox: owed side effects survive a dead broker and run once."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from celery import shared_task
from django.conf import settings
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


def test_a_worker_killed_mid_send_used_up_its_attempt_and_is_given_up_after_five():
    """A claim that never finished (the worker died) counts; after five the row fails."""
    message = outbox.outbox_enqueue(task="tests.outbox_record", args=["f"])
    long_ago = timezone.now() - timedelta(hours=1)
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=4, claimed_at=long_ago)
    outbox.outbox_run(message_id=message.pk)  # the fifth and last attempt succeeds
    message.refresh_from_db()
    assert (message.status, message.attempts, CALLS) == ("done", 5, ["f"])

    dead = outbox.outbox_enqueue(task="tests.outbox_record", args=["g"])
    OutboxMessage.objects.filter(pk=dead.pk).update(attempts=5, claimed_at=long_ago)
    outbox.outbox_run(message_id=dead.pk)
    dead.refresh_from_db()
    assert dead.status == "failed"
    assert CALLS == ["f"]


def test_a_row_claimed_by_a_live_delivery_is_left_alone():
    message = outbox.outbox_enqueue(task="tests.outbox_record", args=["h"])
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=1, claimed_at=timezone.now())
    outbox.outbox_run(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts, CALLS) == ("pending", 1, [])


def test_a_web_process_finds_the_task_modules_it_never_imported():
    """In the demo the web process itself runs the outbox (eager tasks); nothing there
    imports ``strategies.tasks``, which only workers discover at start."""
    script = (
        "import django; django.setup()\n"
        "from celery import current_app\n"
        "from core import outbox\n"
        "assert 'strategies.notify_comment' not in current_app.tasks\n"
        "current_app.loader.import_default_modules()\n"
        "assert 'strategies.notify_comment' in current_app.tasks\n"
        "assert 'surveys.send_invitation' in current_app.tasks\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, cwd=settings.BASE_DIR, capture_output=True
    )
    assert done.returncode == 0, done.stderr.decode()
