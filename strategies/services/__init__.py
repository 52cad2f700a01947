"""Every write to strategies goes through these services."""

from strategies.services.approval import (
    content_changed,
    strategy_sign_off,
    strategy_transition,
)
from strategies.services.comments import comment_create, comment_resolve, presence_touch
from strategies.services.plan import (
    ContributionRow,
    FinancingRow,
    contributions_set,
    goal_create,
    goal_delete,
    goal_update,
    measure_create,
    measure_delete,
    measure_update,
    objective_create,
    objective_delete,
    objective_update,
    target_actuals_set,
    target_indicator_create,
    target_indicator_delete,
    target_indicator_update,
    target_values_set,
)
from strategies.services.sections import (
    revision_restore,
    section_create,
    section_delete,
    section_update,
    sections_reorder,
)
from strategies.services.strategy import strategy_create, strategy_update

__all__ = [
    "ContributionRow",
    "FinancingRow",
    "comment_create",
    "comment_resolve",
    "content_changed",
    "contributions_set",
    "goal_create",
    "goal_delete",
    "goal_update",
    "measure_create",
    "measure_delete",
    "measure_update",
    "objective_create",
    "objective_delete",
    "objective_update",
    "presence_touch",
    "revision_restore",
    "section_create",
    "section_delete",
    "section_update",
    "sections_reorder",
    "strategy_create",
    "strategy_sign_off",
    "strategy_transition",
    "strategy_update",
    "target_actuals_set",
    "target_indicator_create",
    "target_indicator_delete",
    "target_indicator_update",
    "target_values_set",
]
