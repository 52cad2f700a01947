"""Reading a section: its text, its neighbours and, for the participants, its comment
thread (the page that the comment forms fall back to without JavaScript)."""

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from strategies import permissions, selectors
from strategies.content import render_body
from strategies.forms import CommentForm
from strategies.models import Comment, Section
from strategies.views.common import section_for


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


def _threads(section: Section) -> list[Thread]:
    """Comments as threads: each top-level comment with its replies (of any depth, flattened
    in time order under the comment that started the thread)."""
    comments = list(selectors.comment_list(section=section))
    by_id = {c.pk: c for c in comments}
    threads: dict[int, Thread] = {}
    for comment in comments:
        root = comment
        while root.parent_id is not None and root.parent_id in by_id:
            root = by_id[root.parent_id]
        if root is comment:
            threads[comment.pk] = Thread(comment)
        else:
            threads[root.pk].replies.append(comment)
    return list(threads.values())


def _neighbours(section: Section) -> tuple[Section | None, Section | None]:
    siblings = list(
        selectors.section_list(strategy=section.strategy).select_related(None).only("id", "title")
    )
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
    previous = siblings[index - 1] if index > 0 else None
    following = siblings[index + 1] if index + 1 < len(siblings) else None
    return previous, following


def comments_context(
    request: HttpRequest, section: Section, form: CommentForm | None = None, notice: str = ""
) -> dict[str, Any]:
    strategy = section.strategy
    reply_form, reply_to = None, None
    if form is not None and form.is_bound and form.data.get("parent"):
        reply_form, form = form, None
        try:
            reply_to = int(reply_form.data["parent"])
        except (TypeError, ValueError):
            reply_to = None
    return {
        "strategy": strategy,
        "sec": section,
        "threads": _threads(section),
        "comment_form": form or CommentForm(),
        "reply_form": reply_form,
        "reply_to": reply_to,
        "can_comment": permissions.can_comment(request.user, strategy),
        "notice": notice,
    }


def section_page(
    request: HttpRequest,
    section: Section,
    *,
    comment_form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    strategy = section.strategy
    previous, following = _neighbours(section)
    insider = permissions.can_see_discussion(request.user, strategy)
    context = {
        "section": "strategies",
        "strategy": strategy,
        "sec": section,
        "body": render_body(section.body),
        "can_edit": permissions.can_edit_section(request.user, section, strategy),
        "insider": insider,
        "previous": previous,
        "following": following,
    }
    if insider:
        context.update(comments_context(request, section, comment_form))
    return render(request, "strategies/section_detail.html", context, status=status)


def section_detail(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    return section_page(request, section_for(request, pk, section_pk))
