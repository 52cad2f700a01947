"""The campaign pages for administrators through Django's test client: who may open them,
creating a campaign with the preview of its target municipalities, editing a draft (with the
stale-version conflict), opening and closing it, inviting respondents (the link shown once)
and importing them (the row-numbered report), and the query counts of the lists."""

import datetime as dt
import io
import re
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from openpyxl import Workbook

from surveys import services
from surveys.models import Campaign, CampaignEvent, Invitation, QuestionType
from surveys.tokens import token_for, token_hash
from tests.municipalities.factories import (
    MunicipalityFactory,
    RegionFactory,
    TownFactory,
    UserFactory,
)
from tests.surveys.factories import InvitationFactory

pytestmark = pytest.mark.django_db

LIST = reverse("surveys:campaign_list")
CREATE = reverse("surveys:campaign_create")
LINK = re.compile(r"http://[^\"<\s]+/s/([A-Za-z0-9_\-]{43})/")


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: the pages are Russian by default."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return admin_user


@pytest.fixture
def queued():
    """The e-mail task's queueing (the broker is the outside world here)."""
    with mock.patch("surveys.tasks.send_invitation.delay") as delay:
        yield delay


class Places:
    """Municipalities of two regions with main towns of known size classes."""

    def __init__(self) -> None:
        vologda_region = RegionFactory.create(code="19", name="Вологодская область")
        other_region = RegionFactory.create(code="11", name="Архангельская область")

        def make(oktmo, name, kind, region=vologda_region, population=None, **extra):
            municipality = MunicipalityFactory.create(
                oktmo=oktmo, name=name, kind=kind, region=region, **extra
            )
            if population is not None:
                town = TownFactory.create(
                    oktmo=f"{oktmo}001",
                    name=f"Город ({name})",
                    region=region,
                    municipality=municipality,
                    population=population,
                )
                municipality.main_town = town
                municipality.save()
            return municipality

        self.sokolsky = make(
            "19638000", "Сокольский район", "municipal_district", population=35_000
        )
        self.sokol = make("19638101", "город Сокол", "urban_settlement", population=35_000)
        self.vologda = make("19701000", "город Вологда", "urban_okrug", population=310_000)
        self.cherepovets = make("19730000", "город Череповец", "urban_okrug", population=300_000)
        self.old = make(
            "19610000",
            "Бывший район",
            "municipal_district",
            valid_to=dt.date(2022, 12, 31),
        )
        self.kotlas = make(
            "11710000", "город Котлас", "urban_okrug", region=other_region, population=60_000
        )


@pytest.fixture
def places():
    return Places()


def published(actor, title="Анкета о сотрудничестве"):
    questionnaire = services.questionnaire_create(actor=actor, title=title)
    services.question_create(
        actor=actor,
        questionnaire_id=questionnaire.pk,
        type=QuestionType.SINGLE_CHOICE,
        text="Есть ли соглашения?",
        options=["Да", "Нет"],
        required=True,
    )
    services.questionnaire_publish(actor=actor, questionnaire_id=questionnaire.pk)
    return questionnaire


def campaign_of(actor, places, *, municipalities=None, title="Опрос глав 2026"):
    now = timezone.now()
    return services.campaign_create(
        actor=actor,
        questionnaire_id=published(actor).pk,
        title=title,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(days=30),
        municipalities=(
            municipalities
            if municipalities is not None
            else [places.sokolsky, places.vologda, places.cherepovets]
        ),
    )


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _url(name, *args):
    return reverse(f"surveys:{name}", args=args)


def _form(questionnaire, **extra):
    data = {
        "questionnaire": str(questionnaire.pk),
        "title": "Опрос глав администраций",
        "opens_at": "2030-03-01T09:00",
        "closes_at": "2030-03-31T18:00",
        "anonymous": "on",
        "max_reminders": "2",
        "reminder_interval_days": "3",
    }
    data.update(extra)
    return data


def _ticked(html: str) -> set[str]:
    return set(re.findall(r'name="municipalities" value="(\d{8})" id="m-\d{8}" checked', html))


def _shown(html: str) -> set[str]:
    return set(re.findall(r'name="municipalities" value="(\d{8})"', html))


# --- who may open the pages -------------------------------------------------------------------


