"""What the document is made of: the dataclasses ``build_context`` returns."""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.safestring import SafeString

from strategies.models import Goal, Measure, Objective
from strategies.monitoring import TargetRow

# --- what the document is made of ------------------------------------------------------------


@dataclass(frozen=True)
class DocSection:
    number: str
    anchor: str
    title: str
    body: SafeString
    depth: int


@dataclass(frozen=True)
class ParticipantLine:
    name: str
    role: str


@dataclass(frozen=True)
class ApprovalLine:
    """A row of the approval sheet: a participant and, once given, its sign-off."""

    municipality: str
    role: str
    approver: str
    signed_on: date | None
    decision_number: str
    decision_date: date | None


@dataclass(frozen=True)
class Approval:
    """The approval of the current text: the round that counts now (``None`` for a draft),
    its sign-offs by participant, and when its snapshot was fixed."""

    round_number: int | None
    snapshot_hash: str
    snapshot_fixed_at: datetime | None
    lines: list[ApprovalLine]

    def state(self) -> dict[str, Any]:
        return {
            "round": self.round_number,
            "hash": self.snapshot_hash,
            "fixed": _iso(self.snapshot_fixed_at),
            "lines": [
                [
                    line.municipality,
                    line.approver,
                    _iso(line.signed_on),
                    line.decision_number,
                    _iso(line.decision_date),
                ]
                for line in self.lines
            ],
        }


@dataclass
class MeasureLine:
    number: str
    measure: Measure
    responsible: list[str]
    by_source: list[Decimal]  # in the order of Financing.Source
    total: Decimal


@dataclass
class ObjectiveNode:
    number: str
    objective: Objective
    measures: list[MeasureLine] = field(default_factory=list)


@dataclass
class GoalNode:
    number: str
    goal: Goal
    objectives: list[ObjectiveNode] = field(default_factory=list)


@dataclass(frozen=True)
class TargetBlock:
    """A target indicator: its row of the table (numbers already written the Russian way,
    at most two decimals) and its chart."""

    number: int
    row: TargetRow
    objective: str  # the objective's number, "1.2"
    baseline: str
    targets: list[str]
    contributions: list[tuple[str, int, str]]
    chart: SafeString


@dataclass(frozen=True)
class BudgetRow:
    """A participant's own budget in the plan, by year."""

    name: str
    amounts: list[Decimal]
    total: Decimal


@dataclass(frozen=True)
class RedlineEntry:
    title: str
    old_title: str
    change: str  # "changed", "added" or "removed"
    diff: SafeString


@dataclass(frozen=True)
class Redline:
    round_number: int
    approved_at: datetime | None
    entries: list[RedlineEntry]


@dataclass(frozen=True)
class Part:
    """An entry of the table of contents; ``anchor`` is the id of its heading."""

    anchor: str
    number: str
    title: str
    depth: int = 0
    label: str = ""


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()
