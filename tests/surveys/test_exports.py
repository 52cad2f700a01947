"""Exports of a campaign: the CSV and XLSX of all responses (columns, values, anonymity,
formula neutralisation), the PDF report's content, and both through the real document
pipeline with a real Celery worker."""

import copy
import csv
import io
from datetime import datetime

import pytest
from django.utils import translation
from django.utils.translation import gettext
from openpyxl import load_workbook
from pypdf import PdfReader

from core.documents.rendering import html_to_pdf, render_document_html
from core.documents.services import document_export_run
from core.models import DocumentExport
from surveys import documents
from surveys.exports import LANGUAGE, neutralise, write_responses_csv, write_responses_xlsx
from surveys.models import Campaign, Response
from tests.conftest import wait_until
from tests.municipalities.factories import UserFactory
from tests.surveys.factories import (
    InvitationFactory,
    QuestionnaireVersionFactory,
    ResponseFactory,
)
from tests.surveys.results_data import make_places, make_survey, submit

pytestmark = pytest.mark.django_db

FIXED_COLUMNS = 7  # №, submitted, OKTMO, municipality, kind, size class, region
ANONYMOUS_FIXED_COLUMNS = 5  # №, submitted, kind, size class, region
PERSON_COLUMNS = 3  # name, position, e-mail (named campaigns only)


def _csv(campaign) -> list[list[str]]:
    output = io.BytesIO()
    write_responses_csv(campaign, output)
    content = output.getvalue()
    assert content.startswith("\ufeff".encode())  # Excel reads the Cyrillic right
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _xlsx(campaign):
    output = io.BytesIO()
    write_responses_xlsx(campaign, output)
    output.seek(0)
    sheet = load_workbook(output).worksheets[0]
    return [list(row) for row in sheet.iter_rows()]


def _answered(survey, places):
    submit(
        survey,
        places.sokolsky,
        survey.answers(
            single="Да",
            multiple=("Совместные проекты", "Совет муниципальных образований"),
            multiple_other="Ассоциация",
            scale=4,
            number=-3,
            short="глава",
            long="Нужны общие проекты.",
            matrix={"Дороги": 5, "Туризм": 2},
        ),
        name="Петров Пётр Петрович",
        email="petrov@example.org",
        position="Глава округа",
    )
    submit(
        survey,
        places.cherepovets,
        survey.answers(single_other="пока нет", number=12.5),
        name="Сидорова Анна",
        email="sidorova@example.org",
    )


def test_csv_has_a_row_per_response_and_a_column_per_question_option_and_row():
    places = make_places()
    survey = make_survey(anonymous=False)
    _answered(survey, places)

    header, first, second = _csv(survey.campaign)

    questions = header[FIXED_COLUMNS + PERSON_COLUMNS :]
    assert questions == [
        "1. Участвует ли муниципалитет в сотрудничестве?",
        "1. Участвует ли муниципалитет в сотрудничестве?: other (own answer)",
        "2. Какие формы сотрудничества используются?: Соглашения о передаче полномочий",
        "2. Какие формы сотрудничества используются?: Совет муниципальных образований",
        "2. Какие формы сотрудничества используются?: Совместные проекты",
        "2. Какие формы сотрудничества используются?: other (own answer)",
        "3. Готовность участвовать в совместной стратегии",
        "4. Число действующих соглашений",
        "5. Должность",
        "6. Комментарий",
        "7. Оцените эффект сотрудничества: Дороги",
        "7. Оцените эффект сотрудничества: Туризм",
    ]
    assert first[0] == "1"
    datetime.fromisoformat(first[1])
    assert first[2:7] == [
        "19638000",
        "Сокольский муниципальный округ",
        str(places.sokolsky.get_kind_display()),
        first[5],
        "Вологодская область",
    ]
    assert first[5]  # Sokol is a small town
    assert first[7:10] == ["Петров Пётр Петрович", "Глава округа", "petrov@example.org"]
    # A negative number is a number, not text to neutralise.
    assert first[10:] == [
        "Да",
        "",
        "0",
        "1",
        "1",
        "Ассоциация",
        "4",
        "-3",
        "глава",
        "Нужны общие проекты.",
        "5",
        "2",
    ]
    # Unanswered is empty, not 0; the "other" text has its own column.
    assert second[10:] == ["", "пока нет", "", "", "", "", "", "12.5", "", "", "", ""]
    assert second[6] == "Вологодская область"
    assert second[5]  # Cherepovets is a large town


