import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory

from core.models import AuditLog
from municipalities.models import (
    Agreement,
    Indicator,
    IndicatorValue,
    Membership,
    Municipality,
    Town,
)

pytestmark = pytest.mark.django_db

TABLES = [
    "municipalities_region",
    "municipalities_municipality",
    "municipalities_town",
    "municipalities_indicator",
    "municipalities_indicatorvalue",
    "municipalities_agreement",
    "municipalities_agreementparty",
    "municipalities_membership",
    "auth_user",
    "core_auditlog",
]


def fingerprint() -> dict[str, str]:
    """Every row of the demo tables, hashed: equal fingerprints mean nothing changed."""
    result = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t")  # noqa: S608
            result[table] = cursor.fetchone()[0]
    return result


@pytest.fixture
def demo():
    call_command("load_demo", stdout=io.StringIO())


def test_demo_registry(demo):
    assert Municipality.objects.filter(region__code="19").count() == 41
    sokolsky = Municipality.objects.get(slug="sokolsky")
    assert sokolsky.name == "Сокольский муниципальный район"
    assert Municipality.objects.get(slug="vologodsky").oktmo == "19620000"
    assert Municipality.objects.get(slug="cherepovets").name == "городской округ город Череповец"
    assert sokolsky.main_town.name == "Сокол"
    assert Town.objects.filter(region__code="19").count() == 15
    assert Town.objects.filter(region__code="19", size_class="large").count() == 2
    assert Town.objects.filter(region__code="19", size_class="medium").count() == 0
    assert Town.objects.count() > 1000


def test_demo_indicators_keep_gaps_and_label_generated_values(demo):
    assert {
        "population",
        "avg_wage",
        "own_revenue_per_capita",
        "investment_per_capita",
        "unemployment_rate",
    } <= set(Indicator.objects.values_list("code", flat=True))
    population = IndicatorValue.objects.filter(indicator__code="population")
    # Only figures from published sources: Sokolsky district has 2021 and nothing else.
    assert list(population.filter(municipality__slug="sokolsky").values_list("year", "value")) == [
        (2021, 47238)
    ]
    assert not population.filter(value=0).exists()
    generated = IndicatorValue.objects.exclude(indicator__code="population")
    assert generated.exists()
    assert all("демонстрац" in source for source in generated.values_list("source", flat=True))


def test_demo_users_and_agreements(demo):
    def sign_in(username):
        return authenticate(RequestFactory().post("/"), username=username, password="demo12345")

    assert sign_in("admin").is_staff
    for slug in ("sokolsky", "vologodsky", "cherepovets"):
        for role in ("viewer", "editor", "approver", "coordinator"):
            user = sign_in(f"{role}-{slug}")
            assert user is not None, f"{role}-{slug}"
            assert list(user.memberships.values_list("municipality__slug", "role")) == [
                (slug, role)
            ]
    assert get_user_model().objects.count() == 13
    assert Membership.objects.count() == 12
    assert 2 <= Agreement.objects.count() <= 4
    assert all(a.parties.count() >= 2 for a in Agreement.objects.all())


def test_load_demo_twice_changes_nothing(demo):
    before = fingerprint()
    audit_rows = AuditLog.objects.count()
    call_command("load_demo", stdout=io.StringIO())
    assert AuditLog.objects.count() == audit_rows
    assert fingerprint() == before
