"""Requesting, running and sweeping document export jobs.

The row in ``DocumentExport`` is the source of truth; the broker message only says "look at
row N". So a request succeeds even when the broker is down (the sweeper queues the row once it
is back), a message delivered twice renders once (an advisory lock marks the live render), and
a worker killed mid-render leaves a row that the redelivered message (``acks_late`` +
``reject_on_worker_lost``) or the sweeper picks up again — never a row stuck in ``running``
and never an endless requeue.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_log_write
from core.documents.registry import DocumentKind, get_document_kind
from core.documents.rendering import html_to_pdf, render_document_html
from core.exceptions import ApplicationError
from core.models import DocumentExport
from core.queueing import task_send

logger = logging.getLogger(__name__)

# A job is failed for good after this many attempts (the render raised, or the worker died).
MAX_ATTEMPTS = 3
# A job that failed this recently is shown again instead of starting three more renders.
FAILED_REUSE_WINDOW = timedelta(minutes=10)
# First key of the PostgreSQL advisory locks that mark a render in progress (any constant
# unique to this use; the second key is the job's id).
_ADVISORY_LOCK_CLASS = 0x4A50  # "JP"

Status = DocumentExport.Status


class ContentChanged(Exception):
    """The subject changed between the request and the render, and a newer job exists."""


def document_export_request(
    *, kind: str, subject: Any, format: str = "pdf", actor: Any
) -> tuple[DocumentExport, bool]:
    """The export of ``subject`` as ``format``: an existing live or finished one for the same
    content and template version (or one that failed minutes ago, with its reason), else a
    new pending job queued after commit.

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
        if existing is None:
            existing = (
                DocumentExport.objects.filter(
                    **key,
                    status=Status.FAILED,
                    finished_at__gte=timezone.now() - FAILED_REUSE_WINDOW,
                )
                .order_by("-finished_at")
                .first()
            )
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

    if not task_send(render_document_export, export_id, countdown=countdown):
        return False
    DocumentExport.objects.filter(pk=export_id).update(queued_at=timezone.now())
    return True


