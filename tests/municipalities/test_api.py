import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from municipalities.models import Agreement, AgreementParty, Membership
from tests.municipalities.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MunicipalityFactory,
    RegionFactory,
    TownFactory,
)

pytestmark = pytest.mark.django_db


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_municipality_list_is_public_and_paginated(api_client):
    MunicipalityFactory.create_batch(3)
    body = api_client.get("/api/v1/municipalities/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 3
    assert {"id", "oktmo", "name", "kind", "region", "parent"} <= set(body["results"][0])


def test_municipality_filters(api_client):
    vologda = RegionFactory()
    other = RegionFactory(code="47", name="Мурманская область")
    district = MunicipalityFactory(oktmo="19638000", name="Сокольский муниципальный район")
    town_settlement = MunicipalityFactory(
        oktmo="19638101",
        name="город Сокол",
        kind="urban_settlement",
        parent=district,
        main_town=TownFactory(oktmo="19638101001", population=36_400),
    )
    MunicipalityFactory(oktmo="47737000", region=other, kind="urban_okrug", name="ЗАТО")

    def oktmos(**params):
        return [m["oktmo"] for m in results(api_client.get("/api/v1/municipalities/", params))]

    assert oktmos(search="Сокол") == ["19638000", "19638101"]
    assert oktmos(search="196381") == ["19638101"]
    assert oktmos(oktmo="19638000") == ["19638000"]
    assert oktmos(kind="urban_settlement") == ["19638101"]
    assert oktmos(region="47") == ["47737000"]
    assert oktmos(region=vologda.code, size_class="small") == ["19638101"]
    item = results(api_client.get("/api/v1/municipalities/", {"oktmo": "19638101"}))[0]
    assert item["parent"] == "19638000"
    assert item["region"] == "19"
    assert item["size_class"] == "small"
    assert town_settlement.main_town.size_class == "small"


def test_municipality_bad_filter_is_400_with_field_errors(api_client):
    response = api_client.get("/api/v1/municipalities/", {"kind": "kingdom", "oktmo": "12"})
    assert response.status_code == 400
    assert set(response.json()) == {"kind", "oktmo"}


def test_municipality_detail_by_oktmo(api_client):
    MunicipalityFactory(oktmo="19620000", name="Вологодский муниципальный район")
    response = api_client.get("/api/v1/municipalities/19620000/")
    assert response.status_code == 200
    assert response.json()["name"] == "Вологодский муниципальный район"
    assert api_client.get("/api/v1/municipalities/19999999/").status_code == 404


@pytest.mark.parametrize(
    ("population", "size_class"),
    [
        (50_000, "small"),
        (50_001, "medium"),
        (100_000, "medium"),
        (100_001, "big"),
        (250_000, "big"),
        (250_001, "large"),
        (1_000_000, "large"),
        (1_000_001, "largest"),
    ],
)
def test_town_size_class_boundaries(api_client, population, size_class):
    TownFactory(oktmo="19701000001", population=population)
    item = results(api_client.get("/api/v1/towns/", {"oktmo": "19701000001"}))[0]
    assert item["population"] == population
    assert item["size_class"] == size_class


def test_town_filters(api_client):
    TownFactory(oktmo="19701000001", name="Вологда", population=310_300)
    TownFactory(oktmo="19638101001", name="Сокол", population=36_400)
    TownFactory(
        oktmo="47737000005",
        name="Полярный",
        population=17_500,
        region=RegionFactory(code="47", name="Мурманская область"),
    )

    def names(**params):
        return [t["name"] for t in results(api_client.get("/api/v1/towns/", params))]

    assert names(size_class="small") == ["Полярный", "Сокол"]
    assert names(size_class="large") == ["Вологда"]
    assert names(region="47") == ["Полярный"]
    assert names(search="Сок") == ["Сокол"]
    assert names(oktmo="19701000001") == ["Вологда"]
    assert api_client.get("/api/v1/towns/", {"size_class": "huge"}).status_code == 400


def test_indicator_values_filters_and_gaps(api_client):
    municipality = MunicipalityFactory(oktmo="19638000")
    population = IndicatorFactory(code="population")
    wage = IndicatorFactory(code="avg_wage")
    for year in (2010, 2021):  # 2011–2020 are gaps: no rows, never zeros
        IndicatorValueFactory(
            municipality=municipality, indicator=population, year=year, value=47_238
        )
    IndicatorValueFactory(municipality=municipality, indicator=wage, year=2021, value="41250.5")

    items = results(api_client.get("/api/v1/indicator-values/", {"oktmo": "19638000"}))
    # Catalogue order (position, then code), then year.
    assert [(i["indicator"], i["year"]) for i in items] == [
        ("avg_wage", 2021),
        ("population", 2010),
        ("population", 2021),
    ]
    items = results(
        api_client.get(
            "/api/v1/indicator-values/",
            {"oktmo": "19638000", "indicator": "avg_wage", "year_from": 2015, "year_to": 2021},
        )
    )
    assert items == [
        {"oktmo": "19638000", "indicator": "avg_wage", "year": 2021, "value": 41250.5, "source": ""}
    ]
    assert results(api_client.get("/api/v1/indicator-values/", {"year_to": 2009})) == []
    assert api_client.get("/api/v1/indicator-values/", {"year_from": "x"}).status_code == 400


def test_indicators_catalogue_is_public(api_client):
    IndicatorFactory(code="population", name="Численность населения")
    assert [i["code"] for i in results(api_client.get("/api/v1/indicators/"))] == ["population"]


@pytest.mark.parametrize(
    "url",
    ["/api/v1/municipalities/", "/api/v1/towns/", "/api/v1/indicator-values/"],
)
def test_registry_is_read_only(api_client, admin_user, url):
    api_client.force_authenticate(admin_user)
    assert api_client.post(url, {}, format="json").status_code in (403, 405)


def _query_count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("url", "make"),
    [
        (
            "/api/v1/municipalities/?page_size=100",
            lambda n: [
                MunicipalityFactory(parent=MunicipalityFactory(), main_town=TownFactory())
                for _ in range(n)
            ],
        ),
        ("/api/v1/towns/?page_size=100", lambda n: TownFactory.create_batch(n)),
        (
            "/api/v1/indicator-values/?page_size=100",
            lambda n: IndicatorValueFactory.create_batch(n),
        ),
        ("/api/v1/agreements/?page_size=100", lambda n: AgreementPartyFactory.create_batch(n)),
    ],
)
def test_list_endpoints_query_count_does_not_grow(api_client, admin_user, url, make):
    api_client.force_authenticate(admin_user)
    make(5)
    five = _query_count(api_client, url)
    make(45)
    fifty = _query_count(api_client, url)
    assert fifty == five


