"""The survey administration API: who may call it, the shapes of the contract, ETag/If-Match,
the invitation link shown once, the import report, query counts."""

import datetime as dt
import io
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditLog
from surveys import services
from surveys.models import Campaign, Invitation, QuestionType
from surveys.tokens import token_hash
from tests.municipalities.factories import (
    MembershipFactory,
    MunicipalityFactory,
    TownFactory,
    UserFactory,
)
from tests.surveys.factories import (
    CampaignFactory,
    InvitationFactory,
    QuestionFactory,
    QuestionnaireFactory,
    QuestionnaireVersionFactory,
    ResponseFactory,
    choice_question,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def staff_client(admin_user):
    client = APIClient()
    client.force_authenticate(admin_user)
    return client


@pytest.fixture
def queued():
    with mock.patch("surveys.tasks.send_invitation.delay") as delay:
        yield delay


@pytest.fixture
def sokol():
    return MunicipalityFactory(oktmo="19638000", name="Сокольский муниципальный округ")


@pytest.fixture
def published_questionnaire():
    questionnaire = QuestionnaireFactory(title="Сотрудничество")
    choice_question(questionnaire, options=("Да", "Нет"))
    QuestionnaireVersionFactory(questionnaire=questionnaire)
    return questionnaire


def later(days: int) -> str:
    return (timezone.now() + dt.timedelta(days=days)).isoformat()


# --- permissions ------------------------------------------------------------------------------


def _endpoints(ids: dict) -> list[tuple[str, str, dict]]:
    q, qv, question, c = ids["q"], ids["qv"], ids["question"], ids["c"]
    return [
        ("get", "/questionnaires/", {}),
        ("post", "/questionnaires/", {"title": "Новая анкета"}),
        ("get", f"/questionnaires/{q}/", {}),
        ("patch", f"/questionnaires/{q}/", {"title": "Другая"}),
        ("post", f"/questionnaires/{q}/questions/", {"type": "short_text", "text": "Вопрос"}),
        ("post", f"/questionnaires/{q}/publish/", {}),
        ("get", f"/questionnaire-versions/{qv}/", {}),
        ("get", f"/questions/{question}/", {}),
        ("patch", f"/questions/{question}/", {"text": "Новый"}),
        ("post", f"/questions/{question}/move/", {"direction": "down"}),
        ("delete", f"/questions/{question}/", {}),
        ("get", "/campaigns/", {}),
        (
            "post",
            "/campaigns/",
            {
                "questionnaire": q,
                "title": "Опрос",
                "opens_at": later(0),
                "closes_at": later(10),
                "municipalities": ["19638000"],
                "anonymous": True,
            },
        ),
        ("get", f"/campaigns/{c}/", {}),
        ("patch", f"/campaigns/{c}/", {"title": "Другой"}),
        ("get", f"/campaigns/{c}/invitations/", {}),
        (
            "post",
            f"/campaigns/{c}/invitations/",
            {"name": "Иванов", "position": "Глава", "email": "i@example.org", "oktmo": "19638000"},
        ),
        ("post", f"/campaigns/{c}/invitations/import/", {}),
        ("post", f"/campaigns/{c}/invitations/{ids['invitation']}/reissue/", {}),
        ("post", f"/campaigns/{c}/open/", {}),
        ("post", f"/campaigns/{c}/close/", {}),
    ]


@pytest.mark.parametrize("who", ["anon", "member", "coordinator_staffless"])
def test_nobody_but_administrators_reaches_any_endpoint(who, sokol, published_questionnaire):
    campaign = CampaignFactory(
        questionnaire_version=published_questionnaire.versions.get(), municipalities=[sokol]
    )
    ids = {
        "q": published_questionnaire.pk,
        "qv": published_questionnaire.versions.get().pk,
        "question": published_questionnaire.questions.get().pk,
        "c": campaign.pk,
        "invitation": InvitationFactory(campaign=campaign, municipality=sokol).pk,
    }
    hashes = list(Invitation.objects.values_list("token_hash", flat=True))
    client = APIClient()
    expected = 401
    if who != "anon":
        user = UserFactory(username=who)
        MembershipFactory(
            user=user, municipality=sokol, role="coordinator" if "coord" in who else "viewer"
        )
        client.force_authenticate(user)
        expected = 403
    for method, path, body in _endpoints(ids):
        response = getattr(client, method)(f"{API}{path}", body, format="json")
        assert response.status_code == expected, (method, path, response.content)
    assert Campaign.objects.count() == 1
    assert list(Invitation.objects.values_list("token_hash", flat=True)) == hashes


def test_token_authentication_works_and_staff_passes(admin_user, published_questionnaire):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=admin_user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"{API}/questionnaires/").status_code == 200
    assert client.get(f"{API}/campaigns/").status_code == 200


