"""Adding respondents to a campaign, one by one or from a file. The links are shown once, on
the page that answers the request: the tokens are not stored, so no page can show them again.
These answers are therefore never cached."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from core.exceptions import ApplicationError
from surveys import selectors, services
from surveys.forms import InvitationForm, InvitationImportForm, add_service_errors
from surveys.models import Campaign
from surveys.views.common import SECTION, staff_required


def _closed(request: HttpRequest, campaign: Campaign) -> HttpResponse | None:
    if campaign.status == Campaign.Status.CLOSED:
        messages.error(request, _("The campaign is closed: nobody can be invited any more."))
        return redirect("surveys:campaign_detail", pk=campaign.pk)
    return None


@never_cache
@staff_required
def invitation_create(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    if (refused := _closed(request, campaign)) is not None:
        return refused
    municipalities = sorted(campaign.municipalities.all(), key=lambda m: m.name)
    status = 200
    issued = None
    if request.method == "POST":
        form = InvitationForm(request.POST, municipalities=municipalities)
        if form.is_valid():
            try:
                issued = services.invitation_create(
                    actor=request.user,
                    campaign_id=campaign.pk,
                    name=form.cleaned_data["name"],
                    position=form.cleaned_data["position"],
                    email=form.cleaned_data["email"],
                    oktmo=form.cleaned_data["oktmo"],
                )
            except ApplicationError as error:
                add_service_errors(form, error.extra.get("errors") or {None: [error.message]})
                status = error.status
            else:
                # A fresh form under the link, for the next respondent.
                form = InvitationForm(municipalities=municipalities)
        else:
            status = 400
    else:
        form = InvitationForm(municipalities=municipalities)
    return render(
        request,
        "surveys/campaigns/invitation_form.html",
        {
            "section": SECTION,
            "campaign": campaign,
            "form": form,
            "issued": issued,
            "issued_items": [issued] if issued else [],
        },
        status=status,
    )


@never_cache
@staff_required
def invitation_import(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    if (refused := _closed(request, campaign)) is not None:
        return refused
    report = None
    status = 200
    if request.method == "POST":
        form = InvitationImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = services.invitations_import(
                    actor=request.user, campaign_id=campaign.pk, file=upload, filename=upload.name
                )
            except ApplicationError as error:
                # The file as a whole cannot be read (type, encoding): nobody was invited.
                form.add_error("file", error.message)
                status = error.status
            else:
                if report.ok:
                    form = InvitationImportForm()
                else:
                    status = 400
        else:
            status = 400
    else:
        form = InvitationImportForm()
    return render(
        request,
        "surveys/campaigns/invitation_import.html",
        {"section": SECTION, "campaign": campaign, "form": form, "report": report},
        status=status,
    )
