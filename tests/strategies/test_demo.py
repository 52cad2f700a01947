"""The demo joint strategy of the Sokolsky and Vologodsky districts, loaded by load_demo."""

import io

import pytest
from django.core.management import call_command
from django.db import connection

from core.models import AuditLog
from strategies.content import snapshot_hash, strategy_snapshot
from strategies.models import ApprovalRound, Measure, Section, SignOff, Strategy
from strategies.monitoring import target_table
from strategies.summaries import financing_summary

pytestmark = pytest.mark.django_db

TITLE = (
    "Стратегия совместного социально-экономического развития Сокольского и Вологодского "
    "муниципальных районов до 2030 года"
)


def fingerprint() -> dict[str, str]:
    """Every row of every strategies table, hashed: equal fingerprints mean no change."""
    tables = [t for t in connection.introspection.table_names() if t.startswith("strategies_")]
    assert len(tables) > 10
    result = {}
    with connection.cursor() as cursor:
        for table in [*tables, "core_auditlog"]:
            cursor.execute(f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t")  # noqa: S608
            result[table] = cursor.fetchone()[0]
    return result


@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())
    return Strategy.objects.get(title=TITLE)


def test_demo_strategy_awaits_sokolskys_sign_off(demo):
    assert demo.status == "in_review"
    assert (demo.start_year, demo.end_year) == (2025, 2030)
    assert demo.lead.slug == "sokolsky"
    assert sorted(demo.participations.values_list("municipality__slug", "role")) == [
        ("sokolsky", "lead"),
        ("vologodsky", "partner"),
    ]
    round_ = ApprovalRound.objects.get(strategy=demo)
    assert round_.outcome == "open"
    # One of the two has signed the text as it stands.
    assert list(SignOff.objects.values_list("municipality__slug", "approver__username")) == [
        ("vologodsky", "approver-vologodsky")
    ]
    assert round_.snapshot_hash == snapshot_hash(strategy_snapshot(demo))


def test_demo_strategy_is_written_by_both_districts(demo):
    sections = list(demo.sections.order_by("position"))
    assert len(sections) == 8
    assert all(len(s.body) > 500 for s in sections)
    assert all(any(tag in s.body for tag in ("<ul>", "<ol>", "<table>")) for s in sections)
    assert "<table>" in demo.sections.get(kind=Section.Kind.ASSESSMENT).body
    owners = {s.kind: s.owner.slug if s.owner else None for s in sections}
    assert owners["finance"] == "sokolsky"
    assert owners["mechanism"] == "vologodsky"
    assert owners["swot"] is None
    authors = set(
        demo.sections.values_list("revisions__author__username", flat=True).exclude(
            revisions__author=None
        )
    )
    assert {"editor-sokolsky", "editor-vologodsky"} <= authors


def test_demo_plan_targets_and_money(demo):
    assert 3 <= demo.goals.count() <= 4
    assert all(2 <= g.objectives.count() <= 3 for g in demo.goals.all())
    measures = Measure.objects.filter(objective__goal__strategy=demo)
    assert measures.count() == 20
    assert not measures.filter(financing=None).exists()
    rows = target_table(strategy=demo)
    assert len(rows) == 10
    linked = {row.target_indicator.indicator.code for row in rows if row.target_indicator.indicator}
    assert linked == {
        "population",
        "avg_wage",
        "own_revenue_per_capita",
        "investment_per_capita",
        "unemployment_rate",
    }
    assert all(row.baseline_value is not None and row.targets[2030] for row in rows)
    assert all(row.status_year == 2025 for row in rows)
    assert {row.status for row in rows} == {"on_track", "at_risk", "off_track"}
    summary = financing_summary(strategy=demo)
    assert all(summary.by_source[source] > 0 for source in summary.by_source)
    assert [b.municipality.slug for b in summary.by_municipality] == ["sokolsky", "vologodsky"]
    assert all(b.total > 0 for b in summary.by_municipality)


def test_load_demo_twice_changes_no_strategy(demo):
    before = fingerprint()
    audit_rows = AuditLog.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert AuditLog.objects.count() == audit_rows
    assert fingerprint() == before
    assert Strategy.objects.count() == 1