def test_an_inactive_staff_user_is_refused(published_questionnaire):
    user = UserFactory(username="former", is_staff=True, is_active=False)
    client = APIClient()
    client.force_authenticate(user)
    assert client.get(f"{API}/questionnaires/").status_code == 403


# --- questionnaires ---------------------------------------------------------------------------


def test_the_questionnaire_list_carries_id_title_and_versions(
    staff_client, published_questionnaire, django_assert_max_num_queries
):
    for _ in range(3):
        other = QuestionnaireFactory()
        QuestionFactory(questionnaire=other)
        QuestionnaireVersionFactory(questionnaire=other)
        QuestionnaireVersionFactory(questionnaire=other)
    with django_assert_max_num_queries(6):
        response = staff_client.get(f"{API}/questionnaires/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    item = next(i for i in body["results"] if i["id"] == published_questionnaire.pk)
    assert item["title"] == "Сотрудничество"
    version = published_questionnaire.versions.get()
    assert item["versions"] == [
        {
            "id": version.pk,
            "number": 1,
            "published_at": response.json()["results"][-1]["versions"][0]["published_at"],
        }
    ]
    assert {"id", "title", "versions"} <= set(item)


def test_build_publish_and_read_a_version_through_the_api(staff_client):
    created = staff_client.post(
        f"{API}/questionnaires/", {"title": "Анкета", "description": "Для глав"}, format="json"
    )
    assert created.status_code == 201
    q = created.json()["id"]
    assert created.json()["versions"] == []
    assert created.json()["has_unpublished_changes"] is True
    etag = created["ETag"]
    choice = staff_client.post(
        f"{API}/questionnaires/{q}/questions/",
        {
            "type": "multiple_choice",
            "text": "Какие формы сотрудничества используются?",
            "options": ["Соглашения", "Совет МО", {"text": "Проекты"}],
            "has_other": True,
            "required": True,
        },
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert choice.status_code == 201, choice.json()
    choice_body = choice.json()
    assert [o["text"] for o in choice_body["options"]] == ["Соглашения", "Совет МО", "Проекты"]
    option = choice_body["options"][1]["id"]
    # The ETag moved on: the old one is stale now.
    stale = staff_client.post(
        f"{API}/questionnaires/{q}/questions/",
        {"type": "short_text", "text": "Ещё"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    assert stale.status_code == 412
    follow = staff_client.post(
        f"{API}/questionnaires/{q}/questions/",
        {
            "type": "scale",
            "text": "Насколько полезен совет?",
            "scale_min_label": "бесполезен",
            "scale_max_label": "очень полезен",
            "condition": {"question": choice_body["id"], "option": option},
        },
        format="json",
    )
    assert follow.status_code == 201
    assert follow.json()["condition"] == {"question": choice_body["id"], "option": option}
    bad = staff_client.post(
        f"{API}/questionnaires/{q}/questions/",
        {"type": "single_choice", "text": "Один вариант", "options": ["Да"]},
        format="json",
    )
    assert bad.status_code == 400
    assert "options" in bad.json()["errors"]
    published = staff_client.post(f"{API}/questionnaires/{q}/publish/")
    assert published.status_code == 201
    version = published.json()
    assert version["number"] == 1
    assert [question["type"] for question in version["questions"]] == [
        "multiple_choice",
        "scale",
    ]
    first = version["questions"][0]
    assert {"id", "type", "text", "required", "options", "rows"} <= set(first)
    assert first["options"][1] == {"id": option, "text": "Совет МО"}
    again = staff_client.post(f"{API}/questionnaires/{q}/publish/")
    assert again.status_code == 409
    assert again.json()["code"] == "no_changes"
    read = staff_client.get(f"{API}/questionnaire-versions/{version['id']}/")
    assert read.status_code == 200
    assert read.json()["questions"] == version["questions"]
    detail = staff_client.get(f"{API}/questionnaires/{q}/").json()
    assert detail["has_unpublished_changes"] is False
    assert [v["number"] for v in detail["versions"]] == [1]
    assert len(detail["questions"]) == 2


def test_question_patch_delete_and_move(staff_client):
    questionnaire = QuestionnaireFactory()
    question = choice_question(questionnaire, options=("Да", "Нет"))
    second = QuestionFactory(questionnaire=questionnaire, text="Второй")
    yes, no = question.options.all()
    patched = staff_client.patch(
        f"{API}/questions/{question.pk}/",
        {"text": "Изменён", "options": [{"id": yes.pk, "text": "Да!"}, "Может быть"]},
        format="json",
    )
    assert patched.status_code == 200, patched.json()
    options = patched.json()["options"]
    assert options[0] == {"id": yes.pk, "text": "Да!"}
    assert options[1]["text"] == "Может быть"
    assert options[1]["id"] != no.pk
    malformed = staff_client.patch(
        f"{API}/questions/{question.pk}/", {"options": [{"id": "x", "text": "a"}]}, format="json"
    )
    assert malformed.status_code == 400
    moved = staff_client.post(
        f"{API}/questions/{second.pk}/move/", {"direction": "up"}, format="json"
    )
    assert moved.status_code == 200
    order = staff_client.get(f"{API}/questionnaires/{questionnaire.pk}/").json()["questions"]
    assert [q["id"] for q in order] == [second.pk, question.pk]
    stale = staff_client.delete(f"{API}/questions/{second.pk}/", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert staff_client.delete(f"{API}/questions/{second.pk}/").status_code == 204
    assert staff_client.get(f"{API}/questions/{second.pk}/").status_code == 404


def test_a_questionnaire_title_changes_with_or_without_if_match(staff_client):
    questionnaire = QuestionnaireFactory()
    url = f"{API}/questionnaires/{questionnaire.pk}/"
    changed = staff_client.patch(url, {"title": "Новое"}, format="json")
    assert changed.status_code == 200
    assert changed.json()["title"] == "Новое"
    assert changed["ETag"] == '"2"'
    assert (
        staff_client.patch(url, {"title": "Х"}, format="json", HTTP_IF_MATCH='"1"').status_code
        == 412
    )
    assert staff_client.patch(url, {"title": ""}, format="json").status_code == 400


# --- campaigns --------------------------------------------------------------------------------


def test_create_a_campaign_with_exactly_the_contract_fields(
    staff_client, sokol, published_questionnaire
):
    response = staff_client.post(
        f"{API}/campaigns/",
        {
            "questionnaire": published_questionnaire.pk,
            "title": "Опрос глав администраций",
            "opens_at": later(0),
            "closes_at": later(30),
            "municipalities": ["19638000"],
            "anonymous": False,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["questionnaire"] == published_questionnaire.pk
    assert body["questionnaire_version"]["id"] == published_questionnaire.versions.get().pk
    assert body["municipalities"] == ["19638000"]
    assert body["anonymous"] is False
    assert (body["max_reminders"], body["reminder_interval_days"]) == (2, 3)
    assert response["ETag"] == f'"{body["version"]}"'


def test_campaign_targets_by_criteria(staff_client, published_questionnaire):
    small = MunicipalityFactory(oktmo="19638000")
    small.main_town = TownFactory(municipality=small, population=10_000)
    small.save()
    big = MunicipalityFactory(oktmo="19730000", kind="urban_okrug")
    big.main_town = TownFactory(municipality=big, population=300_000)
    big.save()
    MunicipalityFactory(oktmo="11605000", region__code="11", region__name="Архангельская")
    response = staff_client.post(
        f"{API}/campaigns/",
        {
            "questionnaire": published_questionnaire.pk,
            "title": "Малые города",
            "opens_at": later(0),
            "closes_at": later(30),
            "region": "19",
            "size_classes": ["small"],
            "municipalities": ["11605000"],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["municipalities"] == ["11605000", "19638000"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"municipalities": ["99999999"]}, "municipalities"),
        ({"questionnaire": 10**9}, "questionnaire"),
        ({"closes_at": "вчера"}, "closes_at"),
        ({"kinds": ["village"]}, "kinds"),
    ],
)
def test_malformed_campaigns_are_refused(staff_client, published_questionnaire, change, field):
    body = {
        "questionnaire": published_questionnaire.pk,
        "title": "Опрос",
        "opens_at": later(0),
        "closes_at": later(30),
        "municipalities": [],
        "anonymous": True,
        **change,
    }
    response = staff_client.post(f"{API}/campaigns/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_a_campaign_of_an_unpublished_questionnaire_is_400(staff_client):
    questionnaire = QuestionnaireFactory()
    response = staff_client.post(
        f"{API}/campaigns/",
        {
            "questionnaire": questionnaire.pk,
            "title": "Опрос",
            "opens_at": later(0),
            "closes_at": later(30),
            "municipalities": [],
            "anonymous": True,
        },
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "not_published"


def test_campaign_patch_needs_if_match_and_only_in_draft(staff_client, sokol, queued):
    campaign = CampaignFactory(municipalities=[sokol])
    url = f"{API}/campaigns/{campaign.pk}/"
    assert staff_client.patch(url, {"title": "Х"}, format="json").status_code == 428
    etag = staff_client.get(url)["ETag"]
    changed = staff_client.patch(url, {"title": "Новый"}, format="json", HTTP_IF_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json()["title"] == "Новый"
    assert (
        staff_client.patch(url, {"title": "Y"}, format="json", HTTP_IF_MATCH=etag).status_code
        == 412
    )
    opened = staff_client.post(f"{url}open/")
    assert opened.status_code == 200
    assert opened.json()["status"] == "open"
    refused = staff_client.patch(url, {"title": "Z"}, format="json", HTTP_IF_MATCH=opened["ETag"])
    assert refused.status_code == 409
    assert staff_client.post(f"{url}open/").status_code == 409
    closed = staff_client.post(f"{url}close/", {"note": "Готово"}, format="json")
    assert closed.json()["status"] == "closed"
    assert list(campaign.events.values_list("to_status", flat=True)) == ["open", "closed"]


def test_opening_without_municipalities_is_400(staff_client):
    campaign = CampaignFactory()
    response = staff_client.post(f"{API}/campaigns/{campaign.pk}/open/")
    assert response.status_code == 400
    assert "municipalities" in response.json()["errors"]


def test_the_campaign_list_filters_by_status_in_few_queries(
    staff_client, sokol, django_assert_max_num_queries
):
    for _ in range(4):
        InvitationFactory(campaign=CampaignFactory(), municipality=sokol)
    CampaignFactory(status="open")
    with django_assert_max_num_queries(5):
        response = staff_client.get(f"{API}/campaigns/")
    assert response.json()["count"] == 5
    assert {c["invitation_count"] for c in response.json()["results"]} == {0, 1}
    assert staff_client.get(f"{API}/campaigns/?status=open").json()["count"] == 1
    assert staff_client.get(f"{API}/campaigns/?status=nope").status_code == 400


# --- invitations ------------------------------------------------------------------------------


def test_an_invitation_answers_with_its_link_once(staff_client, sokol, settings):
    settings.SITE_URL = "https://jointplan.example.org"
    campaign = CampaignFactory(municipalities=[sokol])
    url = f"{API}/campaigns/{campaign.pk}/invitations/"
    response = staff_client.post(
        url,
        {
            "name": "Петров Пётр",
            "position": "Глава",
            "email": "petrov@example.org",
            "oktmo": "19638000",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["link"].startswith("https://jointplan.example.org/s/")
    token = body["link"].rstrip("/").rsplit("/", 1)[1]
    assert Invitation.objects.get(pk=body["id"]).token_hash == token_hash(token)
    assert (body["oktmo"], body["email"], body["sent_at"]) == (
        "19638000",
        "petrov@example.org",
        None,
    )
    listed = staff_client.get(url).json()
    assert listed["count"] == 1
    assert "link" not in listed["results"][0]
    assert token not in str(listed)
    duplicate = staff_client.post(
        url,
        {"name": "Петров", "position": "", "email": "PETROV@example.org", "oktmo": "19638000"},
        format="json",
    )
    assert duplicate.status_code == 400
    assert "email" in duplicate.json()["errors"]
    foreign = staff_client.post(
        url,
        {"name": "Х", "position": "", "email": "x@example.org", "oktmo": "19730000"},
        format="json",
    )
    assert foreign.status_code == 400
    assert "oktmo" in foreign.json()["errors"]


def test_a_link_given_in_a_draft_still_opens_the_form_after_opening_and_every_e_mail(
    staff_client, sokol, queued, settings, django_capture_on_commit_callbacks
):
    """The contract's check: create → invite → open → answer. The link the API gave when the
    campaign was a draft is the one every e-mail carries, and it keeps working."""
    settings.SITE_URL = "https://jointplan.example.org"
    campaign = CampaignFactory(municipalities=[sokol], max_reminders=2, reminder_interval_days=3)
    body = staff_client.post(
        f"{API}/campaigns/{campaign.pk}/invitations/",
        {"name": "Петров Пётр", "position": "Глава", "email": "p@example.org", "oktmo": "19638000"},
        format="json",
    ).json()
    link = body["link"]
    token = link.rstrip("/").rsplit("/", 1)[1]
    public = APIClient()

    def opens() -> bool:
        return public.get(f"{API}/public/responses/{token}/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(f"{API}/campaigns/{campaign.pk}/open/").status_code == 200
    queued.assert_called_once_with(body["id"])
    assert opens()
    # The sweeper finds the e-mail still unsent (the broker lost it) and queues it again.
    with django_capture_on_commit_callbacks(execute=True):
        later = timezone.now() + dt.timedelta(minutes=6)
        assert services.invitations_sweep_unsent(now=later) == 1
    assert opens()
    # The invitation e-mail, then a reminder: both carry the very link the API gave.
    assert services.invitation_send(invitation_id=body["id"]) is True
    reminded_at = timezone.now() + dt.timedelta(days=4)
    assert services.invitation_remind(invitation_id=body["id"], now=reminded_at) is True
    assert [link in message.body for message in mail.outbox] == [True, True]
    assert opens()
    answered = public.put(
        f"{API}/public/responses/{token}/", {"answers": {}, "submit": False}, format="json"
    )
    assert answered.status_code == 200, answered.content


def test_a_new_link_through_the_api(staff_client, sokol, queued, settings):
    settings.SITE_URL = "https://jointplan.example.org"
    campaign = CampaignFactory(municipalities=[sokol], status="open")
    created = staff_client.post(
        f"{API}/campaigns/{campaign.pk}/invitations/",
        {"name": "Петров", "position": "", "email": "p@example.org", "oktmo": "19638000"},
        format="json",
    ).json()
    old = created["link"].rstrip("/").rsplit("/", 1)[1]
    url = f"{API}/campaigns/{campaign.pk}/invitations/{created['id']}/reissue/"
    response = staff_client.post(url)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == created["id"]
    assert body["link"].startswith("https://jointplan.example.org/s/")
    new = body["link"].rstrip("/").rsplit("/", 1)[1]
    assert new != old
    public = APIClient()
    assert public.get(f"{API}/public/responses/{old}/").status_code == 404
    assert public.get(f"{API}/public/responses/{new}/").status_code == 200
    assert AuditLog.objects.filter(action="invitation.reissue").count() == 1
    # Only under its own campaign.
    other = CampaignFactory(municipalities=[sokol])
    wrong = f"{API}/campaigns/{other.pk}/invitations/{created['id']}/reissue/"
    assert staff_client.post(wrong).status_code == 404
    Invitation.objects.filter(pk=created["id"]).update(submitted_at=timezone.now())
    refused = staff_client.post(url)
    assert refused.status_code == 409
    assert refused.json()["code"] == "already_submitted"


def test_a_campaign_past_its_closing_time_refuses_invitations_with_400(staff_client, sokol):
    now = timezone.now()
    campaign = CampaignFactory(
        municipalities=[sokol],
        status="open",
        opens_at=now - dt.timedelta(days=9),
        closes_at=now - dt.timedelta(minutes=1),
    )
    response = staff_client.post(
        f"{API}/campaigns/{campaign.pk}/invitations/",
        {"name": "Х", "position": "", "email": "x@example.org", "oktmo": "19638000"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "campaign_ended"
    assert body["detail"]


@pytest.mark.parametrize("anonymous", [True, False])
def test_the_invitation_list_hides_the_submission_time_of_anonymous_campaigns(
    staff_client, sokol, anonymous
):
    campaign = CampaignFactory(municipalities=[sokol], anonymous=anonymous)
    InvitationFactory(campaign=campaign, municipality=sokol, submitted_at=timezone.now())
    InvitationFactory(
        campaign=campaign,
        municipality=sokol,
        send_failed_at=timezone.now(),
        send_attempts=1,
        send_error="550 5.1.1 User unknown",
    )
    answered, failed = staff_client.get(f"{API}/campaigns/{campaign.pk}/invitations/").json()[
        "results"
    ]
    assert answered["submitted"] is True
    assert (answered["submitted_at"] is None) is anonymous
    assert failed["submitted"] is False
    assert failed["submitted_at"] is None
    assert failed["send_failed_at"]
    assert failed["send_error"] == "550 5.1.1 User unknown"


def test_the_invitation_list_is_paginated_in_few_queries(
    staff_client, sokol, django_assert_max_num_queries
):
    campaign = CampaignFactory(municipalities=[sokol])
    for _ in range(30):
        InvitationFactory(campaign=campaign, municipality=sokol)
    url = f"{API}/campaigns/{campaign.pk}/invitations/?page_size=10"
    with django_assert_max_num_queries(6):
        response = staff_client.get(url)
    assert response.json()["count"] == 30
    assert len(response.json()["results"]) == 10
    assert response.json()["next"]


def test_the_import_reports_rows_and_links(staff_client, sokol):
    campaign = CampaignFactory(municipalities=[sokol])
    url = f"{API}/campaigns/{campaign.pk}/invitations/import/"
    good = "name;position;email;oktmo\r\nПетров;Глава;p@example.org;19638000\r\n".encode()
    upload = io.BytesIO(b"\xef\xbb\xbf" + good)
    upload.name = "list.csv"
    response = staff_client.post(url, {"file": upload}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ok"] is True
    assert body["created"][0]["email"] == "p@example.org"
    assert body["created"][0]["link"]
    bad = io.BytesIO(
        "name,position,email,oktmo\r\nИванов,Глава,bad,19638000\r\nКузнецов,,k@x.org,1\r\n".encode()
    )
    bad.name = "list.csv"
    response = staff_client.post(url, {"file": bad}, format="multipart")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "import_failed"
    assert [e["row"] for e in body["errors"]] == [2, 3]
    assert body["created"] == []
    assert Invitation.objects.count() == 1
    unreadable = io.BytesIO(b"garbage")
    unreadable.name = "list.xlsx"
    response = staff_client.post(url, {"file": unreadable}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"][0]["row"] == 1
    assert staff_client.post(url, {}, format="multipart").status_code == 400


def test_a_closed_campaign_refuses_invitations_with_409(staff_client, sokol):
    campaign = CampaignFactory(municipalities=[sokol], status="closed")
    response = staff_client.post(
        f"{API}/campaigns/{campaign.pk}/invitations/",
        {"name": "Х", "position": "", "email": "x@example.org", "oktmo": "19638000"},
        format="json",
    )
    assert response.status_code == 409


def test_unknown_objects_are_404(staff_client):
    for path in (
        "/questionnaires/999999/",
        "/questionnaire-versions/999999/",
        "/questions/999999/",
        "/campaigns/999999/",
        "/campaigns/999999/invitations/",
    ):
        assert staff_client.get(f"{API}{path}").status_code == 404, path


def test_the_schema_documents_the_survey_endpoints(staff_client):
    schema = staff_client.get("/api/schema/?format=json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/questionnaires/",
        "/api/v1/questionnaires/{id}/publish/",
        "/api/v1/questionnaire-versions/{id}/",
        "/api/v1/campaigns/",
        "/api/v1/campaigns/{id}/open/",
        "/api/v1/campaigns/{id}/close/",
        "/api/v1/campaigns/{id}/invitations/",
        "/api/v1/campaigns/{id}/invitations/import/",
        "/api/v1/campaigns/{id}/invitations/{invitation_pk}/reissue/",
    ):
        assert path in paths, path
    assert schema["components"]["schemas"]["QuestionTypeEnum"]["enum"] == list(QuestionType.values)


def test_campaign_counts_are_not_multiplied_by_joins(staff_client, sokol):
    campaign = CampaignFactory(municipalities=[sokol, MunicipalityFactory()])
    invitations = [InvitationFactory(campaign=campaign, municipality=sokol) for _ in range(3)]
    ResponseFactory(invitation=invitations[0], status="submitted")
    ResponseFactory(invitation=invitations[1], status="submitted")
    ResponseFactory(invitation=invitations[2], status="in_progress")
    body = staff_client.get(f"{API}/campaigns/{campaign.pk}/").json()
    assert (body["invitation_count"], body["submitted_count"], body["municipality_count"]) == (
        3,
        2,
        2,
    )
    listed = staff_client.get(f"{API}/campaigns/").json()["results"][0]
    assert (listed["invitation_count"], listed["submitted_count"]) == (3, 2)
