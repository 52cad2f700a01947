"""Creating a strategy and changing its own fields."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audit_log_write, model_snapshot
from core.exceptions import ApplicationError
from municipalities.models import Membership, Municipality
from municipalities.permissions import municipality_ids_with_role
from strategies.models import Participation, Revision, Section, Strategy
from strategies.permissions import can_edit_structure
from strategies.services.approval import content_changed
from strategies.services.events import strategy_event_write
from strategies.services.locking import lock_editable_strategy, lock_versioned

# The statutory content of a strategy (172-FZ art. 39), in order.
SKELETON = [
    (Section.Kind.ASSESSMENT, gettext_lazy("Assessment of the current state")),
    (Section.Kind.SWOT, gettext_lazy("SWOT analysis")),
    (Section.Kind.MISSION, gettext_lazy("Mission and priorities")),
    (Section.Kind.GOALS, gettext_lazy("Goals and objectives")),
    (Section.Kind.INDICATORS, gettext_lazy("Target indicators")),
    (Section.Kind.RESULTS, gettext_lazy("Expected results")),
    (Section.Kind.FINANCE, gettext_lazy("Financial resources")),
    (Section.Kind.MECHANISM, gettext_lazy("Implementation mechanism and monitoring")),
]
STRATEGY_FIELDS = ["title", "start_year", "end_year", "summary"]
MIN_YEAR, MAX_YEAR = 2000, 2100


def _validate(title: str, start_year: int, end_year: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the strategy a title.")]
    if not MIN_YEAR <= start_year <= MAX_YEAR:
        errors["start_year"] = [_("Choose a year between 2000 and 2100.")]
    if end_year <= start_year:
        errors["end_year"] = [_("The horizon must end after it starts.")]
    elif end_year > MAX_YEAR:
        errors["end_year"] = [_("Choose a year between 2000 and 2100.")]
    return errors


@transaction.atomic
def strategy_create(
    *,
    actor: Any,
    title: str,
    start_year: int,
    end_year: int,
    participants: list[Municipality],
    lead: Municipality | None = None,
    summary: str = "",
) -> Strategy:
    """A coordinator starts a joint strategy of two or more municipalities, led by the
    coordinator's own municipality, with the statutory skeleton of sections (shared)."""
    errors = _validate(title, start_year, end_year)
    ids = [m.pk for m in participants]
    if len(set(ids)) < 2:
        errors.setdefault("participants", []).append(
            _("A joint strategy needs at least two different municipalities.")
        )
    elif len(set(ids)) != len(ids):
        errors.setdefault("participants", []).append(_("A municipality is listed twice."))
    coordinated = municipality_ids_with_role(actor, Membership.Role.COORDINATOR)
    if lead is None:
        lead = next((m for m in participants if m.pk in coordinated), None)
    if lead is None or lead.pk not in coordinated:
        raise ApplicationError(
            _("Only a coordinator of one of the participants may start a joint strategy."),
            status=403,
            code="permission_denied",
        )
    if lead.pk not in ids:
        errors.setdefault("participants", []).append(
            _("The lead municipality must be among the participants.")
        )
    if errors:
        raise ApplicationError(_("The strategy has errors."), extra={"errors": errors})
    strategy = Strategy.objects.create(
        title=title.strip(),
        start_year=start_year,
        end_year=end_year,
        summary=summary,
        lead=lead,
        created_by=actor,
    )
    Participation.objects.bulk_create(
        Participation(
            strategy=strategy,
            municipality=m,
            role=Participation.Role.LEAD if m.pk == lead.pk else Participation.Role.PARTNER,
        )
        for m in participants
    )
    sections = Section.objects.bulk_create(
        Section(strategy=strategy, kind=kind, title=str(title_), position=(i + 1) * 10)
        for i, (kind, title_) in enumerate(SKELETON)
    )
    # Revision 1 of every section, as section_create writes it: the history starts at the
    # first state, so the first edit can be diffed against it and undone by a restore.
    Revision.objects.bulk_create(
        Revision(section=s, number=s.version, title=s.title, body=s.body, author=actor)
        for s in sections
    )
    strategy_event_write(strategy=strategy, actor=actor, kind="created", to_status=strategy.status)
    audit_log_write(
        actor=actor,
        action="strategy.create",
        obj=strategy,
        after={**model_snapshot(strategy, STRATEGY_FIELDS), "participants": ids},
    )
    return strategy


@transaction.atomic
def strategy_update(*, actor: Any, strategy_id: int, version: int, **fields: Any) -> Strategy:
    """Title, horizon and summary, by the lead's coordinator."""
    lock_editable_strategy(strategy_id)
    strategy = lock_versioned(Strategy, strategy_id, version)
    if not can_edit_structure(actor, strategy):
        raise ApplicationError(
            _("Only a coordinator of the lead municipality may change the strategy itself."),
            status=403,
            code="permission_denied",
        )
    before = model_snapshot(strategy, STRATEGY_FIELDS)
    for name in STRATEGY_FIELDS:
        if name in fields:
            setattr(strategy, name, fields[name])
    strategy.title = (strategy.title or "").strip()
    errors = _validate(strategy.title, strategy.start_year, strategy.end_year)
    if errors:
        raise ApplicationError(_("The strategy has errors."), extra={"errors": errors})
    if model_snapshot(strategy, STRATEGY_FIELDS) == before:
        # Nothing changed: keep the version, or every other client's ETag would go stale.
        return strategy
    strategy.version += 1
    strategy.save()
    audit_log_write(
        actor=actor,
        action="strategy.update",
        obj=strategy,
        before=before,
        after=model_snapshot(strategy, STRATEGY_FIELDS),
    )
    content_changed(strategy=strategy, actor=actor)
    return strategy
