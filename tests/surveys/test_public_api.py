"""The respondent's API: GET and PUT /api/v1/public/responses/{token}/ — shapes, status codes,
no authentication or CSRF, the token rate limit, query counts and the OpenAPI entry."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from surveys import ratelimit
from surveys.models import Answer, Campaign, Response
from tests.municipalities.factories import UserFactory
from tests.surveys.answering import complete_answers, minimal_answers, rate_limit_reset, survey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    for address in ("127.0.0.1", "10.0.0.1", "10.0.0.2"):
        rate_limit_reset(address)
    yield
    for address in ("127.0.0.1", "10.0.0.1", "10.0.0.2"):
        rate_limit_reset(address)


@pytest.fixture
def s():
    return survey()


def url(token: str) -> str:
    return f"/api/v1/public/responses/{token}/"


def put(client, token, answers, submit=False, **extra):
    return client.put(url(token), {"answers": answers, "submit": submit}, format="json", **extra)


# --- reading ---------------------------------------------------------------------------------


def test_get_answers_with_the_frozen_questionnaire_and_status_new(api_client, s):
    response = api_client.get(url(s.token))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"questionnaire", "answers", "status", "submitted_at", "campaign"}
    assert body["questionnaire"] == s.version.schema
    assert body["answers"] == {}
    assert body["status"] == "new"
    assert body["submitted_at"] is None
    assert body["campaign"]["title"] == s.campaign.title
    assert body["campaign"]["open"] is True
    assert dt.datetime.fromisoformat(body["campaign"]["closes_at"]) == s.campaign.closes_at
    assert dt.datetime.fromisoformat(body["campaign"]["opens_at"]) == s.campaign.opens_at
    question = body["questionnaire"]["questions"][0]
    assert set(question) >= {"id", "type", "text", "required", "options", "rows"}
    # Answers are personal: no cache keeps them.
    assert set(response["Cache-Control"].split(", ")) == {"no-store", "private"}


def test_get_costs_one_query(api_client, s, django_assert_max_num_queries):
    put(api_client, s.token, {str(s.ids.readiness): 3})
    with django_assert_max_num_queries(1):
        assert api_client.get(url(s.token)).status_code == 200


@pytest.mark.parametrize("token", ["unknown", "A" * 43, "x" * 300])
def test_an_unknown_token_is_a_plain_404(api_client, s, token):
    response = api_client.get(url(token))
    assert response.status_code == 404
    # The same answer whatever the token looks like: nothing to learn from it.
    assert response.json() == api_client.get(url("something-else")).json()
    assert set(response.json()) == {"detail"}
    written = put(api_client, token, {})
    assert (written.status_code, written.json()) == (404, response.json())


def test_no_authentication_and_no_csrf_are_needed(s):
    # A browser client that also holds a session of some user: the public API ignores it,
    # so no CSRF token is asked for either.
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    assert client.get(url(s.token)).status_code == 200
    response = put(client, s.token, {str(s.ids.readiness): 4})
    assert response.status_code == 200, response.content
    assert APIClient().get(url(s.token)).json()["answers"] == {str(s.ids.readiness): 4}


def test_a_closed_campaign_still_reads_but_says_it_is_not_open(api_client):
    s = survey(status=Campaign.Status.CLOSED)
    body = api_client.get(url(s.token)).json()
    assert body["campaign"]["open"] is False
    assert body["status"] == "new"


# --- saving and submitting ---------------------------------------------------------------------


def test_put_saves_and_answers_with_the_same_shape(api_client, s, django_assert_max_num_queries):
    ids = s.ids
    with django_assert_max_num_queries(5):
        response = put(
            api_client, s.token, {str(ids.agreements): str(ids.yes), str(ids.projects): "7"}
        )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "in_progress"
    assert body["answers"] == {str(ids.agreements): ids.yes, str(ids.projects): 7}
    assert body["questionnaire"] == s.version.schema
    assert api_client.get(url(s.token)).json()["answers"] == body["answers"]


def test_put_replaces_the_answers(api_client, s):
    put(api_client, s.token, {str(s.ids.sphere): "Туризм"})
    body = put(api_client, s.token, {str(s.ids.comment): "Позже"}).json()
    assert body["answers"] == {str(s.ids.comment): "Позже"}


def test_wrong_answers_get_400_with_messages_per_question(api_client, s):
    ids = s.ids
    response = put(api_client, s.token, {str(ids.readiness): 9, str(ids.projects): -1, "0": 1})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_answers"
    assert set(body["answers"]) == {str(ids.readiness), str(ids.projects), "0"}
    assert all(isinstance(m, list) and m for m in body["answers"].values())
    assert not Response.objects.exists()


@pytest.mark.parametrize("text", ["Туризм\x00", "Туризм\ud800"])
def test_text_the_database_cannot_hold_gets_400_not_a_server_error(api_client, s, text):
    # Sent as a browser's JSON.stringify would: a lone surrogate travels as a \u escape.
    body = json.dumps({"answers": {str(s.ids.sphere): text}, "submit": False})
    response = api_client.put(url(s.token), body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["answers"]) == {str(s.ids.sphere)}
    assert not Response.objects.exists()


def test_a_submit_missing_required_answers_gets_400_and_changes_nothing(api_client, s):
    put(api_client, s.token, {str(s.ids.sphere): "Туризм"})
    response = put(api_client, s.token, {str(s.ids.readiness): 3}, submit=True)
    assert response.status_code == 400
    assert set(response.json()["answers"]) == {str(s.ids.agreements), str(s.ids.obstacles)}
    assert api_client.get(url(s.token)).json()["answers"] == {str(s.ids.sphere): "Туризм"}


@pytest.mark.parametrize(
    "body",
    [{"answers": [1, 2]}, {"answers": "x"}, {}, {"answers": {}, "submit": "maybe"}],
)
def test_a_malformed_body_gets_400_field_errors(api_client, s, body):
    response = api_client.put(url(s.token), body, format="json")
    assert response.status_code == 400
    assert set(response.json()) & {"answers", "submit"}


def test_submit_then_a_second_submit_is_409(api_client, s, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        first = put(api_client, s.token, complete_answers(s.ids), submit=True)
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["status"] == "submitted"
    assert body["submitted_at"]
    second = put(api_client, s.token, complete_answers(s.ids), submit=True)
    assert second.status_code == 409
    assert second.json()["code"] == "already_submitted"
    later_save = put(api_client, s.token, {})
    assert (later_save.status_code, later_save.json()["code"]) == (409, "already_submitted")
    assert Answer.objects.count() == 11
    read = api_client.get(url(s.token)).json()
    assert (read["status"], read["answers"]) == ("submitted", complete_answers(s.ids))


@pytest.mark.parametrize(
    ("status", "opens", "code"),
    [
        (Campaign.Status.CLOSED, -1, "campaign_closed"),
        (Campaign.Status.DRAFT, -1, "campaign_not_open"),
        (Campaign.Status.OPEN, 2, "campaign_not_open"),
    ],
)
def test_a_campaign_not_taking_answers_gets_409(api_client, status, opens, code):
    s = survey(status=status, opens_at=timezone.now() + dt.timedelta(days=opens))
    response = put(api_client, s.token, minimal_answers(s.ids), submit=True)
    assert response.status_code == 409
    assert response.json()["code"] == code
    assert response.json()["detail"]


# --- rate limit ------------------------------------------------------------------------------


def test_more_than_20_unknown_tokens_block_the_address_for_any_token(api_client, s):
    for n in range(ratelimit.MISS_LIMIT):
        assert api_client.get(url(f"guess-{n}")).status_code == 404
    blocked = api_client.get(url("guess-again"))
    assert blocked.status_code == 429
    assert blocked.json()["code"] == "rate_limited"
    assert blocked.json()["detail"]
    assert 0 < int(blocked["Retry-After"]) <= ratelimit.WINDOW_SECONDS
    # Any token, even a valid one, and writes too.
    assert api_client.get(url(s.token)).status_code == 429
    assert put(api_client, s.token, {}).status_code == 429
    # Another address is not affected.
    assert api_client.get(url(s.token), REMOTE_ADDR="10.0.0.1").status_code == 200


def test_valid_tokens_are_not_counted(api_client, s):
    for _ in range(ratelimit.MISS_LIMIT + 5):
        assert api_client.get(url(s.token), REMOTE_ADDR="10.0.0.2").status_code == 200
    for n in range(ratelimit.MISS_LIMIT - 1):
        assert api_client.get(url(f"guess-{n}"), REMOTE_ADDR="10.0.0.2").status_code == 404
    assert api_client.get(url(s.token), REMOTE_ADDR="10.0.0.2").status_code == 200


def test_unknown_tokens_in_writes_count_too(api_client, s):
    for n in range(ratelimit.MISS_LIMIT):
        assert put(api_client, f"guess-{n}", {}).status_code == 404
    assert api_client.get(url(s.token)).status_code == 429


def test_the_block_ends_with_the_window(api_client, s):
    for n in range(ratelimit.MISS_LIMIT):
        api_client.get(url(f"guess-{n}"))
    assert api_client.get(url(s.token)).status_code == 429
    rate_limit_reset()  # what the cache's expiry does when the window ends
    assert api_client.get(url(s.token)).status_code == 200


# --- OpenAPI ---------------------------------------------------------------------------------


def test_the_public_endpoint_is_documented_without_authentication():
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    schema = json.loads(out.getvalue())
    path = schema["paths"]["/api/v1/public/responses/{token}/"]
    assert set(path) >= {"get", "put"}
    for method in ("get", "put"):
        operation = path[method]
        # No security requirement (and none is global): anybody with the link may call it.
        assert operation.get("security") in (None, [], [{}])
        assert {"200", "404", "429"} <= set(operation["responses"])
    assert {"400", "409"} <= set(path["put"]["responses"])
    components = schema["components"]["schemas"]
    assert "RespondentResponse" in components
    assert set(components["RespondentAnswersRequest"]["properties"]) == {"answers", "submit"}
