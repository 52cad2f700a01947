"""E-mails about strategies: who gets them, what they say, that they leave only after the
commit, and, once, through a real Celery worker."""

import os
import subprocess
import sys
import threading
import uuid
from unittest import mock

import pytest
from django.core import mail

from config.celery import app
from strategies import notifications, services, tasks
from strategies.models import Comment, Section
from tests.conftest import wait_until

pytestmark = pytest.mark.django_db


@pytest.fixture
def js(joint_strategy):
    return joint_strategy


def first_section(js) -> Section:
    return js.strategy.sections.order_by("position").first()


def comment_on(section: Section, author) -> Comment:
    return Comment.objects.create(section=section, author=author, body="Нужны данные за 2024 год")


def recipients() -> set[str]:
    return {address for message in mail.outbox for address in message.to}


def test_a_comment_on_an_owned_section_mails_the_owners_editors_but_not_the_author(js, member):
    second_editor = member(js.vologodsky, "editor", username="editor2-vologodsky")
    section = first_section(js)
    section.owner = js.vologodsky
    section.save()
    comment = Comment.objects.create(section=section, author=second_editor, body="Проверьте цифры")
    sent = notifications.comment_notify(comment_id=comment.pk)
    assert sent == 1
    assert recipients() == {"editor-vologodsky@example.org"}
    message = mail.outbox[0]
    assert section.title in message.subject
    assert "Проверьте цифры" in message.body
    assert f"/strategies/{js.strategy.pk}/sections/{section.pk}/" in message.body


def test_a_comment_on_a_shared_section_mails_the_editors_of_every_participant(js):
    comment = comment_on(first_section(js), js.users["viewer-sokolsky"])
    assert notifications.comment_notify(comment_id=comment.pk) == 2
    # Not the viewers, approvers or coordinators; not the outsider's editor.
    assert recipients() == {"editor-sokolsky@example.org", "editor-vologodsky@example.org"}


def test_inactive_users_and_users_without_address_get_nothing(js):
    js.users["editor-sokolsky"].is_active = False
    js.users["editor-sokolsky"].save()
    js.users["editor-vologodsky"].email = ""
    js.users["editor-vologodsky"].save()
    comment = comment_on(first_section(js), js.users["viewer-sokolsky"])
    assert notifications.comment_notify(comment_id=comment.pk) == 0
    assert mail.outbox == []


def test_a_deleted_comment_mails_nobody():
    assert notifications.comment_notify(comment_id=10**9) == 0
    assert notifications.approvers_notify(strategy_id=10**9, reason="review") == 0


@pytest.mark.parametrize("reason", ["review", "sign_offs_cleared"])
def test_approvers_of_every_participant_are_told(js, member, reason):
    member(js.cherepovets, "approver", username="approver-cherepovets")
    assert notifications.approvers_notify(strategy_id=js.strategy.pk, reason=reason) == 2
    assert recipients() == {"approver-sokolsky@example.org", "approver-vologodsky@example.org"}
    subjects = {message.subject for message in mail.outbox}
    assert len(subjects) == 1
    assert js.strategy.title in subjects.pop()
    assert f"/strategies/{js.strategy.pk}/" in mail.outbox[0].body


def test_the_subject_says_why(js):
    notifications.approvers_notify(strategy_id=js.strategy.pk, reason="review")
    notifications.approvers_notify(strategy_id=js.strategy.pk, reason="sign_offs_cleared")
    assert mail.outbox[0].subject != mail.outbox[-1].subject


def test_the_tasks_call_the_notifications(js):
    comment = comment_on(first_section(js), js.users["viewer-sokolsky"])
    assert tasks.notify_comment.apply(args=[comment.pk]).get() == 2
    assert tasks.notify_approvers.apply(args=[js.strategy.pk, "review"]).get() == 2
    assert len(mail.outbox) == 4


def test_comment_create_sends_nothing_before_the_commit(js, django_capture_on_commit_callbacks):
    with mock.patch("strategies.tasks.notify_comment.delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            comment = services.comment_create(
                actor=js.users["viewer-sokolsky"], section_id=first_section(js).pk, body="Вопрос"
            )
        assert not delay.called
        for callback in callbacks:  # what the commit would run
            callback()
    delay.assert_called_once_with(comment.pk)
    assert mail.outbox == []  # the worker sends it, not the request


# --- with a real worker -------------------------------------------------------------------------


class TaskOutcomes:
    """Listens to the worker's task events: the only window into a worker whose e-mail
    backend (locmem) lives in its own process. A succeeded event carries the repr of the
    task's return value, the number of messages sent."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self.ready = threading.Event()
        outcomes = self

        class Receiver(app.events.Receiver):
            def on_consume_ready(self, *args, **kwargs):
                super().on_consume_ready(*args, **{**kwargs, "wakeup": False})
                outcomes.ready.set()

        self.connection = app.connection_for_read()
        self.receiver = Receiver(
            self.connection,
            handlers={"task-succeeded": self.events.append, "task-failed": self.events.append},
        )
        self.thread = threading.Thread(target=self.receiver.capture, daemon=True)

    def __enter__(self) -> "TaskOutcomes":
        self.thread.start()
        # Events sent before the receiver listens are lost: wait until it does.
        assert self.ready.wait(10), "the event receiver did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        self.receiver.should_stop = True
        self.thread.join(5)
        self.connection.release()

    def of(self, task_id: str) -> dict | None:
        return next((e for e in self.events if e.get("uuid") == task_id), None)


@pytest.fixture(scope="module")
def worker_with_events(django_db_setup, django_db_blocker):
    """A real worker like ``tests.conftest.celery_worker``, but sending task events (-E):
    that worker runs without them, and with neither gossip nor heartbeat it has no event
    dispatcher to switch on remotely. Its own queue, the test database."""
    from django.conf import settings

    queue = f"test-events-{uuid.uuid4().hex[:8]}"
    database = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
        ),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
    }
    node = f"{queue}@localhost"
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
    command += ["--loglevel=WARNING", "-n", node, "-Q", queue, "--task-events"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    process = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)
    previous_queue = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        wait_until(lambda: process.poll() is None and app.control.ping([node], timeout=1), 60)
        yield node
    finally:
        app.conf.task_default_queue = previous_queue
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_comment_reaches_the_editors_through_a_real_worker(joint_strategy, worker_with_events):
    queued: list[str] = []
    real_delay = tasks.notify_comment.delay

    def delay(*args):  # the real delay, remembering the task's id
        result = real_delay(*args)
        queued.append(result.id)
        return result

    with TaskOutcomes() as outcomes, mock.patch.object(tasks.notify_comment, "delay", delay):
        services.comment_create(
            actor=joint_strategy.users["viewer-vologodsky"],
            section_id=first_section(joint_strategy).pk,
            body="Добавьте маршрут Сокол — Вологда",
        )
        # No transaction around the test: comment_create has committed and queued it.
        assert len(queued) == 1
        event = wait_until(lambda: outcomes.of(queued[0]), timeout=30)
    assert event["type"] == "task-succeeded", event
    assert event["result"] == "2"  # the editors of Sokolsky and Vologodsky
