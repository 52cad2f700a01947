"""The list of strategies and starting a new one."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from municipalities.models import Membership, Municipality
from municipalities.permissions import municipality_ids_with_role
from strategies import permissions, selectors, services
from strategies.forms import StrategyCreateForm, StrategyFilterForm, add_service_errors
from strategies.views.common import login_required, page_of

PAGE_SIZE = 20


def strategy_list(request: HttpRequest) -> HttpResponse:
    form = StrategyFilterForm(request.GET)
    filters = form.filters()
    strategies = selectors.strategy_list(user=request.user, status=filters["status"])
    return render(
        request,
        "strategies/strategy_list.html",
        {
            "section": "strategies",
            "form": form,
            "filtered": any(filters.values()),
            "page_obj": page_of(request, strategies, PAGE_SIZE),
            "can_create": permissions.can_create_strategy(request.user),
        },
    )


def _coordinated(user: Any) -> list[Municipality]:
    ids = municipality_ids_with_role(user, Membership.Role.COORDINATOR)
    return list(Municipality.objects.filter(pk__in=ids).order_by("name"))


@login_required
def strategy_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create_strategy(request.user):
        raise PermissionDenied
    coordinated = _coordinated(request.user)
    status = 200
    if request.method == "POST":
        form = StrategyCreateForm(request.POST, coordinated=coordinated)
        if form.is_valid():
            try:
                strategy = services.strategy_create(
                    actor=request.user,
                    title=form.cleaned_data["title"],
                    start_year=form.cleaned_data["start_year"],
                    end_year=form.cleaned_data["end_year"],
                    participants=form.participants(),
                    lead=form.cleaned_data["lead"],
                )
            except ApplicationError as error:
                errors = error.extra.get("errors") or {None: [error.message]}
                add_service_errors(form, errors, {"participants": "partners"})
                status = error.status
            else:
                messages.success(
                    request,
                    _(
                        "The strategy is created with the statutory sections. Assign them to "
                        "the participants on the structure page."
                    ),
                )
                return redirect("strategies:strategy_detail", pk=strategy.pk)
        else:
            status = 400
    else:
        form = StrategyCreateForm(coordinated=coordinated)
    return render(
        request,
        "strategies/strategy_form.html",
        {"section": "strategies", "form": form},
        status=status,
    )
