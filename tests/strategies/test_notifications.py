"""E-mails about strategies: who gets them, what they say, that they leave only after the
commit, and, once, through a real Celery worker."""

import pytest
from django.core import mail

from core import outbox
from core.models import OutboxMessage
from strategies import notifications, services, tasks
from strategies.models import Comment, Section
from tests.conftest import broker_down, wait_until

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


def test_a_comment_owes_its_e_mail_in_the_outbox_and_sends_it_once(
    js, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = services.comment_create(
            actor=js.users["viewer-sokolsky"], section_id=first_section(js).pk, body="Вопрос"
        )
    assert len(callbacks) == 1  # the broker hears of it only after the commit
    assert mail.outbox == []  # the worker sends it, not the request
    message = OutboxMessage.objects.get(task="strategies.notify_comment")
    assert (message.args, message.status) == ([comment.pk], "pending")

    outbox.outbox_run(message_id=message.pk)  # what the worker does with the message
    outbox.outbox_run(message_id=message.pk)  # a second delivery of the same message
    message.refresh_from_db()
    assert (message.status, message.attempts, message.result) == ("done", 1, 2)
    assert len(mail.outbox) == 2


def test_a_comment_made_while_the_broker_is_down_is_mailed_once_it_is_back(
    js, django_capture_on_commit_callbacks
):
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        services.comment_create(
            actor=js.users["viewer-sokolsky"], section_id=first_section(js).pk, body="Вопрос"
        )
    message = OutboxMessage.objects.get(task="strategies.notify_comment")
    assert (message.status, message.queued_at) == ("pending", None)
    assert outbox.outbox_sweep() == 1
    message.refresh_from_db()
    assert message.queued_at is not None


# --- with a real worker -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_comment_reaches_the_editors_through_a_real_worker(joint_strategy, celery_worker):
    services.comment_create(
        actor=joint_strategy.users["viewer-vologodsky"],
        section_id=first_section(joint_strategy).pk,
        body="Добавьте маршрут Сокол — Вологда",
    )
    # No transaction around the test: comment_create has committed and queued it.
    message = wait_until(
        lambda: OutboxMessage.objects.filter(
            task="strategies.notify_comment", status="done"
        ).first(),
        timeout=30,
    )
    assert message.result == 2  # the editors of Sokolsky and Vologodsky
    assert message.attempts == 1
