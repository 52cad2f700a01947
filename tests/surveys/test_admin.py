"""The surveys admin: every page opens, only a questionnaire's own fields are edited (through
the services), and the actions publish, open and close through the services."""

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AuditLog
from surveys.models import (
    Campaign,
    CampaignEvent,
    Invitation,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
)
from tests.municipalities.factories import MunicipalityFactory
from tests.surveys.factories import (
    CampaignFactory,
    InvitationFactory,
    QuestionFactory,
    QuestionnaireFactory,
    ResponseFactory,
    choice_question,
)

pytestmark = pytest.mark.django_db

READ_ONLY = [Question, QuestionnaireVersion, Campaign, Invitation, Response]


@pytest.fixture
def filled():
    response = ResponseFactory(invitation__token="secret-token")
    choice_question(response.campaign.questionnaire_version.questionnaire)
    return response


def url(model, view, *args):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_every_page_opens_read_only(client, admin_user, filled, model):
    client.force_login(admin_user)
    assert client.get(url(model, "changelist")).status_code == 200
    change = client.get(url(model, "change", model.objects.first().pk))
    assert change.status_code == 200
    assert b'name="_save"' not in change.content
    assert b"secret-token" not in change.content


def test_a_questionnaire_is_added_and_renamed_through_the_services(client, admin_user, filled):
    client.force_login(admin_user)
    assert client.get(url(Questionnaire, "changelist")).status_code == 200
    form = {
        "title": "Анкета из админки",
        "description": "",
        **{
            f"{prefix}-{key}": value
            for prefix in ("questions", "versions")
            for key, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
        },
    }
    added = client.post(url(Questionnaire, "add"), form)
    assert added.status_code == 302
    questionnaire = Questionnaire.objects.get(title="Анкета из админки")
    assert questionnaire.created_by == admin_user
    renamed = client.post(
        url(Questionnaire, "change", questionnaire.pk), {**form, "title": "Переименована"}
    )
    assert renamed.status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.title == "Переименована"
    assert questionnaire.version == 2
    assert list(
        AuditLog.objects.filter(object_id=str(questionnaire.pk)).values_list("action", flat=True)
    ) == ["questionnaire.update", "questionnaire.create"]


def test_the_publish_action_uses_the_service(client, admin_user):
    client.force_login(admin_user)
    ready = QuestionnaireFactory()
    QuestionFactory(questionnaire=ready)
    empty = QuestionnaireFactory()
    response = client.post(
        url(Questionnaire, "changelist"),
        {"action": "publish", "_selected_action": [ready.pk, empty.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert ready.versions.count() == 1
    assert not empty.versions.exists()
    assert "Перед публикацией добавьте хотя бы один вопрос" in response.content.decode()


def test_open_and_close_actions_use_the_transition_service(client, admin_user, monkeypatch):
    monkeypatch.setattr("surveys.tasks.send_invitation.delay", lambda *args: None)
    client.force_login(admin_user)
    campaign = CampaignFactory(municipalities=[MunicipalityFactory()])
    client.post(
        url(Campaign, "changelist"), {"action": "open_campaigns", "_selected_action": [campaign.pk]}
    )
    campaign.refresh_from_db()
    assert campaign.status == "open"
    client.post(
        url(Campaign, "changelist"),
        {"action": "close_campaigns", "_selected_action": [campaign.pk]},
    )
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    assert list(
        CampaignEvent.objects.filter(campaign=campaign).values_list("to_status", "actor")
    ) == [("open", admin_user.pk), ("closed", admin_user.pk)]


# --- the builder, delivery, anonymity ----------------------------------------------------------


def test_a_questionnaire_links_to_its_builder_pages(client, admin_user):
    client.force_login(admin_user)
    questionnaire = QuestionnaireFactory()
    question = QuestionFactory(questionnaire=questionnaire)
    html = client.get(url(Questionnaire, "change", questionnaire.pk)).content.decode()
    builder = reverse("surveys:questionnaire_detail", args=[questionnaire.pk])
    assert f'href="{builder}"' in html
    assert "Открыть конструктор" in html
    assert reverse("surveys:questionnaire_preview", args=[questionnaire.pk]) in html
    assert builder in client.get(url(Questionnaire, "changelist")).content.decode()
    # "View on site" of a question and of a campaign: their pages in the builder.
    html = client.get(url(Question, "change", question.pk)).content.decode()
    assert reverse("surveys:question_update", args=[questionnaire.pk, question.pk]) in html
    campaign = CampaignFactory()
    html = client.get(url(Campaign, "change", campaign.pk)).content.decode()
    assert reverse("surveys:campaign_detail", args=[campaign.pk]) in html


@pytest.mark.parametrize("anonymous", [True, False])
def test_an_anonymous_response_shows_no_respondent(client, admin_user, anonymous):
    client.force_login(admin_user)
    response = ResponseFactory(
        invitation__name="Петров Пётр Петрович",
        invitation__email="petrov@sokol.example.org",
        invitation__municipality__name="Сокольский муниципальный округ",
        invitation__campaign__anonymous=anonymous,
        answers={"1": "Ответ"},
        status=Response.Status.SUBMITTED,
        submitted_at=timezone.now(),
    )
    Invitation.objects.filter(pk=response.invitation_id).update(submitted_at=timezone.now())
    for page in (url(Response, "change", response.pk), url(Response, "changelist")):
        html = client.get(page).content.decode()
        assert ("Петров Пётр Петрович" in html) is not anonymous, page
    html = client.get(url(Response, "change", response.pk)).content.decode()
    assert ("petrov@sokol.example.org" in html) is not anonymous
    assert "Ответ" in client.get(url(Response, "change", response.pk)).content.decode()
    # Searching the responses by municipality finds them only in a named campaign.
    found = client.get(url(Response, "changelist"), {"q": "Сокольский"}).content.decode()
    assert (f"/{response.pk}/change/" in found) is not anonymous
    # The invitation shows whether it was submitted, and when only in a named campaign.
    html = client.get(url(Invitation, "change", response.invitation_id)).content.decode()
    assert ("field-submitted_at" in html) is not anonymous


def test_the_invitation_list_shows_failed_deliveries(client, admin_user):
    client.force_login(admin_user)
    InvitationFactory(
        send_failed_at=timezone.now(), send_error="550 5.1.1 User unknown", send_attempts=1
    )
    html = client.get(url(Invitation, "changelist")).content.decode()
    assert "550 5.1.1 User unknown" in html
    failed = client.get(url(Invitation, "changelist"), {"send_failed_at__isnull": "False"})
    assert failed.status_code == 200
