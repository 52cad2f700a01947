"""Who may do what with surveys. Pure predicates: the single truth that selectors, services,
API permission classes and pages ask.

Platform administrators (staff) build questionnaires and run campaigns; everything on the
administration side is theirs alone. Respondents need no account: the invitation token is
their key to one response (the public side checks it, not these predicates)."""

from typing import Any

from municipalities.permissions import is_admin


def can_manage_surveys(user: Any) -> bool:
    """Build questionnaires, run campaigns, invite respondents, read results."""
    return is_admin(user)
