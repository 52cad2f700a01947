"""The strategy as a printable document: the ``strategy`` kind of ``core.documents``.

``build_context`` gathers everything the PDF shows in a fixed number of queries whatever the
size of the strategy; ``content_hash`` fingerprints exactly that, so that an unchanged
strategy reuses its file and any change of what is printed (text, plan, status, a sign-off)
makes a new one. The template is ``templates/strategies/pdf/strategy.html``.

The document is Russian whatever the requester's language: the context (labels, charts) is
built under ``translation.override("ru")`` and the template renders inside
``{% language "ru" %}``.
"""

import difflib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import nh3
from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.charts import FONT, ChartSeries, format_number, line_chart
from core.documents.registry import DocumentKind, files_fingerprint
from strategies import content
from strategies.models import (
    ApprovalRound,
    Financing,
    Goal,
    Measure,
    Objective,
    Participation,
    Section,
    SignOff,
    Strategy,
    StrategyEvent,
)
from strategies.monitoring import TargetRow, target_table
from strategies.permissions import can_view_strategy
from strategies.plan_selectors import goal_list, measure_list, objective_list
from strategies.selectors import section_list
from strategies.summaries import ZERO, FinancingSummary, financing_summary

KIND = "strategy"
TEMPLATE = "strategies/pdf/strategy.html"
# Everything that shapes the printed file besides the content: when any of it changes,
# files rendered before are not reused.
TEMPLATE_VERSION = "strategy-" + files_fingerprint(
    settings.BASE_DIR / "templates" / "strategies" / "pdf",
    settings.BASE_DIR / "static" / "pdf",
    settings.BASE_DIR / "static" / "fonts",
    settings.BASE_DIR / "locale" / "ru" / "LC_MESSAGES" / "django.mo",
    settings.BASE_DIR / "core" / "charts.py",
    Path(__file__),
)
LANGUAGE = "ru"

# Section bodies in the PDF: the page's allowlist without links. A printed link is of no
# use, and its address must not reach the file (an attachment URL, an internal host).
PDF_TAGS = content.ALLOWED_TAGS - {"a"}
PDF_ATTRIBUTES = {tag: attrs for tag, attrs in content.ALLOWED_ATTRIBUTES.items() if tag != "a"}

# Charts of target indicators, three side by side on a landscape page (CSS scales them).
CHART_WIDTH, CHART_HEIGHT = 440, 220
# The charts' text inherits the page's font on a web page; WeasyPrint's SVG renderer does
# not inherit from the HTML around it and would fall back to a system font.
CHART_FONT = "font-family:'PT Sans'"
# Tooltips of the chart's markers mean nothing on paper and cost the renderer an element each.
MARKER_TOOLTIP = re.compile(r"<title>[^<]*</title>(?=</(?:circle|rect|path)>)")


def pdf_body(html: str) -> SafeString:
    """A section body for the PDF, sanitised on the way out whatever the stored row holds
    (a row written past the services, or before a tightening of the allowlist)."""
    cleaned = nh3.clean(
        html or "",
        tags=PDF_TAGS,
        attributes=PDF_ATTRIBUTES,
        url_schemes=set(),
        strip_comments=True,
    ).strip()
    return mark_safe(cleaned)  # noqa: S308 - nh3 output


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


# --- reads -----------------------------------------------------------------------------------


def _strategy(strategy: Strategy) -> Strategy:
    """The strategy with its participants, whatever the caller loaded."""
    return (
        Strategy.objects.select_related("lead")
        .prefetch_related(
            Prefetch(
                "participations",
                queryset=Participation.objects.select_related("municipality").order_by("id"),
            )
        )
        .get(pk=strategy.pk)
    )


def _participants(strategy: Strategy) -> list[ParticipantLine]:
    """The lead first, then the partners in the order they joined."""
    rows = sorted(strategy.participations.all(), key=lambda p: (p.role != "lead", p.pk))
    return [ParticipantLine(p.municipality.name, p.get_role_display()) for p in rows]


