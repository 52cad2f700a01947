"""E-mails about strategies. Sent by Celery tasks after the change has committed."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from municipalities.models import Membership
from strategies.models import Comment, Strategy


def _recipients(municipality_ids: set[int], role: str) -> QuerySet:
    return (
        get_user_model()
        .objects.filter(
            memberships__municipality_id__in=municipality_ids,
            memberships__role=role,
            is_active=True,
        )
        .exclude(email="")
        .distinct()
    )


def comment_notify(*, comment_id: int) -> int:
    """Tell the editors of the section's municipality (of every participant for a shared
    section) about a new comment. Returns the number of messages sent."""
    comment = (
        Comment.objects.select_related("section__strategy", "author").filter(pk=comment_id).first()
    )
    if comment is None:
        return 0
    section = comment.section
    strategy = section.strategy
    if section.owner_id:
        ids = {section.owner_id}
    else:
        ids = set(strategy.participations.values_list("municipality_id", flat=True))
    users = _recipients(ids, Membership.Role.EDITOR).exclude(pk=comment.author_id)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("New comment on “%(section)s”") % {"section": section.title}
        url = settings.SITE_URL + reverse(
            "strategies:section_detail", args=[strategy.pk, section.pk]
        )
        body = _(
            "%(author)s commented on “%(section)s” of “%(strategy)s”:\n\n%(text)s\n\n%(url)s"
        ) % {
            "author": comment.author or _("Somebody"),
            "section": section.title,
            "strategy": strategy.title,
            "text": comment.body,
            "url": url,
        }
    messages = [(subject, body, None, [u.email]) for u in users]
    return send_mass_mail(messages, fail_silently=False)


def approvers_notify(*, strategy_id: int, reason: str) -> int:
    """Tell the approvers of every participant that the text awaits their sign-off (again)."""
    strategy = Strategy.objects.filter(pk=strategy_id).first()
    if strategy is None:
        return 0
    ids = set(strategy.participations.values_list("municipality_id", flat=True))
    with translation.override(settings.LANGUAGE_CODE):
        if reason == "sign_offs_cleared":
            subject = _("The text of “%(strategy)s” changed: sign off again") % {
                "strategy": strategy.title
            }
        else:
            subject = _("“%(strategy)s” awaits your sign-off") % {"strategy": strategy.title}
        body = _("Open the strategy to read the text and sign it off: %(url)s") % {
            "url": settings.SITE_URL + reverse("strategies:strategy_detail", args=[strategy.pk])
        }
    messages = [
        (subject, body, None, [u.email]) for u in _recipients(ids, Membership.Role.APPROVER)
    ]
    return send_mass_mail(messages, fail_silently=False)
