"""What the writers of the plan and of the target indicators share: locking and the right
to edit, field checks, and the record every change leaves (audit row, event, new snapshot
during review)."""

import enum
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, Final

from django.db import models
from django.db.models import Max
from django.http import Http404
from django.utils.translation import gettext as _

from core.audit import audit_log_write
from core.exceptions import ApplicationError
from strategies import permissions
from strategies.models import Strategy
from strategies.services.approval import content_changed
from strategies.services.events import strategy_event_write
from strategies.services.locking import lock_editable_strategy, lock_strategy

Errors = dict[str, list[str]]
TITLE_LENGTH = 500  # Goal, Objective and Measure titles, TargetIndicator.name


class Unset(enum.Enum):
    """An argument not given (keep the value), as opposed to ``None`` (clear it)."""

    UNSET = enum.auto()


UNSET: Final = Unset.UNSET


def refuse(message: str) -> ApplicationError:
    return ApplicationError(message, status=403, code="permission_denied")


def invalid(message: str, errors: Errors) -> ApplicationError:
    return ApplicationError(message, extra={"errors": errors})


def strategy_id_of(model: type[models.Model], pk: int, path: str) -> int:
    """The id of the strategy an item belongs to, read before any lock so that the strategy
    row can be locked first (see ``strategies.services.locking``)."""
    strategy_id = model._default_manager.filter(pk=pk).values_list(path, flat=True).first()
    if strategy_id is None:
        raise Http404
    return int(strategy_id)


def lock_for_plan(actor: Any, strategy_id: int) -> Strategy:
    strategy = lock_editable_strategy(strategy_id)
    if not permissions.can_edit_plan(actor, strategy):
        raise refuse(_("Only editors of the participating municipalities may change the plan."))
    return strategy


def lock_for_actuals(actor: Any, strategy_id: int) -> Strategy:
    strategy = lock_strategy(strategy_id)
    if not permissions.can_record_actuals(actor, strategy):
        raise refuse(
            _("Only editors of the participating municipalities may record actual values.")
        )
    return strategy


def next_position(queryset: models.QuerySet[Any]) -> int:
    return (queryset.aggregate(m=Max("position"))["m"] or 0) + 10


def text(errors: Errors, field: str, value: str, *, required: bool, max_length: int) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = [_("This field is required.")]
    elif len(value) > max_length:
        errors[field] = [
            _("Keep it within %(limit)s characters.") % {"limit": max_length},
        ]
    return value


def check_position(errors: Errors, value: int) -> int:
    if value < 0:
        errors["position"] = [_("The order cannot be negative.")]
    return value


def position_or_next(errors: Errors, value: int | None, siblings: models.QuerySet[Any]) -> int:
    """The given order, or after the last sibling."""
    if value is None:
        return next_position(siblings)
    return check_position(errors, value)


def year_span(errors: Errors, strategy: Strategy, start_year: int, end_year: int) -> None:
    """A measure's years lie within the strategy's horizon, in order."""
    bounds = {"start": strategy.start_year, "end": strategy.end_year}
    for field, year in (("start_year", start_year), ("end_year", end_year)):
        if year not in strategy.years:
            errors[field] = [_("Choose a year of the strategy (%(start)s–%(end)s).") % bounds]
    if "end_year" not in errors and end_year < start_year:
        errors["end_year"] = [_("The last year cannot come before the first.")]


def number_error(value: Decimal, digits: int) -> str | None:
    """Why ``value`` cannot be stored in a column of ``digits`` integer digits, if it can't."""
    if not value.is_finite():
        return _("Enter a number.")
    if abs(value) >= Decimal(10) ** digits:
        return _("The number is too large.")
    return None


def year_values(
    errors: Errors,
    field: str,
    values: Mapping[int, Decimal | None],
    years: range,
    *,
    digits: int,
) -> dict[int, Decimal]:
    """Values by year of the horizon; a year given ``None`` has no value."""
    bounds = {"start": years.start, "end": years.stop - 1}
    messages: list[str] = []
    result: dict[int, Decimal] = {}
    for year, value in sorted(values.items()):
        if year not in years:
            messages.append(
                _("%(year)s is outside the strategy's years (%(start)s–%(end)s).")
                % {"year": year, **bounds}
            )
        elif value is not None:
            problem = number_error(value, digits)
            if problem:
                messages.append(f"{year}: {problem}")
            else:
                result[year] = value
    if messages:
        errors[field] = messages
    return result


def record(
    *,
    strategy: Strategy,
    actor: Any,
    obj: models.Model,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    event: str = "",
    content: bool = True,
) -> None:
    """The trace of a change: an audit row; for additions and removals an event of the
    strategy; and, for content, a new snapshot of an open review (clearing its sign-offs)."""
    audit_log_write(actor=actor, action=action, obj=obj, before=before, after=after)
    if event:
        strategy_event_write(
            strategy=strategy,
            actor=actor,
            kind=event,
            data={"id": obj.pk, "title": str(obj)},
        )
    if content:
        content_changed(strategy=strategy, actor=actor)


def save_if_changed(
    *,
    strategy: Strategy,
    actor: Any,
    obj: Any,
    state: Callable[[Any], dict[str, Any]],
    before: dict[str, Any],
    action: str,
    write: Callable[[], None] | None = None,
) -> Any:
    """Save ``obj`` as a new version when its state differs from ``before``; a save that
    changes nothing leaves the version (and an open review) alone. ``write`` stores what
    lives in other tables (responsible municipalities, financing) once the row is saved."""
    after = state(obj)
    if after == before:
        return obj
    obj.version += 1
    obj.save()
    if write is not None:
        write()
    record(strategy=strategy, actor=actor, obj=obj, action=action, before=before, after=after)
    return obj
