"""The audit log service: every change of the domain writes one row here."""

from typing import Any

from django.db import models

from core.models import AuditLog


def audit_log_write(
    *,
    actor: Any,
    action: str,
    obj: models.Model | type[models.Model],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    object_repr: str | None = None,
) -> AuditLog:
    """Record that ``actor`` did ``action`` to ``obj``. Call it inside the service's
    transaction so that the record and the change commit or roll back together.

    ``obj`` may be a model class for a change of many rows at once (an import); then say
    what was changed in ``object_repr``."""
    is_class = isinstance(obj, type)
    if object_repr is None:
        object_repr = str(obj._meta.verbose_name_plural if is_class else obj)
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id="" if is_class else str(obj.pk or ""),
        object_repr=object_repr[:255],
        before=before,
        after=after,
    )


def model_snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The JSON-safe values of ``fields`` of ``obj`` for the before/after of an audit row."""
    snapshot: dict[str, Any] = {}
    for name in fields:
        value = getattr(obj, name)
        if isinstance(value, models.Model):
            value = value.pk
        elif value is not None and not isinstance(value, (str, int, float, bool)):
            value = str(value)
        snapshot[name] = value
    return snapshot
