from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.documents.selectors import document_export_get_for


def home(request: HttpRequest) -> HttpResponse:
    memberships = []
    if request.user.is_authenticated:
        # Through the reverse relation rather than an import: core knows no app by import,
        # and the home page only lists where the user belongs.
        memberships = list(
            request.user.memberships.select_related("municipality").order_by(
                "municipality__name", "role"
            )
        )
    return render(request, "core/home.html", {"memberships": memberships})


def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A job's own page: where a request without JavaScript lands, refreshing itself until
    the file is ready."""
    export = document_export_get_for(user=request.user, pk=pk)
    kind = export.document_kind  # type: ignore[attr-defined]
    subject = export.subject  # type: ignore[attr-defined]
    return render(
        request,
        "core/export_detail.html",
        {
            "export": export,
            "kind": kind,
            "subject": subject,
            "subject_url": kind.subject_url(subject) if kind.subject_url else "",
        },
    )


def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The status fragment that the page polls (HTMX) until the job has finished."""
    export = document_export_get_for(user=request.user, pk=pk)
    return render(request, "core/includes/export_status.html", {"export": export})
