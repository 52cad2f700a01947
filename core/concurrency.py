"""Optimistic locking: editable objects carry a ``version`` (core.models.VersionedModel)."""

from typing import Any

from django.utils.translation import gettext as _

from core.exceptions import ApplicationError


def check_version(obj: Any, expected: int) -> None:
    """Refuse (412) a write based on another version than the one stored. Call it on a row
    locked with ``select_for_update`` so that two writers cannot both pass."""
    if obj.version != expected:
        raise ApplicationError(
            _(
                "Somebody else has changed this object meanwhile. Reload it and apply your "
                "change again."
            ),
            status=412,
            code="version_conflict",
            extra={"current_version": obj.version},
        )
