"""Event rows of a strategy (the approval's audit trail)."""

from typing import Any

from strategies.models import Strategy, StrategyEvent


def strategy_event_write(
    *,
    strategy: Strategy,
    actor: Any,
    kind: str,
    from_status: str = "",
    to_status: str = "",
    data: dict[str, Any] | None = None,
) -> StrategyEvent:
    return StrategyEvent.objects.create(
        strategy=strategy,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        data=data or {},
    )
