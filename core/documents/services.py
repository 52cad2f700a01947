"""Requesting, running and sweeping document export jobs.

The row in ``DocumentExport`` is the source of truth; the broker message only says "look at
row N". So a request succeeds even when the broker is down (the sweeper queues the row once it
is back), a message delivered twice renders at most once, and a worker killed mid-render
leaves a row that the redelivered message (``acks_late`` + ``reject_on_worker_lost``) or the
sweeper picks up again — never a row stuck in ``running`` and never an endless requeue.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_log_write
from core.documents.registry import DocumentKind, get_document_kind
from core.documents.rendering import html_to_pdf, render_document_html
from core.exceptions import ApplicationError
from core.models import DocumentExport

logger = logging.getLogger(__name__)

# A job is failed for good after this many attempts (the render raised, or the worker died).
MAX_ATTEMPTS = 3

Status = DocumentExport.Status


def document_export_request(
    *, kind: str, subject: Any, format: str = "pdf", actor: Any
) -> tuple[DocumentExport, bool]:
    """The export of ``subject`` as ``format``: an existing live or finished one for the same
    content and template version, else a new pending job queued after commit.

    Returns ``(export, created)``. Refuses with 404 whoever may not see the subject."""
    document_kind = get_document_kind(kind)
    if not document_kind.can_view(actor, subject):
        raise ApplicationError(_("Not found."), status=404, code="not_found")
    if format not in document_kind.formats:
        raise ApplicationError(
            _("This document is not available in that format."),
            code="invalid_format",
            extra={"format": [_("Choose one of: %s.") % ", ".join(document_kind.formats)]},
        )
    key = {
        "kind": kind,
        "object_id": subject.pk,
        "content_hash": document_kind.content_hash(subject),
        "format": format,
        "template_version": document_kind.template_version,
    }
    with transaction.atomic():
        existing = DocumentExport.objects.filter(**key).exclude(status=Status.FAILED).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                export = DocumentExport.objects.create(**key, requested_by=_user_or_none(actor))
        except IntegrityError:
            # Somebody asked for the same content a moment ago: share that job.
            return DocumentExport.objects.exclude(status=Status.FAILED).get(**key), False
        audit_log_write(
            actor=actor,
            action="document_export.request",
            obj=export,
            after={"kind": kind, "object_id": subject.pk, "format": format},
        )
        transaction.on_commit(lambda: document_export_enqueue(export_id=export.pk))
    return export, True


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def document_export_enqueue(*, export_id: int, countdown: float = 0) -> bool:
    """Ring the doorbell. If the broker cannot be reached the job stays as it is (``queued_at``
    unset) and the sweeper tries again: the request that made the job still succeeds."""
    from core.tasks import render_document_export

    try:
        render_document_export.apply_async(
            args=[export_id],
            countdown=countdown or None,
            # Fail fast instead of holding the web request while Redis is down.
            retry=True,
            retry_policy={
                "max_retries": 1,
                "interval_start": 0,
                "interval_step": 0.2,
                "interval_max": 0.2,
            },
        )
    except Exception:  # kombu/redis raise several types for an unreachable broker
        logger.warning("broker unreachable: export %s stays queued for the sweeper", export_id)
        return False
    DocumentExport.objects.filter(pk=export_id).update(queued_at=timezone.now())
    return True


def document_export_run(*, export_id: int) -> DocumentExport | None:
    """Render one job. Safe to call any number of times for the same id."""
    with transaction.atomic():
        export = DocumentExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.is_finished:
            return export
        if export.attempts >= MAX_ATTEMPTS:
            # The previous attempts all died (worker killed, time limit): stop here.
            return _fail(
                export,
                export.error
                or _("Rendering was interrupted %(n)d times; the job is given up.")
                % {"n": export.attempts},
            )
        export.attempts += 1
        export.status = Status.RUNNING
        export.started_at = timezone.now()
        export.save(update_fields=["attempts", "status", "started_at", "updated_at"])

    # Render outside any transaction: the row shows "running" to whoever polls meanwhile.
    started = time.perf_counter()
    try:
        kind = get_document_kind(export.kind)
        subject = kind.model._default_manager.get(pk=export.object_id)
        content, pages, timings = _render(kind, subject, export.format)
    except Exception as error:  # a failed render must be recorded on the row, whatever it is
        # The traceback goes to the log; the row keeps a message fit for the person who asked.
        logger.exception("export %s failed on attempt %s", export_id, export.attempts)
        return _after_error(
            export_id,
            _("The document could not be rendered (%(reason)s).")
            % {"reason": type(error).__name__},
        )

    with transaction.atomic():
        export = DocumentExport.objects.select_for_update().get(pk=export_id)
        if export.is_finished:
            # Another delivery of the same job finished first; keep its file, drop ours.
            _discard(content)
            return export
        store_started = time.perf_counter()
        name = f"{export.kind}-{export.object_id}-{export.content_hash[:12]}.{export.format}"
        if isinstance(content, bytes):
            export.file.save(name, ContentFile(content), save=False)
        else:
            with open(content, "rb") as handle:
                export.file.save(name, File(handle), save=False)
        _discard(content)
        export.size = export.file.size
        export.pages = pages
        export.status = Status.SUCCEEDED
        export.error = ""
        export.finished_at = timezone.now()
        timings["store"] = round(time.perf_counter() - store_started, 4)
        timings["total"] = round(time.perf_counter() - started, 4)
        export.timings = timings
        export.save()
    return export


def _render(
    kind: DocumentKind, subject: Any, format: str
) -> tuple[bytes | str, int | None, dict[str, float]]:
    """PDF through the template; tabular formats through the kind's writer into a temporary
    file (streamed, so memory does not grow with the data). Returns bytes or a file path."""
    if format == "pdf":
        html, timings = render_document_html(kind, subject)
        rendered = html_to_pdf(html)
        if rendered.refused_urls:
            logger.info("export refused %d URL(s)", len(rendered.refused_urls))
        return rendered.content, rendered.pages, {**timings, **rendered.timings}
    writer = kind.writers[format]
    started = time.perf_counter()
    handle, path = tempfile.mkstemp(suffix=f".{format}")
    with os.fdopen(handle, "wb") as output:
        writer(subject, output)
    return path, None, {"write": round(time.perf_counter() - started, 4)}


def _discard(content: bytes | str) -> None:
    if isinstance(content, str) and os.path.exists(content):
        os.unlink(content)


def _after_error(export_id: int, message: str) -> DocumentExport | None:
    with transaction.atomic():
        export = DocumentExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.is_finished:
            return export
        if export.attempts >= MAX_ATTEMPTS:
            return _fail(export, message)
        export.status = Status.PENDING
        export.error = message[:2000]
        export.save(update_fields=["status", "error", "updated_at"])
        # Try again a little later: some failures (a database restart) pass.
        transaction.on_commit(
            lambda: document_export_enqueue(export_id=export_id, countdown=5 * export.attempts)
        )
    return export


def _fail(export: DocumentExport, message: str) -> DocumentExport:
    export.status = Status.FAILED
    export.error = message[:2000]
    export.finished_at = timezone.now()
    export.save(update_fields=["status", "error", "finished_at", "updated_at"])
    return export


def document_exports_sweep(*, now: datetime | None = None) -> int:
    """Queue again the jobs the broker lost track of: ``running`` past the hard time limit
    (the worker died and its message is gone) and ``pending`` ones that never reached the
    broker or have waited longer than any queue should take. Returns how many."""
    now = now or timezone.now()
    stuck_after = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    waiting_after = timedelta(seconds=settings.DOCUMENT_EXPORT_PENDING_TIMEOUT)
    running = DocumentExport.objects.filter(status=Status.RUNNING, started_at__lt=now - stuck_after)
    never_queued = DocumentExport.objects.filter(status=Status.PENDING, queued_at__isnull=True)
    waiting = DocumentExport.objects.filter(
        status=Status.PENDING, queued_at__lt=now - waiting_after
    )
    ids = sorted(
        {*running.values_list("pk", flat=True)}
        | {*never_queued.values_list("pk", flat=True)}
        | {*waiting.values_list("pk", flat=True)}
    )
    return sum(document_export_enqueue(export_id=export_id) for export_id in ids)
