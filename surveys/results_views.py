"""The results page of a campaign for administrators: numbers, charts, breakdowns, texts,
response rates, and the exports (CSV, XLSX, PDF) through the document pipeline.

While the campaign is open the page asks every 15 seconds (htmx) whether anything changed,
sending the fingerprint of what it shows; the answer is 204 (htmx swaps nothing) until a
response or an invitation arrives, and then the new results. Without JavaScript the page is
complete; it is simply not refreshed.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.documents.selectors import document_export_latest_for
from core.documents.services import document_export_request
from core.exceptions import ApplicationError
from surveys import selectors
from surveys.documents import KIND
from surveys.models import Campaign
from surveys.results import K_ANONYMITY, live
from surveys.results.display import municipality_rows, question_views, summary
from surveys.views.common import SECTION, is_htmx, staff_required

# Seconds between two polls of an open campaign's page.
POLL_SECONDS = 15
FORMATS = (("csv", "CSV"), ("xlsx", "XLSX"), ("pdf", "PDF"))


def _live_context(campaign: Campaign, results: dict[str, Any], fingerprint: str) -> dict:
    return {
        "campaign": campaign,
        "fingerprint": fingerprint,
        "polling": campaign.status == Campaign.Status.OPEN,
        "poll_seconds": POLL_SECONDS,
        "summary": summary(results),
        "questions": question_views(results),
        "municipalities": municipality_rows(results),
        "threshold": K_ANONYMITY,
        "updated_at": timezone.localtime(),
    }


@require_GET
@staff_required
def campaign_results(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    results, fingerprint = live.campaign_results_live(campaign=campaign)
    exports = []
    for format, label in FORMATS:
        latest = document_export_latest_for(
            user=request.user, kind=KIND, subject=campaign, format=format
        )
        # A file of older results is not offered as the current one.
        current = latest if latest is not None and latest.content_hash == fingerprint else None
        exports.append({"format": format, "label": label, "export": current})
    context = _live_context(campaign, results, fingerprint)
    context.update({"section": SECTION, "exports": exports})
    return render(request, "surveys/results/campaign_results.html", context)


@require_GET
@staff_required
def campaign_results_live(request: HttpRequest, pk: int) -> HttpResponse:
    """The live part of the page, for htmx: 204 while the results are those of ``since``."""
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    results, fingerprint = live.campaign_results_live(campaign=campaign)
    if request.GET.get("since") == fingerprint:
        return HttpResponse(status=204)
    return render(
        request,
        "surveys/results/live.html",
        {**_live_context(campaign, results, fingerprint), "oob": True},
    )


@require_POST
@staff_required
def campaign_results_export(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask for an export. htmx gets the job's status fragment (it polls itself until the
    file is ready); a plain form post goes to the job's own page."""
    campaign = selectors.campaign_get_for(user=request.user, pk=pk)
    format = request.POST.get("format", "")
    try:
        export, _created = document_export_request(
            kind=KIND, subject=campaign, format=format, actor=request.user
        )
    except ApplicationError as error:
        if error.status == 404:
            raise Http404 from error
        return HttpResponse(
            format_html(
                '<p class="message message-error" role="alert">{}</p>',
                _("Choose CSV, XLSX or PDF."),
            ),
            status=400,
        )
    if is_htmx(request):
        return render(request, "core/includes/export_status.html", {"export": export})
    return redirect("core:export_detail", export.pk)
