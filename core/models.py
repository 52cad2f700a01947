from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base of every domain model: when a row was created and last changed."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class VersionedModel(models.Model):
    """An object people edit concurrently. ``version`` grows by one on every saved change and
    is what the API returns as ``ETag`` and expects back in ``If-Match`` (optimistic locking:
    a write based on an old version is refused, never applied over somebody else's)."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        abstract = True


class AuditLog(models.Model):
    """Who changed what, when, with the values before and after. Written by services only."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit record")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class DocumentExport(TimeStampedModel):
    """A job row for one rendered document (PDF, CSV, XLSX) of some subject.

    The row is the truth and the broker only a doorbell: a task takes the row's id, locks the
    row and does nothing if the job is already done, so a message delivered twice, requeued
    after a worker died, or queued again by the sweeper renders at most one stored file.
    Identical content (hash) with the same template version reuses the succeeded file."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting in the queue")
        RUNNING = "running", _("being prepared")
        SUCCEEDED = "succeeded", _("ready")
        FAILED = "failed", _("failed")

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    # Registered by the apps (core.documents.registry); "strategy", "campaign_report", ...
    kind = models.CharField(_("document kind"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("object id"))
    content_hash = models.CharField(_("content hash"), max_length=64)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    template_version = models.CharField(_("template version"), max_length=32)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    file = models.FileField(_("file"), upload_to="exports/%Y/%m/", blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    size = models.PositiveBigIntegerField(_("size, bytes"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When the message last went to the broker; NULL while the broker could not be reached.
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # Seconds per stage of the last attempt: context, html, layout, write, store, total.
    timings = models.JSONField(_("timings"), default=dict, blank=True)

    class Meta:
        verbose_name = _("document export")
        verbose_name_plural = _("document exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "object_id"])]
        constraints = [
            # One live job per content: two people asking at once share one render.
            models.UniqueConstraint(
                fields=["kind", "object_id", "content_hash", "format", "template_version"],
                condition=~models.Q(status="failed"),
                name="documentexport_one_live_job_per_content",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} {self.format} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class OutboxMessage(TimeStampedModel):
    """A side effect — a Celery task to run — written in the same transaction as the change
    that causes it (transactional outbox).

    If the change commits, the row exists even when the broker is down at that moment or the
    web process dies right after the commit; the sweeper sends what never reached a worker.
    A worker runs the row under a lock and marks it done, so duplicate deliveries run it once.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    task = models.CharField(_("task"), max_length=100)
    args = models.JSONField(_("arguments"), default=list)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    # Set while a worker runs the task; a claim older than the hard time limit is dead.
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)} ({self.status})"
