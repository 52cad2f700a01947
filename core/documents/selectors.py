"""Reads of export jobs, scoped to who may see the document's subject."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from core.documents.registry import document_kinds
from core.models import DocumentExport


def document_export_get_for(*, user: Any, pk: int) -> DocumentExport:
    """The job, if ``user`` may see what it renders; 404 otherwise (also for jobs of a
    subject that no longer exists), so that ids reveal nothing."""
    export = DocumentExport.objects.filter(pk=pk).first()
    kind = document_kinds().get(export.kind) if export is not None else None
    if export is None or kind is None:
        raise Http404
    subject = kind.model._default_manager.filter(pk=export.object_id).first()
    if subject is None or not kind.can_view(user, subject):
        raise Http404
    export.subject = subject  # type: ignore[attr-defined]
    export.document_kind = kind  # type: ignore[attr-defined]
    return export


def document_export_latest_for(
    *, user: Any, kind: str, subject: Any, format: str = "pdf"
) -> DocumentExport | None:
    """The newest job for ``subject``, whoever asked for it (identical content is shared),
    for the page that offers the download; the caller has checked that ``user`` may see the
    subject. Anonymous visitors request nothing, so they are shown nothing."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        DocumentExport.objects.filter(kind=kind, object_id=subject.pk, format=format)
        .order_by("-created_at", "-id")
        .first()
    )
