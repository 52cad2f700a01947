"""The demo joint strategy of the Sokolsky (lead) and Vologodsky districts to 2030, written
through the services by the demo users as their staff would: the coordinator creates it and
assigns sections, the editors of both districts write the text and the plan, the coordinator
opens the review and Vologodsky's approver signs off (Sokolsky has not yet).

Idempotent: when a strategy with the demo's title exists, nothing happens."""

from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from core.demo import Log
from municipalities.models import Indicator, Municipality
from strategies import demo_texts as texts
from strategies.baselines import registry_baseline
from strategies.demo_plan import LINKED, PLAN, ROADS_SPLIT, UNLINKED
from strategies.models import Objective, Section, Strategy, TargetIndicator
from strategies.services import (
    ContributionRow,
    FinancingRow,
    contributions_set,
    goal_create,
    measure_create,
    objective_create,
    section_update,
    strategy_create,
    strategy_sign_off,
    strategy_transition,
    target_actuals_set,
    target_indicator_create,
)
from strategies.summaries import financing_summary

USERS = (
    "coordinator-sokolsky",
    "editor-sokolsky",
    "editor-vologodsky",
    "approver-vologodsky",
)
# Sections owned by one district; the others stay shared.
OWNERS = {
    Section.Kind.INDICATORS: "vologodsky",
    Section.Kind.MECHANISM: "vologodsky",
    Section.Kind.RESULTS: "sokolsky",
    Section.Kind.FINANCE: "sokolsky",
}
ACTUAL_YEAR = 2025


def _amount(value: Decimal) -> str:
    """Thousand roubles as a Russian document writes them: 1 234,5."""
    return f"{value:,.1f}".replace(",", "\u00a0").replace(".", ",")


class DemoAuthors:
    """The demo users by user name, and the two districts by slug."""

    def __init__(self) -> None:
        User = get_user_model()
        self.users = {name: User.objects.get(username=name) for name in USERS}
        self.districts = {
            slug: Municipality.objects.get(slug=slug) for slug in ("sokolsky", "vologodsky")
        }

    def __getitem__(self, name: str) -> Any:
        return self.users[name]


def _write(strategy: Strategy, kind: str, author: Any, body: str, append: bool = False) -> None:
    section = strategy.sections.get(kind=kind)
    section_update(
        actor=author,
        section_id=section.pk,
        version=section.version,
        body=section.body + body if append else body,
    )


def _assign_sections(strategy: Strategy, people: DemoAuthors) -> None:
    for kind, slug in OWNERS.items():
        section = strategy.sections.get(kind=kind)
        section_update(
            actor=people["coordinator-sokolsky"],
            section_id=section.pk,
            version=section.version,
            owner=people.districts[slug],
        )


def _write_plan(strategy: Strategy, people: DemoAuthors) -> list[list[Objective]]:
    """Goals and objectives by Sokolsky's editor; a measure by the editor of the district
    responsible for it, joint ones by the two in turn."""
    objectives: list[list[Objective]] = []
    number = 0
    for goal_title, description, goal_objectives in PLAN:
        goal = goal_create(
            actor=people["editor-sokolsky"],
            strategy_id=strategy.pk,
            title=goal_title,
            description=description,
        )
        objectives.append([])
        for objective_title, measures in goal_objectives:
            objective = objective_create(
                actor=people["editor-sokolsky"], goal_id=goal.pk, title=objective_title
            )
            objectives[-1].append(objective)
            for spec in measures:
                number += 1
                by = spec["responsible"][0] if len(spec["responsible"]) == 1 else None
                author = f"editor-{by or ('vologodsky' if number % 2 else 'sokolsky')}"
                measure_create(
                    actor=people[author],
                    objective_id=objective.pk,
                    title=spec["title"],
                    start_year=spec["years"][0],
                    end_year=spec["years"][1],
                    expected_result=spec["result"],
                    responsible=[people.districts[slug] for slug in spec["responsible"]],
                    financing=[
                        FinancingRow(
                            source,
                            people.districts[budget] if budget else None,
                            year,
                            Decimal(amount),
                        )
                        for source, budget, by_year in spec["financing"]
                        for year, amount in by_year.items()
                    ],
                )
    return objectives


