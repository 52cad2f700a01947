"""The strategy as a PDF document on the strategy page: the button posts here, the job is
made (or the existing one for unchanged content reused) and its status shows on the page,
polling itself until the download link appears (``core/includes/export_status.html``)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.documents.services import document_export_request
from strategies import selectors
from strategies.documents import KIND
from strategies.views.common import is_htmx, login_required


@require_POST
@login_required
def strategy_export(request: HttpRequest, pk: int) -> HttpResponse:
    """HTMX swaps the job's status into the page; a plain form post goes to the job's own
    page, which refreshes itself until the file is ready."""
    strategy = selectors.strategy_get_for(user=request.user, pk=pk)
    export, _created = document_export_request(
        kind=KIND, subject=strategy, format="pdf", actor=request.user
    )
    if is_htmx(request):
        return render(request, "core/includes/export_status.html", {"export": export})
    # Without JavaScript: the job's own page, which refreshes itself until the file is ready.
    return redirect("core:export_detail", export.pk)
