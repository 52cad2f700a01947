"""Reading survey results in a real browser: an administrator signs in, opens the results of
a running campaign, sees the numbers and the charts, and sees new responses arrive without
reloading the page (htmx polling).

The interface is Russian (the browser's and the site's default): the tests find things by
role, id and data, not by interface text."""

import pytest
from playwright.sync_api import Page, expect

from surveys import results_views
from tests.municipalities.factories import UserFactory
from tests.surveys.results_data import make_places, make_survey, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo12345"  # UserFactory's


@pytest.fixture
def campaign_with_answers():
    places = make_places()
    survey = make_survey(anonymous=True)
    for value in (5, 4, 4):
        submit(
            survey,
            places.sokolsky,
            survey.answers(single="Да", scale=value, long=f"Нужны совместные проекты {value}"),
        )
    submit(survey, places.kotlas, survey.answers(single="Нет", scale=1))
    survey.places = places
    return survey


def _sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".account-name")).to_have_text(username)


def test_an_administrator_reads_the_results_with_charts_and_sees_them_update(
    page: Page, live_server, campaign_with_answers, monkeypatch
):
    # Poll every second instead of every fifteen, so the test need not wait.
    monkeypatch.setattr(results_views, "POLL_SECONDS", 1)
    survey = campaign_with_answers
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    _sign_in(page, live_server.url, "admin")

    page.goto(f"{live_server.url}/surveys/campaigns/{survey.campaign.pk}/results/")

    expect(page.get_by_role("heading", level=1)).to_contain_text(survey.campaign.title)
    expect(page.locator('[data-value="respondents"]')).to_have_text("4")
    single = page.locator(f"#question-{survey.single.pk}")
    chart = single.locator("svg.chart[role=img]")
    expect(chart).to_be_visible()
    expect(chart.locator("rect.chart-bar")).to_have_count(4)  # three options and "other"
    yes = single.locator("table").first.locator("tbody tr").first
    expect(yes.locator("th")).to_have_text("Да")
    expect(yes).to_contain_text("3")
    expect(yes).to_contain_text("75,0")
    scale = page.locator(f"#question-{survey.scale.pk}")
    expect(scale.locator("svg.chart[role=img]")).to_be_visible()
    expect(scale.locator("dl.facts")).to_contain_text("3,5")
    expect(single.locator("tr.suppressed").first).to_be_visible()
    expect(page.locator(f"#question-{survey.long.pk} ol.texts li").first).to_have_text(
        "Нужны совместные проекты 4"
    )

    submit(survey, survey.places.cherepovets, survey.answers(single="Нет", scale=2))
    expect(page.locator('[data-value="respondents"]')).to_have_text("5", timeout=15_000)
    # The one-line live region outside the swapped part is updated too (out of band).
    expect(page.locator("#results-updated")).to_have_attribute("data-respondents", "5")


def test_results_fit_a_narrow_screen(page: Page, live_server, campaign_with_answers):
    survey = campaign_with_answers
    UserFactory(username="admin", is_staff=True, is_superuser=True)
    page.set_viewport_size({"width": 390, "height": 844})
    _sign_in(page, live_server.url, "admin")

    page.goto(f"{live_server.url}/surveys/campaigns/{survey.campaign.pk}/results/")

    expect(page.locator(f"#question-{survey.single.pk} svg.chart")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1