def _pages(actor, places):
    campaign = campaign_of(actor, places)
    c = campaign.pk
    invitation = InvitationFactory(campaign=campaign, municipality=places.sokolsky)
    return [
        ("GET", _url("invitation_reissue", c, invitation.pk), {}),
        ("POST", _url("invitation_reissue", c, invitation.pk), {}),
        ("GET", LIST, {}),
        ("GET", CREATE, {}),
        ("POST", CREATE, {"action": "preview", "region": "19"}),
        ("GET", _url("campaign_detail", c), {}),
        ("GET", _url("campaign_update", c), {}),
        (
            "POST",
            _url("campaign_update", c),
            {
                **_form(campaign.questionnaire_version.questionnaire, title="Другое"),
                "version": campaign.version,
                "municipalities": ["19638000"],
            },
        ),
        ("POST", _url("campaign_transition", c, "open"), {}),
        ("GET", _url("invitation_create", c), {}),
        (
            "POST",
            _url("invitation_create", c),
            {"name": "Иванов И. И.", "email": "ivanov@example.org", "oktmo": "19638000"},
        ),
        ("GET", _url("invitation_import", c), {}),
        (
            "POST",
            _url("invitation_import", c),
            {
                "file": SimpleUploadedFile(
                    "r.csv", b"name,position,email,oktmo\nA,B,a@example.org,19638000\n"
                )
            },
        ),
    ]


PAGES = 13


@pytest.mark.parametrize("index", range(PAGES))
def test_anonymous_visitors_are_sent_to_sign_in(client, admin_user, places, index):
    method, url, data = _pages(admin_user, places)[index]
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("index", range(PAGES))
def test_users_who_are_not_administrators_get_403(client, admin_user, places, index):
    method, url, data = _pages(admin_user, places)[index]
    client.force_login(UserFactory.create(username="coordinator"))
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert response.status_code == 403
    assert Campaign.objects.get().status == "draft"
    assert Campaign.objects.get().title == "Опрос глав 2026"
    [invitation] = Invitation.objects.all()
    assert token_for(invitation)  # its link unchanged


@pytest.mark.parametrize("index", range(PAGES))
def test_administrators_open_every_page(client, staff, places, index):
    method, url, data = _pages(staff, places)[index]
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert response.status_code in ((200,) if method == "GET" else (200, 302))


# --- creating a campaign -----------------------------------------------------------------------


def test_only_published_questionnaires_are_offered(client, staff, places):
    services.questionnaire_create(actor=staff, title="Неопубликованная")
    html = client.get(CREATE).content.decode()
    assert "No questionnaire is published yet" in html
    chosen = published(staff, title="Опубликованная")
    html = client.get(CREATE + f"?questionnaire={chosen.pk}").content.decode()
    assert "No questionnaire is published yet" not in html
    assert f'<option value="{chosen.pk}" selected>Опубликованная</option>' in html
    assert "Неопубликованная" not in html


