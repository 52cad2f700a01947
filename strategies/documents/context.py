"""``build_context``: everything the template prints, in Russian, in a fixed number of
queries whatever the size of the strategy."""

from decimal import Decimal
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.charts import ChartSeries, line_chart
from strategies.documents.constants import LANGUAGE
from strategies.documents.parts import (
    BudgetRow,
    DocSection,
    GoalNode,
    MeasureLine,
    ObjectiveNode,
    Part,
    TargetBlock,
)
from strategies.documents.printing import CHART_HEIGHT, CHART_WIDTH, _figure, _for_print, pdf_body
from strategies.documents.reads import _approval, _base_round, _participants, _strategy
from strategies.documents.redline import _redline
from strategies.models import Financing, Measure, Section, Strategy
from strategies.monitoring import target_table
from strategies.plan_selectors import goal_list, measure_list, objective_list
from strategies.selectors import section_list
from strategies.summaries import ZERO, FinancingSummary, financing_summary

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
