"""Monitoring: the target of a year, the status of an actual against it, the table."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strategies.monitoring import (
    interpolated_target,
    latest_status,
    target_status,
    target_table,
)
from strategies.services import target_indicator_create

D = Decimal


def status(actual, year=2025, direction="higher", targets=None, baseline=(None, None)):
    return target_status(
        direction=direction,
        baseline_year=baseline[0],
        baseline_value=baseline[1],
        targets=targets if targets is not None else {2025: D(100)},
        year=year,
        actual=None if actual is None else D(actual),
    )


# Higher is better: target 100, 5 % tolerance is 5.
@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("120", "on_track"),
        ("100", "on_track"),
        ("99.99", "at_risk"),
        ("95", "at_risk"),
        ("94.99", "off_track"),
        ("0", "off_track"),
    ],
)
def test_higher_is_better(actual, expected):
    assert status(actual) == expected


# Lower is better (unemployment, %): target 100, at risk up to 105.
@pytest.mark.parametrize(
    ("actual", "expected"),
    [
        ("80", "on_track"),
        ("100", "on_track"),
        ("100.01", "at_risk"),
        ("105", "at_risk"),
        ("105.01", "off_track"),
    ],
)
def test_lower_is_better(actual, expected):
    assert status(actual, direction="lower") == expected


def test_no_actual_or_no_target_means_no_status():
    assert status(None) is None
    assert status("5", targets={}) is None
    assert status("5", targets={}, baseline=(2024, D(1))) is None


def test_between_two_targets_the_target_is_interpolated():
    targets = {2025: D(100), 2030: D(200)}
    # 2027: 100 + 100 × 2/5 = 140; tolerance 7.
    assert interpolated_target(
        baseline_year=None, baseline_value=None, targets=targets, year=2027
    ) == D(140)
    assert status("140", year=2027, targets=targets) == "on_track"
    assert status("133", year=2027, targets=targets) == "at_risk"
    assert status("132.99", year=2027, targets=targets) == "off_track"


def test_before_the_first_target_the_road_starts_at_the_baseline():
    targets = {2026: D(80)}
    baseline = (2023, D(50))
    # 2024: 50 + 30 / 3 = 60; tolerance 3.
    assert status("60", year=2024, targets=targets, baseline=baseline) == "on_track"
    assert status("57", year=2024, targets=targets, baseline=baseline) == "at_risk"
    assert status("56.9", year=2024, targets=targets, baseline=baseline) == "off_track"


def test_lower_is_better_on_a_falling_road():
    targets = {2030: D("1.0")}
    baseline = (2024, D("2.2"))
    # 2027: 2.2 − 1.2 × 3/6 = 1.6; at risk up to 1.68.
    assert status("1.5", year=2027, direction="lower", targets=targets, baseline=baseline) == (
        "on_track"
    )
    assert status("1.68", year=2027, direction="lower", targets=targets, baseline=baseline) == (
        "at_risk"
    )
    assert status("1.7", year=2027, direction="lower", targets=targets, baseline=baseline) == (
        "off_track"
    )


def test_before_the_first_point_there_is_nothing_to_compare_with():
    assert status("10", year=2024, targets={2026: D(80)}) is None
    assert status("10", year=2022, targets={2026: D(80)}, baseline=(2023, D(50))) is None


def test_after_the_last_target_it_stays_in_force():
    assert status("99", year=2029, targets={2025: D(90), 2027: D(100)}) == "at_risk"
    assert status("100", year=2029, targets={2025: D(90), 2027: D(100)}) == "on_track"


def test_a_target_for_the_baseline_year_wins_over_the_baseline():
    assert (
        interpolated_target(
            baseline_year=2025, baseline_value=D(10), targets={2025: D(20)}, year=2025
        )
        == 20
    )


def test_a_zero_target_leaves_no_tolerance():
    assert status("0", direction="lower", targets={2025: D(0)}) == "on_track"
    assert status("0.01", direction="lower", targets={2025: D(0)}) == "off_track"


def test_a_negative_target_has_a_tolerance_of_its_size():
    # Migration balance −100 people, higher is better: at risk down to −105.
    assert status("-105", targets={2025: D(-100)}) == "at_risk"
    assert status("-106", targets={2025: D(-100)}) == "off_track"


# The table


@pytest.mark.django_db
def test_target_table_row_by_row(joint_strategy):
    js = joint_strategy
    editor = js.users["editor-sokolsky"]
    target = target_indicator_create(
        actor=editor,
        strategy_id=js.strategy.pk,
        name="Доля отсортированных ТКО",
        unit="%",
        baseline_year=2024,
        baseline_value=D(10),
        targets={2025: D(15), 2030: D(60)},
        actuals={2025: D(15), 2026: D(20)},
    )
    target_indicator_create(actor=editor, strategy_id=js.strategy.pk, name="Без данных", unit="ед.")
    first, second = target_table(strategy=js.strategy)
    assert first.target_indicator == target
    assert (first.baseline_year, first.baseline_value) == (2024, D(10))
    assert list(first.targets) == list(range(2025, 2031))
    assert first.targets[2025] == 15
    assert first.targets[2026] is None
    assert first.actuals[2026] == 20
    # 2026: 15 + 45 / 5 = 24; 20 misses by 4, more than 1.2.
    assert first.statuses == {
        2025: "on_track",
        2026: "off_track",
        2027: None,
        2028: None,
        2029: None,
        2030: None,
    }
    assert (first.status_year, first.status) == (2026, "off_track")
    assert latest_status(first.target_indicator) == (2026, "off_track")
    assert [(c.year, c.target, c.actual, c.status) for c in first.cells][:2] == [
        (2025, D(15), D(15), "on_track"),
        (2026, None, D(20), "off_track"),
    ]
    assert (second.status_year, second.status) == (None, None)
    assert all(value is None for value in second.targets.values())


@pytest.mark.django_db
def test_target_table_queries_do_not_grow(joint_strategy):
    js = joint_strategy
    editor = js.users["editor-sokolsky"]

    def add(n):
        for i in range(n):
            target_indicator_create(
                actor=editor,
                strategy_id=js.strategy.pk,
                name=f"Показатель {i}",
                unit="%",
                targets={2025: D(1), 2030: D(5)},
                actuals={2025: D(1)},
            )

    def queries():
        with CaptureQueriesContext(connection) as context:
            rows = target_table(strategy=js.strategy)
            [row.cells for row in rows]
        return len(context.captured_queries)

    add(2)
    few = queries()
    add(10)
    assert queries() == few <= 3
