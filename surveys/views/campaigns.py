"""Campaigns: the list, a new one (with the preview of its target municipalities), editing a
draft, the campaign page with its respondents and events, and opening or closing it."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from municipalities.models import Municipality
from surveys import selectors, services
from surveys.forms import (
    CampaignFilterForm,
    CampaignForm,
    TargetForm,
    add_service_errors,
)
from surveys.models import Campaign, CampaignEvent, Questionnaire
from surveys.services.campaigns import EXPIRED_NOTE
from surveys.transitions import TRANSITIONS, can_transition
from surveys.views.common import SECTION, page_of, staff_required

PAGE_SIZE = 20
INVITATIONS_PER_PAGE = 50
DEFAULT_DAYS_OPEN = 30
SUCCESS = {
    "open": gettext_lazy(
        "The campaign is open. Invitations not sent yet are being e-mailed (from the opening "
        "time), each with the link shown when it was added."
    ),
    "close": gettext_lazy("The campaign is closed. The form no longer accepts answers."),
}
ACTION_TEXT = {
    "open": gettext_lazy(
        "Open the campaign: respondents added so far get their invitation e-mails, and the "
        "form accepts answers from the opening time until the closing time."
    ),
    "close": gettext_lazy(
        "Close the campaign now: the form stops accepting answers and no more reminders are "
        "sent. A closed campaign cannot be opened again."
    ),
}
ACTION_LABEL = {
    "open": gettext_lazy("Open the campaign"),
    "close": gettext_lazy("Close the campaign"),
}


@staff_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    form = CampaignFilterForm(request.GET)
    filters = form.filters()
    campaigns = selectors.campaign_list(user=request.user, status=filters["status"])
    return render(
        request,
        "surveys/campaigns/campaign_list.html",
        {
            "section": SECTION,
            "form": form,
            "filtered": any(filters.values()),
            "page_obj": page_of(request, campaigns, PAGE_SIZE),
        },
    )


def _published(user: Any) -> QuerySet[Questionnaire]:
    """Questionnaires a campaign can use: those with at least one published version."""
    return (
        selectors.questionnaire_list(user=user)
        .filter(versions__isnull=False)
        .distinct()
        .order_by("title", "id")
    )


@dataclass
class Preview:
    """The municipalities offered as tick boxes and which of them are ticked."""

    municipalities: list[Municipality]
    ticked: set[str]

    @property
    def shown(self) -> list[str]:
        return [m.oktmo for m in self.municipalities]


def _municipalities(codes: Any) -> list[Municipality]:
    return list(
        Municipality.objects.filter(oktmo__in=list(codes))
        .select_related("region", "main_town")
        .order_by("oktmo")
    )


def _posted_codes(request: HttpRequest, name: str) -> list[str]:
    return [c for c in request.POST.getlist(name) if len(c) == 8 and c.isdigit()]


def _preview(request: HttpRequest, target: TargetForm) -> Preview:
    """The previous list with its ticks kept, plus what the criteria match now; a newly
    matched municipality comes ticked, one the admin unticked stays unticked."""
    shown = set(_posted_codes(request, "shown"))
    ticked = set(_posted_codes(request, "municipalities"))
    matched = set(
        services.campaign_target_municipalities(**target.criteria()).values_list("oktmo", flat=True)
    )
    ticked |= matched - shown
    return Preview(municipalities=_municipalities(matched | ticked), ticked=ticked)


def _posted_preview(request: HttpRequest) -> Preview:
    """The list as the page showed it, with the admin's ticks (after a refused save)."""
    shown = set(_posted_codes(request, "shown"))
    ticked = set(_posted_codes(request, "municipalities"))
    return Preview(municipalities=_municipalities(shown | ticked), ticked=ticked)


def _unbound(form_class: Any, request: HttpRequest, **kwargs: Any) -> Any:
    """The campaign form showing what was posted without judging it yet: a preview is not a
    save, so a title not typed yet is no error."""
    initial: dict[str, Any] = {
        name: request.POST.get(name) for name in form_class.base_fields if name in request.POST
    }
    initial["anonymous"] = "anonymous" in request.POST
    return form_class(initial=initial, **kwargs)