# --- agreements -------------------------------------------------------------------------


@pytest.fixture
def parties():
    return (
        MunicipalityFactory(oktmo="19638000", name="Сокольский муниципальный район"),
        MunicipalityFactory(oktmo="19620000", name="Вологодский муниципальный район"),
        MunicipalityFactory(oktmo="19730000", name="город Череповец", kind="urban_okrug"),
    )


def agreement_payload(*oktmos, **extra):
    return {
        "title": "Соглашение о сотрудничестве в сфере туризма",
        "legal_form": "framework",
        "sphere": "tourism",
        "status": "active",
        "valid_from": "2024-01-01",
        "valid_to": "2028-12-31",
        "budget": "1500000.00",
        "parties": [{"oktmo": o, "role": "member"} for o in oktmos],
        **extra,
    }


def test_agreements_need_sign_in(api_client):
    AgreementFactory()
    assert api_client.get("/api/v1/agreements/").status_code == 401


def test_coordinator_of_a_party_creates_and_updates_with_if_match(api_client, parties, member):
    sokolsky = parties[0]
    api_client.force_authenticate(member(sokolsky, Membership.Role.COORDINATOR))

    response = api_client.post(
        "/api/v1/agreements/", agreement_payload("19638000", "19620000"), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert response["ETag"] == '"1"'
    assert [p["oktmo"] for p in body["parties"]] == ["19638000", "19620000"]
    url = f"/api/v1/agreements/{body['id']}/"

    assert api_client.patch(url, {"title": "Новое"}, format="json").status_code == 428
    response = api_client.patch(url, {"title": "Новое"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    stale = api_client.patch(url, {"title": "Старое"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    assert Agreement.objects.get().title == "Новое"


def test_non_coordinator_cannot_write_agreements(api_client, parties, member):
    sokolsky, _, cherepovets = parties
    api_client.force_authenticate(member(sokolsky, Membership.Role.EDITOR))
    response = api_client.post(
        "/api/v1/agreements/", agreement_payload("19638000", "19620000"), format="json"
    )
    assert response.status_code == 403
    # A coordinator elsewhere cannot register an agreement of two other municipalities.
    api_client.force_authenticate(member(cherepovets, Membership.Role.COORDINATOR))
    response = api_client.post(
        "/api/v1/agreements/", agreement_payload("19638000", "19620000"), format="json"
    )
    assert response.status_code == 403
    assert Agreement.objects.count() == 0


def test_agreement_validation_errors(api_client, admin_user, parties):
    api_client.force_authenticate(admin_user)
    response = api_client.post(
        "/api/v1/agreements/",
        agreement_payload("19638000", valid_from="2025-01-01", valid_to="2024-01-01"),
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"parties", "valid_to"}
    response = api_client.post(
        "/api/v1/agreements/", agreement_payload("19638000", "00000000"), format="json"
    )
    assert response.status_code == 400
    assert "parties" in response.json()
    assert Agreement.objects.count() == 0


def test_draft_agreements_are_visible_to_parties_only(api_client, parties, member):
    sokolsky, vologodsky, cherepovets = parties
    draft = AgreementFactory(status=Agreement.Status.DRAFT, title="Черновик")
    AgreementPartyFactory(agreement=draft, municipality=sokolsky)
    AgreementPartyFactory(agreement=draft, municipality=vologodsky)
    AgreementPartyFactory(agreement=AgreementFactory(title="Действующее"), municipality=cherepovets)

    api_client.force_authenticate(member(cherepovets, Membership.Role.VIEWER))
    assert [a["title"] for a in results(api_client.get("/api/v1/agreements/"))] == ["Действующее"]
    assert api_client.get(f"/api/v1/agreements/{draft.pk}/").status_code == 404

    api_client.force_authenticate(member(sokolsky, Membership.Role.VIEWER))
    titles = {a["title"] for a in results(api_client.get("/api/v1/agreements/"))}
    assert titles == {"Черновик", "Действующее"}


def test_delete_agreement_needs_version(api_client, admin_user, parties):
    agreement = AgreementFactory()
    AgreementPartyFactory(agreement=agreement, municipality=parties[0])
    api_client.force_authenticate(admin_user)
    url = f"/api/v1/agreements/{agreement.pk}/"
    assert api_client.delete(url).status_code == 428
    assert api_client.delete(url, HTTP_IF_MATCH='"7"').status_code == 412
    assert api_client.delete(url, HTTP_IF_MATCH='"1"').status_code == 204
    assert not Agreement.objects.exists()
    assert not AgreementParty.objects.exists()
