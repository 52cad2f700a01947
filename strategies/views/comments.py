"""The comment thread of a section, and who else has the section open. Both answer htmx
with a fragment and plain form posts with the page."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from strategies import permissions, selectors, services
from strategies.forms import CommentForm, ResolveForm, add_service_errors
from strategies.models import Section
from strategies.views.common import is_htmx, login_required, section_for
from strategies.views.section_page import comments_context, section_page

# htmx stops polling when a poll answers 286 ("stop polling"): nobody to show it to.
STOP_POLLING = 286


def _comments_answer(
    request: HttpRequest,
    section: Section,
    *,
    notice: str = "",
    form: CommentForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The comment thread for HTMX (always 200, so that htmx swaps it in), else the page."""
    if is_htmx(request):
        return render(
            request,
            "strategies/includes/comments.html",
            comments_context(request, section, form, notice),
        )
    if form is not None:
        return section_page(request, section, comment_form=form, status=status)
    if notice:
        messages.success(request, notice)
    url = reverse("strategies:section_detail", args=[section.strategy_id, section.pk])
    return redirect(f"{url}#comments")


@require_POST
@login_required
def comment_create(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    section = section_for(request, pk, section_pk)
    if not permissions.can_comment(request.user, section.strategy):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _comments_answer(request, section, form=form, status=400)
    try:
        services.comment_create(
            actor=request.user,
            section_id=section.pk,
            body=form.cleaned_data["body"],
            parent_id=form.cleaned_data["parent"],
        )
    except ApplicationError as error:
        add_service_errors(form, error.extra.get("errors") or {None: [error.message]}, {})
        return _comments_answer(request, section, form=form, status=error.status)
    return _comments_answer(request, section, notice=_("Your comment is posted."))


@require_POST
@login_required
def comment_resolve(
    request: HttpRequest, pk: int, section_pk: int, comment_pk: int
) -> HttpResponse:
    section = section_for(request, pk, section_pk)
    comment = selectors.comment_get_for(user=request.user, pk=comment_pk)
    if comment.section_id != section.pk:
        raise Http404
    if not permissions.can_comment(request.user, section.strategy):
        raise PermissionDenied
    form = ResolveForm(request.POST)
    resolved = form.cleaned_data["resolved"] if form.is_valid() else True
    services.comment_resolve(actor=request.user, comment_id=comment.pk, resolved=resolved)
    notice = _("The thread is resolved.") if resolved else _("The thread is open again.")
    return _comments_answer(request, section, notice=notice)


@require_POST
def section_presence(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    """Polled by the section pages: records that the user has the section open and lists the
    others who do. Best effort; it never locks anything."""
    if not request.user.is_authenticated:
        return HttpResponse(status=STOP_POLLING)
    section = section_for(request, pk, section_pk)
    if not permissions.can_see_discussion(request.user, section.strategy):
        raise PermissionDenied
    others = services.presence_touch(actor=request.user, section=section)
    return render(request, "strategies/includes/presence.html", {"others": others})
