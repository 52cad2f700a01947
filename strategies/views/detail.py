"""The strategy page: participants and their sign-off, sections by owner, targets, financing,
the actions open to the asker and the event log. A fixed number of queries whatever the size
of the strategy."""

from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.documents.selectors import document_export_latest_for
from municipalities.models import Municipality
from strategies import permissions, selectors
from strategies.documents import KIND
from strategies.forms import ReturnForm, SignOffForm
from strategies.models import Participation, Section, SignOff, Strategy, StrategyEvent
from strategies.monitoring import TargetCell, TargetRow, TargetStatus, target_table
from strategies.summaries import financing_summary
from strategies.transitions import TRANSITIONS, can_transition

EVENTS_SHOWN = 100
# The transitions a person asks for on the page; "approve" follows the last sign-off.
PAGE_TRANSITIONS = ("review", "return", "adopt", "archive")
EVENT_LABELS = {
    "created": gettext_lazy("Strategy created"),
    "review": gettext_lazy("Review opened"),
    "return": gettext_lazy("Returned to draft"),
    "approve": gettext_lazy("Approved by all participants"),
    "adopt": gettext_lazy("Adopted"),
    "archive": gettext_lazy("Archived"),
    "sign_off": gettext_lazy("Signed off"),
    "content_changed_in_review": gettext_lazy("Text changed during review"),
    "section_added": gettext_lazy("Section added"),
    "section_removed": gettext_lazy("Section removed"),
    "sections_reordered": gettext_lazy("Sections reordered"),
    "goal_added": gettext_lazy("Goal added"),
    "goal_removed": gettext_lazy("Goal removed"),
    "objective_added": gettext_lazy("Objective added"),
    "objective_removed": gettext_lazy("Objective removed"),
    "measure_added": gettext_lazy("Measure added"),
    "measure_removed": gettext_lazy("Measure removed"),
    "target_indicator_added": gettext_lazy("Target indicator added"),
    "target_indicator_removed": gettext_lazy("Target indicator removed"),
    "actuals_recorded": gettext_lazy("Actual values recorded"),
}


@dataclass
class ParticipantRow:
    participation: Participation
    signed: bool
    sign_off: SignOff | None


@dataclass
class SectionRow:
    section: Section
    can_edit: bool


@dataclass
class OwnerGroup:
    owner: Municipality | None
    rows: list[SectionRow] = field(default_factory=list)


@dataclass
class TargetLine:
    """A row of the monitoring table with its status words (the template cannot look a
    label up by value)."""

    row: TargetRow
    status_label: str
    cells: list[tuple[TargetCell, str]]


@dataclass
class EventRow:
    event: StrategyEvent
    label: str
    detail: str


def _section_groups(user: Any, strategy: Strategy, sections: list[Section]) -> list[OwnerGroup]:
    """Sections by the municipality that writes them: the lead, the partners, then shared;
    each group in the order of the document."""
    groups = {p.municipality_id: OwnerGroup(p.municipality) for p in strategy.participations.all()}
    shared = OwnerGroup(None)
    for section in sections:
        group = groups.get(section.owner_id) if section.owner_id else shared
        if group is None:  # an owner that is no longer a participant: show it on its own
            group = groups.setdefault(section.owner_id, OwnerGroup(section.owner))  # type: ignore[arg-type]
        group.rows.append(
            SectionRow(section, permissions.can_edit_section(user, section, strategy))
        )
    ordered = sorted(
        groups.values(), key=lambda g: g.owner is None or g.owner.pk != strategy.lead_id
    )
    return [g for g in [*ordered, shared] if g.rows]


def _event_rows(strategy: Strategy, events: list[StrategyEvent]) -> list[EventRow]:
    names = {p.municipality_id: p.municipality.name for p in strategy.participations.all()}
    rows = []
    for event in events:
        data = event.data or {}
        detail = ""
        if event.kind == "sign_off":
            detail = names.get(data.get("municipality") or 0, "")
        elif event.kind == "content_changed_in_review" and data.get("cleared_sign_offs"):
            cleared = ", ".join(names.get(pk, str(pk)) for pk in data["cleared_sign_offs"])
            detail = _("Sign-offs cleared: %(names)s") % {"names": cleared}
        elif data.get("comment"):
            detail = data["comment"]
        elif data.get("title"):
            detail = data["title"]
        label = EVENT_LABELS.get(event.kind, event.kind.replace("_", " "))
        rows.append(EventRow(event, str(label), str(detail)))
    return rows


def _target_lines(strategy: Strategy) -> list[TargetLine]:
    labels = {value: str(label) for value, label in TargetStatus.choices}
    return [
        TargetLine(
            row=row,
            status_label=labels.get(row.status or "", ""),
            cells=[(cell, labels.get(cell.status or "", "")) for cell in row.cells],
        )
        for row in target_table(strategy=strategy)
    ]


def _sign_off_form(
    user: Any, strategy: Strategy, signed: set[int], data: Any = None, files: Any = None
) -> SignOffForm | None:
    """The form for the participants this user may still sign for, if any."""
    if strategy.status != Strategy.Status.IN_REVIEW:
        return None
    mine = permissions.approver_municipality_ids(user, strategy) - signed
    if not mine:
        return None
    municipalities = [
        p.municipality for p in strategy.participations.all() if p.municipality_id in mine
    ]
    return SignOffForm(data, files, municipalities=municipalities)


def _actions(user: Any, strategy: Strategy) -> dict[str, bool]:
    return {
        name: can_transition(strategy, name) and TRANSITIONS[name].allowed(user, strategy)
        for name in PAGE_TRANSITIONS
    }


def detail_page(
    request: HttpRequest,
    strategy: Strategy,
    *,
    return_form: ReturnForm | None = None,
    sign_off_form: SignOffForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    # Both come with the strategy (prefetched by ``strategy_get_for``): no query here.
    round_ = selectors.signing_round(strategy=strategy)
    signed = selectors.signed_municipality_ids(strategy=strategy)
    sign_offs = {s.municipality_id: s for s in round_.sign_offs.all()} if round_ else {}
    participants = [
        ParticipantRow(p, p.municipality_id in signed, sign_offs.get(p.municipality_id))
        for p in strategy.participations.all()
    ]
    sections = list(selectors.section_overview(strategy=strategy))
    insider = permissions.can_see_discussion(user, strategy)
    events = None
    if insider:
        events = _event_rows(
            strategy, list(selectors.strategy_event_list(strategy=strategy)[:EVENTS_SHOWN])
        )
    actions = _actions(user, strategy)
    if sign_off_form is None:
        sign_off_form = _sign_off_form(user, strategy, signed)
    if return_form is None and actions["return"]:
        return_form = ReturnForm()
    return render(
        request,
        "strategies/strategy_detail.html",
        {
            "section": "strategies",
            "strategy": strategy,
            "participants": participants,
            "round": round_,
            "signed_count": len(signed),
            "section_count": len(sections),
            "groups": _section_groups(user, strategy, sections),
            "targets": _target_lines(strategy),
            "financing": financing_summary(strategy=strategy),
            "insider": insider,
            "events": events,
            "actions": actions,
            "return_form": return_form,
            "sign_off_form": sign_off_form,
            "can_edit_structure": permissions.can_edit_structure(user, strategy),
            # The asker's latest PDF of this strategy, with its status or download link.
            "latest_export": document_export_latest_for(user=user, kind=KIND, subject=strategy),
        },
        status=status,
    )


def strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return detail_page(request, selectors.strategy_get_for(user=request.user, pk=pk))
