"""Pages of joint strategies. Thin: they read through ``selectors``, write through
``services``, ask ``permissions`` who may do what, and leave the rest to templates."""

from strategies.views.approval import strategy_sign_off, strategy_transition
from strategies.views.comments import comment_create, comment_resolve, section_presence
from strategies.views.detail import strategy_detail
from strategies.views.section_page import section_detail
from strategies.views.sections import revision_restore, section_edit, section_history
from strategies.views.strategies import strategy_create, strategy_list
from strategies.views.structure import (
    section_create,
    section_delete,
    section_move,
    section_owner,
    strategy_structure,
)

__all__ = [
    "comment_create",
    "comment_resolve",
    "revision_restore",
    "section_create",
    "section_delete",
    "section_detail",
    "section_edit",
    "section_history",
    "section_move",
    "section_owner",
    "section_presence",
    "strategy_create",
    "strategy_detail",
    "strategy_list",
    "strategy_sign_off",
    "strategy_structure",
    "strategy_transition",
]
