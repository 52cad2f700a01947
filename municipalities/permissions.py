"""Who may do what in the registry. Pure predicates: the single truth that API permission
classes, page views and services all ask."""

from collections.abc import Iterable
from typing import Any

from municipalities.models import Agreement, Membership


def is_admin(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_staff)


def _roles(user: Any) -> dict[str, set[int]]:
    """Role → ids of the municipalities where ``user`` holds it. One query, kept on the user
    object for the rest of the request so that checks over a page of objects stay cheap."""
    if not (user and user.is_authenticated):
        return {}
    cached = getattr(user, "_jointplan_roles", None)
    if cached is None:
        cached = {}
        rows = Membership.objects.filter(user=user).values_list("role", "municipality_id")
        for role, municipality_id in rows:
            cached.setdefault(role, set()).add(municipality_id)
        user._jointplan_roles = cached
    return cached


def municipality_ids_with_role(user: Any, role: str) -> set[int]:
    return _roles(user).get(role, set())


def member_municipality_ids(user: Any) -> set[int]:
    """Every municipality ``user`` belongs to, whatever the role."""
    return set().union(*_roles(user).values())


def can_create_agreement(user: Any, party_ids: Iterable[int]) -> bool:
    """Administrators, and coordinators of one of the parties."""
    if is_admin(user):
        return True
    return bool(municipality_ids_with_role(user, Membership.Role.COORDINATOR) & set(party_ids))


def can_edit_agreement(user: Any, agreement: Agreement) -> bool:
    party_ids = [party.municipality_id for party in agreement.parties.all()]
    return can_create_agreement(user, party_ids)


def can_import_indicators(user: Any) -> bool:
    return is_admin(user)
