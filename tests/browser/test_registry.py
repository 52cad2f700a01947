"""The registry in a real browser: sign in, search, open a municipality, see its chart."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.municipalities.factories import (
    IndicatorFactory,
    IndicatorValueFactory,
    MunicipalityFactory,
    TownFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def registry(db):
    UserFactory(username="anna")  # password: demo12345 (the factory's)
    sokol = MunicipalityFactory(
        name="Сокольский муниципальный округ",
        oktmo="19638000",
        main_town=TownFactory(name="Сокол", population=35_000),
    )
    MunicipalityFactory(name="Вологодский муниципальный округ", oktmo="19620000")
    population = IndicatorFactory(
        code="population", name="Численность населения", unit="чел.", additive=True
    )
    for year, value in ((2019, 47_100), (2020, 46_500), (2021, 45_900)):
        IndicatorValueFactory(municipality=sokol, indicator=population, year=year, value=value)
    return sokol


def _sign_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", "demo12345")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator(".account-name")).to_have_text("anna")


def test_sign_in_search_open_a_municipality_and_see_its_chart(page: Page, live_server, registry):
    _sign_in(page, live_server.url)

    page.goto(f"{live_server.url}/registry/")
    page.fill("#id_q", "Сокол")
    page.locator("form.filters button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/registry/\?q=%D0%A1%D0%BE%D0%BA%D0%BE%D0%BB"))
    link = page.get_by_role("link", name="Сокольский муниципальный округ")
    expect(link).to_be_visible()
    expect(page.get_by_role("link", name="Вологодский муниципальный округ")).to_have_count(0)

    link.click()
    expect(page).to_have_url(re.compile(r"/registry/19638000/\?back="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Сокольский муниципальный округ")
    chart = page.get_by_role("img", name="Численность населения, чел.")
    expect(chart).to_have_count(1)
    expect(chart).to_be_visible()
    assert chart.evaluate("element => element.tagName.toLowerCase()") == "svg"
    expect(chart.locator("path.chart-line")).to_have_count(1)
    expect(chart.locator("circle")).to_have_count(3)
    # The table beside it is the accessible alternative, with the same values.
    expect(page.locator("table.indicator-table")).to_contain_text("45\u00a0900")

    # Back to the list the user came from, search kept.
    page.locator(".back-link a").click()
    expect(page.locator("#id_q")).to_have_value("Сокол")


def test_registry_fits_a_phone_and_shows_keyboard_focus(page: Page, live_server, registry):
    page.set_viewport_size({"width": 375, "height": 740})
    for path in ("/", "/registry/", "/registry/19638000/", "/registry/towns/"):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
    page.goto(f"{live_server.url}/registry/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    outline = skip.evaluate("element => getComputedStyle(element).backgroundColor")
    assert outline == "rgb(255, 221, 0)"


def test_language_switch_on_any_page(page: Page, live_server, registry):
    page.goto(f"{live_server.url}/registry/19638000/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    page.select_option("#language-select", "en")
    page.locator(".language-form button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/registry/19638000/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Indicators", exact=True)).to_be_visible()