def _person(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _approval(strategy: Strategy) -> Approval:
    """Two or three queries: the newest round with its sign-offs, and when its snapshot was
    last fixed (opening the review, or a change of the text during it)."""
    round_ = (
        ApprovalRound.objects.filter(strategy=strategy)
        .defer("snapshot")
        .prefetch_related(
            Prefetch("sign_offs", queryset=SignOff.objects.select_related("approver"))
        )
        .order_by("-number")
        .first()
    )
    counts = (
        strategy.status != Strategy.Status.DRAFT
        and round_ is not None
        and round_.outcome != ApprovalRound.Outcome.RETURNED
    )
    sign_offs = {s.municipality_id: s for s in round_.sign_offs.all()} if counts and round_ else {}
    fixed_at = None
    if counts:
        fixed_at = (
            StrategyEvent.objects.filter(
                strategy=strategy, kind__in=("review", "content_changed_in_review")
            )
            .order_by("-created_at", "-id")
            .values_list("created_at", flat=True)
            .first()
        )
    lines = []
    for p in sorted(strategy.participations.all(), key=lambda p: (p.role != "lead", p.pk)):
        sign_off = sign_offs.get(p.municipality_id)
        lines.append(
            ApprovalLine(
                municipality=p.municipality.name,
                role=p.get_role_display(),
                approver=_person(sign_off.approver) if sign_off else "",
                signed_on=timezone.localdate(sign_off.signed_at) if sign_off else None,
                decision_number=sign_off.decision_number if sign_off else "",
                decision_date=sign_off.decision_date if sign_off else None,
            )
        )
    return Approval(
        round_number=round_.number if counts and round_ else None,
        snapshot_hash=round_.snapshot_hash if counts and round_ else "",
        snapshot_fixed_at=fixed_at,
        lines=lines,
    )


def _base_round(strategy: Strategy, approval: Approval) -> ApprovalRound | None:
    """The latest approved snapshot before the current one: the text the redline compares
    with. None when the strategy was never approved before."""
    rounds = ApprovalRound.objects.filter(strategy=strategy, outcome=ApprovalRound.Outcome.APPROVED)
    if approval.round_number is not None:
        rounds = rounds.filter(number__lt=approval.round_number)
    return rounds.order_by("-number").first()


# --- the parts of the document ---------------------------------------------------------------


def _sections(sections: list[Section]) -> list[tuple[DocSection, Section]]:
    """The sections in document order: each top-level section (by position) followed by its
    subsections, numbered 1, 1.1, 1.2, 2 … (a section whose parent is gone counts as
    top-level)."""
    ids = {s.pk for s in sections}
    children: dict[int | None, list[Section]] = {}
    for section in sections:
        parent = section.parent_id if section.parent_id in ids else None
        children.setdefault(parent, []).append(section)
    result: list[tuple[DocSection, Section]] = []

    def walk(parent: int | None, prefix: str, depth: int) -> None:
        for index, section in enumerate(children.get(parent, []), start=1):
            number = f"{prefix}{index}"
            result.append(
                (
                    DocSection(
                        number=number,
                        anchor=f"section-{section.pk}",
                        title=section.title,
                        body=pdf_body(section.body),
                        depth=depth,
                    ),
                    section,
                )
            )
            walk(section.pk, f"{number}.", depth + 1)

    walk(None, "", 0)
    return result


def _plan(strategy: Strategy, names: dict[int, str]) -> tuple[list[GoalNode], list[Measure]]:
    """Goals → objectives → measures, numbered 1, 1.1, 1.1.1, in three reads of the plan
    (measures with their responsible municipalities and financing prefetched)."""
    goals = [GoalNode(str(i), g) for i, g in enumerate(goal_list(strategy=strategy), start=1)]
    by_goal = {node.goal.pk: node for node in goals}
    by_objective: dict[int, ObjectiveNode] = {}
    for objective in objective_list(strategy=strategy):
        goal = by_goal[objective.goal_id]
        node = ObjectiveNode(f"{goal.number}.{len(goal.objectives) + 1}", objective)
        goal.objectives.append(node)
        by_objective[objective.pk] = node
    measures = list(measure_list(strategy=strategy))
    sources = list(Financing.Source.values)
    for measure in measures:
        parent = by_objective[measure.objective_id]
        by_source = [ZERO] * len(sources)
        for row in measure.financing.all():
            by_source[sources.index(row.source)] += row.amount
        parent.measures.append(
            MeasureLine(
                number=f"{parent.number}.{len(parent.measures) + 1}",
                measure=measure,
                responsible=sorted(names.get(m.pk, m.name) for m in measure.responsible.all()),
                by_source=by_source,
                total=sum(by_source, ZERO),
            )
        )
    return goals, measures


def _budgets(summary: FinancingSummary, measures: list[Measure]) -> list[BudgetRow]:
    """Each participant's own budget by year, from the prefetched financing of the measures
    (the summary gives only its total)."""
    cells: dict[tuple[int, int], Decimal] = {}
    for measure in measures:
        for row in measure.financing.all():
            if row.municipality_id is not None:
                key = (row.municipality_id, row.year)
                cells[key] = cells.get(key, ZERO) + row.amount
    return [
        BudgetRow(
            name=budget.municipality.name,
            amounts=[cells.get((budget.municipality.pk, y), ZERO) for y in summary.years],
            total=budget.total,
        )
        for budget in summary.by_municipality
    ]


def _figure(value: Decimal | None) -> str:
    """A value of a table: at most two decimals (the registry keeps four), "—" for a gap."""
    if value is None:
        return "—"
    return format_number(value.quantize(Decimal("0.01")).normalize())


def _for_print(chart: SafeString) -> SafeString:
    """A chart of ``core.charts`` as the PDF wants it: our font, no tooltips. Only markup
    that the chart itself wrote is removed, so it stays as safe as it was."""
    printed = MARKER_TOOLTIP.sub("", chart.replace(FONT, CHART_FONT))
    return mark_safe(printed)  # noqa: S308 - safe markup with parts of it removed


def _targets(strategy: Strategy, objectives: dict[int, str]) -> list[TargetBlock]:
    blocks = []
    for number, row in enumerate(target_table(strategy=strategy), start=1):
        target = row.target_indicator
        points: list[tuple[int, Decimal | None]] = []
        # The baseline starts the line, unless a target is set for its very year.
        if (
            row.baseline_year is not None
            and row.baseline_value is not None
            and row.targets.get(row.baseline_year) is None
        ):
            points.append((row.baseline_year, row.baseline_value))
        points += [(year, value) for year, value in row.targets.items() if value is not None]
        points.sort()
        chart = line_chart(
            title=f"{number}. {target.name}",
            series=[ChartSeries(_("Baseline and targets"), points)],
            unit=target.unit,
            width=CHART_WIDTH,
            height=CHART_HEIGHT,
            chart_id=f"target-chart-{target.pk}",
        )
        blocks.append(
            TargetBlock(
                number=number,
                row=row,
                objective=objectives.get(target.objective_id or 0, ""),
                baseline=_figure(row.baseline_value),
                targets=[_figure(value) for value in row.targets.values()],
                contributions=[
                    (c.municipality.name, c.year, _figure(c.value))
                    for c in target.contributions.all()
                ],
                chart=_for_print(chart),
            )
        )
    return blocks


# Words of unchanged text kept around each change in the redline; longer unchanged runs are
# shortened to "…", so that the appendix shows the changes, not the whole text again.
REDLINE_CONTEXT = 12


def redline_diff(old_html: str, new_html: str, context: int = REDLINE_CONTEXT) -> SafeString:
    """``content.word_diff`` with long unchanged passages shortened to their ends."""
    old, new = content.body_text(old_html).split(), content.body_text(new_html).split()
    opcodes = difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes()
    parts: list[str] = []
    for index, (op, a1, a2, b1, b2) in enumerate(opcodes):
        if op == "equal":
            words = old[a1:a2]
            head = words[:context] if index > 0 else []
            tail = words[-context:] if index < len(opcodes) - 1 else []
            if len(words) > len(head) + len(tail):
                words = [*head, "…", *tail] if head or tail else ["…"]
            parts.append(escape(" ".join(words)))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{escape(' '.join(old[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{escape(' '.join(new[b1:b2]))}</ins>")
    return mark_safe(" ".join(parts))  # noqa: S308 - every word escaped above


def _redline(base: ApprovalRound | None, sections: list[Section]) -> Redline | None:
    """What changed in the section texts since the ``base`` snapshot: sections changed (a
    word diff), added (all inserted) and removed (all deleted), in document order."""
    if base is None:
        return None
    old = {s["id"]: s for s in (base.snapshot or {}).get("sections", [])}
    entries: list[RedlineEntry] = []
    for section in sections:
        before = old.pop(section.pk, None)
        if before is None:
            entries.append(RedlineEntry(section.title, "", "added", redline_diff("", section.body)))
        elif before["title"] != section.title or content.body_text(
            before["body"]
        ) != content.body_text(section.body):
            entries.append(
                RedlineEntry(
                    section.title,
                    before["title"] if before["title"] != section.title else "",
                    "changed",
                    redline_diff(before["body"], section.body),
                )
            )
    for before in old.values():
        entries.append(
            RedlineEntry(before["title"], "", "removed", redline_diff(before["body"], ""))
        )
    return Redline(base.number, base.closed_at, entries)


def build_context(strategy: Strategy) -> dict[str, Any]:
    """Everything the template prints, in Russian, in a fixed number of queries."""
    with translation.override(LANGUAGE):
        return _build_context(_strategy(strategy))


def _build_context(strategy: Strategy) -> dict[str, Any]:
    participants = _participants(strategy)
    names = {p.municipality_id: p.municipality.name for p in strategy.participations.all()}
    approval = _approval(strategy)
    ordered = _sections(list(section_list(strategy=strategy).select_related(None)))
    sections = [doc for doc, _section in ordered]
    goals, measures = _plan(strategy, names)
    objectives = {o.objective.pk: o.number for g in goals for o in g.objectives}
    targets = _targets(strategy, objectives)
    summary = financing_summary(strategy=strategy)
    base = _base_round(strategy, approval)
    redline = _redline(base, [section for _doc, section in ordered])

    titles = {
        "goals": _("Goals and objectives"),
        "targets": _("Target indicators"),
        "plan": _("Action plan"),
        "financing": _("Financing of the action plan"),
    }
    if redline is not None:
        titles["redline"] = _("Changes since the approved version of the text")
    appendices = {
        anchor: Part(anchor, str(number), title)
        for number, (anchor, title) in enumerate(titles.items(), start=1)
    }
    toc = [Part(s.anchor, s.number, s.title, s.depth, f"{s.number}. {s.title}") for s in sections]
    toc += [
        Part(
            a.anchor,
            a.number,
            a.title,
            label=_("Appendix %(number)s. %(title)s") % {"number": a.number, "title": a.title},
        )
        for a in appendices.values()
    ]
    toc.append(Part("approval", "", _("Approval sheet"), label=_("Approval sheet")))
    return {
        "language": LANGUAGE,
        "strategy": strategy,
        "title": strategy.title,
        "summary_paragraphs": [p.strip() for p in strategy.summary.split("\n\n") if p.strip()],
        "status_label": strategy.get_status_display(),
        "is_draft": strategy.status == Strategy.Status.DRAFT,
        "participants": participants,
        "approval": approval,
        # A draft has no frozen snapshot: it is printed as of the day it is rendered.
        "as_of": timezone.localdate(approval.snapshot_fixed_at)
        if approval.snapshot_fixed_at
        else timezone.localdate(),
        "adopted_on": timezone.localdate(strategy.adopted_at) if strategy.adopted_at else None,
        "sections": sections,
        "goals": goals,
        "measure_count": len(measures),
        "targets": targets,
        "years": list(strategy.years),
        # The year columns of the targets table share what the other columns leave (52 %).
        "year_width": 52 / len(strategy.years),
        "financing": summary,
        "sources": [str(label) for label in Financing.Source.labels],
        "budgets": _budgets(summary, measures),
        "redline": redline,
        "appendix": appendices,
        "toc": toc,
    }


# --- fingerprint, name, registration ---------------------------------------------------------


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def content_hash(strategy: Strategy) -> str:
    """sha256 of everything the PDF prints: the signed snapshot (text, plan, targets), the
    summary, names of the participants, status, adoption date, the approval sheet and the
    date of the snapshot. Actual values of targets are monitoring data and not printed, so
    recording them reuses the file. A draft has no frozen snapshot: it prints the day it was
    rendered, which is not hashed (an unchanged draft keeps its file and its date: the text
    was so on that day and still is)."""
    strategy = _strategy(strategy)
    approval = _approval(strategy)
    base = _base_round(strategy, approval)
    state = {
        "snapshot": content.snapshot_hash(content.strategy_snapshot(strategy)),
        "summary": strategy.summary,
        "status": strategy.status,
        "adopted": _iso(strategy.adopted_at),
        "participants": sorted(
            [p.municipality_id, p.municipality.name] for p in strategy.participations.all()
        ),
        "approval": approval.state(),
        "redline_base": base.snapshot_hash if base else None,
    }
    canonical = json.dumps(state, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# The transliteration of Russian passports (ICAO Doc 9303), the one officials know.
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        (
            "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o",
            "p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "ie", "y", "", "e",
            "iu", "ia",
        ),
        strict=True,
    )
)  # fmt: skip
FILENAME_LENGTH = 80


def ascii_slug(text: str) -> str:
    """``Стратегия развития`` → ``strategiya-razvitiya``: lower-case ASCII letters, digits
    and hyphens only, safe in any file system and Content-Disposition header."""
    lowered = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    ascii_text = unicodedata.normalize("NFKD", lowered).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def filename(strategy: Strategy, format: str) -> str:
    slug = ascii_slug(strategy.title)[:FILENAME_LENGTH].rstrip("-") or "strategy"
    return f"{slug}-{strategy.pk}.{format}"


def subject_url(strategy: Strategy) -> str:
    return reverse("strategies:strategy_detail", args=[strategy.pk])


def strategy_document_kind() -> DocumentKind:
    return DocumentKind(
        name=KIND,
        label=gettext_lazy("Strategy"),
        model=Strategy,
        template_version=TEMPLATE_VERSION,
        content_hash=content_hash,
        can_view=can_view_strategy,
        filename=filename,
        template=TEMPLATE,
        build_context=build_context,
        subject_url=subject_url,
    )


__all__ = [
    "KIND",
    "TEMPLATE_VERSION",
    "build_context",
    "content_hash",
    "filename",
    "pdf_body",
    "strategy_document_kind",
]
