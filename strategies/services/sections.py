"""Sections: their text (editors, with revisions and optimistic locking) and the structure
of the document (the lead's coordinator: add, reorder, reassign, remove)."""

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from municipalities.models import Municipality
from strategies import permissions
from strategies.content import sanitize_body
from strategies.models import Revision, Section, Strategy
from strategies.services.approval import content_changed
from strategies.services.events import strategy_event_write
from strategies.services.locking import lock_editable_strategy, lock_versioned

# ``owner`` not given: keep it (``None`` means "make the section shared").
UNCHANGED = object()


def _refuse(message: str) -> ApplicationError:
    return ApplicationError(message, status=403, code="permission_denied")


def _check_owner(strategy: Strategy, owner: Municipality | None) -> None:
    if owner is not None and owner.pk not in permissions.participant_ids(strategy):
        raise ApplicationError(
            _("A section can belong only to a participant of the strategy."),
            extra={"errors": {"owner": [_("Choose a participant, or none for shared.")]}},
        )


def _strategy_id_of(section_id: int) -> int:
    """Read before any lock, so that the strategy row is locked first (services.locking)."""
    strategy_id = Section.objects.filter(pk=section_id).values_list("strategy_id", flat=True)
    found = strategy_id.first()
    if found is None:
        raise Http404
    return found


def _write_revision(section: Section, actor: Any, note: str = "") -> Revision:
    return Revision.objects.create(
        section=section,
        number=section.version,
        title=section.title,
        body=section.body,
        author=actor,
        note=note,
    )


@transaction.atomic
def section_update(
    *,
    actor: Any,
    section_id: int,
    version: int,
    title: str | None = None,
    body: str | None = None,
    owner: Municipality | object | None = UNCHANGED,
    note: str = "",
) -> Section:
    """Save a section based on ``version``. Text and title: editors of the owner (any
    participant's for a shared section); owner: the lead's coordinator. A save on an older
    version is refused with 412, so nobody overwrites anybody; each save is a revision."""
    strategy = lock_editable_strategy(_strategy_id_of(section_id))
    section = lock_versioned(Section, section_id, version)
    changes_text = (title is not None and title != section.title) or (
        body is not None and sanitize_body(body) != section.body
    )
    changes_owner = owner is not UNCHANGED and getattr(owner, "pk", None) != section.owner_id
    if changes_text and not permissions.can_edit_section(actor, section, strategy):
        raise _refuse(_("Only editors of the section's municipality may change its text."))
    if changes_owner:
        if not permissions.can_edit_structure(actor, strategy):
            raise _refuse(_("Only a coordinator of the lead municipality may reassign it."))
        assert owner is None or isinstance(owner, Municipality)  # noqa: S101 - for mypy
        _check_owner(strategy, owner)
        section.owner = owner
    if not (changes_text or changes_owner):
        # Nothing to save; still, somebody without any right to the section is told so
        # rather than answered as if the save had worked.
        if not (
            permissions.can_edit_section(actor, section, strategy)
            or permissions.can_edit_structure(actor, strategy)
        ):
            raise _refuse(_("Only editors of the section's municipality may change its text."))
        return section
    if title is not None:
        if not title.strip():
            raise ApplicationError(
                _("The section has errors."),
                extra={"errors": {"title": [_("Give the section a title.")]}},
            )
        section.title = title.strip()
    if body is not None:
        section.body = sanitize_body(body)
    section.version += 1
    section.updated_by = actor
    section.save()
    _write_revision(section, actor, note)
    content_changed(strategy=strategy, actor=actor)
    return section


@transaction.atomic
def revision_restore(*, actor: Any, revision_id: int, version: int) -> Section:
    """Make an old revision the current text again, as a new revision."""
    revision = get_object_or_404(Revision, pk=revision_id)
    return section_update(
        actor=actor,
        section_id=revision.section_id,
        version=version,
        title=revision.title,
        body=revision.body,
        note=_("Restored revision %(number)s") % {"number": revision.number},
    )


@transaction.atomic
def section_create(
    *,
    actor: Any,
    strategy_id: int,
    title: str,
    kind: str = Section.Kind.CUSTOM,
    owner: Municipality | None = None,
    parent: Section | None = None,
    body: str = "",
) -> Section:
    strategy = lock_editable_strategy(strategy_id)
    if not permissions.can_edit_structure(actor, strategy):
        raise _refuse(_("Only a coordinator of the lead municipality may add sections."))
    _check_owner(strategy, owner)
    if parent is not None and parent.strategy_id != strategy.pk:
        raise ApplicationError(_("The parent section belongs to another strategy."))
    if not title.strip():
        raise ApplicationError(
            _("The section has errors."),
            extra={"errors": {"title": [_("Give the section a title.")]}},
        )
    last = strategy.sections.aggregate(m=Max("position"))["m"] or 0
    section = Section.objects.create(
        strategy=strategy,
        title=title.strip(),
        kind=kind,
        owner=owner,
        parent=parent,
        body=sanitize_body(body),
        position=last + 10,
        updated_by=actor,
    )
    _write_revision(section, actor)
    strategy_event_write(
        strategy=strategy, actor=actor, kind="section_added", data={"section": section.pk}
    )
    content_changed(strategy=strategy, actor=actor)
    return section


@transaction.atomic
def section_delete(*, actor: Any, section_id: int, version: int) -> None:
    strategy = lock_editable_strategy(_strategy_id_of(section_id))
    section = lock_versioned(Section, section_id, version)
    if not permissions.can_edit_structure(actor, strategy):
        raise _refuse(_("Only a coordinator of the lead municipality may remove sections."))
    strategy_event_write(
        strategy=strategy,
        actor=actor,
        kind="section_removed",
        data={"section": section.pk, "title": section.title},
    )
    section.delete()
    content_changed(strategy=strategy, actor=actor)


@transaction.atomic
def sections_reorder(*, actor: Any, strategy_id: int, order: list[int]) -> None:
    """Put the strategy's sections in the order of ``order`` (all their ids)."""
    strategy = lock_editable_strategy(strategy_id)
    if not permissions.can_edit_structure(actor, strategy):
        raise _refuse(_("Only a coordinator of the lead municipality may reorder sections."))
    sections = {s.pk: s for s in strategy.sections.select_for_update()}
    if sorted(order) != sorted(sections):
        raise ApplicationError(
            _("List every section of the strategy exactly once."),
            extra={"errors": {"order": [_("List every section exactly once.")]}},
        )
    for position, pk in enumerate(order, start=1):
        sections[pk].position = position * 10
    Section.objects.bulk_update(sections.values(), ["position"])
    strategy_event_write(strategy=strategy, actor=actor, kind="sections_reordered")
    content_changed(strategy=strategy, actor=actor)