@contextlib.contextmanager
def _render_lock(export_id: int) -> Iterator[bool]:
    """Whether this process may render the job: a PostgreSQL session advisory lock held for
    the whole run. A second delivery of a job being rendered gets ``False`` and leaves it
    alone; a worker that dies drops its connection and with it the lock, so the redelivered
    message can take over. SQLite (the demo) runs tasks in-process, one at a time."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_ADVISORY_LOCK_CLASS, export_id])
        acquired = bool(cursor.fetchone()[0])
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_unlock(%s, %s)", [_ADVISORY_LOCK_CLASS, export_id]
                )


def document_export_run(*, export_id: int) -> DocumentExport | None:
    """Render one job. Safe to call any number of times, also at the same time."""
    with _render_lock(export_id) as mine:
        if not mine:
            return DocumentExport.objects.filter(pk=export_id).first()
        export = _claim(export_id)
        if export is None or export.status != Status.RUNNING:
            return export
        return _render_and_store(export)


def _claim(export_id: int) -> DocumentExport | None:
    """Count the attempt and mark the job running, in a transaction of its own: the count
    survives a worker killed mid-render."""
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
    return export


def _render_and_store(export: DocumentExport) -> DocumentExport | None:
    started = time.perf_counter()
    content: bytes | str = b""
    try:
        kind = get_document_kind(export.kind)
        content, pages, timings, content_hash = _render(kind, export)
        return _store(export, content, pages, timings, content_hash, started)
    except ContentChanged:
        _discard(content)
        return _after_error(
            export.pk,
            _("The content changed while the document waited; a newer one is being prepared."),
            final=True,
        )
    except Exception as error:  # a failed render must be recorded on the row, whatever it is
        # The traceback goes to the log; the row keeps a message fit for the person who asked.
        logger.exception("export %s failed on attempt %s", export.pk, export.attempts)
        _discard(content)
        return _after_error(
            export.pk,
            _("The document could not be rendered (%(reason)s).")
            % {"reason": type(error).__name__},
        )


def _render(
    kind: DocumentKind, export: DocumentExport
) -> tuple[bytes | str, int | None, dict[str, float], str]:
    """Read everything the document shows in ONE consistent snapshot of the database (an edit
    or a sign-off committed meanwhile cannot tear it), together with the content hash of that
    same snapshot; then lay it out. PDF goes through the template; tabular formats through the
    kind's writer into a temporary file (streamed, so memory does not grow with the data).
    Returns bytes or a file path, the page count, timings and the content hash."""
    # (Inside an outer transaction — a test, a caller's atomic block — its snapshot rules.)
    fresh_transaction = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and fresh_transaction:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        subject = kind.model._default_manager.get(pk=export.object_id)
        content_hash = kind.content_hash(subject)
        if export.format == "pdf":
            html, timings = render_document_html(kind, subject)
        else:
            writer = kind.writers[export.format]
            started = time.perf_counter()
            handle, path = tempfile.mkstemp(suffix=f".{export.format}")
            try:
                with os.fdopen(handle, "wb") as output:
                    writer(subject, output)
            except BaseException:
                os.unlink(path)
                raise
            return path, None, {"write": round(time.perf_counter() - started, 4)}, content_hash
    rendered = html_to_pdf(html)
    if rendered.refused_urls:
        logger.info("export %s: refused %d URL(s)", export.pk, len(rendered.refused_urls))
    return rendered.content, rendered.pages, {**timings, **rendered.timings}, content_hash


def _store(
    export: DocumentExport,
    content: bytes | str,
    pages: int | None,
    timings: dict[str, float],
    content_hash: str,
    started: float,
) -> DocumentExport:
    stored_name = ""
    try:
        with transaction.atomic():
            export = DocumentExport.objects.select_for_update().get(pk=export.pk)
            if export.is_finished:
                # Another delivery of the same job finished first; keep its file.
                return export
            if content_hash != export.content_hash:
                # Rendered from newer content than was asked for: file it under the hash of
                # what it shows, unless a job for that content exists already.
                newer = DocumentExport.objects.filter(
                    kind=export.kind,
                    object_id=export.object_id,
                    content_hash=content_hash,
                    format=export.format,
                    template_version=export.template_version,
                ).exclude(status=Status.FAILED)
                if newer.exists():
                    raise ContentChanged
                export.content_hash = content_hash
            store_started = time.perf_counter()
            name = f"{export.kind}-{export.object_id}-{content_hash[:12]}.{export.format}"
            if isinstance(content, bytes):
                export.file.save(name, ContentFile(content), save=False)
            else:
                with open(content, "rb") as handle:
                    export.file.save(name, File(handle), save=False)
            stored_name = export.file.name
            export.size = export.file.size
            export.pages = pages
            export.status = Status.SUCCEEDED
            export.error = ""
            export.finished_at = timezone.now()
            timings["store"] = round(time.perf_counter() - store_started, 4)
            timings["total"] = round(time.perf_counter() - started, 4)
            export.timings = timings
            export.save()
    except BaseException:
        # The row did not commit: the file saved for it belongs to nobody.
        if stored_name:
            export.file.storage.delete(stored_name)
        raise
    finally:
        _discard(content)
    return export


def _discard(content: bytes | str) -> None:
    if isinstance(content, str) and content and os.path.exists(content):
        os.unlink(content)


def _after_error(export_id: int, message: str, *, final: bool = False) -> DocumentExport | None:
    with transaction.atomic():
        export = DocumentExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.is_finished:
            return export
        if final or export.attempts >= MAX_ATTEMPTS:
            return _fail(export, message)
        export.status = Status.PENDING
        export.error = message[:2000]
        export.save(update_fields=["status", "error", "updated_at"])
        # Try again a little later: some failures (a database restart) pass.
        attempts = export.attempts
        transaction.on_commit(
            lambda: document_export_enqueue(export_id=export_id, countdown=5 * attempts)
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
    (their worker died with the message; they go back to ``pending`` so that the next sweep
    does not send them again) and ``pending`` ones that never reached the broker or have
    waited longer than any queue should take. Returns how many."""
    now = now or timezone.now()
    stuck_after = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    waiting_after = timedelta(seconds=settings.DOCUMENT_EXPORT_PENDING_TIMEOUT)
    with transaction.atomic():
        stuck = list(
            DocumentExport.objects.select_for_update(skip_locked=True)
            .filter(status=Status.RUNNING, started_at__lt=now - stuck_after)
            .values_list("pk", flat=True)
        )
        DocumentExport.objects.filter(pk__in=stuck).update(
            status=Status.PENDING, queued_at=None, updated_at=now
        )
    pending = DocumentExport.objects.filter(status=Status.PENDING)
    ids = sorted(
        {*pending.filter(queued_at__isnull=True).values_list("pk", flat=True)}
        | {*pending.filter(queued_at__lt=now - waiting_after).values_list("pk", flat=True)}
    )
    return sum(document_export_enqueue(export_id=export_id) for export_id in ids)
