"""The structure of a strategy, kept by the coordinators of the lead municipality: add,
reorder, reassign and remove sections."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from municipalities.models import Municipality
from strategies import permissions, selectors, services
from strategies.forms import (
    MoveForm,
    SectionCreateForm,
    SectionOwnerForm,
    VersionForm,
    add_service_errors,
    owner_choices,
)
from strategies.models import Section, Strategy
from strategies.views.common import login_required, section_for


def _structure_strategy(request: HttpRequest, pk: int) -> Strategy:
    strategy = selectors.strategy_get_for(user=request.user, pk=pk)
    if not permissions.can_edit_structure(request.user, strategy):
        raise PermissionDenied
    return strategy


def _participants(strategy: Strategy) -> list[Municipality]:
    return [p.municipality for p in strategy.participations.all()]


def _to_structure(strategy_pk: int) -> HttpResponse:
    return redirect("strategies:strategy_structure", pk=strategy_pk)


@login_required
def strategy_structure(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = _structure_strategy(request, pk)
    return render(
        request,
        "strategies/strategy_structure.html",
        {
            "section": "strategies",
            "strategy": strategy,
            "sections": list(selectors.section_overview(strategy=strategy)),
            # One list of choices for every row's select, built once.
            "owner_choices": owner_choices(_participants(strategy)),
        },
    )


@login_required
def section_create(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = _structure_strategy(request, pk)
    status = 200
    if request.method == "POST":
        form = SectionCreateForm(request.POST, participants=_participants(strategy))
        if form.is_valid():
            try:
                section = services.section_create(
                    actor=request.user,
                    strategy_id=strategy.pk,
                    title=form.cleaned_data["title"],
                    kind=form.cleaned_data["kind"],
                    owner=form.cleaned_data["owner"],
                )
            except ApplicationError as error:
                add_service_errors(form, error.extra.get("errors") or {None: [error.message]}, {})
                status = error.status
            else:
                messages.success(
                    request, _("The section “%(title)s” is added.") % {"title": section.title}
                )
                return _to_structure(strategy.pk)
        else:
            status = 400
    else:
        form = SectionCreateForm(participants=_participants(strategy))
    return render(
        request,
        "strategies/section_create.html",
        {"section": "strategies", "strategy": strategy, "form": form},
        status=status,
    )


@require_POST
@login_required
def section_move(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    strategy = _structure_strategy(request, pk)
    section = section_for(request, pk, section_pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _to_structure(strategy.pk)
    order = list(selectors.section_list(strategy=strategy).values_list("pk", flat=True))
    index = order.index(section.pk)
    other = index - 1 if form.cleaned_data["direction"] == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
        try:
            services.sections_reorder(actor=request.user, strategy_id=strategy.pk, order=order)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("“%(title)s” is moved.") % {"title": section.title})
    return _to_structure(strategy.pk)


@require_POST
@login_required
def section_owner(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    strategy = _structure_strategy(request, pk)
    section = section_for(request, pk, section_pk)
    form = SectionOwnerForm(request.POST, participants=_participants(strategy))
    if not form.is_valid():
        messages.error(request, _("Choose a participant, or shared."))
        return _to_structure(strategy.pk)
    try:
        services.section_update(
            actor=request.user,
            section_id=section.pk,
            version=form.cleaned_data["version"],
            owner=form.cleaned_data["owner"],
        )
    except ApplicationError as error:
        if error.status == 412:
            messages.error(
                request,
                _("“%(title)s” was changed meanwhile. Check its owner below and choose again.")
                % {"title": section.title},
            )
        else:
            messages.error(request, error.message)
    else:
        owner = form.cleaned_data["owner"]
        messages.success(
            request,
            _("“%(title)s” is now written by %(owner)s.")
            % {"title": section.title, "owner": owner.name if owner else _("all participants")},
        )
    return _to_structure(strategy.pk)


@login_required
def section_delete(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    strategy = _structure_strategy(request, pk)
    section: Section = section_for(request, pk, section_pk)
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid():
            try:
                services.section_delete(
                    actor=request.user, section_id=section.pk, version=form.cleaned_data["version"]
                )
            except ApplicationError as error:
                if error.status == 412:
                    messages.error(
                        request,
                        _(
                            "Somebody saved the section meanwhile. Read it again before you "
                            "remove it."
                        ),
                    )
                else:
                    messages.error(request, error.message)
                return redirect("strategies:section_delete", pk=pk, section_pk=section.pk)
            messages.success(request, _("“%(title)s” is removed.") % {"title": section.title})
            return _to_structure(strategy.pk)
    return render(
        request,
        "strategies/section_delete.html",
        {
            "section": "strategies",
            "strategy": strategy,
            "sec": section,
            "form": VersionForm(initial={"version": section.version}),
            "revision_count": section.revisions.count(),
            "comment_count": section.comments.count(),
        },
    )