def _campaign_page(
    request: HttpRequest,
    *,
    form: CampaignForm,
    target: TargetForm,
    preview: Preview | None,
    campaign: Campaign | None = None,
    conflict: Campaign | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "surveys/campaigns/campaign_form.html",
        {
            "section": SECTION,
            "form": form,
            "target": target,
            "preview": preview,
            "campaign": campaign,
            "conflict": conflict,
            "has_questionnaires": form.fields["questionnaire"].queryset.exists(),  # type: ignore[attr-defined]
            "target_errors": [
                f"{target.fields[name].label}: {error}"
                for name, errors in (target.errors.items() if target.is_bound else [])
                for error in errors
            ],
            "time_zone": timezone.get_current_timezone_name(),
        },
        status=status,
    )


def _local_minute(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value).replace(second=0, microsecond=0)


@staff_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    questionnaires = _published(request.user)
    if request.method != "POST":
        now = _local_minute(timezone.now())
        form = CampaignForm(
            initial={
                "questionnaire": request.GET.get("questionnaire"),
                "opens_at": now,
                "closes_at": now + dt.timedelta(days=DEFAULT_DAYS_OPEN),
            },
            questionnaires=questionnaires,
        )
        return _campaign_page(request, form=form, target=TargetForm(), preview=None)
    target = TargetForm(request.POST)
    if request.POST.get("action") == "preview":
        form = _unbound(CampaignForm, request, questionnaires=questionnaires)
        if not target.is_valid():
            return _campaign_page(
                request, form=form, target=target, preview=_posted_preview(request), status=400
            )
        return _campaign_page(request, form=form, target=target, preview=_preview(request, target))
    form = CampaignForm(request.POST, questionnaires=questionnaires)
    preview = _posted_preview(request)
    if not form.is_valid():
        return _campaign_page(request, form=form, target=target, preview=preview, status=400)
    if not form.cleaned_data["municipalities"]:
        form.add_error(
            "municipalities",
            _(
                "Tick at least one municipality. Choose a region, kinds or size classes, or "
                "name municipalities one by one, and press “Show the matching municipalities”."
            ),
        )
        return _campaign_page(request, form=form, target=target, preview=preview, status=400)
    try:
        campaign = services.campaign_create(
            actor=request.user,
            questionnaire_id=form.cleaned_data["questionnaire"].pk,
            municipalities=form.cleaned_data["municipalities"],
            **form.service_fields(),
        )
    except ApplicationError as error:
        add_service_errors(form, error.extra.get("errors") or {None: [error.message]})
        return _campaign_page(
            request, form=form, target=target, preview=preview, status=error.status
        )
    messages.success(
        request,
        _(
            "The campaign is created as a draft over %(count)s municipalities. Add the "
            "respondents, then open it."
        )
        % {"count": len(form.cleaned_data["municipalities"])},
    )
    return redirect("surveys:campaign_detail", pk=campaign.pk)


def _campaign_initial(campaign: Campaign) -> dict[str, Any]:
    return {
        "questionnaire": campaign.questionnaire_version.questionnaire_id,
        "title": campaign.title,
        "opens_at": _local_minute(campaign.opens_at),
        "closes_at": _local_minute(campaign.closes_at),
        "anonymous": campaign.anonymous,
        "max_reminders": campaign.max_reminders,
        "reminder_interval_days": campaign.reminder_interval_days,
        "version": campaign.version,
    }


