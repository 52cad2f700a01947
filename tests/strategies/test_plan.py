"""The plan services: goals, objectives, measures with financing, target indicators with
their targets, actuals and contributions. Every path on the real database."""

from decimal import Decimal

import pytest
from django.utils import translation

from core.exceptions import ApplicationError
from core.models import AuditLog
from strategies.content import snapshot_hash, strategy_snapshot
from strategies.models import (
    ApprovalRound,
    Financing,
    Goal,
    Measure,
    Objective,
    SignOff,
    Strategy,
    StrategyEvent,
    TargetIndicator,
)
from strategies.services import (
    ContributionRow,
    FinancingRow,
    contributions_set,
    goal_create,
    goal_delete,
    goal_update,
    measure_create,
    measure_delete,
    measure_update,
    objective_create,
    objective_delete,
    objective_update,
    strategy_sign_off,
    strategy_transition,
    target_actuals_set,
    target_indicator_create,
    target_indicator_delete,
    target_indicator_update,
    target_values_set,
)
from tests.municipalities.factories import IndicatorFactory, IndicatorValueFactory
from tests.strategies.factories import GoalFactory, StrategyFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English, whatever the catalogue has translated by now."""
    with translation.override("en"):
        yield


def refused(call, status):
    with pytest.raises(ApplicationError) as info:
        call()
    assert info.value.status == status, info.value.message
    return info.value


def field_errors(call):
    return refused(call, 400).extra["errors"]


@pytest.fixture
def js(joint_strategy):
    return joint_strategy


@pytest.fixture
def editor(js):
    return js.users["editor-sokolsky"]


@pytest.fixture
def goal(js, editor):
    return goal_create(actor=editor, strategy_id=js.strategy.pk, title="Развитие туризма")


@pytest.fixture
def objective(goal, editor):
    return objective_create(actor=editor, goal_id=goal.pk, title="Совместные маршруты")


def set_status(strategy, status):
    Strategy.objects.filter(pk=strategy.pk).update(status=status)


def open_review_with_one_sign_off(js):
    strategy_transition(
        actor=js.users["coordinator-sokolsky"], strategy_id=js.strategy.pk, name="review"
    )
    strategy_sign_off(actor=js.users["approver-vologodsky"], strategy_id=js.strategy.pk)
    assert SignOff.objects.filter(round__strategy=js.strategy).count() == 1


# Goals


def test_editor_of_a_participant_adds_goals_in_order(js, editor):
    first = goal_create(actor=editor, strategy_id=js.strategy.pk, title="  Туризм ")
    second = goal_create(
        actor=js.users["editor-vologodsky"], strategy_id=js.strategy.pk, title="Отходы"
    )
    assert first.title == "Туризм"
    assert first.version == 1
    assert list(js.strategy.goals.values_list("title", flat=True)) == ["Туризм", "Отходы"]
    assert second.position > first.position
    assert AuditLog.objects.filter(action="goal.create", object_id=str(first.pk)).exists()
    assert StrategyEvent.objects.filter(strategy=js.strategy, kind="goal_added").count() == 2


def test_lead_coordinator_may_edit_the_plan(js):
    goal = goal_create(
        actor=js.users["coordinator-sokolsky"], strategy_id=js.strategy.pk, title="Дороги"
    )
    assert goal.pk


@pytest.mark.parametrize(
    "username",
    [
        "viewer-sokolsky",
        "approver-vologodsky",
        "coordinator-vologodsky",
        "editor-cherepovets",
        "coordinator-cherepovets",
    ],
)
def test_others_may_not_edit_the_plan(js, username):
    refused(
        lambda: goal_create(actor=js.users[username], strategy_id=js.strategy.pk, title="Цель"),
        403,
    )
    assert not Goal.objects.exists()


def test_goal_needs_a_title(js, editor):
    errors = field_errors(
        lambda: goal_create(actor=editor, strategy_id=js.strategy.pk, title="   ")
    )
    assert set(errors) == {"title"}
    errors = field_errors(
        lambda: goal_create(actor=editor, strategy_id=js.strategy.pk, title="Ц" * 501)
    )
    assert set(errors) == {"title"}


def test_goal_update_raises_the_version_and_refuses_a_stale_one(goal, editor):
    updated = goal_update(actor=editor, goal_id=goal.pk, version=1, title="Туризм без границ")
    assert updated.version == 2
    error = refused(lambda: goal_update(actor=editor, goal_id=goal.pk, version=1, title="X"), 412)
    assert error.extra == {"current_version": 2}
    assert Goal.objects.get(pk=goal.pk).title == "Туризм без границ"
    audit = AuditLog.objects.get(action="goal.update")
    assert audit.before["title"] == "Развитие туризма"
    assert audit.after["title"] == "Туризм без границ"


def test_goal_update_that_changes_nothing_keeps_the_version(goal, editor):
    same = goal_update(actor=editor, goal_id=goal.pk, version=1, title="Развитие туризма")
    assert same.version == 1
    assert not AuditLog.objects.filter(action="goal.update").exists()


def test_goal_delete_takes_objectives_and_measures_along(goal, objective, editor):
    measure_create(
        actor=editor, objective_id=objective.pk, title="Маршрут", start_year=2025, end_year=2026
    )
    refused(lambda: goal_delete(actor=editor, goal_id=goal.pk, version=7), 412)
    goal_delete(actor=editor, goal_id=goal.pk, version=1)
    assert not Goal.objects.exists()
    assert not Objective.objects.exists()
    assert not Measure.objects.exists()
    assert StrategyEvent.objects.filter(kind="goal_removed", data__id=goal.pk).exists()


def test_missing_goal_is_404(js, editor):
    from django.http import Http404

    with pytest.raises(Http404):
        goal_update(actor=editor, goal_id=999_999, version=1, title="X")


@pytest.mark.parametrize("status", ["approved", "adopted", "archived"])
def test_plan_of_an_approved_strategy_is_frozen(js, goal, editor, status):
    set_status(js.strategy, status)
    refused(lambda: goal_update(actor=editor, goal_id=goal.pk, version=1, title="X"), 409)
    refused(lambda: goal_create(actor=editor, strategy_id=js.strategy.pk, title="X"), 409)


def test_a_plan_edit_in_review_clears_the_sign_offs(js, goal, editor):
    open_review_with_one_sign_off(js)
    goal_update(actor=editor, goal_id=goal.pk, version=1, description="Новая формулировка")
    assert not SignOff.objects.exists()
    round_ = ApprovalRound.objects.get(strategy=js.strategy)
    assert round_.snapshot_hash == snapshot_hash(strategy_snapshot(js.strategy))
    event = StrategyEvent.objects.get(kind="content_changed_in_review")
    assert event.data["cleared_sign_offs"] == [js.vologodsky.pk]


# Objectives


def test_objectives_belong_to_a_goal_and_move_within_the_strategy(js, goal, objective, editor):
    other = goal_create(actor=editor, strategy_id=js.strategy.pk, title="Отходы")
    moved = objective_update(actor=editor, objective_id=objective.pk, version=1, goal_id=other.pk)
    assert moved.goal_id == other.pk
    assert moved.version == 2
    foreign = GoalFactory(strategy=StrategyFactory(lead=js.cherepovets))
    errors = field_errors(
        lambda: objective_update(
            actor=editor, objective_id=objective.pk, version=2, goal_id=foreign.pk
        )
    )
    assert set(errors) == {"goal"}


def test_objective_delete_keeps_its_target_indicators_unlinked(js, objective, editor):
    target = target_indicator_create(
        actor=editor,
        strategy_id=js.strategy.pk,
        name="Турпоток",
        unit="тыс. чел.",
        objective_id=objective.pk,
    )
    objective_delete(actor=editor, objective_id=objective.pk, version=1)
    target.refresh_from_db()
    assert target.objective_id is None


# Measures


def test_measure_with_responsible_and_financing(js, objective, editor):
    measure = measure_create(
        actor=editor,
        objective_id=objective.pk,
        title="Маршрут «Сокол — Кадников — Вологда»",
        start_year=2025,
        end_year=2027,
        responsible=[js.sokolsky, js.vologodsky],
        financing=[
            FinancingRow("regional", None, 2025, D("1200.50")),
            FinancingRow("municipal", js.sokolsky, 2025, D("300")),
            FinancingRow("municipal", js.vologodsky, 2025, D("250")),
            FinancingRow("extra", None, 2026, D("0")),
        ],
    )
    assert set(measure.responsible.values_list("oktmo", flat=True)) == {"19638000", "19620000"}
    rows = set(measure.financing.values_list("source", "municipality_id", "year", "amount"))
    assert rows == {
        ("regional", None, 2025, D("1200.50")),
        ("municipal", js.sokolsky.pk, 2025, D("300.00")),
        ("municipal", js.vologodsky.pk, 2025, D("250.00")),
        ("extra", None, 2026, D("0.00")),
    }
    assert AuditLog.objects.get(action="measure.create").after["financing"][0] == [
        "extra",
        None,
        2026,
        "0.00",
    ]


def test_measure_responsible_must_take_part(js, objective, editor):
    errors = field_errors(
        lambda: measure_create(
            actor=editor,
            objective_id=objective.pk,
            title="Мероприятие",
            start_year=2025,
            end_year=2026,
            responsible=[js.cherepovets],
        )
    )
    assert errors == {"responsible": [f"{js.cherepovets.name} does not take part in the strategy."]}


@pytest.mark.parametrize(
    ("start", "end", "fields"),
    [(2024, 2026, {"start_year"}), (2025, 2031, {"end_year"}), (2027, 2026, {"end_year"})],
)
def test_measure_years_lie_within_the_horizon(objective, editor, start, end, fields):
    errors = field_errors(
        lambda: measure_create(
            actor=editor, objective_id=objective.pk, title="М", start_year=start, end_year=end
        )
    )
    assert set(errors) == fields


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (("lottery", None, 2025, "1"), "unknown source"),
        (("municipal", None, 2025, "1"), "name the municipality"),
        (("municipal", "cherepovets", 2025, "1"), "budget of a participant"),
        (("federal", "sokolsky", 2025, "1"), "only a municipal budget"),
        (("federal", None, 2028, "1"), "measure's years (2025–2026)"),
        (("federal", None, 2025, "-0.01"), "cannot be negative"),
        (("federal", None, 2025, "1E+14"), "too large"),
        (("federal", None, 2025, "NaN"), "Enter a number"),
        (("regional", None, 2026, "5"), "given twice"),
    ],
)
def test_financing_rows_are_checked(js, objective, editor, row, message):
    source, where, year, amount = row
    municipality = getattr(js, where) if where else None
    errors = field_errors(
        lambda: measure_create(
            actor=editor,
            objective_id=objective.pk,
            title="М",
            start_year=2025,
            end_year=2026,
            financing=[
                FinancingRow("regional", None, 2026, D("5")),
                FinancingRow(source, municipality, year, D(amount)),
            ],
        )
    )
    assert len(errors["financing"]) == 1
    assert errors["financing"][0].startswith("Row 2: ")
    assert message in errors["financing"][0]
    assert not Measure.objects.exists()


@pytest.fixture
def measure(js, objective, editor):
    return measure_create(
        actor=editor,
        objective_id=objective.pk,
        title="Контейнерные площадки",
        start_year=2025,
        end_year=2027,
        responsible=[js.sokolsky],
        financing=[
            FinancingRow("regional", None, 2025, D("1000")),
            FinancingRow("municipal", js.sokolsky, 2027, D("200")),
        ],
    )


def test_measure_update_replaces_the_financing(js, measure, editor):
    updated = measure_update(
        actor=editor,
        measure_id=measure.pk,
        version=1,
        responsible=[js.vologodsky],
        financing=[FinancingRow("federal", None, 2026, D("5000"))],
    )
    assert updated.version == 2
    assert list(updated.responsible.all()) == [js.vologodsky]
    assert list(Financing.objects.values_list("source", "year", "amount")) == [
        ("federal", 2026, D("5000.00"))
    ]


def test_measure_update_checks_new_years_against_the_kept_financing(measure, editor):
    errors = field_errors(
        lambda: measure_update(actor=editor, measure_id=measure.pk, version=1, end_year=2026)
    )
    assert "2025–2026" in errors["financing"][0]
    kept = measure_update(actor=editor, measure_id=measure.pk, version=1, title="Площадки")
    assert kept.financing.count() == 2
    assert kept.responsible.count() == 1


def test_measure_update_with_the_same_content_keeps_the_version(js, measure, editor):
    same = measure_update(
        actor=editor,
        measure_id=measure.pk,
        version=1,
        financing=[
            FinancingRow("municipal", js.sokolsky, 2027, D("200.00")),
            FinancingRow("regional", None, 2025, D("1000")),
        ],
    )
    assert same.version == 1


def test_measure_moves_to_an_objective_of_the_same_strategy(goal, measure, editor):
    other = objective_create(actor=editor, goal_id=goal.pk, title="Другая задача")
    moved = measure_update(actor=editor, measure_id=measure.pk, version=1, objective_id=other.pk)
    assert moved.objective_id == other.pk


def test_measure_delete(measure, editor):
    measure_delete(actor=editor, measure_id=measure.pk, version=1)
    assert not Measure.objects.exists()
    assert not Financing.objects.exists()
    assert AuditLog.objects.get(action="measure.delete").before["title"] == measure.title


# Target indicators


@pytest.fixture
def registry(js):
    """Registry values of the two participants: population in 2021 only (a census), wages
    in 2022 for both and in 2023 for Sokolsky alone."""
    population = IndicatorFactory(code="population", name="Численность населения", additive=True)
    wage = IndicatorFactory(
        code="avg_wage", name="Средняя зарплата", unit="руб.", category="economy"
    )
    unemployment = IndicatorFactory(
        code="unemployment_rate", name="Безработица", unit="%", direction="lower"
    )
    for municipality, people in ((js.sokolsky, 40_000), (js.vologodsky, 60_000)):
        IndicatorValueFactory(
            municipality=municipality, indicator=population, year=2021, value=people
        )
    for municipality, year, value in (
        (js.sokolsky, 2022, 50_000),
        (js.vologodsky, 2022, 60_000),
        (js.sokolsky, 2023, 70_000),
        (js.cherepovets, 2023, 90_000),
    ):
        IndicatorValueFactory(municipality=municipality, indicator=wage, year=year, value=value)
    for municipality, value in ((js.sokolsky, "2.0"), (js.vologodsky, "1.0")):
        IndicatorValueFactory(
            municipality=municipality, indicator=unemployment, year=2023, value=D(value)
        )
    return {"population": population, "avg_wage": wage, "unemployment_rate": unemployment}


def test_additive_indicator_baseline_is_the_sum_of_the_participants(js, editor, registry):
    target = target_indicator_create(
        actor=editor, strategy_id=js.strategy.pk, indicator=registry["population"]
    )
    assert (target.name, target.unit, target.direction) == (
        "Численность населения",
        "чел.",
        "higher",
    )
    assert (target.baseline_year, target.baseline_value) == (2021, D("100000"))


def test_other_indicators_take_the_population_weighted_mean_of_a_complete_year(
    js, editor, registry
):
    target = target_indicator_create(
        actor=editor, strategy_id=js.strategy.pk, indicator=registry["avg_wage"]
    )
    # 2023 lacks Vologodsky; 2022: (50 000 × 40 000 + 60 000 × 60 000) / 100 000
    assert (target.baseline_year, target.baseline_value) == (2022, D("56000"))


def test_without_population_the_mean_is_plain(js, editor, registry):
    js.sokolsky.indicator_values.filter(indicator=registry["population"]).delete()
    target = target_indicator_create(
        actor=editor, strategy_id=js.strategy.pk, indicator=registry["unemployment_rate"]
    )
    assert target.direction == "lower"
    assert (target.baseline_year, target.baseline_value) == (2023, D("1.5"))


def test_registry_years_after_the_start_are_not_a_baseline(js, editor, registry):
    Strategy.objects.filter(pk=js.strategy.pk).update(start_year=2021)
    target = target_indicator_create(
        actor=editor, strategy_id=js.strategy.pk, indicator=registry["avg_wage"]
    )
    assert (target.baseline_year, target.baseline_value) == (None, None)


def test_a_given_baseline_wins_over_the_registry(js, editor, registry):
    target = target_indicator_create(
        actor=editor,
        strategy_id=js.strategy.pk,
        indicator=registry["avg_wage"],
        name="Зарплата в двух районах",
        baseline_year=2024,
        baseline_value=D("61000"),
    )
    assert target.name == "Зарплата в двух районах"
    assert (target.baseline_year, target.baseline_value) == (2024, D("61000"))


def test_linking_an_indicator_later_fills_the_baseline(js, editor, registry):
    target = target_indicator_create(
        actor=editor, strategy_id=js.strategy.pk, name="Население", unit="чел."
    )
    assert target.baseline_year is None
    linked = target_indicator_update(
        actor=editor,
        target_indicator_id=target.pk,
        version=1,
        indicator=registry["population"],
    )
    assert (linked.baseline_year, linked.baseline_value, linked.version) == (2021, D(100000), 2)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"name": "", "unit": "%"}, {"name"}),
        ({"name": "Доля", "unit": ""}, {"unit"}),
        ({"name": "Доля", "unit": "%", "direction": "sideways"}, {"direction"}),
        ({"name": "Доля", "unit": "%", "baseline_year": 2024}, {"baseline_value"}),
        ({"name": "Доля", "unit": "%", "baseline_value": D(5)}, {"baseline_year"}),
        (
            {"name": "Доля", "unit": "%", "baseline_year": 2026, "baseline_value": D(5)},
            {"baseline_year"},
        ),
        (
            {"name": "Доля", "unit": "%", "baseline_year": 2024, "baseline_value": D("1E+30")},
            {"baseline_value"},
        ),
        ({"name": "Доля", "unit": "%", "targets": {2031: D(1)}}, {"targets"}),
        ({"name": "Доля", "unit": "%", "targets": {2030: D("NaN")}}, {"targets"}),
        ({"name": "Доля", "unit": "%", "objective_id": 999_999}, {"objective"}),
    ],
)
def test_target_indicator_fields_are_checked(js, editor, fields, errors):
    found = field_errors(
        lambda: target_indicator_create(actor=editor, strategy_id=js.strategy.pk, **fields)
    )
    assert set(found) == errors


@pytest.fixture
def target(js, editor):
    return target_indicator_create(
        actor=editor,
        strategy_id=js.strategy.pk,
        name="Доля отсортированных ТКО",
        unit="%",
        baseline_year=2024,
        baseline_value=D("12"),
        targets={2025: D("15"), 2030: D("60")},
    )


def values(target):
    return list(target.values.order_by("year").values_list("year", "target", "actual"))


def test_targets_replace_the_map(target, editor):
    assert values(target) == [(2025, D(15), None), (2030, D(60), None)]
    updated = target_values_set(
        actor=editor,
        target_indicator_id=target.pk,
        version=1,
        targets={2026: D("20.5"), 2030: D("55"), 2027: None},
    )
    assert updated.version == 2
    assert values(target) == [(2026, D("20.5"), None), (2030, D(55), None)]


def test_actuals_are_recorded_after_adoption_without_touching_the_content(js, target, editor):
    set_status(js.strategy, "adopted")
    before = snapshot_hash(strategy_snapshot(js.strategy))
    updated = target_actuals_set(
        actor=js.users["editor-vologodsky"],
        target_indicator_id=target.pk,
        version=1,
        actuals={2025: D("14.2"), 2026: D("19")},
    )
    assert updated.version == 2
    assert values(target) == [
        (2025, D(15), D("14.2")),
        (2026, None, D(19)),
        (2030, D(60), None),
    ]
    assert snapshot_hash(strategy_snapshot(js.strategy)) == before
    assert StrategyEvent.objects.filter(kind="actuals_recorded").count() == 1
    assert AuditLog.objects.filter(action="target_indicator.actuals").count() == 1
    # Targets stay frozen.
    refused(
        lambda: target_values_set(
            actor=editor, target_indicator_id=target.pk, version=2, targets={2025: D(1)}
        ),
        409,
    )


@pytest.mark.parametrize(
    "username", ["viewer-sokolsky", "approver-vologodsky", "editor-cherepovets"]
)
def test_only_the_plans_writers_record_actuals(js, target, username):
    set_status(js.strategy, "adopted")
    refused(
        lambda: target_actuals_set(
            actor=js.users[username],
            target_indicator_id=target.pk,
            version=1,
            actuals={2025: D(1)},
        ),
        403,
    )


def test_actuals_in_review_keep_the_sign_offs_and_targets_clear_them(js, target, editor):
    open_review_with_one_sign_off(js)
    target_actuals_set(
        actor=editor, target_indicator_id=target.pk, version=1, actuals={2025: D("16")}
    )
    assert SignOff.objects.count() == 1
    assert not StrategyEvent.objects.filter(kind="content_changed_in_review").exists()
    target_values_set(
        actor=editor, target_indicator_id=target.pk, version=2, targets={2030: D("65")}
    )
    assert not SignOff.objects.exists()


def test_clearing_actuals_removes_rows_without_target(target, editor):
    target_actuals_set(
        actor=editor, target_indicator_id=target.pk, version=1, actuals={2026: D("19")}
    )
    target_actuals_set(actor=editor, target_indicator_id=target.pk, version=2, actuals={})
    assert values(target) == [(2025, D(15), None), (2030, D(60), None)]


def test_actuals_outside_the_horizon_are_refused(target, editor):
    errors = field_errors(
        lambda: target_actuals_set(
            actor=editor, target_indicator_id=target.pk, version=1, actuals={2024: D(1)}
        )
    )
    assert set(errors) == {"actuals"}


def test_contributions_split_the_target_among_participants(js, target, editor):
    updated = contributions_set(
        actor=editor,
        target_indicator_id=target.pk,
        version=1,
        contributions=[
            ContributionRow(js.sokolsky, 2030, D("55")),
            ContributionRow(js.vologodsky, 2030, D("65")),
        ],
    )
    assert updated.version == 2
    assert set(target.contributions.values_list("municipality_id", "year", "value")) == {
        (js.sokolsky.pk, 2030, D(55)),
        (js.vologodsky.pk, 2030, D(65)),
    }
    contributions_set(actor=editor, target_indicator_id=target.pk, version=2, contributions=[])
    assert not target.contributions.exists()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("cherepovets", 2030)], "does not take part"),
        ([("sokolsky", 2031)], "year of the strategy"),
        ([("sokolsky", 2030), ("sokolsky", 2030)], "given twice"),
        ([("sokolsky", 2030, "1E+30")], "too large"),
    ],
)
def test_contributions_are_checked(js, target, editor, rows, message):
    errors = field_errors(
        lambda: contributions_set(
            actor=editor,
            target_indicator_id=target.pk,
            version=1,
            contributions=[
                ContributionRow(getattr(js, row[0]), row[1], D(row[2] if len(row) > 2 else 1))
                for row in rows
            ],
        )
    )
    assert message in errors["contributions"][-1]


def test_target_indicator_stale_version_and_delete(target, editor):
    refused(
        lambda: target_indicator_update(
            actor=editor, target_indicator_id=target.pk, version=5, name="X"
        ),
        412,
    )
    target_indicator_delete(actor=editor, target_indicator_id=target.pk, version=1)
    assert not TargetIndicator.objects.exists()
    assert StrategyEvent.objects.filter(kind="target_indicator_removed").exists()
