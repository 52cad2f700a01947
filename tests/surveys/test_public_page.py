"""The respondent's page /s/<token>/ through Django's test client: the form for every
question type, saving (button and htmx autosave), resuming, submitting with errors and
without, and the pages for submitted, closed, not yet open, unknown and rate-limited links."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from surveys import ratelimit
from surveys.models import Answer, Campaign, Response
from surveys.services.responses import response_save
from tests.surveys.answering import minimal_answers, rate_limit_reset, survey

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: the pages are Russian by default."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture(autouse=True)
def fresh_limits():
    rate_limit_reset()
    yield
    rate_limit_reset()


@pytest.fixture
def s():
    return survey()


def link(token: str) -> str:
    return f"/s/{token}/"


def text(response) -> str:
    return response.content.decode()


def _main(page: str) -> str:
    """What the page says (its <main>), without the header's per-request CSRF token."""
    return page[page.index("<main") : page.index("</main>")]


def stored(s) -> dict:
    return Response.objects.get(invitation=s.invitation).answers


# --- the form --------------------------------------------------------------------------------


def test_the_form_shows_every_question_type_with_labels(client, s, django_assert_max_num_queries):
    ids = s.ids
    with django_assert_max_num_queries(1):
        response = client.get(link(s.token))
    assert response.status_code == 200
    page = text(response)
    assert s.campaign.title in page
    # single choice with "other": radios and the text
    assert f'type="radio" id="q{ids.agreements}-o{ids.yes}" name="q{ids.agreements}"' in page
    assert f'id="q{ids.agreements}-other" name="q{ids.agreements}" value="other"' in page
    assert f'<label for="q{ids.agreements}-other-text">' in page
    # multiple choice: checkboxes
    assert f'type="checkbox" id="q{ids.obstacles}-o{ids.money}" name="q{ids.obstacles}"' in page
    # scale 1..5 with its ends explained
    for n in range(1, 6):
        assert f'id="q{ids.readiness}-s{n}" name="q{ids.readiness}" value="{n}"' in page
    assert "1 — не готовы, 5 — полностью готовы." in page
    # number, short and long text, each labelled
    assert f'<label class="question-label" for="q{ids.projects}">' in page
    assert f'inputmode="decimal" id="q{ids.projects}"' in page
    assert "A number from 0 to 1000." in page
    assert (
        f'<input type="text" id="q{ids.sphere}" name="q{ids.sphere}" value="" maxlength="500"'
        in page
    )
    assert f'<textarea id="q{ids.comment}" name="q{ids.comment}"' in page
    # matrix: a fieldset per row, 1..5 each
    assert f'name="q{ids.spheres}_r{ids.roads}" value="5"' in page
    assert "<legend>Обращение с отходами</legend>" in page
    # required in words, not only colour; groups are fieldsets with legends
    legend = re.search(
        rf'id="question-{ids.agreements}"[^>]*>\s*<fieldset[^>]*>\s*<legend>(.*?)</legend>',
        page,
        re.S,
    )
    assert legend
    assert "(required)" in legend.group(1)
    # the conditional question carries its condition and, for pages without JS, a note
    assert f'data-condition-question="{ids.agreements}" data-condition-option="{ids.yes}"' in page
    assert "Answer only if you chose “Да” in question 1." in page


def test_the_page_is_for_phones_and_has_no_site_navigation(client, s):
    response = client.get(link(s.token))
    page = text(response)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<meta name="referrer" content="same-origin">' in page
    assert "/accounts/login/" not in page
    assert "site-nav" not in page
    assert 'hx-trigger="change delay:500ms"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert set(response["Cache-Control"].split(", ")) == {"no-store", "private"}


def test_the_page_form_needs_its_csrf_token(s):
    client = Client(enforce_csrf_checks=True)
    response = client.post(link(s.token), {"action": "save"})
    assert response.status_code == 403
    assert not Response.objects.exists()


# --- saving and resuming ---------------------------------------------------------------------


def test_save_and_continue_later_keeps_the_answers_for_the_same_link(client, s):
    ids = s.ids
    posted = {
        "action": "save",
        f"q{ids.agreements}": str(ids.yes),
        f"q{ids.partners}": "Сокольский район",
        f"q{ids.obstacles}": [str(ids.money), str(ids.law)],
        f"q{ids.readiness}": "4",
        f"q{ids.projects}": "1 000",
        f"q{ids.sphere}": "Туризм",
        f"q{ids.spheres}_r{ids.roads}": "5",
    }
    response = client.post(link(s.token), posted)
    assert response.status_code == 302
    assert response["Location"] == link(s.token)
    assert stored(s) == {
        str(ids.agreements): ids.yes,
        str(ids.partners): "Сокольский район",
        str(ids.obstacles): [ids.money, ids.law],
        str(ids.readiness): 4,
        str(ids.projects): 1000,
        str(ids.sphere): "Туризм",
        str(ids.spheres): {str(ids.roads): 5},
    }

    page = text(client.get(link(s.token)))
    assert "Your answers are saved." in page
    assert (
        f'id="q{ids.agreements}-o{ids.yes}" name="q{ids.agreements}" value="{ids.yes}" checked'
        in page
    )
    assert f'value="{ids.money}" checked' in page
    assert f'value="{ids.experience}" checked' not in page
    assert f'id="q{ids.readiness}-s4" name="q{ids.readiness}" value="4" checked' in page
    assert 'value="1000"' in page
    assert 'value="Туризм"' in page
    assert 'value="Сокольский район"' in page
    assert f'name="q{ids.spheres}_r{ids.roads}" value="5" checked' in page