def test_anonymous_campaigns_export_no_names_e_mails_or_municipalities():
    places = make_places()
    survey = make_survey(anonymous=True)
    _answered(survey, places)

    rows = _csv(survey.campaign)
    xlsx = _xlsx(survey.campaign)

    flat = str(rows) + str([[c.value for c in row] for row in xlsx])
    assert "Петров" not in flat
    assert "petrov@example.org" not in flat
    assert "Глава округа" not in flat
    # One head per municipality: its name or OKTMO would name the respondent.
    for municipality in (places.sokolsky, places.cherepovets):
        assert municipality.name not in flat
        assert municipality.oktmo not in flat
    assert len(rows[0]) == ANONYMOUS_FIXED_COLUMNS + 12
    with translation.override(LANGUAGE):
        assert rows[0][:ANONYMOUS_FIXED_COLUMNS] == [
            "№",
            gettext("Submitted"),
            gettext("Kind of municipality"),
            gettext("Size class of the main town"),
            gettext("Region"),
        ]
    # The groups that results break down by stay.
    assert rows[1][2:5] == [
        str(places.sokolsky.get_kind_display()),
        rows[1][3],
        "Вологодская область",
    ]
    assert rows[1][3]  # Sokol is a small town
    assert rows[1][ANONYMOUS_FIXED_COLUMNS] == "Да"
    assert [c.value for c in xlsx[1][2:5]] == rows[1][2:5]


def test_only_submitted_responses_are_exported_oldest_first():
    places = make_places()
    survey = make_survey()
    submit(survey, places.sokolsky, survey.answers(long="первый"))
    ResponseFactory(
        invitation=InvitationFactory(campaign=survey.campaign, municipality=places.kotlas),
        answers={str(survey.long.pk): "черновик"},
    )
    submit(survey, places.kotlas, survey.answers(long="второй"))

    rows = _csv(survey.campaign)

    comments = rows[0].index("6. Комментарий")
    assert [row[comments] for row in rows[1:]] == ["первый", "второй"]
    assert [row[0] for row in rows[1:]] == ["1", "2"]


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_that_a_spreadsheet_would_run_is_neutralised(prefix):
    places = make_places()
    survey = make_survey()
    dangerous = f'{prefix}HYPERLINK("http://evil.example","x")'
    # Written past the service (which strips whitespace), as an old or imported row might be.
    ResponseFactory(
        invitation=InvitationFactory(campaign=survey.campaign, municipality=places.sokolsky),
        status=Response.Status.SUBMITTED,
        submitted_at=survey.campaign.opens_at,
        answers={str(survey.long.pk): dangerous, str(survey.number.pk): -7},
    )

    rows = _csv(survey.campaign)
    comments = rows[0].index("6. Комментарий")
    number = rows[0].index("4. Число действующих соглашений")
    assert rows[1][comments] == "'" + dangerous
    assert rows[1][number] == "-7"

    sheet = _xlsx(survey.campaign)
    cell = sheet[1][comments]
    # XML readers normalise a carriage return to a line feed.
    assert cell.value == ("'" + dangerous).replace("\r", "\n")
    assert cell.data_type == "s"
    assert sheet[1][number].value == -7
    assert sheet[1][number].data_type == "n"


def test_question_texts_and_option_texts_are_neutralised_too():
    places = make_places()
    survey = make_survey()
    schema = copy.deepcopy(survey.version.schema)
    schema["questions"][0]["text"] = "=1+1 вопрос"
    schema["questions"][0]["options"][0]["text"] = "@SUM(A1)"
    # Published versions never change: the campaign gets a crafted one of its own.
    version = QuestionnaireVersionFactory(questionnaire=survey.version.questionnaire, schema=schema)
    Campaign.objects.filter(pk=survey.campaign.pk).update(questionnaire_version=version)
    survey.campaign.refresh_from_db()
    submit(
        survey, places.sokolsky, {str(survey.single.pk): schema["questions"][0]["options"][0]["id"]}
    )

    header, row = _csv(survey.campaign)
    first = ANONYMOUS_FIXED_COLUMNS
    assert header[first] == "1. =1+1 вопрос"  # starts with a digit: harmless
    assert row[first] == "'@SUM(A1)"
    sheet = _xlsx(survey.campaign)
    assert sheet[1][first].value == "'@SUM(A1)"
    assert sheet[1][first].data_type == "s"


def test_neutralise_touches_only_strings():
    assert neutralise("=A1") == "'=A1"
    assert neutralise("-x") == "'-x"
    assert neutralise("\rcmd") == "'\rcmd"
    assert neutralise("Да") == "Да"
    assert neutralise("") == ""
    assert neutralise(-5) == -5
    assert neutralise(-2.5) == -2.5
    assert neutralise(None) is None


