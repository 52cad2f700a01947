"""Who may do what with a strategy. Pure predicates over (user, object): the single truth
that selectors, services, API permission classes and page views ask.

- Members of participant municipalities (any role) see the whole strategy; everybody else
  sees it only once adopted (and archived, its published past). Administrators see all.
  The comments stay the participants' own: only their members and administrators read them.
- Editors of a participant write the sections their municipality owns and the shared ones,
  and the action plan; coordinators of the lead municipality edit the structure and move the
  strategy through its statuses; approvers sign off for their own municipality only."""

from typing import Any

from municipalities.models import Membership
from municipalities.permissions import is_admin, member_municipality_ids, municipality_ids_with_role
from strategies.models import Section, Strategy

Role = Membership.Role


def participant_ids(strategy: Strategy) -> set[int]:
    """Ids of the participants; uses prefetched participations when there are some."""
    return {p.municipality_id for p in strategy.participations.all()}


def is_participant_member(user: Any, strategy: Strategy) -> bool:
    return bool(member_municipality_ids(user) & participant_ids(strategy))


def can_view_strategy(user: Any, strategy: Strategy) -> bool:
    if strategy.is_published or is_admin(user):
        return True
    return is_participant_member(user, strategy)


def _has_role_in(user: Any, role: str, municipality_ids: set[int]) -> bool:
    return bool(municipality_ids_with_role(user, role) & municipality_ids)


def is_lead_coordinator(user: Any, strategy: Strategy) -> bool:
    return _has_role_in(user, Role.COORDINATOR, {strategy.lead_id})


def can_create_strategy(user: Any) -> bool:
    return bool(municipality_ids_with_role(user, Role.COORDINATOR))


def can_edit_structure(user: Any, strategy: Strategy) -> bool:
    return strategy.is_editable and is_lead_coordinator(user, strategy)


def can_edit_section(user: Any, section: Section, strategy: Strategy | None = None) -> bool:
    strategy = strategy or section.strategy
    if not strategy.is_editable:
        return False
    editable_for = {section.owner_id} if section.owner_id else participant_ids(strategy)
    return _has_role_in(user, Role.EDITOR, editable_for)


def can_edit_plan(user: Any, strategy: Strategy) -> bool:
    """Goals, objectives, measures, financing and target indicators."""
    if not strategy.is_editable:
        return False
    return _has_role_in(user, Role.EDITOR, participant_ids(strategy)) or is_lead_coordinator(
        user, strategy
    )


def can_record_actuals(user: Any, strategy: Strategy) -> bool:
    """Actual values of target indicators are monitoring data, not signed content: the
    plan's writers record them in any status, above all after adoption."""
    return _has_role_in(user, Role.EDITOR, participant_ids(strategy)) or is_lead_coordinator(
        user, strategy
    )


def can_comment(user: Any, strategy: Strategy) -> bool:
    return is_participant_member(user, strategy)


def can_see_discussion(user: Any, strategy: Strategy) -> bool:
    """Comments are the participants' working papers: their members and administrators
    read them; a published strategy shows its text to everybody, not its discussion."""
    return is_admin(user) or is_participant_member(user, strategy)


def approver_municipality_ids(user: Any, strategy: Strategy) -> set[int]:
    """The participants for which ``user`` may sign off."""
    return municipality_ids_with_role(user, Role.APPROVER) & participant_ids(strategy)


def can_sign_off(user: Any, strategy: Strategy, municipality_id: int | None = None) -> bool:
    ids = approver_municipality_ids(user, strategy)
    return bool(ids) if municipality_id is None else municipality_id in ids


def can_return(user: Any, strategy: Strategy) -> bool:
    return bool(approver_municipality_ids(user, strategy)) or is_lead_coordinator(user, strategy)
