"""Row locks, always taken in the same order (strategy, then the object inside it) so that
two writers never wait for each other in a circle."""

from typing import TypeVar

from django.db import models
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from core.concurrency import check_version
from core.exceptions import ApplicationError
from strategies.models import Strategy

M = TypeVar("M", bound=models.Model)


def lock_strategy(strategy_id: int) -> Strategy:
    return get_object_or_404(Strategy.objects.select_for_update(), pk=strategy_id)


def lock_editable_strategy(strategy_id: int) -> Strategy:
    strategy = lock_strategy(strategy_id)
    if not strategy.is_editable:
        raise ApplicationError(
            _("The strategy is %(status)s: its content can no longer change.")
            % {"status": strategy.get_status_display()},
            status=409,
            code="not_editable",
        )
    return strategy


def lock_versioned(model: type[M], pk: int, version: int | None) -> M:
    """Lock the row and refuse (412) a write based on another version. ``version`` None is
    for internal callers that hold the lock already and need no check."""
    obj = get_object_or_404(model.objects.select_for_update(), pk=pk)  # type: ignore[attr-defined]
    if version is not None:
        check_version(obj, version)
    return obj
