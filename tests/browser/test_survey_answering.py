"""Answering a survey in a real browser: on a phone-sized screen, autosaving and resuming
from the same link, conditional questions appearing, and the error summary taking focus.

The interface is Russian (the browser's and the site's default): the tests find things by
id, role and data, not by interface text."""

import pytest
from playwright.sync_api import Page, expect

from surveys.models import Response
from tests.conftest import wait_until
from tests.surveys.answering import rate_limit_reset, survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture(autouse=True)
def fresh_limits():
    rate_limit_reset()
    yield
    rate_limit_reset()


@pytest.fixture
def s():
    return survey()


def _link(live_server, s):
    return f"{live_server.url}/s/{s.token}/"


def _response(s):
    return Response.objects.filter(invitation=s.invitation).first()


def test_answering_on_a_narrow_screen(page: Page, live_server, s):
    ids = s.ids
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(_link(live_server, s))
    expect(page.locator("#survey-form")).to_be_visible()
    assert page.evaluate(OVERFLOW) <= 0

    # Touch targets: a whole option row is the label, at least 44 px high.
    no = page.locator(f"label[for='q{ids.agreements}-o{ids.no}']")
    box = no.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    no.click()
    expect(page.locator(f"#q{ids.agreements}-o{ids.no}")).to_be_checked()
    page.locator(f"label[for='q{ids.obstacles}-o{ids.experience}']").click()
    page.locator(f"label[for='q{ids.readiness}-s2']").click()
    page.fill(f"#q{ids.projects}", "3,5")
    page.locator(f"label[for='q{ids.spheres}-r{ids.roads}-s5']").click()
    assert page.evaluate(OVERFLOW) <= 0

    page.locator("button[name=action][value=submit]").click()
    expect(page).to_have_url(f"{_link(live_server, s)}thanks/")
    assert page.evaluate(OVERFLOW) <= 0
    response = _response(s)
    assert response.status == Response.Status.SUBMITTED
    assert response.answers == {
        str(ids.agreements): ids.no,
        str(ids.obstacles): [ids.experience],
        str(ids.readiness): 2,
        str(ids.projects): 3.5,
        str(ids.spheres): {str(ids.roads): 5},
    }

    # The link now shows the answers, read-only, and still fits the screen.
    page.goto(_link(live_server, s))
    expect(page.locator("#survey-form")).to_have_count(0)
    expect(page.locator(".answers-list")).to_contain_text("Отсутствие опыта совместных проектов")
    assert page.evaluate(OVERFLOW) <= 0


def test_answers_are_saved_as_you_go_and_resume_from_the_link(page: Page, live_server, s):
    ids = s.ids
    page.goto(_link(live_server, s))
    page.locator(f"label[for='q{ids.agreements}-o{ids.yes}']").click()
    # htmx saves a moment after each change and says when.
    expect(page.locator("#save-status .save-ok")).to_be_visible()
    page.fill(f"#q{ids.sphere}", "Туризм")
    page.locator(f"#q{ids.comment}").click()  # leaving the field is its change

    def saved():
        response = _response(s)
        return response is not None and response.answers.get(str(ids.sphere)) == "Туризм"

    wait_until(saved, timeout=15)
    assert _response(s).answers == {str(ids.agreements): ids.yes, str(ids.sphere): "Туризм"}

    # Reopening the link later brings the answers back.
    page.goto("about:blank")
    page.goto(_link(live_server, s))
    expect(page.locator(f"#q{ids.agreements}-o{ids.yes}")).to_be_checked()
    expect(page.locator(f"#q{ids.sphere}")).to_have_value("Туризм")

    # "Save and continue later" saves without JavaScript's help too.
    page.locator(f"label[for='q{ids.readiness}-s4']").click()
    page.locator("button[name=action][value=save]").click()
    expect(page.locator(".message-success")).to_be_visible()
    page.reload()
    expect(page.locator(f"#q{ids.readiness}-s4")).to_be_checked()
    assert _response(s).answers[str(ids.readiness)] == 4


def test_a_conditional_question_appears_when_its_option_is_chosen(page: Page, live_server, s):
    ids = s.ids
    page.goto(_link(live_server, s))
    partners = page.locator(f"#question-{ids.partners}")
    expect(partners).to_be_hidden()
    # With JavaScript the note for pages without it is not shown.
    expect(page.locator(f"#q{ids.partners}-condition")).to_be_hidden()

    page.locator(f"label[for='q{ids.agreements}-o{ids.yes}']").click()
    expect(partners).to_be_visible()
    page.fill(f"#q{ids.partners}", "Сокольский район")

    page.locator(f"label[for='q{ids.agreements}-o{ids.no}']").click()
    expect(partners).to_be_hidden()

    # Typing an "other" answer chooses "other", which is not «Да» either.
    page.locator(f"label[for='q{ids.agreements}-o{ids.yes}']").click()
    expect(partners).to_be_visible()
    page.fill(f"#q{ids.agreements}-other-text", "Готовим соглашение")
    expect(page.locator(f"#q{ids.agreements}-other")).to_be_checked()
    expect(partners).to_be_hidden()


def test_errors_are_summarised_at_the_top_and_take_focus(page: Page, live_server, s):
    ids = s.ids
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(_link(live_server, s))
    page.locator("button[name=action][value=submit]").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.evaluate(OVERFLOW) <= 0
    summary.locator(f"a[href='#q{ids.readiness}-s1']").click()
    expect(page.locator(f"#q{ids.readiness}-error")).to_be_visible()
    assert _response(s) is None or _response(s).status == Response.Status.IN_PROGRESS


def test_a_save_the_server_refuses_is_not_silent(page: Page, live_server, s):
    ids = s.ids
    page.goto(_link(live_server, s))
    # Meanwhile the campaign is closed: the next autosave is refused (410).
    type(s.campaign).objects.filter(pk=s.campaign.pk).update(status="closed")
    page.locator(f"label[for='q{ids.agreements}-o{ids.yes}']").click()
    expect(page.locator("#save-status .save-failed")).to_be_visible()
    assert _response(s) is None
