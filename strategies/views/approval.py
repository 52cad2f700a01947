"""The approval buttons of the strategy page: review, return, adopt, archive, sign off.
They post here; refusals of the service come back to the page as messages."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from strategies import permissions, selectors, services
from strategies.forms import ReturnForm, SignOffForm
from strategies.models import Strategy
from strategies.transitions import TRANSITIONS
from strategies.views.common import login_required
from strategies.views.detail import PAGE_TRANSITIONS, detail_page

SUCCESS = {
    "review": gettext_lazy(
        "The review is open. The approvers of every participant are asked to sign off."
    ),
    "return": gettext_lazy("The strategy is back in draft."),
    "adopt": gettext_lazy("The strategy is adopted and published."),
    "archive": gettext_lazy("The strategy is archived."),
}


@require_POST
@login_required
def strategy_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    """Review, return (with a comment), adopt, archive: buttons of the strategy page."""
    if name not in PAGE_TRANSITIONS:
        raise Http404
    strategy = selectors.strategy_get_for(user=request.user, pk=pk)
    if not TRANSITIONS[name].allowed(request.user, strategy):
        raise PermissionDenied
    comment = ""
    if name == "return":
        form = ReturnForm(request.POST)
        if not form.is_valid():
            return detail_page(request, strategy, return_form=form, status=400)
        comment = form.cleaned_data["comment"]
    try:
        services.strategy_transition(
            actor=request.user, strategy_id=strategy.pk, name=name, comment=comment
        )
    except ApplicationError as error:
        # Somebody moved it meanwhile (409) or a right was withdrawn (403): say so on the
        # page, which now shows the current state.
        messages.error(request, error.message)
    else:
        messages.success(request, str(SUCCESS[name]))
    return redirect("strategies:strategy_detail", pk=strategy.pk)


@require_POST
@login_required
def strategy_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    strategy = selectors.strategy_get_for(user=request.user, pk=pk)
    mine = permissions.approver_municipality_ids(request.user, strategy)
    if not mine:
        raise PermissionDenied
    municipalities = [
        p.municipality for p in strategy.participations.all() if p.municipality_id in mine
    ]
    form = SignOffForm(request.POST, request.FILES, municipalities=municipalities)
    if not form.is_valid():
        return detail_page(request, strategy, sign_off_form=form, status=400)
    try:
        services.strategy_sign_off(
            actor=request.user,
            strategy_id=strategy.pk,
            municipality_id=form.cleaned_data["municipality"],
            decision_number=form.cleaned_data["decision_number"],
            decision_date=form.cleaned_data["decision_date"],
            decision_file=form.cleaned_data["decision_file"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("strategies:strategy_detail", pk=strategy.pk)
    names = {m.pk: m.name for m in municipalities}
    messages.success(
        request,
        _("Signed off for %(municipality)s.")
        % {"municipality": names[form.cleaned_data["municipality"]]},
    )
    strategy = selectors.strategy_get_for(user=request.user, pk=pk)
    if strategy.status == Strategy.Status.APPROVED:
        messages.success(request, _("Every participant has signed: the strategy is approved."))
    return redirect("strategies:strategy_detail", pk=strategy.pk)
