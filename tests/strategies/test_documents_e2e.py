"""The strategy PDF end to end: the API asks, a real Celery worker renders on the test Redis
and PostgreSQL, the API serves the file. What the PDF says is read back with pypdf."""

import random
from datetime import date
from io import BytesIO
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import pgettext
from pypdf import PdfReader

from core.models import DocumentExport
from strategies import services
from tests.conftest import wait_until
from tests.strategies.big import section_text
from tests.strategies.test_documents import fill, pdf_pages, ru, start_pages, toc_numbers

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture
def written(joint_strategy):
    """The joint strategy with sections long enough to run over several pages, one of them
    with a subsection, the plan and targets, in review and signed by Vologodsky."""
    js = joint_strategy
    fill(js)
    rng = random.Random(4)
    sections = list(js.strategy.sections.order_by("position", "id"))
    services.section_create(
        actor=js.users["coordinator-sokolsky"],
        strategy_id=js.strategy.pk,
        title="Сокольский район: особенности",
        parent=sections[0],
        body=section_text(rng, paragraphs=4),
    )
    for index, section in enumerate(sections):
        section.refresh_from_db()
        services.section_update(
            actor=js.users["editor-sokolsky"],
            section_id=section.pk,
            version=section.version,
            body=section_text(rng, paragraphs=3 + 3 * (index % 3)),
        )
    services.strategy_transition(
        actor=js.users["coordinator-sokolsky"], strategy_id=js.strategy.pk, name="review"
    )
    approver = js.users["approver-vologodsky"]
    approver.first_name, approver.last_name = "Ирина", "Смирнова"
    approver.save(update_fields=["first_name", "last_name"])
    services.strategy_sign_off(
        actor=approver,
        strategy_id=js.strategy.pk,
        decision_number="15-р",
        decision_date=date(2025, 4, 1),
    )
    return js


def _request(api_client, strategy):
    return api_client.post(f"/api/v1/strategies/{strategy.pk}/exports/")


def _finished(api_client, export_id):
    def check():
        body = api_client.get(f"/api/v1/exports/{export_id}/").json()
        return body if body["status"] in ("succeeded", "failed") else None

    return wait_until(check, timeout=120, interval=0.3)


def _download(api_client, url) -> bytes:
    response = api_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)


def _fonts(content: bytes) -> set[str]:
    """The base names of the fonts the pages use."""
    fonts = set()
    for page in PdfReader(BytesIO(content)).pages:
        resources: Any = page["/Resources"]
        for font in (resources.get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    return fonts


def test_the_worker_renders_the_document_with_a_correct_table_of_contents(
    written, api_client, celery_worker
):
    strategy = written.strategy
    strategy.refresh_from_db()
    api_client.force_authenticate(written.users["viewer-vologodsky"])
    response = _request(api_client, strategy)
    assert response.status_code == 202
    body = _finished(api_client, response.json()["id"])
    assert body["status"] == "succeeded", body["error"]
    content = _download(api_client, body["download_url"])
    pages = pdf_pages(content)
    assert len(pages) == body["pages"] >= 15

    # The title page: every participant, the horizon, the status.
    cover = pages[0]
    for municipality in (written.sokolsky, written.vologodsky):
        assert municipality.name in cover
    assert "2025–2030" in cover
    with translation.override("ru"):
        status = strategy.get_status_display()
    assert status.capitalize() in cover

    # Every section in the contents, with the page on which it really starts.
    sections = list(
        strategy.sections.order_by("position", "id").values_list("pk", "title", "parent")
    )
    top = [s for s in sections if s[2] is None]
    labels = [f"{number}. {title}" for number, (_pk, title, _p) in enumerate(top, start=1)]
    labels.append(f"1.1. {next(title for _pk, title, parent in sections if parent)}")
    approval = ru("Approval sheet")
    toc = toc_numbers(pages, [*labels, approval])
    first_body_page = min(toc.values())
    assert first_body_page >= 3
    starts = start_pages(pages, labels, after=first_body_page - 1)
    starts[approval] = start_pages(pages, [approval.upper()], after=first_body_page - 1)[
        approval.upper()
    ]
    assert toc == starts
    assert len(set(starts.values())) > 3  # the sections do run over several pages

    # Running header and "page X of Y" footer; no page number on the title page.
    with translation.override("ru"):
        page = pgettext("page number in a document footer", "p.")
        of = pgettext("page 3 of 40 in a document footer", "of")
    assert f"{page} 3 {of} {len(pages)}" in pages[2]
    assert strategy.title[:40] in pages[2]
    assert f"{page} 1 {of}" not in pages[0]

    # The approval sheet: who signed, when, with which council decision.
    sheet = pages[starts[approval] - 1]
    assert "15-р" in sheet
    assert "01.04.2025" in sheet
    assert "Ирина Смирнова" in sheet
    # The fonts are the project's own, embedded; nothing from the machine.
    assert _fonts(content)
    assert all("PT-S" in font for font in _fonts(content)), _fonts(content)


def test_unchanged_content_reuses_the_file_and_an_edit_makes_a_new_one(
    written, api_client, celery_worker
):
    strategy = written.strategy
    api_client.force_authenticate(written.users["editor-sokolsky"])
    first = _request(api_client, strategy)
    assert first.status_code == 202
    done = _finished(api_client, first.json()["id"])
    assert done["status"] == "succeeded", done["error"]

    again = _request(api_client, strategy)
    assert again.status_code == 200
    assert again.json()["id"] == done["id"]
    assert again.json()["download_url"] == done["download_url"]
    # Another participant's user shares the same file.
    api_client.force_authenticate(written.users["viewer-sokolsky"])
    assert _request(api_client, strategy).json()["id"] == done["id"]

    section = strategy.sections.order_by("position").first()
    services.section_update(
        actor=written.users["editor-sokolsky"],
        section_id=section.pk,
        version=section.version,
        title="Оценка текущего состояния (уточнённая)",
    )
    edited = _request(api_client, strategy)
    assert edited.status_code == 202
    assert edited.json()["id"] != done["id"]
    second = _finished(api_client, edited.json()["id"])
    assert second["status"] == "succeeded", second["error"]
    text = " ".join(pdf_pages(_download(api_client, second["download_url"])))
    assert "1. Оценка текущего состояния (уточнённая)" in text
    exports = DocumentExport.objects.filter(kind="strategy", object_id=strategy.pk)
    assert exports.count() == 2
    assert len({export.file.name for export in exports}) == 2


def test_strangers_get_404_on_the_request_the_status_and_the_download(
    written, api_client, celery_worker
):
    strategy = written.strategy
    api_client.force_authenticate(written.users["viewer-sokolsky"])
    done = _finished(api_client, _request(api_client, strategy).json()["id"])
    assert done["status"] == "succeeded", done["error"]
    status_url = f"/api/v1/exports/{done['id']}/"

    api_client.force_authenticate(written.users["editor-cherepovets"])
    assert _request(api_client, strategy).status_code == 404
    assert api_client.get(status_url).status_code == 404
    assert api_client.get(done["download_url"]).status_code == 404

    api_client.force_authenticate(None)
    assert _request(api_client, strategy).status_code == 401
    assert api_client.get(status_url).status_code == 404
    assert api_client.get(done["download_url"]).status_code == 404
    assert DocumentExport.objects.count() == 1
