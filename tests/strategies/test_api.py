"""The strategy API: shapes, status codes, ETag/If-Match, transitions, query counts."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from strategies import services
from strategies.models import ApprovalRound, Revision, Section, SignOff, Strategy
from tests.strategies.factories import (
    CommentFactory,
    ParticipationFactory,
    SectionFactory,
    StrategyFactory,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    """A client that authenticates as ``user`` with its API token, as a script would."""
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def body(response, status=200):
    assert response.status_code == status, response.content
    return response.json()


@pytest.fixture
def js(joint_strategy):
    return joint_strategy


@pytest.fixture
def coordinator(js):
    return client_for(js.users["coordinator-sokolsky"])


@pytest.fixture
def editor(js):
    return client_for(js.users["editor-sokolsky"])


def first_section(js) -> Section:
    return js.strategy.sections.order_by("position").first()


def to_review(js):
    return services.strategy_transition(
        actor=js.users["coordinator-sokolsky"], strategy_id=js.strategy.pk, name="review"
    )


def sign(js, slug):
    return services.strategy_sign_off(
        actor=js.users[f"approver-{slug}"], strategy_id=js.strategy.pk
    )


# --- strategies -----------------------------------------------------------------------------


def test_list_is_paginated_and_carries_the_representation(js, editor):
    data = body(editor.get("/api/v1/strategies/"))
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 1
    item = data["results"][0]
    assert {"id", "title", "status", "participants", "version", "lead"} <= set(item)
    assert item["lead"] == "19638000"
    assert item["participants"] == [
        {
            "oktmo": "19638000",
            "name": "Сокольский муниципальный район",
            "role": "lead",
            "signed_off": False,
        },
        {
            "oktmo": "19620000",
            "name": "Вологодский муниципальный район",
            "role": "partner",
            "signed_off": False,
        },
    ]
    assert item["snapshot_hash"] is None


def test_list_filters_by_status_and_participant(js, editor):
    other = StrategyFactory(lead=js.sokolsky, status=Strategy.Status.ADOPTED)
    ParticipationFactory(strategy=other, municipality=js.sokolsky, role="lead")
    ParticipationFactory(strategy=other, municipality=js.cherepovets)

    def ids(**params):
        return [s["id"] for s in body(editor.get("/api/v1/strategies/", params))["results"]]

    assert ids(status="adopted") == [other.pk]
    assert ids(status="draft") == [js.strategy.pk]
    assert ids(municipality="19730000") == [other.pk]
    assert sorted(ids(municipality="19638000")) == sorted([js.strategy.pk, other.pk])
    assert ids(municipality="19999999") == []


def test_list_bad_filter_is_400_with_field_errors(editor):
    response = editor.get("/api/v1/strategies/", {"status": "eternal", "municipality": "12"})
    assert set(body(response, 400)) == {"status", "municipality"}


def test_create_makes_the_creators_municipality_lead(js, coordinator):
    response = coordinator.post(
        "/api/v1/strategies/",
        {
            "title": "Совместная стратегия Сокольского района и Череповца",
            "start_year": 2026,
            "end_year": 2035,
            "participants": ["19730000", "19638000"],
        },
        format="json",
    )
    data = body(response, 201)
    assert response["ETag"] == '"1"'
    assert data["status"] == "draft"
    assert data["lead"] == "19638000"
    roles = {p["oktmo"]: p["role"] for p in data["participants"]}
    assert roles == {"19730000": "partner", "19638000": "lead"}
    sections = body(coordinator.get(f"/api/v1/strategies/{data['id']}/sections/"))
    assert [s["kind"] for s in sections["results"]] == [
        "assessment",
        "swot",
        "mission",
        "goals",
        "indicators",
        "results",
        "finance",
        "mechanism",
    ]
    assert all(s["owner"] is None for s in sections["results"])


@pytest.mark.parametrize("role", ["viewer", "editor", "approver"])
def test_create_is_for_coordinators_only(js, role):
    response = client_for(js.users[f"{role}-sokolsky"]).post(
        "/api/v1/strategies/",
        {"title": "Т", "start_year": 2026, "end_year": 2030, "participants": ["19638000"]},
        format="json",
    )
    assert body(response, 403)["code"] == "permission_denied"


def test_create_by_a_coordinator_of_no_participant_is_403(js):
    response = client_for(js.users["coordinator-cherepovets"]).post(
        "/api/v1/strategies/",
        {
            "title": "Т",
            "start_year": 2026,
            "end_year": 2030,
            "participants": ["19638000", "19620000"],
        },
        format="json",
    )
    assert body(response, 403)["code"] == "permission_denied"


VALID = {"title": "Стратегия", "start_year": 2026, "end_year": 2030}


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"title", "start_year", "end_year", "participants"}),
        (
            {**VALID, "start_year": "soon", "participants": "19638000"},
            {"start_year", "participants"},
        ),
        ({**VALID, "participants": ["19638000", "1963800X"]}, {"participants"}),
        ({**VALID, "participants": ["19638000"]}, {"participants"}),
    ],
)
def test_create_bad_input_is_400_with_field_errors(coordinator, payload, fields):
    response = coordinator.post("/api/v1/strategies/", payload, format="json")
    assert set(body(response, 400)) == fields


def test_create_with_an_unknown_oktmo_is_400(coordinator):
    response = coordinator.post(
        "/api/v1/strategies/",
        {
            "title": "С",
            "start_year": 2026,
            "end_year": 2030,
            "participants": ["19638000", "19999999"],
        },
        format="json",
    )
    errors = body(response, 400)["participants"]
    assert len(errors) == 1
    assert "19999999" in errors[0]


def test_create_rules_of_the_domain_are_400_with_errors(coordinator):
    response = coordinator.post(
        "/api/v1/strategies/",
        {
            "title": "Стратегия",
            "start_year": 2030,
            "end_year": 2030,
            "participants": ["19638000", "19638000"],
        },
        format="json",
    )
    data = body(response, 400)
    assert data["code"] == "invalid"
    assert set(data["errors"]) == {"end_year", "participants"}
    assert Strategy.objects.count() == 1


def test_detail_has_an_etag_and_patch_needs_if_match(js, coordinator):
    url = f"/api/v1/strategies/{js.strategy.pk}/"
    response = coordinator.get(url)
    assert response["ETag"] == '"1"'
    assert body(response)["version"] == 1

    assert body(coordinator.patch(url, {"title": "Новое"}, format="json"), 428)["code"] == (
        "precondition_required"
    )
    stale = coordinator.patch(url, {"title": "Новое"}, format="json", HTTP_IF_MATCH='"7"')
    assert body(stale, 412) == {
        "detail": body(stale, 412)["detail"],
        "code": "version_conflict",
        "current_version": 1,
    }
    response = coordinator.patch(
        url, {"title": "Новое название", "end_year": 2035}, format="json", HTTP_IF_MATCH='"1"'
    )
    data = body(response)
    assert response["ETag"] == '"2"'
    assert (data["title"], data["end_year"], data["version"]) == ("Новое название", 2035, 2)


def test_patch_strategy_bad_horizon_is_400(js, coordinator):
    response = coordinator.patch(
        f"/api/v1/strategies/{js.strategy.pk}/",
        {"end_year": 2020},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert set(body(response, 400)["errors"]) == {"end_year"}


def test_patch_strategy_by_an_editor_is_403(js, editor):
    response = editor.patch(
        f"/api/v1/strategies/{js.strategy.pk}/", {"title": "Х"}, format="json", HTTP_IF_MATCH="1"
    )
    assert body(response, 403)["code"] == "permission_denied"


def test_foreign_draft_is_404_and_absent_from_lists(js):
    outsider = client_for(js.users["editor-cherepovets"])
    assert outsider.get(f"/api/v1/strategies/{js.strategy.pk}/").status_code == 404
    assert body(outsider.get("/api/v1/strategies/"))["count"] == 0
    section = first_section(js)
    assert outsider.get(f"/api/v1/sections/{section.pk}/").status_code == 404


def test_anonymous_reads_published_strategies_only_and_writes_nothing(js, api_client):
    url = f"/api/v1/strategies/{js.strategy.pk}/"
    assert body(api_client.get("/api/v1/strategies/"))["count"] == 0
    assert api_client.get(url).status_code == 404
    js.strategy.status = Strategy.Status.ADOPTED  # published: public
    js.strategy.save()
    assert body(api_client.get("/api/v1/strategies/"))["count"] == 1
    assert body(api_client.get(url))["status"] == "adopted"
    section = first_section(js)
    assert api_client.get(f"/api/v1/sections/{section.pk}/").status_code == 200
    # The discussion is not published with the text.
    assert api_client.get(f"/api/v1/sections/{section.pk}/comments/").status_code == 401
    assert api_client.patch(url, {"title": "Х"}, format="json").status_code == 401
    assert api_client.post("/api/v1/strategies/", {}, format="json").status_code == 401


# --- sections ------------------------------------------------------------------------------


def test_section_shape_and_etag(js, editor):
    section = first_section(js)
    response = editor.get(f"/api/v1/sections/{section.pk}/")
    assert response["ETag"] == '"1"'
    data = body(response)
    assert set(data) == {
        "id",
        "strategy",
        "title",
        "kind",
        "owner",
        "body",
        "version",
        "position",
        "parent",
        "updated_at",
        "updated_by",
    }
    assert (data["kind"], data["owner"], data["version"]) == ("assessment", None, 1)


def test_section_patch_saves_a_sanitised_revision(js, editor):
    section = first_section(js)
    response = editor.patch(
        f"/api/v1/sections/{section.pk}/",
        {"body": '<h2>Оценка</h2><p onclick="x()">Текст<script>alert(1)</script></p>'},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    data = body(response)
    assert response["ETag"] == '"2"'
    assert data["body"] == "<h2>Оценка</h2><p>Текст</p>"
    assert (data["version"], data["updated_by"]) == (2, "editor-sokolsky")
    assert list(section.revisions.values_list("number", flat=True)) == [2, 1]


def test_section_patch_without_if_match_is_428_and_stale_is_412_with_current(js, editor):
    section = first_section(js)
    url = f"/api/v1/sections/{section.pk}/"
    assert body(editor.patch(url, {"body": "<p>а</p>"}, format="json"), 428)["code"] == (
        "precondition_required"
    )
    body(editor.patch(url, {"body": "<p>первый</p>"}, format="json", HTTP_IF_MATCH='"1"'))
    stale = body(
        editor.patch(url, {"body": "<p>второй</p>"}, format="json", HTTP_IF_MATCH='"1"'), 412
    )
    assert stale["code"] == "version_conflict"
    assert stale["current_version"] == 2
    assert stale["current"]["body"] == "<p>первый</p>"
    assert body(editor.patch(url, {"body": "x"}, format="json", HTTP_IF_MATCH="abc"), 400)[
        "code"
    ] == ("invalid_if_match")
    assert Section.objects.get(pk=section.pk).body == "<p>первый</p>"


@pytest.mark.parametrize("role", ["viewer", "approver", "coordinator"])
def test_section_text_is_for_editors(js, role):
    section = first_section(js)
    response = client_for(js.users[f"{role}-sokolsky"]).patch(
        f"/api/v1/sections/{section.pk}/", {"body": "<p>Х</p>"}, format="json", HTTP_IF_MATCH="1"
    )
    assert body(response, 403)["code"] == "permission_denied"


def test_owned_section_is_for_its_owners_editors(js, coordinator):
    section = first_section(js)
    url = f"/api/v1/sections/{section.pk}/"
    data = body(coordinator.patch(url, {"owner": "19620000"}, format="json", HTTP_IF_MATCH="1"))
    assert data["owner"] == "19620000"
    sokolsky = client_for(js.users["editor-sokolsky"])
    vologodsky = client_for(js.users["editor-vologodsky"])
    body(sokolsky.patch(url, {"body": "<p>С</p>"}, format="json", HTTP_IF_MATCH="2"), 403)
    body(vologodsky.patch(url, {"body": "<p>В</p>"}, format="json", HTTP_IF_MATCH="2"))
    shared = body(coordinator.patch(url, {"owner": None}, format="json", HTTP_IF_MATCH="3"))
    assert shared["owner"] is None


def test_section_owner_must_be_a_participant(js, coordinator):
    url = f"/api/v1/sections/{first_section(js).pk}/"
    foreign = coordinator.patch(url, {"owner": "19730000"}, format="json", HTTP_IF_MATCH="1")
    assert set(body(foreign, 400)["errors"]) == {"owner"}
    unknown = coordinator.patch(url, {"owner": "19999999"}, format="json", HTTP_IF_MATCH="1")
    assert set(body(unknown, 400)) == {"owner"}


def test_editor_cannot_reassign_a_section(js, editor):
    url = f"/api/v1/sections/{first_section(js).pk}/"
    response = editor.patch(url, {"owner": "19638000"}, format="json", HTTP_IF_MATCH="1")
    assert body(response, 403)["code"] == "permission_denied"


def test_coordinator_adds_and_removes_sections(js, coordinator, editor):
    url = f"/api/v1/strategies/{js.strategy.pk}/sections/"
    created = coordinator.post(
        url,
        {"title": "Туристские маршруты", "owner": "19620000", "body": "<p>Черновик</p>"},
        format="json",
    )
    data = body(created, 201)
    assert created["ETag"] == '"1"'
    assert (data["kind"], data["owner"], data["version"]) == ("custom", "19620000", 1)
    child = body(
        coordinator.post(url, {"title": "Подраздел", "parent": data["id"]}, format="json"), 201
    )
    assert child["parent"] == data["id"]
    body(editor.post(url, {"title": "Ещё"}, format="json"), 403)
    bad = coordinator.post(url, {"title": "Х", "kind": "poem", "parent": 10**9}, format="json")
    assert set(body(bad, 400)) == {"kind"}
    orphan = coordinator.post(url, {"title": "Х", "parent": 10**9}, format="json")
    assert set(body(orphan, 400)["errors"]) == {"parent"}

    section_url = f"/api/v1/sections/{data['id']}/"
    assert body(coordinator.delete(section_url), 428)["code"] == "precondition_required"
    body(editor.delete(section_url, HTTP_IF_MATCH="1"), 403)
    assert coordinator.delete(section_url, HTTP_IF_MATCH="1").status_code == 204
    assert not Section.objects.filter(pk__in=[data["id"], child["id"]]).exists()


def test_reorder_sections(js, coordinator, editor):
    ids = list(js.strategy.sections.order_by("position").values_list("pk", flat=True))
    url = f"/api/v1/strategies/{js.strategy.pk}/sections/order/"
    new_order = ids[::-1]
    data = body(coordinator.post(url, {"order": new_order}, format="json"))
    assert [s["id"] for s in data] == new_order
    listed = body(coordinator.get(f"/api/v1/strategies/{js.strategy.pk}/sections/"))
    assert [s["id"] for s in listed["results"]] == new_order
    assert set(body(coordinator.post(url, {"order": ids[1:]}, format="json"), 400)["errors"]) == {
        "order"
    }
    body(editor.post(url, {"order": ids}, format="json"), 403)


# --- revisions ------------------------------------------------------------------------------


def test_revisions_diff_and_restore(js, editor):
    section = first_section(js)
    url = f"/api/v1/sections/{section.pk}/"
    body(editor.patch(url, {"body": "<p>Сокол растёт</p>"}, format="json", HTTP_IF_MATCH="1"))
    body(
        editor.patch(url, {"body": "<p>Сокол быстро растёт</p>"}, format="json", HTTP_IF_MATCH="2")
    )

    revisions = body(editor.get(f"{url}revisions/"))
    assert [r["number"] for r in revisions["results"]] == [3, 2, 1]
    assert set(revisions["results"][0]) == {
        "number",
        "author",
        "created_at",
        "title",
        "body",
        "note",
    }
    assert revisions["results"][0]["author"] == "editor-sokolsky"

    diff = body(editor.get(f"{url}revisions/diff/", {"from": 2, "to": 3}))
    assert diff == {"from": 2, "to": 3, "diff": "Сокол <ins>быстро</ins> растёт"}
    assert editor.get(f"{url}revisions/diff/", {"from": 2, "to": 9}).status_code == 404
    assert set(body(editor.get(f"{url}revisions/diff/", {"from": "x"}), 400)) == {"from", "to"}

    body(editor.post(f"{url}revisions/2/restore/"), 428)
    body(editor.post(f"{url}revisions/2/restore/", HTTP_IF_MATCH="2"), 412)
    assert editor.post(f"{url}revisions/42/restore/", HTTP_IF_MATCH="3").status_code == 404
    response = editor.post(f"{url}revisions/2/restore/", HTTP_IF_MATCH='"3"')
    data = body(response)
    assert response["ETag"] == '"4"'
    assert (data["body"], data["version"]) == ("<p>Сокол растёт</p>", 4)
    restored = Revision.objects.get(section=section, number=4)
    assert (restored.body, restored.author) == ("<p>Сокол растёт</p>", js.users["editor-sokolsky"])
    assert "2" in restored.note
    body(
        client_for(js.users["viewer-sokolsky"]).post(
            f"{url}revisions/1/restore/", HTTP_IF_MATCH="4"
        ),
        403,
    )


# --- comments -------------------------------------------------------------------------------


def test_comments_threads_and_resolving(js, editor):
    section = first_section(js)
    url = f"/api/v1/sections/{section.pk}/comments/"
    viewer = client_for(js.users["viewer-vologodsky"])
    first = body(viewer.post(url, {"body": "Добавьте данные за 2023 год"}, format="json"), 201)
    assert (first["author"], first["resolved"], first["parent"]) == (
        "viewer-vologodsky",
        False,
        None,
    )
    reply = body(editor.post(url, {"body": "Добавили", "parent": first["id"]}, format="json"), 201)
    assert reply["parent"] == first["id"]
    elsewhere = CommentFactory(section=SectionFactory(strategy=js.strategy))
    wrong = editor.post(url, {"body": "Х", "parent": elsewhere.pk}, format="json")
    assert body(wrong, 400)["code"] == "invalid"
    assert set(body(editor.post(url, {"body": ""}, format="json"), 400)) == {"body"}

    listed = body(editor.get(url))
    assert [c["id"] for c in listed["results"]] == [first["id"], reply["id"]]

    resolved = body(
        editor.post(f"/api/v1/comments/{first['id']}/resolve/", {"resolved": True}, format="json")
    )
    assert (resolved["resolved"], resolved["resolved_by"]) == (True, "editor-sokolsky")
    assert resolved["resolved_at"] is not None
    reopened = body(
        editor.post(f"/api/v1/comments/{first['id']}/resolve/", {"resolved": False}, format="json")
    )
    assert (reopened["resolved"], reopened["resolved_by"]) == (False, None)


def test_outsiders_neither_see_nor_write_comments_of_a_draft(js):
    section = first_section(js)
    comment = CommentFactory(section=section)
    outsider = client_for(js.users["editor-cherepovets"])
    assert outsider.get(f"/api/v1/sections/{section.pk}/comments/").status_code == 404
    assert (
        outsider.post(f"/api/v1/comments/{comment.pk}/resolve/", {}, format="json").status_code
        == 404
    )


# --- transitions ----------------------------------------------------------------------------


def test_the_whole_approval_through_the_api(js, coordinator):
    strategy_url = f"/api/v1/strategies/{js.strategy.pk}/"
    review = coordinator.post(f"{strategy_url}review/")
    data = body(review)
    assert data["status"] == "in_review"
    assert review["ETag"] == f'"{data["version"]}"'
    snapshot = data["snapshot_hash"]
    assert len(snapshot) == 64

    sokolsky = client_for(js.users["approver-sokolsky"])
    data = body(
        sokolsky.post(f"{strategy_url}sign-off/", {"snapshot_hash": snapshot}, format="json")
    )
    assert data["status"] == "in_review"
    assert {p["oktmo"]: p["signed_off"] for p in data["participants"]} == {
        "19638000": True,
        "19620000": False,
    }
    vologodsky = client_for(js.users["approver-vologodsky"])
    data = body(
        vologodsky.post(
            f"{strategy_url}sign-off/",
            {
                "municipality": "19620000",
                "decision_number": "123",
                "decision_date": "2026-03-15",
                "decision_file": SimpleUploadedFile(
                    "decision.pdf", b"%PDF-1.4 scan", "application/pdf"
                ),
            },
            format="multipart",
        )
    )
    assert data["status"] == "approved"
    assert all(p["signed_off"] for p in data["participants"])
    assert data["snapshot_hash"] == snapshot
    sign_off = SignOff.objects.get(municipality=js.vologodsky)
    assert (sign_off.decision_number, str(sign_off.decision_date)) == ("123", "2026-03-15")
    assert sign_off.decision_file.read() == b"%PDF-1.4 scan"

    data = body(coordinator.post(f"{strategy_url}adopt/"))
    assert data["status"] == "adopted"
    assert data["adopted_at"] is not None
    outsider = client_for(js.users["editor-cherepovets"])
    assert body(outsider.get(strategy_url))["status"] == "adopted"
    assert body(coordinator.post(f"{strategy_url}archive/"))["status"] == "archived"


def test_illegal_move_is_409_with_the_reason(js, coordinator):
    response = coordinator.post(f"/api/v1/strategies/{js.strategy.pk}/adopt/")
    data = body(response, 409)
    assert data["code"] == "illegal_transition"
    assert data["detail"]


def test_review_by_a_partner_is_403(js):
    response = client_for(js.users["coordinator-vologodsky"]).post(
        f"/api/v1/strategies/{js.strategy.pk}/review/"
    )
    assert body(response, 403)["code"] == "permission_denied"


def test_return_needs_a_comment(js, coordinator):
    to_review(js)
    url = f"/api/v1/strategies/{js.strategy.pk}/return/"
    assert set(body(coordinator.post(url, {}, format="json"), 400)) == {"comment"}
    assert set(body(coordinator.post(url, {"comment": "  "}, format="json"), 400)) == {"comment"}
    data = body(coordinator.post(url, {"comment": "Доработать SWOT"}, format="json"))
    assert data["status"] == "draft"
    assert data["snapshot_hash"] is None
    assert ApprovalRound.objects.get().outcome == "returned"


def test_sign_off_refusals(js):
    to_review(js)
    url = f"/api/v1/strategies/{js.strategy.pk}/sign-off/"
    sokolsky = client_for(js.users["approver-sokolsky"])
    other = sokolsky.post(url, {"municipality": "19620000"}, format="json")
    assert body(other, 403)["code"] == "permission_denied"
    unknown = sokolsky.post(url, {"municipality": "19999999"}, format="json")
    assert set(body(unknown, 400)) == {"municipality"}
    stale = sokolsky.post(url, {"snapshot_hash": "0" * 64}, format="json")
    assert body(stale, 409)["code"] == "snapshot_changed"
    body(sokolsky.post(url, {}, format="json"))
    assert body(sokolsky.post(url, {}, format="json"), 409)["code"] == "already_signed"
    editor = client_for(js.users["editor-sokolsky"])
    assert body(editor.post(url, {}, format="json"), 403)["code"] == "permission_denied"


def test_an_edit_in_review_clears_the_sign_offs(js, editor):
    to_review(js)
    sign(js, "sokolsky")
    strategy_url = f"/api/v1/strategies/{js.strategy.pk}/"
    before = body(editor.get(strategy_url))
    assert [p["signed_off"] for p in before["participants"]] == [True, False]
    section = first_section(js)
    body(
        editor.patch(
            f"/api/v1/sections/{section.pk}/",
            {"body": "<p>Уточнённая оценка</p>"},
            format="json",
            HTTP_IF_MATCH="1",
        )
    )
    after = body(editor.get(strategy_url))
    assert [p["signed_off"] for p in after["participants"]] == [False, False]
    assert after["snapshot_hash"] != before["snapshot_hash"]
    assert after["status"] == "in_review"


def test_content_of_an_approved_strategy_is_frozen(js, editor):
    to_review(js)
    sign(js, "sokolsky")
    sign(js, "vologodsky")
    response = editor.patch(
        f"/api/v1/sections/{first_section(js).pk}/",
        {"body": "<p>Поздно</p>"},
        format="json",
        HTTP_IF_MATCH="1",
    )
    assert body(response, 409)["code"] == "not_editable"


# --- query counts ---------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200, response.content
    return len(ctx)


def test_strategy_list_costs_the_same_for_10_and_100_strategies(js, editor):
    def add(n):
        for _ in range(n):
            strategy = StrategyFactory(lead=js.sokolsky)
            ParticipationFactory(strategy=strategy, municipality=js.sokolsky, role="lead")
            ParticipationFactory(strategy=strategy, municipality=js.vologodsky)
            services.strategy_transition(
                actor=js.users["coordinator-sokolsky"], strategy_id=strategy.pk, name="review"
            )
            services.strategy_sign_off(actor=js.users["approver-sokolsky"], strategy_id=strategy.pk)

    add(9)
    small = _queries(editor, "/api/v1/strategies/")
    add(90)
    large = _queries(editor, "/api/v1/strategies/")
    assert body(editor.get("/api/v1/strategies/", {"page_size": 200}))["count"] == 100
    assert small == large <= 8


def test_section_list_costs_the_same_for_10_and_100_sections(js, editor):
    url = f"/api/v1/strategies/{js.strategy.pk}/sections/"
    SectionFactory.create_batch(
        2, strategy=js.strategy, owner=js.sokolsky, updated_by=js.users["editor-sokolsky"]
    )
    small = _queries(editor, url)
    SectionFactory.create_batch(
        90, strategy=js.strategy, owner=js.vologodsky, updated_by=js.users["editor-vologodsky"]
    )
    large = _queries(editor, url)
    assert body(editor.get(url, {"page_size": 200}))["count"] == 100
    assert small == large <= 8


# --- schema ---------------------------------------------------------------------------------


def test_schema_documents_the_strategy_api():
    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    schema = out.getvalue()
    for path in (
        "/api/v1/strategies/",
        "/api/v1/strategies/{id}/",
        "/api/v1/strategies/{id}/review/",
        "/api/v1/strategies/{id}/sign-off/",
        "/api/v1/strategies/{id}/return/",
        "/api/v1/strategies/{id}/adopt/",
        "/api/v1/strategies/{id}/archive/",
        "/api/v1/strategies/{id}/sections/",
        "/api/v1/strategies/{id}/sections/order/",
        "/api/v1/sections/{id}/",
        "/api/v1/sections/{id}/revisions/",
        "/api/v1/sections/{id}/revisions/diff/",
        "/api/v1/sections/{id}/revisions/{number}/restore/",
        "/api/v1/sections/{id}/comments/",
        "/api/v1/comments/{id}/resolve/",
    ):
        assert f"{path}:" in schema
    assert "If-Match" in schema
    assert "SectionKindEnum" in schema
