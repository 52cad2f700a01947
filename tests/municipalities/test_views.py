"""The registry's pages: who may open them, what they show, and that list pages run the same
number of queries whatever the number of rows."""

import io
import re
from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditLog
from municipalities.models import (
    Agreement,
    AgreementParty,
    IndicatorValue,
    Membership,
    Municipality,
)
from tests.municipalities.factories import (
    AgreementFactory,
    AgreementPartyFactory,
    IndicatorFactory,
    IndicatorValueFactory,
    MembershipFactory,
    MunicipalityFactory,
    RegionFactory,
    TownFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("municipalities:municipality_list")
TOWNS = reverse("municipalities:town_list")
AGREEMENTS = reverse("municipalities:agreement_list")
AGREEMENT_NEW = reverse("municipalities:agreement_create")
COMPARE = reverse("municipalities:compare")
IMPORT = reverse("municipalities:indicator_import")


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: the pages are Russian by default, and the Russian
    catalogue is generated and translated separately."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def user(db):
    return UserFactory(username="reader")


@pytest.fixture
def staff(db):
    return UserFactory(username="staffer", is_staff=True)


def _login(client, user):
    client.force_login(user)
    return client


def _detail(municipality):
    return reverse("municipalities:municipality_detail", args=[municipality.oktmo])


def _text(response) -> str:
    return response.content.decode()


def _count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# --- layout -----------------------------------------------------------------------------------


def test_layout_has_landmarks_navigation_and_language_switcher(client):
    response = client.get(LIST)
    html = _text(response)
    assert '<html lang="en">' in html
    assert 'href="#main"' in html
    assert '<main id="main"' in html
    assert "<header" in html
    assert "<footer" in html
    assert '<nav class="site-nav" aria-label=' in html
    assert f'<a href="{LIST}" aria-current="page">Registry</a>' in html
    assert f'action="{reverse("set_language")}"' in html
    assert '<input name="next" type="hidden" value="/registry/">' in html
    assert "<title>Registry of municipalities — JointPlan</title>" in html
    # Staff links are for staff only; anonymous users get a sign-in link, not a logout form.
    assert IMPORT not in html
    assert 'href="/admin/"' not in html
    assert f"{reverse('login')}?next=" in html
    assert f'action="{reverse("logout")}"' not in html


def test_staff_see_import_and_administration_and_a_logout_form(client, staff):
    html = _text(_login(client, staff).get(LIST))
    assert f'href="{IMPORT}"' in html
    assert 'href="/admin/"' in html
    assert f'<form method="post" action="{reverse("logout")}">' in html


def test_default_language_is_russian_and_switching_to_english_works(db):
    client = Client()
    assert '<html lang="ru">' in _text(client.get(LIST))
    # A browser set up in English still gets Russian until the user switches.
    assert '<html lang="ru">' in _text(client.get(LIST, HTTP_ACCEPT_LANGUAGE="en-US,en"))
    response = client.post(reverse("set_language"), {"language": "en", "next": LIST})
    assert response.status_code == 302
    assert response["Location"] == LIST
    html = _text(client.get(LIST))
    assert '<html lang="en">' in html
    assert "Registry of municipalities" in html


# --- home and sign-in -------------------------------------------------------------------------


def test_home_page_for_anonymous_and_for_a_member(client):
    municipality = MunicipalityFactory(name="Сокольский муниципальный округ")
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert f'href="{LIST}"' in _text(response)
    member = UserFactory()
    MembershipFactory(user=member, municipality=municipality, role=Membership.Role.COORDINATOR)
    html = _text(_login(client, member).get(reverse("home")))
    assert "Your municipalities" in html
    assert "Сокольский муниципальный округ" in html
    assert "coordinator" in html


def test_login_page_shows_errors_and_signs_in(client):
    UserFactory(username="anna")
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": "anna", "password": "wrong"})
    assert response.status_code == 200
    assert "There is a problem" in _text(response)
    response = client.post(reverse("login"), {"username": "anna", "password": "demo12345"})
    assert response.status_code == 302
    assert response.wsgi_request.user.is_authenticated


def test_too_many_failed_logins_show_the_lockout_page(client):
    UserFactory(username="boris")
    for _attempt in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.post(reverse("login"), {"username": "boris", "password": "wrong"})
        if response.status_code != 200:
            break
    assert response.status_code == 429
    html = _text(response)
    assert "Account locked" in html
    assert "15 minutes" in html


# --- municipality list ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "user", "staff"])
def test_municipality_list_is_public(client, who, user, staff):
    MunicipalityFactory(name="Сокольский муниципальный округ")
    if who != "anonymous":
        _login(client, user if who == "user" else staff)
    response = client.get(LIST)
    assert response.status_code == 200
    assert "Сокольский муниципальный округ" in _text(response)


def test_municipality_list_searches_by_name_and_by_oktmo(client):
    sokol = MunicipalityFactory(name="Сокольский муниципальный округ", oktmo="19638000")
    MunicipalityFactory(name="Вологодский муниципальный округ", oktmo="19620000")
    html = _text(client.get(LIST, {"q": "сокол"}))
    assert sokol.name in html
    assert "Вологодский" not in html
    html = _text(client.get(LIST, {"q": "196380"}))
    assert sokol.name in html
    assert "Вологодский" not in html


def test_municipality_list_filters_by_region_kind_and_size_class(client):
    arkhangelsk = RegionFactory(code="11", name="Архангельская область")
    big_town = TownFactory(name="Череповец", population=300_000)
    small_town = TownFactory(name="Сокол", population=35_000)
    MunicipalityFactory(
        name="Череповец (городской округ)",
        kind=Municipality.Kind.URBAN_OKRUG,
        main_town=big_town,
    )
    MunicipalityFactory(name="Сокольский округ", main_town=small_town)
    MunicipalityFactory(name="Котласский район", oktmo="11600000", region=arkhangelsk)

    html = _text(client.get(LIST, {"region": "11"}))
    assert "Котласский район" in html
    assert "Сокольский округ" not in html

    html = _text(client.get(LIST, {"kind": Municipality.Kind.URBAN_OKRUG}))
    assert "Череповец (городской округ)" in html
    assert "Сокольский округ" not in html

    html = _text(client.get(LIST, {"size_class": "small"}))
    assert "Сокольский округ" in html
    assert "Череповец (городской округ)" not in html
    assert "Котласский район" not in html


def test_municipality_list_paginates_by_50_and_keeps_the_filters(client):
    MunicipalityFactory.create_batch(55, name="Поселение")
    response = client.get(LIST, {"q": "Поселение"})
    assert len(response.context["page_obj"].object_list) == 50
    html = _text(response)
    assert "?q=%D0%9F%D0%BE%D1%81%D0%B5%D0%BB%D0%B5%D0%BD%D0%B8%D0%B5&amp;page=2" in html
    response = client.get(LIST, {"q": "Поселение", "page": 2})
    assert len(response.context["page_obj"].object_list) == 5
    assert 'aria-current="page" aria-label="Page 2, current"' in _text(response)


def test_municipality_list_empty_state_has_a_reset_link(client):
    MunicipalityFactory(name="Сокольский округ")
    html = _text(client.get(LIST, {"q": "нет такого"}))
    assert "Nothing found" in html
    assert f'<a href="{LIST}">Reset search and filters</a>' in html


def test_municipality_list_ignores_an_unknown_filter_value(client):
    MunicipalityFactory(name="Сокольский округ")
    response = client.get(LIST, {"region": "99", "q": "Сокол"})
    assert response.status_code == 200
    assert "Сокольский округ" in _text(response)


def test_municipality_list_query_count_does_not_grow_with_rows(client, user):
    _login(client, user)
    for _n in range(5):
        MunicipalityFactory(main_town=TownFactory(), parent=MunicipalityFactory())
    few = _count_queries(client, LIST)
    for _n in range(45):
        MunicipalityFactory(main_town=TownFactory(), parent=MunicipalityFactory())
    assert Municipality.objects.count() == 100
    assert _count_queries(client, LIST) == few


# --- municipality detail ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "user", "staff"])
def test_municipality_detail_is_public(client, who, user, staff):
    municipality = MunicipalityFactory(name="Сокольский муниципальный округ")
    if who != "anonymous":
        _login(client, user if who == "user" else staff)
    response = client.get(_detail(municipality))
    assert response.status_code == 200
    html = _text(response)
    assert "<title>Сокольский муниципальный округ — JointPlan</title>" in html
    assert "municipal district" in html
    assert "Вологодская область" in html


def test_municipality_detail_of_an_unknown_code_is_404(client):
    assert client.get("/registry/19999999/").status_code == 404
    assert client.get("/registry/1999999/").status_code == 404


def test_municipality_detail_shows_hierarchy_history_and_towns(client):
    district = MunicipalityFactory(name="Сокольский район")
    settlement = MunicipalityFactory(
        name="Город Кадников",
        parent=district,
        kind=Municipality.Kind.URBAN_SETTLEMENT,
        valid_from=date(2006, 1, 1),
        valid_to=date(2022, 6, 1),
    )
    village = MunicipalityFactory(name="Деревня", parent=settlement)
    okrug = MunicipalityFactory(name="Сокольский муниципальный округ")
    okrug.predecessors.add(settlement)
    TownFactory(name="Кадников", population=4_500, municipality=settlement)

    html = _text(client.get(_detail(settlement)))
    breadcrumbs = html.split('aria-label="Breadcrumbs"')[1].split("</nav>")[0]
    assert breadcrumbs.index("Сокольский район") < breadcrumbs.index("Город Кадников")
    assert _detail(village) in html
    assert _detail(okrug) in html  # its successor
    assert "ceased to exist" in html
    assert "Кадников" in html
    assert "4,500" in html
    assert "small (up to 50 thousand)" in html
    assert "Successors" in html
    assert "Predecessors" in _text(client.get(_detail(okrug)))


def test_municipality_detail_shows_indicators_with_gaps_as_gaps(client):
    municipality = MunicipalityFactory(name="Сокольский округ")
    population = IndicatorFactory(
        code="population", name="Численность населения", unit="чел.", position=1
    )
    wage = IndicatorFactory(code="avg_wage", name="Зарплата", unit="руб.", position=2)
    IndicatorValueFactory(
        municipality=municipality, indicator=population, year=2019, value=1234567, source="Росстат"
    )
    IndicatorValueFactory(municipality=municipality, indicator=population, year=2021, value=1200000)
    IndicatorValueFactory(municipality=municipality, indicator=wage, year=2020, value=45000)

    html = _text(client.get(_detail(municipality)))
    row = re.search(r"<tr>\s*<th scope=\"row\">Численность населения</th>.*?</tr>", html, re.S)
    assert row is not None
    cells = re.findall(r'<td class="numeric">(.*?)</td>', row.group(0), re.S)
    assert cells[0] == "1,234,567"
    assert cells[1] == (
        '<span class="gap" aria-hidden="true">—</span><span class="visually-hidden">no data</span>'
    )
    assert cells[2] == "1,200,000"
    assert ">0<" not in row.group(0)
    assert "Росстат" in row.group(0)
    # One chart per indicator, named for assistive technology by its <title>.
    assert html.count('role="img"') == 2
    assert ">Численность населения, чел.</title>" in html
    assert html.count('class="chart-line"') == 0  # 2019 and 2021 only: no two neighbours


def test_municipality_detail_chart_breaks_at_the_gap(client):
    municipality = MunicipalityFactory()
    indicator = IndicatorFactory(name="Численность населения", unit="чел.")
    other = IndicatorFactory()
    for year in (2017, 2018, 2020, 2021):
        IndicatorValueFactory(municipality=municipality, indicator=indicator, year=year, value=10)
    IndicatorValueFactory(municipality=municipality, indicator=other, year=2019, value=1)
    html = _text(client.get(_detail(municipality)))
    assert html.count('class="chart-line"') == 2


def test_municipality_detail_agreements_for_signed_in_users_only(client, user):
    municipality = MunicipalityFactory()
    agreement = AgreementFactory(title="Соглашение о туризме")
    AgreementPartyFactory(agreement=agreement, municipality=municipality)
    html = _text(client.get(_detail(municipality)))
    assert "Соглашение о туризме" not in html
    assert "Sign in to see the agreements" in html
    html = _text(_login(client, user).get(_detail(municipality)))
    assert "Соглашение о туризме" in html


def test_municipality_detail_back_link_keeps_the_list_query(client):
    municipality = MunicipalityFactory()
    back = f"{LIST}?q=abc&page=2"
    html = _text(client.get(_detail(municipality), {"back": back}))
    assert f'href="{LIST}?q=abc&amp;page=2"' in html
    for elsewhere in ("https://evil.example/", "//evil.example/", "javascript:alert(1)"):
        html = _text(client.get(_detail(municipality), {"back": elsewhere}))
        assert f'href="{elsewhere}"' not in html
        assert f'<p class="back-link"><a href="{LIST}">' in html


def test_list_links_carry_the_query_to_the_detail(client):
    MunicipalityFactory(name="Сокольский округ")
    html = _text(client.get(LIST, {"q": "Сокол"}))
    assert "?back=/registry/%3Fq%3D%25D0%25A1" in html


# --- towns ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "user", "staff"])
def test_town_list_is_public(client, who, user, staff):
    TownFactory(name="Сокол")
    if who != "anonymous":
        _login(client, user if who == "user" else staff)
    response = client.get(TOWNS)
    assert response.status_code == 200
    assert "Сокол" in _text(response)


def test_town_list_filters_and_counts_by_size_class_and_region(client):
    arkhangelsk = RegionFactory(code="11", name="Архангельская область")
    TownFactory(name="Сокол", population=35_000)
    TownFactory(name="Вологда", population=310_000)
    TownFactory(name="Котлас", population=60_000, region=arkhangelsk, oktmo="11710000001")

    response = client.get(TOWNS)
    html = _text(response)
    counts = html.split('id="counts-caption"')[1].split("</table>")[0]
    assert "Архангельская область" in counts
    assert "Вологодская область" in counts
    assert response.context["total_counts"] == [1, 1, 0, 1, 0]
    assert response.context["total_towns"] == 3

    html = _text(client.get(TOWNS, {"size_class": "small"}))
    listing = html.split('id="towns-caption"')[1]
    assert "Сокол" in listing
    assert "Вологда" not in listing

    response = client.get(TOWNS, {"region": "11"})
    listing = _text(response).split('id="towns-caption"')[1]
    assert "Котлас" in listing
    assert "Сокол" not in listing
    assert response.context["total_towns"] == 1

    listing = _text(client.get(TOWNS, {"q": "волог"})).split('id="towns-caption"')[1]
    assert "Вологда" in listing
    assert "Сокол" not in listing


def test_town_list_empty_state(client):
    html = _text(client.get(TOWNS, {"q": "нет такого"}))
    assert "Nothing found" in html
    assert f'<a href="{TOWNS}">Reset search and filters</a>' in html


def test_town_list_query_count_does_not_grow_with_rows(client, user):
    _login(client, user)
    TownFactory.create_batch(5, municipality=MunicipalityFactory())
    few = _count_queries(client, TOWNS)
    for _n in range(45):
        TownFactory(municipality=MunicipalityFactory())
    assert _count_queries(client, TOWNS) == few


# --- agreements -------------------------------------------------------------------------------


def _agreement_between(*municipalities, **fields):
    agreement = AgreementFactory(**fields)
    for municipality in municipalities:
        AgreementPartyFactory(agreement=agreement, municipality=municipality)
    return agreement


def test_agreement_pages_need_sign_in(client):
    agreement = _agreement_between(MunicipalityFactory(), MunicipalityFactory())
    for url in (
        AGREEMENTS,
        AGREEMENT_NEW,
        reverse("municipalities:agreement_detail", args=[agreement.pk]),
        reverse("municipalities:agreement_update", args=[agreement.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("who", ["user", "staff"])
def test_agreement_list_and_detail_for_signed_in_users(client, who, user, staff):
    agreement = _agreement_between(
        MunicipalityFactory(name="Сокольский"), MunicipalityFactory(name="Вологодский")
    )
    _login(client, user if who == "user" else staff)
    html = _text(client.get(AGREEMENTS))
    assert agreement.title in html
    assert "Сокольский; Вологодский" in html
    response = client.get(reverse("municipalities:agreement_detail", args=[agreement.pk]))
    assert response.status_code == 200
    assert agreement.title in _text(response)


def test_drafts_of_others_are_hidden(client, user):
    draft = _agreement_between(
        MunicipalityFactory(), MunicipalityFactory(), status=Agreement.Status.DRAFT
    )
    _login(client, user)
    assert draft.title not in _text(client.get(AGREEMENTS))
    response = client.get(reverse("municipalities:agreement_detail", args=[draft.pk]))
    assert response.status_code == 404


def test_agreement_list_query_count_does_not_grow_with_rows(client, member):
    own = MunicipalityFactory()
    coordinator = member(own, Membership.Role.COORDINATOR)
    _login(client, coordinator)
    for _n in range(5):
        _agreement_between(own, MunicipalityFactory(), MunicipalityFactory())
    few = _count_queries(client, AGREEMENTS)
    for _n in range(45):
        _agreement_between(own, MunicipalityFactory(), MunicipalityFactory())
    assert _count_queries(client, AGREEMENTS) == few


def _agreement_post(parties, version=None, **fields):
    data = {
        "title": "Соглашение о совместном проекте",
        "number": "7",
        "legal_form": Agreement.LegalForm.JOINT_PROJECT,
        "sphere": Agreement.Sphere.TOURISM,
        "status": Agreement.Status.ACTIVE,
        "signed_on": "2024-03-01",
        "valid_from": "2024-03-01",
        "valid_to": "2026-12-31",
        "budget": "1500000.50",
        "description": "",
        "parties-TOTAL_FORMS": str(len(parties) + 1),
        "parties-INITIAL_FORMS": "0",
        "parties-MIN_NUM_FORMS": "0",
        "parties-MAX_NUM_FORMS": "50",
        **fields,
    }
    if version is not None:
        data["version"] = str(version)
    for index, (municipality, role) in enumerate(parties):
        data[f"parties-{index}-municipality"] = municipality
        data[f"parties-{index}-role"] = role
    data[f"parties-{len(parties)}-municipality"] = ""
    data[f"parties-{len(parties)}-role"] = AgreementParty.Role.MEMBER
    return data


def test_agreement_create_is_refused_to_non_coordinators(client, member):
    sokol, vologda = MunicipalityFactory(), MunicipalityFactory()
    editor = member(sokol, Membership.Role.EDITOR)
    _login(client, editor)
    assert client.get(AGREEMENT_NEW).status_code == 403
    data = _agreement_post([(sokol.oktmo, "lead"), (vologda.oktmo, "member")])
    assert client.post(AGREEMENT_NEW, data).status_code == 403
    assert not Agreement.objects.exists()


def test_coordinator_registers_an_agreement(client, member):
    sokol = MunicipalityFactory(name="Сокольский округ")
    vologda = MunicipalityFactory(name="Вологодский округ")
    coordinator = member(sokol, Membership.Role.COORDINATOR)
    _login(client, coordinator)
    assert client.get(AGREEMENT_NEW).status_code == 200
    # A party may be given by its code, by "code — name" as the edit form shows it, or by name.
    data = _agreement_post(
        [(f"{sokol.oktmo} — {sokol.name}", "lead"), ("вологодский округ", "member")]
    )
    response = client.post(AGREEMENT_NEW, data)
    assert response.status_code == 302
    agreement = Agreement.objects.get()
    assert response["Location"] == reverse("municipalities:agreement_detail", args=[agreement.pk])
    assert agreement.title == "Соглашение о совместном проекте"
    assert str(agreement.budget) == "1500000.50"
    assert {(p.municipality_id, p.role) for p in agreement.parties.all()} == {
        (sokol.pk, "lead"),
        (vologda.pk, "member"),
    }
    assert AuditLog.objects.filter(action="agreement.create").count() == 1
    assert "The agreement is registered." in _text(client.get(response["Location"]))


def test_agreement_form_needs_two_parties_and_known_codes(client, member):
    sokol = MunicipalityFactory()
    _login(client, member(sokol, Membership.Role.COORDINATOR))
    response = client.post(AGREEMENT_NEW, _agreement_post([(sokol.oktmo, "lead")]))
    assert response.status_code == 200
    assert "at least two different municipalities" in _text(response)
    response = client.post(
        AGREEMENT_NEW, _agreement_post([(sokol.oktmo, "lead"), ("19999998", "member")])
    )
    assert "There is no municipality with the OKTMO code 19999998." in _text(response)
    assert not Agreement.objects.exists()


def test_coordinator_cannot_register_an_agreement_of_others(client, member):
    sokol, a, b = MunicipalityFactory(), MunicipalityFactory(), MunicipalityFactory()
    _login(client, member(sokol, Membership.Role.COORDINATOR))
    response = client.post(AGREEMENT_NEW, _agreement_post([(a.oktmo, "lead"), (b.oktmo, "member")]))
    assert response.status_code == 403
    assert "coordinators of a party" in _text(response)
    assert 'value="Соглашение о совместном проекте"' in _text(response)  # input kept
    assert not Agreement.objects.exists()


def test_service_field_errors_are_shown_on_the_form(client, staff):
    a, b = MunicipalityFactory(), MunicipalityFactory()
    _login(client, staff)
    data = _agreement_post([(a.oktmo, "lead"), (b.oktmo, "member")], title="   ")
    response = client.post(AGREEMENT_NEW, data)
    assert response.status_code in (200, 400)
    assert "There is a problem" in _text(response)
    assert not Agreement.objects.exists()


def test_agreement_form_explains_a_term_that_ends_before_it_starts(client, staff):
    a, b = MunicipalityFactory(), MunicipalityFactory()
    _login(client, staff)
    data = _agreement_post(
        [(a.oktmo, "lead"), (b.oktmo, "member")], valid_from="2025-01-01", valid_to="2024-01-01"
    )
    html = _text(client.post(AGREEMENT_NEW, data))
    assert "The term cannot end before it starts." in html
    assert "agreement_valid_period" not in html  # not the constraint's technical name
    assert not Agreement.objects.exists()


def test_agreement_edit_without_a_version_is_refused(client, staff):
    a, b = MunicipalityFactory(), MunicipalityFactory()
    agreement = _agreement_between(a, b, title="Как было")
    url = reverse("municipalities:agreement_update", args=[agreement.pk])
    data = _agreement_post([(a.oktmo, "lead"), (b.oktmo, "member")], title="Без версии")
    response = _login(client, staff).post(url, data)
    assert response.status_code == 200
    assert "There is a problem" in _text(response)
    agreement.refresh_from_db()
    assert agreement.title == "Как было"


def test_agreement_edit_is_refused_to_others(client, member, user):
    sokol, vologda, other = MunicipalityFactory(), MunicipalityFactory(), MunicipalityFactory()
    agreement = _agreement_between(sokol, vologda)
    url = reverse("municipalities:agreement_update", args=[agreement.pk])
    for outsider in (user, member(other, Membership.Role.COORDINATOR), member(sokol, "editor")):
        _login(client, outsider)
        assert client.get(url).status_code == 403
        data = _agreement_post([(sokol.oktmo, "lead"), (vologda.oktmo, "member")], version=1)
        assert client.post(url, data).status_code == 403
    agreement.refresh_from_db()
    assert agreement.version == 1


def test_coordinator_of_a_party_edits_the_agreement(client, member):
    sokol, vologda = MunicipalityFactory(), MunicipalityFactory()
    agreement = _agreement_between(sokol, vologda)
    url = reverse("municipalities:agreement_update", args=[agreement.pk])
    _login(client, member(vologda, Membership.Role.COORDINATOR))
    response = client.get(url)
    assert response.status_code == 200
    html = _text(response)
    assert '<input type="hidden" name="version" value="1"' in html
    assert f'value="{sokol.oktmo} — {sokol.name}"' in html
    data = _agreement_post(
        [(sokol.oktmo, "member"), (vologda.oktmo, "lead")], version=1, title="Новое название"
    )
    response = client.post(url, data)
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.title == "Новое название"
    assert agreement.version == 2
    assert agreement.parties.get(municipality=vologda).role == "lead"


def test_stale_version_shows_the_conflict_and_changes_nothing(client, member):
    sokol, vologda = MunicipalityFactory(), MunicipalityFactory()
    agreement = _agreement_between(sokol, vologda, title="Сохранено коллегой")
    Agreement.objects.filter(pk=agreement.pk).update(version=2)  # somebody saved meanwhile
    url = reverse("municipalities:agreement_update", args=[agreement.pk])
    _login(client, member(sokol, Membership.Role.COORDINATOR))
    data = _agreement_post(
        [(sokol.oktmo, "lead"), (vologda.oktmo, "member")], version=1, title="Моя правка"
    )
    response = client.post(url, data)
    assert response.status_code == 412
    html = _text(response)
    assert "Somebody else saved this agreement while you were editing it" in html
    assert f'href="{url}"' in html  # reload the saved version
    assert 'value="Моя правка"' in html  # the user's input is kept
    assert "Сохранено коллегой" in html  # and the saved text shown beside it
    agreement.refresh_from_db()
    assert agreement.title == "Сохранено коллегой"
    assert agreement.version == 2
    assert not AuditLog.objects.filter(action="agreement.update").exists()
    # Saving again, after seeing both, is a deliberate choice and goes through.
    assert '<input type="hidden" name="version" value="2"' in html
    data["version"] = "2"
    assert client.post(url, data).status_code == 302
    agreement.refresh_from_db()
    assert agreement.title == "Моя правка"


# --- compare ----------------------------------------------------------------------------------


def test_compare_is_public_and_asks_for_at_least_two(client):
    one = MunicipalityFactory()
    response = client.get(COMPARE)
    assert response.status_code == 200
    assert "Choose at least 2 municipalities" in _text(response)
    assert "Choose at least 2 municipalities" in _text(client.get(COMPARE, {"oktmo": one.oktmo}))


def test_compare_refuses_more_than_five(client):
    codes = [m.oktmo for m in MunicipalityFactory.create_batch(6)]
    html = _text(client.get(COMPARE, {"oktmo": codes}))
    assert "compare at most 5 at a time" in html
    assert "Side by side" not in html


def test_compare_shows_latest_values_totals_and_charts(client):
    a = MunicipalityFactory(name="Сокольский округ")
    b = MunicipalityFactory(name="Вологодский округ")
    population = IndicatorFactory(
        code="population", name="Численность населения", unit="чел.", additive=True
    )
    wage = IndicatorFactory(code="avg_wage", name="Зарплата", unit="руб.", additive=False)
    IndicatorValueFactory(municipality=a, indicator=population, year=2020, value=40000)
    IndicatorValueFactory(municipality=a, indicator=population, year=2021, value=39000)
    IndicatorValueFactory(municipality=b, indicator=population, year=2020, value=50000)
    IndicatorValueFactory(municipality=a, indicator=wage, year=2021, value=45000)

    response = client.get(COMPARE, {"oktmo": [a.oktmo, b.oktmo]})
    assert response.status_code == 200
    rows = {row.indicator.code: row for row in response.context["rows"]}
    assert [(c.year, c.value) for c in rows["population"].cells] == [(2021, 39000), (2020, 50000)]
    assert rows["population"].total == 89000
    assert rows["population"].total_years == (2020, 2021)
    assert rows["avg_wage"].total is None
    html = _text(response)
    assert "89,000" in html
    assert "(2020–2021)" in html
    assert "not additive" in html
    assert html.count('role="img"') == 2  # over the years, and the latest values
    assert ">Численность населения, чел.</title>" in html


def test_compare_searches_municipalities_to_add(client):
    chosen = MunicipalityFactory(name="Сокольский округ")
    MunicipalityFactory(name="Сокольское поселение")
    html = _text(client.get(COMPARE, {"oktmo": chosen.oktmo, "q": "Сокол"}))
    assert 'id="chosen-' + chosen.oktmo + '"' in html
    assert "Сокольское поселение" in html
    assert 'id="found-' + chosen.oktmo + '"' not in html


# --- indicator import -------------------------------------------------------------------------


def test_import_page_is_for_staff_only(client, user, staff):
    response = client.get(IMPORT)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _login(client, user).get(IMPORT).status_code == 403
    assert _login(client, staff).get(IMPORT).status_code == 200


def _upload(text: str, name: str = "values.csv") -> io.BytesIO:
    upload = io.BytesIO(text.encode())
    upload.name = name
    return upload


def test_import_reports_bad_rows_by_line_and_writes_nothing(client, staff):
    municipality = MunicipalityFactory(oktmo="19638000")
    IndicatorFactory(code="population")
    csv_text = (
        "oktmo,indicator,year,value,source\n"
        "19638000,population,2020,40000,Росстат\n"
        "19638000,no_such_indicator,2020,1,\n"
        "19638000,population,2021,40000,Росстат\n"
        "19999998,population,2020,5,\n"
    )
    response = _login(client, staff).post(
        IMPORT, {"file": _upload(csv_text), "dry_run": ""}, follow=False
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert not report.ok
    assert [e.line for e in report.errors] == [3, 5]
    html = _text(response)
    assert "Nothing was written." in html
    errors_table = html.split('id="errors-caption"')[1].split("</table>")[0]
    assert '<th scope="row" class="numeric">3</th>' in errors_table
    assert '<th scope="row" class="numeric">5</th>' in errors_table
    assert not IndicatorValue.objects.filter(municipality=municipality).exists()


def test_import_dry_run_then_real_import(client, staff):
    municipality = MunicipalityFactory(oktmo="19638000")
    IndicatorFactory(code="population")
    csv_text = "oktmo,indicator,year,value\n19638000,population,2020,40000\n"
    _login(client, staff)
    response = client.post(IMPORT, {"file": _upload(csv_text), "dry_run": "on"})
    assert response.context["report"].ok
    assert "Dry run" in _text(response)
    assert not IndicatorValue.objects.exists()
    response = client.post(IMPORT, {"file": _upload(csv_text), "dry_run": ""})
    assert response.context["report"].created == 1
    assert "The values are imported." in _text(response)
    assert IndicatorValue.objects.get(municipality=municipality).value == 40000


def test_import_of_an_unreadable_file_is_a_form_error(client, staff):
    response = _login(client, staff).post(IMPORT, {"file": _upload("x", name="values.pdf")})
    assert response.status_code == 200
    assert response.context["report"] is None
    assert "There is a problem" in _text(response)
