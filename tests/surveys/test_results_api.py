"""The results and exports API of a campaign: who may call it, what it answers, its shape."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from core.models import DocumentExport
from tests.municipalities.factories import UserFactory
from tests.surveys.results_data import make_places, make_survey, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    places = make_places()
    survey = make_survey()
    submit(
        survey,
        places.sokolsky,
        survey.answers(
            single="Да",
            multiple=("Совместные проекты",),
            scale=4,
            number=7,
            long="Нужны общие проекты.",
            matrix={"Дороги": 5},
        ),
    )
    submit(survey, places.cherepovets, survey.answers(single="Нет", scale=2))
    survey.places = places
    return survey


def _results_url(campaign_id):
    return reverse("campaign-results", args=[campaign_id])


def _exports_url(campaign_id):
    return reverse("campaign-exports", args=[campaign_id])


def test_results_need_an_administrator(api_client, survey):
    url = _results_url(survey.campaign.pk)
    assert api_client.get(url).status_code == 401
    api_client.force_authenticate(UserFactory())
    refused = api_client.get(url)
    assert refused.status_code == 403
    assert "questions" not in refused.json()


def test_results_of_an_unknown_campaign(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    assert api_client.get(_results_url(999_999)).status_code == 404


def test_results_shape(api_client, admin_user, survey):
    api_client.force_authenticate(admin_user)

    response = api_client.get(_results_url(survey.campaign.pk))

    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"respondents", "invited", "response_rate", "questions", "municipalities"}
    assert (body["respondents"], body["invited"], body["response_rate"]) == (2, 2, 1.0)
    by_type = {q["type"]: q for q in body["questions"]}
    assert set(by_type) == {
        "single_choice",
        "multiple_choice",
        "scale",
        "number",
        "short_text",
        "long_text",
        "matrix",
    }
    for question in body["questions"]:
        assert {"id", "type", "text", "answered", "options"} <= set(question)
    single = by_type["single_choice"]
    assert single["id"] == survey.single.pk
    assert [set(o) for o in single["options"]] == [{"id", "text", "count", "share"}] * 3
    assert single["options"][0] == {
        "id": survey.option(survey.single, "Да"),
        "text": "Да",
        "count": 1,
        "share": 0.5,
    }
    assert set(single["breakdowns"]) == {"kind", "size_class", "region"}
    assert (by_type["scale"]["mean"], by_type["scale"]["median"]) == (3.0, 3.0)
    assert by_type["scale"]["distribution"][3] == {"value": 4, "count": 1}
    assert by_type["long_text"]["texts"] == ["Нужны общие проекты."]
    assert by_type["matrix"]["rows"][0]["mean"] == 5.0
    assert body["municipalities"][0] == {
        "oktmo": "19638000",
        "name": "Сокольский муниципальный округ",
        "invited": 1,
        "respondents": 1,
        "response_rate": 1.0,
    }


def test_results_without_breakdowns_and_a_bad_parameter(api_client, admin_user, survey):
    api_client.force_authenticate(admin_user)
    url = _results_url(survey.campaign.pk)

    plain = api_client.get(url, {"breakdown": "false"}).json()
    assert all("breakdowns" not in q for q in plain["questions"])
    refused = api_client.get(url, {"breakdown": "maybe"})
    assert refused.status_code == 400
    assert "breakdown" in refused.json()


def test_polling_with_the_etag_answers_304_until_a_response_arrives(api_client, admin_user, survey):
    api_client.force_authenticate(admin_user)
    url = _results_url(survey.campaign.pk)
    first = api_client.get(url)
    etag = first["ETag"]
    assert first["Cache-Control"] == "private, no-cache"

    unchanged = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged["ETag"] == etag

    submit(survey, survey.places.kotlas, survey.answers(single="Да"))
    changed = api_client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["respondents"] == 3


# --- exports ---------------------------------------------------------------------------------


def test_export_request_makes_a_job_and_the_same_content_reuses_it(
    api_client, admin_user, survey, django_capture_on_commit_callbacks
):
    api_client.force_authenticate(admin_user)
    url = _exports_url(survey.campaign.pk)

    with django_capture_on_commit_callbacks(execute=False):
        created = api_client.post(url, {"format": "xlsx"}, format="json")
    assert created.status_code == 202
    body = created.json()
    assert {"id", "status"} <= set(body)
    assert body["status"] == "pending"
    assert created["Location"] == reverse("export-detail", args=[body["id"]])
    export = DocumentExport.objects.get(pk=body["id"])
    assert (export.kind, export.object_id, export.format) == (
        "campaign_report",
        survey.campaign.pk,
        "xlsx",
    )

    with django_capture_on_commit_callbacks(execute=False):
        again = api_client.post(url, {"format": "xlsx"}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]

    # A new response is new content: a new job.
    submit(survey, survey.places.kotlas, survey.answers(single="Да"))
    with django_capture_on_commit_callbacks(execute=False):
        newer = api_client.post(url, {"format": "xlsx"}, format="json")
    assert newer.status_code == 202
    assert newer.json()["id"] != body["id"]

    polled = api_client.get(reverse("export-detail", args=[body["id"]]))
    assert polled.status_code == 200
    assert polled.json()["status"] == "pending"


@pytest.mark.parametrize("payload", [{"format": "docx"}, {}])
def test_export_request_refuses_an_unknown_format(api_client, admin_user, survey, payload):
    api_client.force_authenticate(admin_user)
    response = api_client.post(_exports_url(survey.campaign.pk), payload, format="json")
    assert response.status_code == 400
    assert "format" in response.json()
    assert not DocumentExport.objects.exists()


def test_export_request_needs_an_administrator(api_client, survey):
    url = _exports_url(survey.campaign.pk)
    assert api_client.post(url, {"format": "csv"}, format="json").status_code == 401
    user = UserFactory()
    api_client.force_authenticate(user)
    assert api_client.post(url, {"format": "csv"}, format="json").status_code == 403
    assert not DocumentExport.objects.exists()


def test_export_request_of_an_unknown_campaign(api_client, admin_user):
    api_client.force_authenticate(admin_user)
    assert (
        api_client.post(_exports_url(999_999), {"format": "pdf"}, format="json").status_code == 404
    )


def test_export_jobs_are_hidden_from_other_users(api_client, admin_user, survey):
    api_client.force_authenticate(admin_user)
    job = api_client.post(_exports_url(survey.campaign.pk), {"format": "csv"}, format="json")
    api_client.force_authenticate(UserFactory())
    assert api_client.get(reverse("export-detail", args=[job.json()["id"]])).status_code == 404


def test_results_and_exports_are_in_the_openapi_schema():
    out = io.StringIO()
    call_command("spectacular", "--format", "openapi-json", stdout=out)
    schema = out.getvalue()
    assert '"/api/v1/campaigns/{id}/results/"' in schema
    assert '"/api/v1/campaigns/{id}/exports/"' in schema
    assert '"CampaignResults"' in schema
