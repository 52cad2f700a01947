"""The plan API: status codes by who asks, ETag/If-Match, shapes, query counts."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from strategies.models import Goal, Strategy
from strategies.services import (
    FinancingRow,
    goal_create,
    measure_create,
    objective_create,
    target_indicator_create,
)
from tests.municipalities.factories import IndicatorFactory, IndicatorValueFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def js(joint_strategy):
    return joint_strategy


@pytest.fixture
def client_as(api_client):
    # English messages, whatever the catalogue has translated by now.
    api_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def sign_in(user):
        api_client.force_authenticate(user)
        return api_client

    return sign_in


@pytest.fixture
def editor_client(js, client_as):
    return client_as(js.users["editor-sokolsky"])


@pytest.fixture
def goal(js):
    return goal_create(
        actor=js.users["editor-sokolsky"], strategy_id=js.strategy.pk, title="Туризм"
    )


@pytest.fixture
def objective(js, goal):
    return objective_create(
        actor=js.users["editor-sokolsky"], goal_id=goal.pk, title="Совместные маршруты"
    )


def add_measure(js, objective, n=0):
    return measure_create(
        actor=js.users["editor-sokolsky"],
        objective_id=objective.pk,
        title=f"Мероприятие {n}",
        start_year=2025,
        end_year=2026,
        responsible=[js.sokolsky, js.vologodsky],
        financing=[
            FinancingRow("federal", None, 2025, D("1000")),
            FinancingRow("municipal", js.vologodsky, 2026, D("150.5")),
        ],
    )


def add_target(js, n=0, **fields):
    return target_indicator_create(
        actor=js.users["editor-sokolsky"],
        strategy_id=js.strategy.pk,
        name=fields.pop("name", f"Показатель {n}"),
        unit=fields.pop("unit", "%"),
        **fields,
    )


def adopt(js):
    Strategy.objects.filter(pk=js.strategy.pk).update(status="adopted")


# Goals: the whole ETag / If-Match round


def test_goal_create_read_change_delete(js, editor_client):
    url = f"/api/v1/strategies/{js.strategy.pk}/goals/"
    created = editor_client.post(url, {"title": "Туризм", "description": "Маршруты"})
    assert created.status_code == 201, created.content
    assert created["ETag"] == '"1"'
    body = created.json()
    assert set(body) == {"id", "strategy", "position", "title", "description", "version"}
    assert (body["title"], body["version"], body["strategy"]) == ("Туризм", 1, js.strategy.pk)

    item = f"/api/v1/goals/{body['id']}/"
    read = editor_client.get(item)
    assert (read.status_code, read["ETag"]) == (200, '"1"')

    missing = editor_client.patch(item, {"title": "Туризм и отдых"})
    assert (missing.status_code, missing.json()["code"]) == (428, "precondition_required")

    changed = editor_client.patch(item, {"title": "Туризм и отдых"}, HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200, changed.content
    assert changed["ETag"] == '"2"'
    assert changed.json()["title"] == "Туризм и отдых"

    stale = editor_client.patch(item, {"title": "Другое"}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2

    assert editor_client.delete(item).status_code == 428
    assert editor_client.delete(item, HTTP_IF_MATCH='"1"').status_code == 412
    assert editor_client.delete(item, HTTP_IF_MATCH='"2"').status_code == 204
    assert not Goal.objects.exists()


def test_goal_list_is_in_order(js, editor_client, goal):
    goal_create(actor=js.users["editor-vologodsky"], strategy_id=js.strategy.pk, title="Дороги")
    body = editor_client.get(f"/api/v1/strategies/{js.strategy.pk}/goals/").json()
    assert body["count"] == 2
    assert [g["title"] for g in body["results"]] == ["Туризм", "Дороги"]


def test_field_errors_are_400(js, editor_client):
    response = editor_client.post(f"/api/v1/strategies/{js.strategy.pk}/goals/", {"title": " "})
    assert response.status_code == 400
    assert "title" in str(response.json())


# Who may do what


def urls(js, goal, objective, measure, target):
    s = js.strategy.pk
    return {
        "lists": [
            f"/api/v1/strategies/{s}/goals/",
            f"/api/v1/strategies/{s}/objectives/",
            f"/api/v1/strategies/{s}/measures/",
            f"/api/v1/strategies/{s}/target-indicators/",
        ],
        "items": [
            f"/api/v1/goals/{goal.pk}/",
            f"/api/v1/objectives/{objective.pk}/",
            f"/api/v1/measures/{measure.pk}/",
            f"/api/v1/target-indicators/{target.pk}/",
        ],
    }


@pytest.fixture
def everything(js, goal, objective):
    return urls(js, goal, objective, add_measure(js, objective), add_target(js))


def test_anonymous_sees_nothing_of_a_draft_and_may_not_write(js, api_client, everything):
    for url in everything["lists"] + everything["items"]:
        assert api_client.get(url).status_code == 404, url
    for url in everything["lists"]:
        assert api_client.post(url, {"title": "X"}).status_code == 401, url
    for url in everything["items"]:
        assert api_client.patch(url, {}, HTTP_IF_MATCH='"1"').status_code == 401, url
        assert api_client.delete(url, HTTP_IF_MATCH='"1"').status_code == 401, url


def test_anonymous_reads_an_adopted_strategy(js, api_client, everything):
    adopt(js)
    for url in everything["lists"] + everything["items"]:
        assert api_client.get(url).status_code == 200, url


def test_non_participant_gets_404(js, client_as, everything):
    client = client_as(js.users["editor-cherepovets"])
    for url in everything["lists"] + everything["items"]:
        assert client.get(url).status_code == 404, url
    for url in everything["items"]:
        assert client.patch(url, {}, HTTP_IF_MATCH='"1"').status_code == 404, url


@pytest.mark.parametrize("username", ["viewer-sokolsky", "approver-vologodsky"])
def test_participant_without_the_right_reads_but_gets_403_on_writes(
    js, client_as, everything, username
):
    client = client_as(js.users[username])
    for url in everything["lists"] + everything["items"]:
        assert client.get(url).status_code == 200, url
    assert client.post(everything["lists"][0], {"title": "X"}).status_code == 403
    for url in everything["items"]:
        response = client.patch(url, {"title": "X", "name": "X"}, HTTP_IF_MATCH='"1"')
        assert response.status_code == 403, url
        assert client.delete(url, HTTP_IF_MATCH='"1"').status_code == 403, url


def test_administrator_reads_any_strategy(js, client_as, everything, admin_user):
    client = client_as(admin_user)
    for url in everything["lists"] + everything["items"]:
        assert client.get(url).status_code == 200, url


def test_writes_to_an_adopted_strategy_are_409(js, editor_client, everything):
    adopt(js)
    assert editor_client.post(everything["lists"][0], {"title": "X"}).status_code == 409
    response = editor_client.patch(everything["items"][0], {"title": "X"}, HTTP_IF_MATCH='"1"')
    assert (response.status_code, response.json()["code"]) == (409, "not_editable")


# Objectives and measures


def test_objective_names_a_goal_of_the_same_strategy(js, editor_client, goal):
    url = f"/api/v1/strategies/{js.strategy.pk}/objectives/"
    created = editor_client.post(url, {"goal": goal.pk, "title": "Маршруты"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["goal"] == goal.pk
    other = Strategy.objects.create(title="Чужая", start_year=2025, end_year=2030, lead=js.sokolsky)
    foreign = Goal.objects.create(strategy=other, title="Чужая цель")
    refused = editor_client.post(url, {"goal": foreign.pk, "title": "X"}, format="json")
    assert refused.status_code == 400
    assert "goal" in refused.json()
    filtered = editor_client.get(url, {"goal": goal.pk}).json()
    assert [o["title"] for o in filtered["results"]] == ["Маршруты"]
    assert editor_client.get(url, {"goal": "first"}).status_code == 400


def test_measure_shape_and_financing(js, editor_client, objective):
    url = f"/api/v1/strategies/{js.strategy.pk}/measures/"
    payload = {
        "objective": objective.pk,
        "title": "Информационные знаки на маршруте",
        "start_year": 2025,
        "end_year": 2026,
        "responsible": ["19638000"],
        "financing": [
            {"source": "regional", "oktmo": None, "year": 2025, "amount": 1500},
            {"source": "municipal", "oktmo": "19638000", "year": 2026, "amount": "250.75"},
        ],
    }
    created = editor_client.post(url, payload, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["responsible"] == ["19638000"]
    assert sorted(body["financing"], key=lambda row: row["year"]) == [
        {"source": "regional", "oktmo": None, "year": 2025, "amount": 1500.0},
        {"source": "municipal", "oktmo": "19638000", "year": 2026, "amount": 250.75},
    ]
    assert body["total"] == 1750.75

    item = f"/api/v1/measures/{body['id']}/"
    changed = editor_client.patch(
        item,
        {"financing": [{"source": "extra", "year": 2026, "amount": 90}]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["financing"] == [
        {"source": "extra", "oktmo": None, "year": 2026, "amount": 90.0}
    ]
    assert changed.json()["responsible"] == ["19638000"]
    incomplete = editor_client.patch(
        item, {"financing": [{"year": 2026}]}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert incomplete.status_code == 400
    assert set(incomplete.json()["financing"]["0"]) == {"source", "amount"}


def test_measure_rules_come_back_as_field_errors(js, editor_client, objective):
    url = f"/api/v1/strategies/{js.strategy.pk}/measures/"
    payload = {
        "objective": objective.pk,
        "title": "М",
        "start_year": 2025,
        "end_year": 2026,
        "responsible": ["19730000"],
        "financing": [{"source": "municipal", "oktmo": "19730000", "year": 2025, "amount": 1}],
    }
    response = editor_client.post(url, payload, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"responsible"}
    payload["responsible"] = []
    response = editor_client.post(url, payload, format="json")
    assert response.json()["errors"]["financing"] == [
        "Row 1: only the budget of a participant can finance the plan."
    ]
    payload["responsible"] = ["00000000"]
    assert editor_client.post(url, payload, format="json").status_code == 400


# Target indicators


def test_target_indicator_shape_with_registry_baseline_and_status(js, editor_client):
    wage = IndicatorFactory(code="avg_wage", name="Средняя зарплата", unit="руб.")
    for municipality, value in ((js.sokolsky, 50_000), (js.vologodsky, 60_000)):
        IndicatorValueFactory(municipality=municipality, indicator=wage, year=2023, value=value)
    url = f"/api/v1/strategies/{js.strategy.pk}/target-indicators/"
    created = editor_client.post(
        url,
        {"indicator": "avg_wage", "targets": {"2025": 60000, "2030": 90000}},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {
        "id",
        "objective",
        "indicator",
        "position",
        "name",
        "unit",
        "direction",
        "baseline_year",
        "baseline_value",
        "targets",
        "actuals",
        "contributions",
        "status",
        "status_year",
        "version",
    }
    assert body["indicator"] == "avg_wage"
    assert (body["name"], body["unit"], body["direction"]) == ("Средняя зарплата", "руб.", "higher")
    assert (body["baseline_year"], body["baseline_value"]) == (2023, 55000.0)
    assert body["targets"] == {"2025": 60000.0, "2030": 90000.0}
    assert (body["actuals"], body["status"], body["status_year"]) == ({}, None, None)

    item = f"/api/v1/target-indicators/{body['id']}/"
    # 2026 target interpolated: 60 000 + 30 000 / 5 = 66 000; 64 000 misses by 3 %.
    monitored = editor_client.patch(
        item, {"actuals": {"2025": 61000, "2026": 64000}}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert monitored.status_code == 200, monitored.content
    assert monitored.json()["actuals"] == {"2025": 61000.0, "2026": 64000.0}
    assert (monitored.json()["status"], monitored.json()["status_year"]) == ("at_risk", 2026)
    assert monitored["ETag"] == '"2"'


def test_after_adoption_only_actuals_change(js, editor_client):
    target = add_target(js, targets={2025: D(10)})
    adopt(js)
    item = f"/api/v1/target-indicators/{target.pk}/"
    frozen = editor_client.patch(item, {"targets": {"2025": 5}}, format="json", HTTP_IF_MATCH='"1"')
    assert frozen.status_code == 409
    recorded = editor_client.patch(
        item, {"actuals": {"2025": 11}}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert recorded.status_code == 200, recorded.content
    assert recorded.json()["status"] == "on_track"


@pytest.mark.parametrize(
    "targets", [{"twenty": 1}, {"2025": "many"}, [1, 2], {"2031": 1}, {"2025": 1e17}]
)
def test_bad_year_maps_are_400(js, editor_client, targets):
    target = add_target(js)
    response = editor_client.patch(
        f"/api/v1/target-indicators/{target.pk}/",
        {"targets": targets},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400, response.content


def test_contributions_round_trip(js, editor_client):
    target = add_target(js)
    response = editor_client.patch(
        f"/api/v1/target-indicators/{target.pk}/",
        {"contributions": [{"oktmo": "19620000", "year": 2030, "value": 12.5}]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.content
    assert response.json()["contributions"] == [{"oktmo": "19620000", "year": 2030, "value": 12.5}]


# Query counts do not grow with rows


def count_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_list_query_counts_do_not_grow_with_rows(js, editor_client, goal, objective):
    s = js.strategy.pk
    lists = [
        f"/api/v1/strategies/{s}/goals/",
        f"/api/v1/strategies/{s}/objectives/",
        f"/api/v1/strategies/{s}/measures/",
        f"/api/v1/strategies/{s}/target-indicators/",
    ]
    add_measure(js, objective)
    add_target(js, targets={2025: D(1), 2030: D(2)}, actuals={2025: D(1)})
    few = [count_queries(editor_client, url) for url in lists]
    editor = js.users["editor-sokolsky"]
    for n in range(10):
        goal_create(actor=editor, strategy_id=s, title=f"Цель {n}")
        objective_create(actor=editor, goal_id=goal.pk, title=f"Задача {n}")
        add_measure(js, objective, n)
        add_target(js, n, targets={2025: D(1), 2030: D(2)}, actuals={2025: D(1)})
    many = [count_queries(editor_client, url) for url in lists]
    assert many == few
    assert max(few) <= 8
