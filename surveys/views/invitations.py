"""Adding respondents to a campaign, one by one or from a file, and issuing a new link. The
links are shown once, on the page that answers the request: they are not stored (the e-mails
derive them), so no page shows them again. These answers are therefore never cached."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from core.exceptions import ApplicationError
from surveys import selectors, services
from surveys.forms import InvitationForm, InvitationImportForm, add_service_errors
from surveys.models import Campaign
from surveys.views.common import SECTION, staff_required


def _closed(request: HttpRequest, campaign: Campaign) -> HttpResponse | None:
    """Back to the campaign page, saying why, when the campaign takes nobody any more."""
    refusal = services.campaign_invitations_refusal(campaign)
    if refusal is not None:
        messages.error(request, refusal.message)
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
            "now": timezone.now(),
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
        {
            "section": SECTION,
            "campaign": campaign,
            "form": form,
            "report": report,
            "now": timezone.now(),
        },
        status=status,
    )


@never_cache
@staff_required
def invitation_reissue(request: HttpRequest, pk: int, invitation_pk: int) -> HttpResponse:
    """Confirm, then issue a new link: the old one stops working. The new link is shown on
    the page that answers the POST, once."""
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    invitation = selectors.invitation_get_for(
        user=request.user, campaign_id=campaign.pk, pk=invitation_pk
    )
    if (refused := _closed(request, campaign)) is not None:
        return refused
    issued = None
    if request.method == "POST":
        try:
            issued = services.invitation_reissue(actor=request.user, invitation_id=invitation.pk)
        except ApplicationError as error:
            messages.error(request, error.message)
            return redirect("surveys:campaign_detail", pk=campaign.pk)
    return render(
        request,
        "surveys/campaigns/invitation_reissue.html",
        {
            "section": SECTION,
            "campaign": campaign,
            "invitation": invitation,
            "issued": issued,
            "issued_items": [issued] if issued else [],
            "now": timezone.now(),
        },
    )
