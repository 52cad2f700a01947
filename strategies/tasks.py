"""Thin Celery wrappers: take ids, load, call one function. E-mail goes out after commit."""

from celery import shared_task

from strategies import notifications


@shared_task(name="strategies.notify_comment")
def notify_comment(comment_id: int) -> int:
    return notifications.comment_notify(comment_id=comment_id)


@shared_task(name="strategies.notify_approvers")
def notify_approvers(strategy_id: int, reason: str) -> int:
    return notifications.approvers_notify(strategy_id=strategy_id, reason=reason)