@staff_required
def campaign_update(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    if not campaign.is_editable:
        messages.error(
            request,
            _("The campaign is %(status)s: only a draft can be changed.")
            % {"status": campaign.get_status_display()},
        )
        return redirect("surveys:campaign_detail", pk=campaign.pk)
    questionnaires = _published(request.user)
    if request.method != "POST":
        current = list(campaign.municipalities.all())
        preview = Preview(
            municipalities=_municipalities(m.oktmo for m in current),
            ticked={m.oktmo for m in current},
        )
        form = CampaignForm(initial=_campaign_initial(campaign), questionnaires=questionnaires)
        return _campaign_page(
            request, form=form, target=TargetForm(), preview=preview, campaign=campaign
        )
    target = TargetForm(request.POST)
    if request.POST.get("action") == "preview":
        form = _unbound(CampaignForm, request, questionnaires=questionnaires)
        if not target.is_valid():
            return _campaign_page(
                request,
                form=form,
                target=target,
                preview=_posted_preview(request),
                campaign=campaign,
                status=400,
            )
        return _campaign_page(
            request, form=form, target=target, preview=_preview(request, target), campaign=campaign
        )
    form = CampaignForm(request.POST, questionnaires=questionnaires)
    form.fields["version"].required = True
    preview = _posted_preview(request)
    if not form.is_valid():
        return _campaign_page(
            request, form=form, target=target, preview=preview, campaign=campaign, status=400
        )
    questionnaire = form.cleaned_data["questionnaire"]
    changes: dict[str, Any] = {}
    # The same questionnaire keeps its frozen version; another one freezes its latest.
    if questionnaire.pk != campaign.questionnaire_version.questionnaire_id:
        changes["questionnaire_id"] = questionnaire.pk
    try:
        services.campaign_update(
            actor=request.user,
            campaign_id=campaign.pk,
            version=form.cleaned_data["version"],
            municipalities=form.cleaned_data["municipalities"],
            **form.service_fields(),
            **changes,
        )
    except ApplicationError as error:
        if error.status == 412:
            saved = selectors.campaign_get_for(user=request.user, pk=pk)
            data = request.POST.copy()
            data["version"] = str(saved.version)
            again = CampaignForm(data, questionnaires=questionnaires)
            again.is_valid()
            return _campaign_page(
                request,
                form=again,
                target=target,
                preview=preview,
                campaign=saved,
                conflict=saved,
                status=error.status,
            )
        if error.status == 409:
            messages.error(request, error.message)
            return redirect("surveys:campaign_detail", pk=campaign.pk)
        add_service_errors(form, error.extra.get("errors") or {None: [error.message]})
        return _campaign_page(
            request,
            form=form,
            target=target,
            preview=preview,
            campaign=campaign,
            status=error.status,
        )
    messages.success(request, _("The campaign is saved."))
    return redirect("surveys:campaign_detail", pk=campaign.pk)


def _results_url(campaign: Campaign) -> str:
    # The results page belongs to the results module; the link appears once it exists.
    try:
        return reverse("surveys:campaign_results", args=[campaign.pk])
    except NoReverseMatch:
        return ""


@dataclass
class EventRow:
    event: CampaignEvent
    from_label: str
    to_label: str


@dataclass
class Action:
    name: str
    label: str
    text: str


@staff_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    invitations = page_of(
        request, selectors.invitation_list(campaign=campaign), INVITATIONS_PER_PAGE
    )
    actions = [
        Action(name=name, label=str(ACTION_LABEL[name]), text=str(ACTION_TEXT[name]))
        for name in TRANSITIONS
        if can_transition(campaign, name)
    ]
    municipalities = sorted(campaign.municipalities.all(), key=lambda m: m.oktmo)
    labels = {str(value): str(label) for value, label in Campaign.Status.choices}
    invited: int = campaign.invitation_count  # type: ignore[attr-defined]
    submitted: int = campaign.submitted_count  # type: ignore[attr-defined]
    return render(
        request,
        "surveys/campaigns/campaign_detail.html",
        {
            "section": SECTION,
            "campaign": campaign,
            "version": campaign.questionnaire_version,
            "municipalities": municipalities,
            "page_obj": invitations,
            "actions": actions,
            "events": [
                EventRow(event, labels.get(event.from_status, ""), labels.get(event.to_status, ""))
                for event in selectors.campaign_event_list(campaign=campaign)
            ],
            "results_url": _results_url(campaign),
            "response_percent": round(100 * submitted / invited) if invited else None,
            "now": timezone.now(),
            "can_reissue": services.campaign_invitations_refusal(campaign) is None,
            "expired_note": EXPIRED_NOTE,
        },
    )


@require_POST
@staff_required
def campaign_transition(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    if name not in TRANSITIONS:
        raise Http404
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    try:
        services.campaign_transition(actor=request.user, campaign_id=campaign.pk, name=name)
    except ApplicationError as error:
        # Moved meanwhile (409) or not ready (no municipality, closing time passed): the page
        # shows the current state and says why.
        messages.error(request, error.message)
        for field_errors in (error.extra.get("errors") or {}).values():
            for message in field_errors:
                messages.error(request, message)
    else:
        messages.success(request, str(SUCCESS[name]))
    return redirect("surveys:campaign_detail", pk=campaign.pk)