def test_autosave_answers_htmx_with_the_time_saved(client, s):
    ids = s.ids
    response = client.post(link(s.token), {"action": "save", f"q{ids.projects}": "2,5"}, **HTMX)
    assert response.status_code == 200
    assert re.search(r"Saved at \d\d:\d\d", text(response))
    assert "<html" not in text(response)
    assert stored(s) == {str(ids.projects): 2.5}


def test_autosave_with_a_wrong_answer_says_what_to_fix_and_keeps_the_last_save(client, s):
    ids = s.ids
    client.post(link(s.token), {"action": "save", f"q{ids.sphere}": "Туризм"}, **HTMX)
    response = client.post(link(s.token), {"action": "save", f"q{ids.projects}": "много"}, **HTMX)
    assert response.status_code == 200
    page = text(response)
    assert "Not saved" in page
    assert f'href="#q{ids.projects}"' in page
    assert "Enter a number." in page
    assert stored(s) == {str(ids.sphere): "Туризм"}


def test_a_nul_character_in_a_text_is_a_form_error_not_a_server_error(client, s):
    ids = s.ids
    client.post(link(s.token), {"action": "save", f"q{ids.sphere}": "Туризм"}, **HTMX)
    response = client.post(link(s.token), {"action": "save", f"q{ids.sphere}": "Ту\x00ризм"})
    assert response.status_code == 400
    assert "characters that cannot be saved" in text(response)
    assert stored(s) == {str(ids.sphere): "Туризм"}


def test_the_other_text_counts_only_while_other_is_chosen(client, s):
    ids = s.ids
    client.post(
        link(s.token),
        {
            "action": "save",
            f"q{ids.agreements}": "other",
            f"q{ids.agreements}_other": "Готовим соглашение",
            f"q{ids.obstacles}": [str(ids.money)],
            f"q{ids.obstacles}_other": "не выбрано, не считается",
        },
    )
    assert stored(s) == {
        f"{ids.agreements}_other": "Готовим соглашение",
        str(ids.obstacles): [ids.money],
    }
    page = text(client.get(link(s.token)))
    assert f'id="q{ids.agreements}-other" name="q{ids.agreements}" value="other" checked' in page
    assert 'value="Готовим соглашение"' in page


def test_an_answer_to_a_question_not_asked_is_not_kept(client, s):
    ids = s.ids
    client.post(
        link(s.token),
        {"action": "save", f"q{ids.agreements}": str(ids.no), f"q{ids.partners}": "Сокол"},
    )
    assert stored(s) == {str(ids.agreements): ids.no}


# --- submitting ------------------------------------------------------------------------------


def test_a_submit_with_errors_shows_them_linked_and_keeps_the_answers(client, s):
    ids = s.ids
    response = client.post(
        link(s.token),
        {"action": "submit", f"q{ids.agreements}": str(ids.yes), f"q{ids.projects}": "5000"},
    )
    assert response.status_code == 400
    page = text(response)
    assert '<div class="error-summary" id="error-summary" role="alert"' in page
    summary = page[page.index("error-summary") : page.index("</div>", page.index("error-summary"))]
    for anchor in (
        f"q{ids.partners}",
        f"q{ids.obstacles}-o{ids.money}",
        f"q{ids.readiness}-s1",
        f"q{ids.projects}",
    ):
        assert f'href="#{anchor}"' in summary
    assert "Enter a number not greater than 1000." in summary
    # each error sits by its question and describes it
    assert f'<ul class="errorlist" id="q{ids.readiness}-error">' in page
    fieldset = rf'id="question-{ids.readiness}">\s*<fieldset aria-describedby="([^"]*)"'
    assert f"q{ids.readiness}-error" in re.search(fieldset, page).group(1).split()
    number_input = re.search(rf'<input[^>]*id="q{ids.projects}"[^>]*>', page).group(0)
    assert 'value="5000"' in number_input
    assert f"q{ids.projects}-error" in number_input
    assert 'aria-invalid="true"' in number_input
    assert "<title>Error:" in page
    # what was typed stays in the form; what is valid is saved for later
    assert f'value="{ids.yes}" checked' in page
    assert not Response.objects.filter(status=Response.Status.SUBMITTED).exists()
    assert not Answer.objects.exists()