def test_xlsx_has_the_same_table_with_numbers_dates_and_no_control_characters():
    places = make_places()
    survey = make_survey(anonymous=False)
    _answered(survey, places)
    ResponseFactory(
        invitation=InvitationFactory(campaign=survey.campaign, municipality=places.kotlas),
        status=Response.Status.SUBMITTED,
        submitted_at=survey.campaign.closes_at,
        answers={str(survey.long.pk): "звонок\x07 и \x1bescape"},
    )

    rows = _xlsx(survey.campaign)
    values = [[cell.value for cell in row] for row in rows]

    assert len(rows) == 4
    assert values[0][:2] == ["№", values[0][1]]
    assert isinstance(values[1][1], datetime)
    assert values[1][0] == 1
    first = values[1][FIXED_COLUMNS + PERSON_COLUMNS :]
    assert first == [
        "Да",
        None,
        0,
        1,
        1,
        "Ассоциация",
        4,
        -3,
        "глава",
        "Нужны общие проекты.",
        5,
        2,
    ]
    assert values[2][FIXED_COLUMNS + PERSON_COLUMNS + 7] == 12.5
    assert values[3][-3] == "звонок и escape"


# --- the PDF report --------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    """The PDF's text on one line, words hyphenated at the end of a line joined again."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return text.replace("-\n", "").replace("\n", " ")


def test_report_context_and_pdf_show_the_numbers_and_hide_small_groups():
    places = make_places()
    survey = make_survey(anonymous=True)
    for _ in range(3):
        submit(
            survey, places.sokolsky, survey.answers(single="Да", scale=5, long="Больше проектов")
        )
    submit(survey, places.kotlas, survey.answers(single="Нет", scale=1))
    kind = documents.campaign_report_kind()

    context = documents.build_context(survey.campaign)
    html, _timings = render_document_html(kind, survey.campaign)
    text = _pdf_text(html_to_pdf(html).content)

    assert context["respondents"] == 4
    assert survey.campaign.title in html
    assert 'href="/static/pdf/document.css"' in html or "pdf/document.css" in html
    single = context["questions"][0]
    assert [row.cells for row in single.table.rows][:2] == [
        ["3", "75,0\u00a0%"],
        ["1", "25,0\u00a0%"],
    ]
    kinds = single.breakdowns[0]
    assert [(row.label, row.suppressed) for row in kinds.rows] == [
        (str(places.kotlas.get_kind_display()), True),
        (str(places.sokolsky.get_kind_display()), False),
    ]
    for expected in (
        "Участвует ли муниципалитет в сотрудничестве?",
        "Сокольский муниципальный округ",
        "Больше проектов",
        "75,0",
    ):
        assert expected in text


# --- through the real pipeline -----------------------------------------------------------------


def test_running_the_xlsx_job_in_process_stores_the_file(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    places = make_places()
    survey = make_survey()
    _answered(survey, places)
    admin = UserFactory(is_staff=True)
    from core.documents.services import document_export_request

    export, created = document_export_request(
        kind="campaign_report", subject=survey.campaign, format="csv", actor=admin
    )
    assert created
    done = document_export_run(export_id=export.pk)
    assert done.status == "succeeded"
    assert done.file.name.endswith(".csv")
    with done.file.open("rb") as handle:
        assert "Нужны общие проекты." in handle.read().decode("utf-8-sig")
    assert (
        documents.filename(survey.campaign, "csv") == f"survey-{survey.campaign.pk}-responses.csv"
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_xlsx_and_pdf_through_a_real_worker(api_client, celery_worker):
    places = make_places()
    survey = make_survey(anonymous=True)
    for value in (5, 4, 4):
        submit(survey, places.sokolsky, survey.answers(single="Да", scale=value, long="Проекты"))
    submit(survey, places.kotlas, survey.answers(single_other="=cmd|' /C calc'!A0", scale=1))
    api_client.force_authenticate(UserFactory(username="admin-e2e", is_staff=True))

    def finished(export_id):
        def check():
            body = api_client.get(f"/api/v1/exports/{export_id}/").json()
            return body if body["status"] in ("succeeded", "failed") else None

        return wait_until(check, timeout=120, interval=0.3)

    url = f"/api/v1/campaigns/{survey.campaign.pk}/exports/"
    xlsx_job = api_client.post(url, {"format": "xlsx"}, format="json")
    pdf_job = api_client.post(url, {"format": "pdf"}, format="json")
    assert (xlsx_job.status_code, pdf_job.status_code) == (202, 202)

    xlsx = finished(xlsx_job.json()["id"])
    assert xlsx["status"] == "succeeded", xlsx["error"]
    download = api_client.get(xlsx["download_url"])
    assert download.status_code == 200
    assert download["Content-Disposition"].endswith(
        f'filename="survey-{survey.campaign.pk}-responses.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 5
    other = values[0].index("1. Участвует ли муниципалитет в сотрудничестве?: other (own answer)")
    assert values[4][other] == "'=cmd|' /C calc'!A0"

    pdf = finished(pdf_job.json()["id"])
    assert pdf["status"] == "succeeded", pdf["error"]
    assert pdf["pages"] >= 3
    content = b"".join(api_client.get(pdf["download_url"]).streaming_content)
    text = _pdf_text(content)
    assert survey.campaign.title in text
    assert "Готовность участвовать в совместной стратегии" in text
    assert "Проекты" in text
    assert DocumentExport.objects.filter(status="succeeded").count() == 2
