"""Comment threads on sections, and who has a section open."""

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.outbox import outbox_enqueue
from strategies import permissions
from strategies.models import Comment, Section, SectionPresence

PRESENCE_WINDOW = timedelta(seconds=45)


@transaction.atomic
def comment_create(
    *, actor: Any, section_id: int, body: str, parent_id: int | None = None
) -> Comment:
    """Members of the participants comment; the editors of the section's municipality are
    e-mailed after the commit."""
    section = get_object_or_404(Section.objects.select_related("strategy"), pk=section_id)
    if not permissions.can_comment(actor, section.strategy):
        raise ApplicationError(
            _("Only members of the participating municipalities may comment."),
            status=403,
            code="permission_denied",
        )
    if not body.strip():
        raise ApplicationError(
            _("The comment is empty."), extra={"errors": {"body": [_("Write a comment.")]}}
        )
    parent = None
    if parent_id is not None:
        parent = Comment.objects.filter(pk=parent_id, section=section).first()
        if parent is None:
            raise ApplicationError(_("The comment answered is not on this section."))
    comment = Comment.objects.create(section=section, parent=parent, author=actor, body=body)

    outbox_enqueue(task="strategies.notify_comment", args=[comment.pk])
    return comment


@transaction.atomic
def comment_resolve(*, actor: Any, comment_id: int, resolved: bool = True) -> Comment:
    # Lock the comment row only: a plain select_for_update() over the join would also lock
    # the strategy row, after the comment's, against the order of services.locking.
    comment = get_object_or_404(
        Comment.objects.select_for_update(of=("self",)).select_related("section__strategy"),
        pk=comment_id,
    )
    if not permissions.can_comment(actor, comment.section.strategy):
        raise ApplicationError(
            _("Only members of the participating municipalities may resolve comments."),
            status=403,
            code="permission_denied",
        )
    comment.resolved_at = timezone.now() if resolved else None
    comment.resolved_by = actor if resolved else None
    comment.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    return comment


def presence_touch(*, actor: Any, section: Section) -> list[Any]:
    """Record that ``actor`` has the section open and return the others who have it open
    now. Best effort: a page that closes simply stops refreshing, nothing is locked."""
    now = timezone.now()
    SectionPresence.objects.update_or_create(section=section, user=actor, defaults={"seen_at": now})
    others = (
        SectionPresence.objects.filter(section=section, seen_at__gte=now - PRESENCE_WINDOW)
        .exclude(user=actor)
        .select_related("user")
        .order_by("user__username")
    )
    return [p.user for p in others]
