"""The financing summary: per source, per year, per municipal budget, and the grid."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from strategies.models import Financing
from strategies.services import FinancingRow, goal_create, measure_create, objective_create
from strategies.summaries import financing_summary

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def plan(joint_strategy):
    js = joint_strategy
    editor = js.users["editor-sokolsky"]
    goal = goal_create(actor=editor, strategy_id=js.strategy.pk, title="Дороги")
    objective = objective_create(actor=editor, goal_id=goal.pk, title="Ремонт")

    def measure(financing, title="Ремонт дороги"):
        return measure_create(
            actor=editor,
            objective_id=objective.pk,
            title=title,
            start_year=2025,
            end_year=2030,
            financing=financing,
        )

    js.measure = measure
    return js


def test_totals_by_source_year_and_municipal_budget(plan):
    js = plan
    js.measure(
        [
            FinancingRow("federal", None, 2025, D("1000")),
            FinancingRow("regional", None, 2025, D("300.50")),
            FinancingRow("municipal", js.sokolsky, 2025, D("100")),
            FinancingRow("municipal", js.sokolsky, 2026, D("50")),
        ]
    )
    js.measure(
        [
            FinancingRow("federal", None, 2025, D("500")),
            FinancingRow("extra", None, 2030, D("250")),
        ],
        title="Мост",
    )
    summary = financing_summary(strategy=js.strategy)
    assert summary.years == [2025, 2026, 2027, 2028, 2029, 2030]
    assert summary.grid["federal"][2025] == D("1500")
    assert summary.grid["municipal"][2026] == D("50")
    assert summary.grid["extra"][2027] == 0
    assert summary.by_source == {
        "federal": D("1500"),
        "regional": D("300.50"),
        "municipal": D("150"),
        "extra": D("250"),
    }
    assert summary.by_year == {
        2025: D("1900.50"),
        2026: D("50"),
        2027: 0,
        2028: 0,
        2029: 0,
        2030: D("250"),
    }
    assert summary.total == D("2200.50")
    assert sum(summary.by_source.values()) == sum(summary.by_year.values()) == summary.total
    # Every participant appears, the lead first, with zero when its budget gives nothing.
    assert [(b.municipality, b.total) for b in summary.by_municipality] == [
        (js.sokolsky, D("150")),
        (js.vologodsky, 0),
    ]
    with translation.override("en"):
        rows = {row.source: row for row in summary.rows}
    assert rows["federal"].amounts == [D("1500"), 0, 0, 0, 0, 0]
    assert rows["federal"].total == D("1500")
    assert str(rows["extra"].label) == "extra-budgetary sources"
    assert summary.year_totals[0] == D("1900.50")


def test_an_empty_plan_sums_to_zero(plan):
    summary = financing_summary(strategy=plan.strategy)
    assert summary.total == 0
    assert set(summary.by_source.values()) == {0}
    assert [b.total for b in summary.by_municipality] == [0, 0]


def test_money_outside_a_shortened_horizon_still_shows(plan):
    js = plan
    measure = js.measure([FinancingRow("federal", None, 2030, D("10"))])
    Financing.objects.filter(measure=measure).update(year=2032)
    summary = financing_summary(strategy=js.strategy)
    assert summary.years[-1] == 2032
    assert summary.by_year[2032] == D("10")


def test_query_count_does_not_grow_with_the_plan(plan):
    js = plan

    def queries():
        with CaptureQueriesContext(connection) as context:
            summary = financing_summary(strategy=js.strategy)
            [row.amounts for row in summary.rows]
        return len(context.captured_queries)

    js.measure([FinancingRow("federal", None, 2025, D("1"))])
    few = queries()
    for n in range(10):
        js.measure(
            [
                FinancingRow("municipal", js.vologodsky, 2026, D(n)),
                FinancingRow("regional", None, 2027, D(n)),
            ],
            title=f"Мероприятие {n}",
        )
    assert queries() == few <= 4