def test_the_preview_offers_the_matching_municipalities_ticked(client, staff, places):
    questionnaire = published(staff)
    response = client.post(
        CREATE,
        {
            **_form(questionnaire, title=""),
            "action": "preview",
            "region": "19",
            "kinds": "urban_okrug",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    # A preview is not a save: the empty title is not an error yet.
    assert 'class="error-summary"' not in html
    assert _ticked(html) == {"19701000", "19730000"}
    assert "2 of 2 ticked" in html
    # By size class of the main town: the small ones; the abolished district is left out.
    html = client.post(
        CREATE, {**_form(questionnaire), "action": "preview", "size_classes": "small"}
    ).content.decode()
    assert _ticked(html) == {"19638000", "19638101"}
    html = client.post(
        CREATE, {**_form(questionnaire), "action": "preview", "region": "19"}
    ).content.decode()
    assert _ticked(html) == {"19638000", "19638101", "19701000", "19730000"}
    # One by one, by code or exact name, from any region, abolished or not.
    html = client.post(
        CREATE,
        {**_form(questionnaire), "action": "preview", "oktmos": "11710000\nБывший район\n"},
    ).content.decode()
    assert _ticked(html) == {"11710000", "19610000"}


def test_the_preview_keeps_what_the_admin_unticked_and_adds_new_matches(client, staff, places):
    questionnaire = published(staff)
    html = client.post(
        CREATE,
        {
            **_form(questionnaire),
            "action": "preview",
            "region": "19",
            "kinds": "urban_okrug",
            "oktmos": "Сокольский район",
            "shown": ["19701000", "19730000"],
            "municipalities": ["19701000"],  # Cherepovets unticked
        },
    ).content.decode()
    assert _shown(html) == {"19701000", "19730000", "19638000"}
    assert _ticked(html) == {"19701000", "19638000"}


def test_a_wrong_line_of_the_one_by_one_list_is_reported(client, staff, places):
    questionnaire = published(staff)
    response = client.post(
        CREATE,
        {**_form(questionnaire), "action": "preview", "oktmos": "19638000\n12345678\nНет такого"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Line 2: there is no municipality with the OKTMO code 12345678." in html
    assert "Line 3: no municipality is called “Нет такого”; enter its OKTMO code." in html
    assert 'class="error-summary"' in html


def test_creating_a_campaign_freezes_the_latest_version_over_the_ticked_municipalities(
    client, staff, places
):
    questionnaire = published(staff)
    response = client.post(
        CREATE,
        {
            **_form(questionnaire),
            "action": "save",
            "anonymous": "",
            "shown": ["19701000", "19730000"],
            "municipalities": ["19701000"],
        },
    )
    campaign = Campaign.objects.get()
    assert response["Location"] == _url("campaign_detail", campaign.pk)
    assert campaign.status == "draft"
    assert campaign.questionnaire_version == questionnaire.versions.get()
    assert list(campaign.municipalities.values_list("oktmo", flat=True)) == ["19701000"]
    assert not campaign.anonymous
    assert timezone.localtime(campaign.opens_at).strftime("%Y-%m-%d %H:%M") == "2030-03-01 09:00"
    assert (campaign.max_reminders, campaign.reminder_interval_days) == (2, 3)
    assert CampaignEvent.objects.filter(campaign=campaign, to_status="draft").exists()
    assert "The campaign is created as a draft over 1 municipalities." in " ".join(
        _messages(response)
    )


def test_a_campaign_needs_ticked_municipalities_and_a_sane_period(client, staff, places):
    questionnaire = published(staff)
    response = client.post(CREATE, {**_form(questionnaire), "action": "save"})
    assert response.status_code == 400
    assert "Tick at least one municipality." in response.content.decode()
    response = client.post(
        CREATE,
        {
            **_form(questionnaire, closes_at="2030-02-01T09:00"),
            "action": "save",
            "shown": ["19701000"],
            "municipalities": ["19701000"],
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The campaign must close after it opens." in html
    # The list the admin worked on is still there, with the ticks.
    assert _ticked(html) == {"19701000"}
    response = client.post(
        CREATE, {**_form(questionnaire, reminder_interval_days="0"), "action": "save"}
    )
    assert response.status_code == 400
    assert not Campaign.objects.exists()


def test_an_unpublished_questionnaire_cannot_be_forced_in(client, staff, places):
    draft = services.questionnaire_create(actor=staff, title="Черновик")
    response = client.post(
        CREATE, {**_form(draft), "action": "save", "municipalities": ["19701000"]}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Campaign.objects.exists()


# --- editing a draft ---------------------------------------------------------------------------


def test_a_draft_is_edited_and_a_stale_edit_shows_the_conflict(client, staff, places):
    campaign = campaign_of(staff, places)
    html = client.get(_url("campaign_update", campaign.pk)).content.decode()
    assert _ticked(html) == {"19638000", "19701000", "19730000"}
    assert f'name="version" value="{campaign.version}"' in html
    questionnaire = campaign.questionnaire_version.questionnaire
    data = {
        **_form(questionnaire, title="Опрос глав городских округов"),
        "action": "save",
        "version": campaign.version,
        "shown": ["19638000", "19701000", "19730000"],
        "municipalities": ["19701000", "19730000"],
    }
    response = client.post(_url("campaign_update", campaign.pk), data)
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.title == "Опрос глав городских округов"
    assert set(campaign.municipalities.values_list("oktmo", flat=True)) == {"19701000", "19730000"}
    # The same page posted again is stale now.
    response = client.post(_url("campaign_update", campaign.pk), {**data, "title": "Моё"})
    assert response.status_code == 412
    html = response.content.decode()
    assert "Somebody else changed this campaign while you were editing it" in html
    assert 'value="Моё"' in html
    assert f'name="version" value="{campaign.version}"' in html
    assert Campaign.objects.get().title == "Опрос глав городских округов"


def test_only_a_draft_can_be_edited(client, staff, places):
    campaign = campaign_of(staff, places)
    services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    response = client.get(_url("campaign_update", campaign.pk))
    assert response["Location"] == _url("campaign_detail", campaign.pk)
    assert "The campaign is open: only a draft can be changed." in _messages(response)


# --- the campaign page and its transitions -----------------------------------------------------


def test_the_campaign_opens_and_closes_through_its_buttons(client, staff, places, queued):
    campaign = campaign_of(staff, places)
    html = client.get(_url("campaign_detail", campaign.pk)).content.decode()
    assert 'data-action="open"' in html
    assert 'data-action="close"' not in html
    assert "3 municipalities surveyed" in html
    assert "Nobody is invited yet." in html
    response = client.post(_url("campaign_transition", campaign.pk, "open"))
    assert "The campaign is open." in " ".join(_messages(response))
    campaign.refresh_from_db()
    assert campaign.status == "open"
    html = client.get(_url("campaign_detail", campaign.pk)).content.decode()
    assert 'data-action="close"' in html
    assert 'data-action="open"' not in html
    assert "draft → open" in html
    client.post(_url("campaign_transition", campaign.pk, "close"))
    campaign.refresh_from_db()
    assert campaign.status == "closed"
    assert list(campaign.events.values_list("from_status", "to_status")) == [
        ("", "draft"),
        ("draft", "open"),
        ("open", "closed"),
    ]
    # A closed campaign does not open again: the page says why and nothing changes.
    response = client.post(_url("campaign_transition", campaign.pk, "open"))
    assert any("cannot be moved this way" in m for m in _messages(response))
    assert Campaign.objects.get().status == "closed"
    assert client.post(_url("campaign_transition", campaign.pk, "delete")).status_code == 404
    assert client.get(_url("campaign_transition", campaign.pk, "open")).status_code == 405


def test_opening_without_municipalities_is_refused_with_the_reason(client, staff, places):
    campaign = campaign_of(staff, places, municipalities=[])
    response = client.post(_url("campaign_transition", campaign.pk, "open"))
    assert "Choose at least one municipality to survey." in _messages(response)
    assert Campaign.objects.get().status == "draft"


def test_the_campaign_page_lists_respondents_and_links_results(client, staff, places, queued):
    campaign = campaign_of(staff, places)
    services.invitation_create(
        actor=staff,
        campaign_id=campaign.pk,
        name="Петров Пётр Петрович",
        position="Глава района",
        email="petrov@example.org",
        oktmo="19638000",
    )
    html = client.get(_url("campaign_detail", campaign.pk)).content.decode()
    assert "Петров Пётр Петрович" in html
    assert "petrov@example.org" in html
    assert "when the campaign opens" in html
    assert "0 of 1 submitted (0&nbsp;%)" in html
    try:
        results = reverse("surveys:campaign_results", args=[campaign.pk])
    except NoReverseMatch:  # the results page is another module's; linked once it exists
        results = None
    if results:
        assert f'href="{results}"' in html


def test_the_lists_cost_the_same_queries_for_few_and_many(client, staff, places, queued):
    def grow(count):
        for n in range(count):
            campaign = campaign_of(staff, places, title=f"Опрос {n}")
            for k in range(3):
                services.invitation_create(
                    actor=staff,
                    campaign_id=campaign.pk,
                    name=f"Респондент {k}",
                    email=f"r{n}-{k}@example.org",
                    oktmo="19701000",
                )

    grow(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    grow(10)
    with CaptureQueriesContext(connection) as many:
        html = client.get(LIST).content.decode()
    assert len(many) == len(few)
    assert html.count("data-campaign=") == 12


def test_the_campaign_page_costs_the_same_queries_for_few_and_many_invitations(
    client, staff, places, queued, django_assert_max_num_queries
):
    campaign = campaign_of(staff, places)
    url = _url("campaign_detail", campaign.pk)

    def invite(numbers):
        for k in numbers:
            services.invitation_create(
                actor=staff,
                campaign_id=campaign.pk,
                name=f"Респондент {k}",
                email=f"r{k}@example.org",
                oktmo="19730000",
            )

    invite(range(3))
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    invite(range(3, 70))
    services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    with django_assert_max_num_queries(len(few)):
        html = client.get(url).content.decode()
    assert html.count("data-invitation=") == 50
    assert 'rel="next"' in html


def test_the_list_filters_by_status_and_has_an_empty_state(client, staff, places):
    html = client.get(LIST).content.decode()
    assert "No campaigns yet" in html
    draft = campaign_of(staff, places, title="Черновой опрос")
    opened = campaign_of(staff, places, title="Открытый опрос")
    services.campaign_transition(actor=staff, campaign_id=opened.pk, name="open")
    html = client.get(LIST + "?status=open").content.decode()
    assert f'data-campaign="{opened.pk}"' in html
    assert f'data-campaign="{draft.pk}"' not in html
    html = client.get(LIST + "?status=closed").content.decode()
    assert "No campaign has this status." in html
    # A stale link with an unknown status lists everything.
    html = client.get(LIST + "?status=archived").content.decode()
    assert html.count("data-campaign=") == 2


# --- inviting respondents ----------------------------------------------------------------------


def test_a_new_invitation_shows_its_link_once(client, staff, places, queued):
    campaign = campaign_of(staff, places)
    url = _url("invitation_create", campaign.pk)
    html = client.get(url).content.decode()
    assert '<option value="19638000">Сокольский район (19638000)</option>' in html
    response = client.post(
        url,
        {
            "name": "Петров Пётр Петрович",
            "position": "Глава района",
            "email": "petrov@example.org",
            "oktmo": "19638000",
        },
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Copy the link now: it is shown only this once." in html
    assert "the invitation e-mail with this link goes out when it opens" in html
    assert 'data-copy="link-' in html
    links = LINK.findall(html)
    assert len(set(links)) == 1
    invitation = Invitation.objects.get()
    assert invitation.token_hash == token_hash(links[0])
    # Nowhere else: not on the campaign page, not on the form opened again.
    assert links[0] not in client.get(_url("campaign_detail", campaign.pk)).content.decode()
    assert links[0] not in client.get(url).content.decode()
    # The form is fresh for the next respondent.
    assert 'value="petrov@example.org"' not in html


def test_an_invitation_to_an_open_campaign_is_mailed_after_commit(
    client, staff, places, queued, django_capture_on_commit_callbacks
):
    campaign = campaign_of(staff, places)
    services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    with django_capture_on_commit_callbacks(execute=True):
        html = client.post(
            _url("invitation_create", campaign.pk),
            {"name": "Петров П. П.", "email": "petrov@example.org", "oktmo": "19638000"},
        ).content.decode()
    assert "The invitation e-mail with this link is being sent." in html
    [token] = set(LINK.findall(html))
    invitation = Invitation.objects.get()
    queued.assert_called_once_with(invitation.pk)
    # The e-mail will carry this very link.
    assert token_for(invitation) == token


def test_bad_respondents_are_refused_on_the_form(client, staff, places, queued):
    campaign = campaign_of(staff, places)
    url = _url("invitation_create", campaign.pk)
    data = {"name": "Петров П. П.", "email": "petrov@example.org", "oktmo": "19638000"}
    client.post(url, data)
    response = client.post(url, {**data, "email": "PETROV@example.org"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "PETROV@example.org is already invited to this campaign." in html
    assert LINK.search(html) is None
    response = client.post(url, {**data, "email": "не адрес", "oktmo": "11710000"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "Select a valid choice" in html
    assert Invitation.objects.count() == 1


def test_a_closed_campaign_takes_no_more_respondents(client, staff, places):
    campaign = campaign_of(staff, places)
    services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="close")
    for name in ("invitation_create", "invitation_import"):
        response = client.get(_url(name, campaign.pk))
        assert response["Location"] == _url("campaign_detail", campaign.pk)
        assert "The campaign is closed: nobody can be invited any more." in _messages(response)


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def test_an_import_with_bad_rows_invites_nobody_and_names_the_rows(client, staff, places):
    campaign = campaign_of(staff, places)
    content = (
        "name;position;email;oktmo\n"
        "Иванов И. И.;Глава района;ivanov@example.org;19638000\n"
        "Петров П. П.;Глава города;не-адрес;19701000\n"
        "Сидоров С. С.;Глава;sidorov@example.org;11710000\n"
    ).encode()
    response = client.post(
        _url("invitation_import", campaign.pk), {"file": _upload("respondents.csv", content)}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "2 rows have errors. Nobody was invited." in html
    rows = re.findall(r'<tr><th scope="row" class="numeric">(\d+)</th><td>(.*?)</td></tr>', html)
    assert [row for row, _text in rows] == ["3", "4"]
    assert "is not a valid e-mail address" in rows[0][1]
    assert "11710000 is not one of the campaign&#x27;s municipalities." in rows[1][1]
    assert LINK.search(html) is None
    assert not Invitation.objects.exists()


def test_an_import_invites_everybody_and_shows_their_links_once(client, staff, places, queued):
    campaign = campaign_of(staff, places)
    content = (
        "\ufeffname,position,email,oktmo\n"
        "Иванов И. И.,Глава района,ivanov@example.org,19638000\n"
        "Петров П. П.,Глава города,petrov@example.org,19701000\n"
    ).encode()
    response = client.post(
        _url("invitation_import", campaign.pk), {"file": _upload("respondents.csv", content)}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "2 respondents are invited." in html
    assert "Copy the link now: it is shown only this once." in html
    tokens = LINK.findall(html)
    assert len(set(tokens)) == 2
    assert set(Invitation.objects.values_list("token_hash", flat=True)) == {
        token_hash(t) for t in tokens
    }


def test_an_xlsx_file_is_imported(client, staff, places, queued):
    campaign = campaign_of(staff, places)
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "position", "email", "oktmo"])
    sheet.append(["Иванов И. И.", "Глава района", "ivanov@example.org", 19638000])
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(
        _url("invitation_import", campaign.pk),
        {"file": _upload("respondents.xlsx", buffer.getvalue())},
    )
    assert response.status_code == 200
    assert Invitation.objects.get().municipality.oktmo == "19638000"


def test_an_unreadable_or_wrong_file_is_refused_on_the_form(client, staff, places):
    campaign = campaign_of(staff, places)
    url = _url("invitation_import", campaign.pk)
    response = client.post(url, {"file": _upload("respondents.pdf", b"%PDF-1.4")})
    assert response.status_code == 400
    assert "File extension “pdf” is not allowed." in response.content.decode()
    response = client.post(url, {"file": _upload("respondents.xlsx", b"not a workbook")})
    assert response.status_code == 400
    assert 'class="error-summary"' in response.content.decode()
    assert not Invitation.objects.exists()


# --- a new link, delivery and anonymity on the campaign page -----------------------------------


def test_a_new_link_is_confirmed_then_shown_once_and_the_old_one_stops_working(
    client, staff, places, queued, django_capture_on_commit_callbacks
):
    campaign = campaign_of(staff, places)
    services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    first = services.invitation_create(
        actor=staff,
        campaign_id=campaign.pk,
        name="Петров Пётр Петрович",
        email="petrov@example.org",
        oktmo="19638000",
    )
    url = _url("invitation_reissue", campaign.pk, first.invitation.pk)
    html = client.get(_url("campaign_detail", campaign.pk)).content.decode()
    assert f'href="{url}"' in html
    confirm = client.get(url)
    assert "no-store" in confirm["Cache-Control"]
    html = confirm.content.decode()
    assert "The current link stops working at once" in html
    assert LINK.search(html) is None
    assert Invitation.objects.get().token_hash == token_hash(first.token)  # nothing yet
    queued.reset_mock()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "Copy the link now: it is shown only this once." in html
    [token] = set(LINK.findall(html))
    assert token != first.token
    invitation = Invitation.objects.get()
    assert invitation.token_hash == token_hash(token)
    queued.assert_called_once_with(invitation.pk)
    assert client.get(f"/s/{first.token}/").status_code == 404
    assert client.get(f"/s/{token}/").status_code == 200
    assert token not in client.get(_url("campaign_detail", campaign.pk)).content.decode()
    # Not for an invitation of another campaign.
    other = campaign_of(staff, places, title="Другой опрос")
    assert client.get(_url("invitation_reissue", other.pk, invitation.pk)).status_code == 404


def test_a_submitted_invitation_gets_no_new_link(client, staff, places):
    campaign = campaign_of(staff, places)
    invitation = InvitationFactory(
        campaign=campaign, municipality=places.sokolsky, submitted_at=timezone.now()
    )
    html = client.get(_url("campaign_detail", campaign.pk)).content.decode()
    assert _url("invitation_reissue", campaign.pk, invitation.pk) not in html
    response = client.post(_url("invitation_reissue", campaign.pk, invitation.pk))
    assert response["Location"] == _url("campaign_detail", campaign.pk)
    assert any("already submitted" in m for m in _messages(response))


def test_a_campaign_past_its_closing_time_takes_nobody(client, staff, places):
    campaign = campaign_of(staff, places)
    services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    invitation = InvitationFactory(campaign=campaign, municipality=places.sokolsky)
    Campaign.objects.filter(pk=campaign.pk).update(
        opens_at=timezone.now() - dt.timedelta(days=40),
        closes_at=timezone.now() - dt.timedelta(minutes=1),
    )
    for url in (
        _url("invitation_create", campaign.pk),
        _url("invitation_import", campaign.pk),
        _url("invitation_reissue", campaign.pk, invitation.pk),
    ):
        response = client.get(url)
        assert response["Location"] == _url("campaign_detail", campaign.pk)
        assert any("closing time has passed" in m for m in _messages(response))
    html = client.get(_url("campaign_detail", campaign.pk)).content.decode()
    assert _url("invitation_create", campaign.pk) in html  # the buttons follow the status…
    assert _url("invitation_reissue", campaign.pk, invitation.pk) not in html  # …links not


@pytest.mark.parametrize("anonymous", [True, False])
def test_the_respondents_show_the_submission_time_only_in_named_campaigns(
    client, staff, places, anonymous
):
    campaign = campaign_of(staff, places)
    Campaign.objects.filter(pk=campaign.pk).update(anonymous=anonymous)
    submitted_at = dt.datetime(2031, 7, 19, 12, 0, tzinfo=dt.UTC)
    InvitationFactory(campaign=campaign, municipality=places.sokolsky, submitted_at=submitted_at)
    InvitationFactory(campaign=campaign, municipality=places.vologda)
    html = client.get(_url("campaign_detail", campaign.pk)).content.decode()
    cells = re.findall(r'<td class="submitted">(.*?)</td>', html)
    assert len(cells) == 2
    assert ("2031" in cells[0]) is not anonymous
    assert ("2031" in html) is not anonymous
    if anonymous:
        assert ">yes<" in cells[0]
        assert ">no<" in cells[1]


def test_a_failed_delivery_is_shown_with_its_reason(client, staff, places):
    campaign = campaign_of(staff, places)
    services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    InvitationFactory(
        campaign=campaign,
        municipality=places.sokolsky,
        send_attempts=1,
        send_failed_at=timezone.now(),
        send_error="nobody@example.org: 550 5.1.1 User unknown",
    )
    InvitationFactory(
        campaign=campaign,
        municipality=places.vologda,
        send_attempts=2,
        send_error="OSError: Connection refused",
    )
    html = client.get(_url("campaign_detail", campaign.pk)).content.decode()
    cells = re.findall(r'<td class="delivery">(.*?)</td>', html, re.S)
    assert "delivery failed" in cells[0]
    assert "550 5.1.1 User unknown" in cells[0]
    assert "2 attempts failed, tried again later:" in cells[1]
    assert "Connection refused" in cells[1]


def test_an_expired_campaign_shows_who_closed_it(client, staff, places):
    campaign = campaign_of(staff, places)
    services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    services.campaigns_close_expired(now=campaign.closes_at)
    html = client.get(_url("campaign_detail", campaign.pk)).content.decode()
    assert "open → closed" in html
    assert "closed at its closing time" in html
    assert "the system" in html


def test_a_campaign_opened_ahead_of_its_opening_time_mails_at_that_time(
    client, staff, places, queued, django_capture_on_commit_callbacks
):
    campaign = campaign_of(staff, places)
    Campaign.objects.filter(pk=campaign.pk).update(opens_at=timezone.now() + dt.timedelta(days=2))
    services.campaign_transition(actor=staff, campaign_id=campaign.pk, name="open")
    with django_capture_on_commit_callbacks(execute=True):
        html = client.post(
            _url("invitation_create", campaign.pk),
            {"name": "Петров П. П.", "email": "petrov@example.org", "oktmo": "19638000"},
        ).content.decode()
    assert "The invitation e-mail with this link goes out at the opening time." in html
    assert not queued.called
    html = client.get(_url("campaign_detail", campaign.pk)).content.decode()
    [cell] = re.findall(r'<td class="delivery">(.*?)</td>', html, re.S)
    assert "at the opening time" in cell