def _write_targets(
    strategy: Strategy, people: DemoAuthors, objectives: list[list[Objective]]
) -> list[tuple[TargetIndicator, Decimal]]:
    """Ten target indicators by Vologodsky's editor, whose district owns the section;
    returns each with its actual value of 2025."""
    author = people["editor-vologodsky"]
    made: list[tuple[TargetIndicator, Decimal]] = []
    for code, where, factors, actual_factor, (fallback_year, fallback) in LINKED:
        indicator = Indicator.objects.get(code=code)
        # The same figure the service would take; computed here because the targets are
        # set as growth on it.
        found = registry_baseline(
            indicator=indicator,
            municipality_ids=[m.pk for m in people.districts.values()],
            up_to_year=strategy.start_year,
        )
        year, base = found or (fallback_year, Decimal(fallback))
        places = Decimal("1") if base >= 100 else Decimal("0.01")
        targets = {y: (base * Decimal(f)).quantize(places) for y, f in factors.items()}
        target = target_indicator_create(
            actor=author,
            strategy_id=strategy.pk,
            indicator=indicator,
            objective_id=objectives[where[0]][where[1]].pk if where else None,
            baseline_year=year,
            baseline_value=base,
            targets=targets,
        )
        actual = (targets[ACTUAL_YEAR] * Decimal(actual_factor)).quantize(places)
        made.append((target, actual))
    for name, unit, direction, where, baseline, values, actual_2025 in UNLINKED:
        target = target_indicator_create(
            actor=author,
            strategy_id=strategy.pk,
            name=name,
            unit=unit,
            direction=direction,
            objective_id=objectives[where[0]][where[1]].pk,
            baseline_year=strategy.start_year - 1,
            baseline_value=Decimal(baseline),
            targets={year: Decimal(v) for year, v in zip(strategy.years, values, strict=True)},
        )
        made.append((target, Decimal(actual_2025)))
    return made


# The document is Russian whatever language the loader runs in.
SOURCE_NAMES = {
    "federal": "Федеральный бюджет",
    "regional": "Областной бюджет",
    "municipal": "Бюджеты районов",
    "extra": "Внебюджетные источники",
}
BUDGET_NAMES = {"sokolsky": "Сокольского района", "vologodsky": "Вологодского района"}


def _finance_text(strategy: Strategy) -> str:
    """The finance section's table, source by year, from the plan as entered."""
    summary = financing_summary(strategy=strategy)

    def row(head: str, amounts: list[Decimal], total: Decimal) -> str:
        cells = "".join(f"<td>{_amount(a)}</td>" for a in [*amounts, total])
        return f"<tr><th scope='row'>{head}</th>{cells}</tr>"

    header = "".join(f"<th scope='col'>{year}</th>" for year in summary.years)
    rows = "".join(row(SOURCE_NAMES[r.source], r.amounts, r.total) for r in summary.rows)
    rows += row("Итого", summary.year_totals, summary.total)
    budgets = "; ".join(
        f"{BUDGET_NAMES[b.municipality.slug or '']} — {_amount(b.total)}"
        for b in summary.by_municipality
    )
    return texts.FINANCE.format(header=header, rows=rows, budgets=budgets)


def _write_sections(strategy: Strategy, people: DemoAuthors) -> None:
    sokolsky, vologodsky = people["editor-sokolsky"], people["editor-vologodsky"]
    Kind = Section.Kind
    _write(strategy, Kind.ASSESSMENT, sokolsky, texts.ASSESSMENT_SOKOLSKY)
    _write(strategy, Kind.ASSESSMENT, vologodsky, texts.ASSESSMENT_VOLOGODSKY, append=True)
    _write(strategy, Kind.SWOT, vologodsky, texts.SWOT)
    _write(strategy, Kind.MISSION, sokolsky, texts.MISSION)
    goals = "".join(
        f"<h3>Цель {n}. {goal}</h3><p>{description}</p><ul>"
        + "".join(f"<li>{objective}</li>" for objective, _measures in objectives)
        + "</ul>"
        for n, (goal, description, objectives) in enumerate(PLAN, start=1)
    )
    _write(strategy, Kind.GOALS, sokolsky, goals)
    _write(strategy, Kind.INDICATORS, vologodsky, texts.INDICATORS)
    _write(strategy, Kind.RESULTS, sokolsky, texts.RESULTS)
    _write(strategy, Kind.FINANCE, sokolsky, _finance_text(strategy))
    _write(strategy, Kind.MECHANISM, vologodsky, texts.MECHANISM)


def load_strategies_demo(log: Log) -> None:
    if Strategy.objects.filter(title=texts.TITLE).exists():
        log("joint strategy: already there")
        return
    people = DemoAuthors()
    strategy = strategy_create(
        actor=people["coordinator-sokolsky"],
        title=texts.TITLE,
        start_year=2025,
        end_year=2030,
        participants=[people.districts["sokolsky"], people.districts["vologodsky"]],
        summary=texts.SUMMARY,
    )
    _assign_sections(strategy, people)
    objectives = _write_plan(strategy, people)
    targets = _write_targets(strategy, people, objectives)
    roads = next(t for t, _actual in targets if t.unit == "км")
    contributions_set(
        actor=people["editor-sokolsky"],
        target_indicator_id=roads.pk,
        version=roads.version,
        contributions=[
            ContributionRow(people.districts[slug], strategy.end_year, km)
            for slug, km in ROADS_SPLIT.items()
        ],
    )
    _write_sections(strategy, people)
    for target, actual in targets:
        target.refresh_from_db(fields=["version"])
        target_actuals_set(
            actor=people["editor-vologodsky"],
            target_indicator_id=target.pk,
            version=target.version,
            actuals={ACTUAL_YEAR: actual},
        )
    strategy_transition(
        actor=people["coordinator-sokolsky"], strategy_id=strategy.pk, name="review"
    )
    strategy_sign_off(actor=people["approver-vologodsky"], strategy_id=strategy.pk)
    log("joint strategy: Sokolsky and Vologodsky to 2030, in review, signed by Vologodsky")
