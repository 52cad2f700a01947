"""Editing a section (with the conflict screen on a stale save) and its history."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from strategies import permissions, selectors, services
from strategies.content import render_body, sanitize_body, word_diff
from strategies.forms import SectionForm, VersionForm, add_service_errors
from strategies.models import Revision, Section
from strategies.views.common import login_required, page_of, section_for

REVISIONS_PER_PAGE = 50


@dataclass
class Conflict:
    """What a person sees when somebody saved the section after they opened it."""

    saved: Section
    saved_body: SafeString
    your_body: SafeString
    your_title: str
    diff: SafeString  # from the saved text to yours
    their_changes: SafeString | None  # from the version you started from to the saved one


def _conflict(section: Section, form: SectionForm, base_version: int) -> Conflict:
    mine = form.cleaned_data.get("body") or ""
    base = selectors.revision_get(section=section, number=base_version)
    return Conflict(
        saved=section,
        saved_body=render_body(section.body),
        your_body=render_body(mine),
        your_title=form.cleaned_data.get("title") or "",
        diff=word_diff(section.body, sanitize_body(mine)),
        their_changes=word_diff(base.body, section.body) if base is not None else None,
    )


def _edit_page(
    request: HttpRequest,
    section: Section,
    form: SectionForm,
    *,
    conflict: Conflict | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "strategies/section_form.html",
        {
            "section": "strategies",
            "strategy": section.strategy,
            "sec": section,
            "form": form,
            "conflict": conflict,
        },
        status=status,
    )


@login_required
def section_edit(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    section = section_for(request, pk, section_pk)
    if not permissions.can_edit_section(request.user, section, section.strategy):
        raise PermissionDenied
    if request.method != "POST":
        form = SectionForm(
            initial={"title": section.title, "body": section.body, "version": section.version}
        )
        return _edit_page(request, section, form)
    form = SectionForm(request.POST)
    if not form.is_valid():
        return _edit_page(request, section, form, status=400)
    version = form.cleaned_data["version"]
    try:
        saved = services.section_update(
            actor=request.user,
            section_id=section.pk,
            version=version,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            note=form.cleaned_data["note"],
        )
    except ApplicationError as error:
        if error.status == 412:
            # Somebody saved meanwhile. Nothing is overwritten: show both texts and what
            # differs, keep the user's text for merging, and base the next save on the
            # version now stored, so that saving the merge is a choice made after seeing it.
            current = section_for(request, pk, section_pk)
            conflict = _conflict(current, form, version)
            data = request.POST.copy()
            data["version"] = str(current.version)
            merge = SectionForm(data)
            merge.is_valid()
            return _edit_page(request, current, merge, conflict=conflict, status=error.status)
        if error.extra.get("errors"):
            add_service_errors(form, error.extra["errors"], {})
        else:
            # Not editable any more (409) or no longer allowed (403): the text stays in the
            # form so that it can be copied elsewhere.
            messages.error(request, error.message)
        return _edit_page(request, section, form, status=error.status)
    if saved.version == version:
        messages.info(request, _("Nothing to save: the text is unchanged."))
    else:
        messages.success(request, _("The section is saved."))
    return redirect("strategies:section_detail", pk=pk, section_pk=section.pk)


@dataclass
class Comparison:
    older: Revision
    newer: Revision
    diff: SafeString
    title_changed: bool


def _comparison(request: HttpRequest, section: Section) -> tuple[Comparison | None, str]:
    """The two revisions chosen on the history page (``?a=&b=`` numbers), the older first."""
    try:
        a, b = int(request.GET.get("a", "")), int(request.GET.get("b", ""))
    except ValueError:
        return None, ""
    if a == b:
        return None, _("Choose two different revisions to compare.")
    found = {
        r.number: r for r in selectors.revision_list(section=section).filter(number__in=[a, b])
    }
    if len(found) != 2:
        return None, _("One of the revisions to compare does not exist.")
    older, newer = sorted(found.values(), key=lambda r: r.number)
    return (
        Comparison(older, newer, word_diff(older.body, newer.body), older.title != newer.title),
        "",
    )


def section_history(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    section = section_for(request, pk, section_pk)
    comparison, compare_error = _comparison(request, section)
    page = page_of(request, selectors.revision_list(section=section), REVISIONS_PER_PAGE)
    revisions = list(page.object_list)
    chosen_a = (
        comparison.older.number
        if comparison
        else (revisions[1].number if len(revisions) > 1 else None)
    )
    chosen_b = (
        comparison.newer.number if comparison else (revisions[0].number if revisions else None)
    )
    return render(
        request,
        "strategies/section_history.html",
        {
            "section": "strategies",
            "strategy": section.strategy,
            "sec": section,
            "page_obj": page,
            "comparison": comparison,
            "compare_error": compare_error,
            "chosen_a": chosen_a,
            "chosen_b": chosen_b,
            "can_restore": permissions.can_edit_section(request.user, section, section.strategy),
        },
    )


@require_POST
@login_required
def revision_restore(
    request: HttpRequest, pk: int, section_pk: int, revision_pk: int
) -> HttpResponse:
    section = section_for(request, pk, section_pk)
    revision = section.revisions.filter(pk=revision_pk).first()
    if revision is None:
        raise Http404
    if not permissions.can_edit_section(request.user, section, section.strategy):
        raise PermissionDenied
    history = reverse("strategies:section_history", args=[pk, section.pk])
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the history and try again."))
        return redirect(history)
    try:
        saved = services.revision_restore(
            actor=request.user, revision_id=revision.pk, version=form.cleaned_data["version"]
        )
    except ApplicationError as error:
        if error.status == 412:
            messages.error(
                request,
                _(
                    "Somebody saved the section after you opened its history, so nothing was "
                    "restored. The history below is up to date: restore again if you still "
                    "want to."
                ),
            )
        else:
            messages.error(request, error.message)
        return redirect(history)
    if saved.version == form.cleaned_data["version"]:
        messages.info(
            request,
            _("Revision %(number)s is the current text already.") % {"number": revision.number},
        )
    else:
        messages.success(
            request,
            _("Revision %(number)s is restored as revision %(new)s.")
            % {"number": revision.number, "new": saved.version},
        )
    return redirect("strategies:section_detail", pk=pk, section_pk=section.pk)