def test_a_submit_missing_only_required_answers_still_saves_the_rest(client, s):
    ids = s.ids
    client.post(link(s.token), {"action": "submit", f"q{ids.sphere}": "Туризм"})
    assert stored(s) == {str(ids.sphere): "Туризм"}


def test_a_complete_submit_thanks_and_then_shows_the_answers_read_only(client, s):
    ids = s.ids
    response = client.post(
        link(s.token),
        {
            "action": "submit",
            f"q{ids.agreements}": str(ids.no),
            f"q{ids.obstacles}": [str(ids.experience), "other"],
            f"q{ids.obstacles}_other": "Кадры",
            f"q{ids.readiness}": "5",
            f"q{ids.spheres}_r{ids.waste}": "2",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/s/{s.token}/thanks/"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Thank you!" in text(thanks)
    assert Response.objects.get().status == Response.Status.SUBMITTED
    assert Answer.objects.count() == 5

    page = text(client.get(link(s.token)))
    assert '<form id="survey-form"' not in page
    assert "can no longer be changed" in page
    assert "Отсутствие опыта совместных проектов" in page
    assert "Other: Кадры" in page
    assert "5 of 5" in page
    assert "Обращение с отходами: 2 of 5" in page
    # the conditional question was not asked and is not listed
    assert "С какими муниципалитетами" not in page


def test_posting_after_the_submit_changes_nothing(client, s):
    response_save(token=s.token, answers=minimal_answers(s.ids), submit=True)
    response = client.post(link(s.token), {"action": "save", f"q{s.ids.sphere}": "x"})
    assert (response.status_code, response["Location"]) == (302, link(s.token))
    fragment = client.post(link(s.token), {"action": "save"}, **HTMX)
    assert "already been submitted" in text(fragment)
    assert stored(s) == minimal_answers(s.ids)


def test_thanks_before_a_submit_goes_to_the_form(client, s):
    response = client.get(f"/s/{s.token}/thanks/")
    assert (response.status_code, response["Location"]) == (302, link(s.token))


# --- other states of the link ----------------------------------------------------------------


def test_a_closed_campaign_gets_a_410_page(client):
    s = survey(status=Campaign.Status.CLOSED)
    response = client.get(link(s.token))
    assert response.status_code == 410
    assert "The survey is closed" in text(response)
    assert "survey-form" not in text(response)
    posted = client.post(link(s.token), {"action": "submit"})
    assert (posted.status_code, posted["Location"]) == (302, link(s.token))
    fragment = client.post(link(s.token), {"action": "save"}, **HTMX)
    assert "The survey is closed" in text(fragment)


def test_past_its_closing_time_the_campaign_is_closed_too(client):
    now = timezone.now()
    s = survey(opens_at=now - dt.timedelta(days=10), closes_at=now - dt.timedelta(minutes=1))
    assert client.get(link(s.token)).status_code == 410


def test_a_campaign_not_open_yet_says_when_it_opens(client):
    opens = timezone.now() + dt.timedelta(days=3)
    s = survey(opens_at=opens)
    response = client.get(link(s.token))
    assert response.status_code == 200
    page = text(response)
    assert "has not opened yet" in page
    assert "It opens on" in page
    assert "survey-form" not in page
    draft = survey(status=Campaign.Status.DRAFT)
    assert "has not opened yet" in text(client.get(link(draft.token)))


def test_an_unknown_link_gets_a_404_page_that_reveals_nothing(client, s):
    response = client.get(link("no-such-token"))
    assert response.status_code == 404
    page = text(response)
    assert "Link not found" in page
    assert s.campaign.title not in page
    other = client.get(link("A" * 43))
    assert _main(text(other)) == _main(page)
    assert client.post(link("no-such-token"), {"action": "save"}).status_code == 404
    assert client.get("/s/no-such-token/thanks/").status_code == 404


def test_guessing_links_is_rate_limited_with_a_429_page(client, s):
    for n in range(ratelimit.MISS_LIMIT):
        assert client.get(link(f"guess-{n}")).status_code == 404
    response = client.get(link(s.token))
    assert response.status_code == 429
    assert "Too many attempts" in text(response)
    assert int(response["Retry-After"]) > 0
    assert client.post(link(s.token), {"action": "save"}).status_code == 429
    # the API shares the count
    assert client.get(f"/api/v1/public/responses/{s.token}/").status_code == 429
    # valid links from elsewhere still work
    assert client.get(link(s.token), REMOTE_ADDR="10.9.9.9").status_code == 200
    rate_limit_reset("10.9.9.9")


def test_save_and_continue_later_with_a_wrong_answer_shows_the_error(client, s):
    ids = s.ids
    response = client.post(link(s.token), {"action": "save", f"q{ids.readiness}": "9"})
    assert response.status_code == 400
    page = text(response)
    assert f'href="#q{ids.readiness}-s1"' in page
    assert "Choose a whole number from 1 to 5." in page
    assert not Response.objects.exists()
