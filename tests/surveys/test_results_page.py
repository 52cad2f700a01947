"""The results page for administrators: access, the numbers, charts, breakdowns with hidden
cells, texts, response rates, live refresh and the export buttons."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import DocumentExport
from surveys.models import Campaign
from surveys.results import results_fingerprint
from tests.municipalities.factories import UserFactory
from tests.surveys.results_data import make_places, make_survey, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey():
    places = make_places()
    survey = make_survey(anonymous=True)
    for value in (5, 4, 4):
        submit(
            survey,
            places.sokolsky,
            survey.answers(
                single="Да",
                multiple=("Совместные проекты",),
                scale=value,
                long=f"Комментарий {value}",
            ),
        )
    submit(survey, places.kotlas, survey.answers(single="Нет", scale=1, long="Из Котласа"))
    survey.places = places
    return survey


def _url(campaign, name="surveys:campaign_results"):
    return reverse(name, args=[campaign.pk])


def test_only_administrators_see_results(client, survey):
    url = _url(survey.campaign)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert client.get(_url(survey.campaign, "surveys:campaign_results_live")).status_code == 403
    assert (
        client.post(_url(survey.campaign, "surveys:campaign_results_export"), {"format": "csv"})
    ).status_code == 403


def test_an_unknown_campaign_is_not_found(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("surveys:campaign_results", args=[999_999])).status_code == 404


def test_the_page_shows_numbers_charts_breakdowns_texts_and_rates(client, admin_user, survey):
    client.force_login(admin_user)

    response = client.get(_url(survey.campaign))

    assert response.status_code == 200
    html = response.content.decode()
    assert survey.campaign.title in html
    assert 'data-value="respondents">4<' in html
    assert 'data-value="response-rate">100,0\u00a0%<' in html
    # A table per question, with caption and header scopes, and the chart beside it.
    single = _section(html, survey.single.pk)
    assert "<caption" in single
    assert (
        '<th scope="row">Да</th><td class="numeric">3</td><td class="numeric">75,0\u00a0%</td>'
        in (single)
    )
    assert '<th scope="col"' in single
    assert 'role="img"' in single
    assert f'id="chart-q{survey.single.pk}"' in single
    # Scale: mean and median.
    scale = _section(html, survey.scale.pk)
    assert "<dd>3,5</dd>" in scale  # mean of 5, 4, 4, 1
    assert "<dd>4</dd>" in scale  # median
    # Breakdowns: Kotlas' one respondent is hidden in this anonymous campaign.
    assert 'class="suppressed"' in single
    hidden = re.search(r'<tr class="suppressed"><th scope="row">([^<]+)</th>', single)
    assert hidden.group(1) == str(survey.places.kotlas.get_kind_display())
    # Texts, newest first.
    texts = _section(html, survey.long.pk)
    assert texts.index("Из Котласа") < texts.index("Комментарий 4") < texts.index("Комментарий 5")
    # Response rate per municipality.
    assert 'data-oktmo="19638000"' in html
    assert re.search(r'data-oktmo="11710000">.*?100,0\u00a0%', html, re.S)


def _section(html, question_id):
    start = html.index(f'id="question-{question_id}"')
    end = html.find('<section class="question-results"', start + 1)
    return html[start : end if end > 0 else None]


def test_a_named_campaign_hides_nothing(client, admin_user):
    places = make_places()
    survey = make_survey(anonymous=False)
    submit(survey, places.kotlas, survey.answers(single="Да"))
    client.force_login(admin_user)

    html = client.get(_url(survey.campaign)).content.decode()

    assert 'class="suppressed"' not in html


def test_long_text_lists_show_the_first_ten_and_the_rest_behind_show_all(client, admin_user):
    places = make_places()
    survey = make_survey()
    for n in range(12):
        submit(survey, places.sokolsky, survey.answers(long=f"мнение {n:02d}"))
    client.force_login(admin_user)

    texts = _section(client.get(_url(survey.campaign)).content.decode(), survey.long.pk)

    shown, rest = texts.split("<details>")
    assert shown.count("<li>") == 10
    assert "мнение 11" in shown
    assert rest.count("<li>") == 2
    assert "мнение 00" in rest


def test_an_open_campaign_polls_and_gets_204_until_something_changes(client, admin_user, survey):
    client.force_login(admin_user)
    html = client.get(_url(survey.campaign)).content.decode()
    fingerprint = results_fingerprint(survey.campaign)
    live = _url(survey.campaign, "surveys:campaign_results_live")
    assert f'hx-get="{live}?since={fingerprint}"' in html
    assert 'hx-trigger="every 15s"' in html

    unchanged = client.get(live, {"since": fingerprint}, HTTP_HX_REQUEST="true")
    assert unchanged.status_code == 204

    submit(survey, survey.places.cherepovets, survey.answers(single="Нет"))
    changed = client.get(live, {"since": fingerprint}, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200
    fragment = changed.content.decode()
    assert fragment.lstrip().startswith('<div id="results-live"') or 'id="results-live"' in fragment
    assert 'data-value="respondents">5<' in fragment
    assert 'hx-swap-oob="true"' in fragment
    assert "<html" not in fragment


def test_a_closed_campaign_does_not_poll(client, admin_user, survey):
    Campaign.objects.filter(pk=survey.campaign.pk).update(status=Campaign.Status.CLOSED)
    client.force_login(admin_user)

    html = client.get(_url(survey.campaign)).content.decode()

    assert 'hx-trigger="every' not in html
    assert 'data-value="respondents">4<' in html


def test_export_buttons_make_jobs(client, admin_user, survey, django_capture_on_commit_callbacks):
    client.force_login(admin_user)
    url = _url(survey.campaign, "surveys:campaign_results_export")
    html = client.get(_url(survey.campaign)).content.decode()
    for format in ("csv", "xlsx", "pdf"):
        assert f'name="format" value="{format}"' in html

    with django_capture_on_commit_callbacks(execute=False):
        plain = client.post(url, {"format": "pdf"})
    export = DocumentExport.objects.get()
    assert plain.status_code == 302
    assert plain["Location"] == reverse("core:export_detail", args=[export.pk])

    with django_capture_on_commit_callbacks(execute=False):
        htmx = client.post(url, {"format": "xlsx"}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert 'class="export-status' in htmx.content.decode()
    assert DocumentExport.objects.filter(format="xlsx", kind="campaign_report").exists()

    refused = client.post(url, {"format": "docx"}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    assert 'role="alert"' in refused.content.decode()


def test_the_page_shows_the_status_of_exports_of_the_current_results_only(
    client, admin_user, survey, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(_url(survey.campaign, "surveys:campaign_results_export"), {"format": "csv"})
    export = DocumentExport.objects.get()

    html = client.get(_url(survey.campaign)).content.decode()
    assert f'id="export-{export.pk}"' in html

    submit(survey, survey.places.cherepovets, survey.answers(single="Нет"))
    html = client.get(_url(survey.campaign)).content.decode()
    assert f'id="export-{export.pk}"' not in html


def test_the_page_takes_the_same_number_of_queries_for_more_responses(client, admin_user):
    places = make_places()
    small, large = make_survey(), make_survey()
    for n in range(3):
        submit(small, places.sokolsky, small.answers(single="Да", long=f"текст {n}"))
    for n in range(40):
        submit(
            large,
            [places.sokolsky, places.kotlas][n % 2],
            large.answers(single="Да", long=f"текст {n}"),
        )
    client.force_login(admin_user)

    def count(campaign):
        with CaptureQueriesContext(connection) as context:
            assert client.get(_url(campaign)).status_code == 200
        return len(context.captured_queries)

    assert count(small.campaign) == count(large.campaign)
