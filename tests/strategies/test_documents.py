"""The strategy as a PDF document: its context (queries, parts), its content hash, the HTML it
prints, its safety against hostile section bodies, and the API and page that ask for it.
Rendering with a real worker is in test_documents_e2e.py."""

import re
import socket
import threading
import time
import zlib
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from core.documents.registry import get_document_kind
from core.documents.rendering import html_to_pdf, render_document_html
from core.models import DocumentExport
from municipalities.models import Municipality
from strategies import documents, services
from strategies.content import snapshot_hash, strategy_snapshot
from strategies.models import ApprovalRound, Section, Strategy
from tests.strategies.big import build_big_strategy

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# Queries of build_context whatever the size of the strategy: 16 for a draft, two more with
# an approval round (its sign-offs, the time its snapshot was fixed).
CONTEXT_QUERIES = 18


# --- helpers shared with test_documents_e2e.py -------------------------------------------------


def pdf_pages(content: bytes) -> list[str]:
    """The text of each page, whitespace collapsed (pypdf)."""
    reader = PdfReader(BytesIO(content))
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in reader.pages]


def pdf_everything(content: bytes) -> str:
    """Every byte of the file that could carry a URL or a file's content, readable: the raw
    file, each stream inflated, and the extracted text."""
    parts = [content.decode("latin-1")]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", content, re.DOTALL):
        try:
            parts.append(zlib.decompress(match.group(1)).decode("latin-1"))
        except zlib.error:
            parts.append(match.group(1).decode("latin-1"))
    parts.extend(pdf_pages(content))
    return "\n".join(parts)


def toc_numbers(pages: list[str], labels: list[str]) -> dict[str, int]:
    """The page number printed after each entry of the table of contents (page 2 on)."""
    text = " ".join(pages[1:4])
    found = {}
    for label in labels:
        match = re.search(re.escape(label) + r"[\s.]*(\d+)", text)
        assert match, f"{label!r} is not in the table of contents"
        found[label] = int(match.group(1))
    return found


def start_pages(pages: list[str], labels: list[str], after: int) -> dict[str, int]:
    """The number of the first page after ``after`` on which each label appears."""
    found = {}
    for label in labels:
        found[label] = next(
            number for number, text in enumerate(pages, start=1) if number > after and label in text
        )
    return found


def ru(message: str) -> str:
    with translation.override("ru"):
        return gettext(message)


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def js(joint_strategy):
    return joint_strategy


def fill(js, *, body: str = "<p>Текст раздела о совместном развитии.</p>") -> Strategy:
    """One of everything the document prints, written through the services."""
    users, strategy = js.users, js.strategy
    services.strategy_update(
        actor=users["coordinator-sokolsky"],
        strategy_id=strategy.pk,
        version=strategy.version,
        summary="Совместный документ двух районов: туризм, отходы, дороги.",
    )
    for section in strategy.sections.all():
        services.section_update(
            actor=users["editor-sokolsky"],
            section_id=section.pk,
            version=section.version,
            body=f"<h3>Подраздел</h3>{body}",
        )
    goal = services.goal_create(
        actor=users["editor-sokolsky"],
        strategy_id=strategy.pk,
        title="Единое туристское пространство",
        description="Общий туристский продукт двух районов.",
    )
    objective = services.objective_create(
        actor=users["editor-sokolsky"], goal_id=goal.pk, title="Создать совместные маршруты"
    )
    services.measure_create(
        actor=users["editor-vologodsky"],
        objective_id=objective.pk,
        title="Паспортизация маршрута «Вологда — Сокол»",
        start_year=2025,
        end_year=2026,
        expected_result="Маршрут включён в региональный реестр.",
        responsible=[js.sokolsky, js.vologodsky],
        financing=[
            services.FinancingRow("regional", None, 2025, Decimal("1234.5")),
            services.FinancingRow("municipal", js.sokolsky, 2026, Decimal("350")),
        ],
    )
    services.target_indicator_create(
        actor=users["editor-vologodsky"],
        strategy_id=strategy.pk,
        name="Туристский поток",
        unit="тыс. чел.",
        objective_id=objective.pk,
        baseline_year=2024,
        baseline_value=Decimal("86"),
        targets={2025: Decimal("92"), 2030: Decimal("140")},
        contributions=[services.ContributionRow(js.sokolsky, 2030, Decimal("80"))],
    )
    strategy.refresh_from_db()
    return strategy


def review(js) -> None:
    services.strategy_transition(
        actor=js.users["coordinator-sokolsky"], strategy_id=js.strategy.pk, name="review"
    )


def sign(js, who: str = "approver-vologodsky", **decision) -> None:
    services.strategy_sign_off(actor=js.users[who], strategy_id=js.strategy.pk, **decision)


def html_of(strategy: Strategy) -> str:
    html, _timings = render_document_html(get_document_kind("strategy"), strategy)
    return html


# --- the context -----------------------------------------------------------------------------


def _context_queries(strategy: Strategy) -> int:
    with CaptureQueriesContext(connection) as queries:
        documents.build_context(Strategy.objects.get(pk=strategy.pk))
    return len(queries)


def test_the_context_costs_the_same_queries_for_a_small_and_a_big_strategy(
    js, django_assert_max_num_queries
):
    small = fill(js)
    big = build_big_strategy(sections=12, targets=25, measures=40)
    assert _context_queries(small) == _context_queries(big)
    with django_assert_max_num_queries(CONTEXT_QUERIES):
        context = documents.build_context(big)
    assert len(context["sections"]) == 12
    assert len(context["targets"]) == 25
    assert context["measure_count"] == 40


def test_the_context_in_review_costs_a_fixed_number_of_queries(js, django_assert_max_num_queries):
    fill(js)
    review(js)
    sign(js, decision_number="12-р", decision_date=date(2025, 3, 4))
    with django_assert_max_num_queries(CONTEXT_QUERIES):
        context = documents.build_context(js.strategy)
    lines = {line.municipality: line for line in context["approval"].lines}
    assert lines[js.vologodsky.name].decision_number == "12-р"
    assert lines[js.sokolsky.name].approver == ""


def test_the_hash_costs_a_fixed_number_of_queries(js):
    fill(js)
    big = build_big_strategy(sections=12, targets=25, measures=40)
    with CaptureQueriesContext(connection) as small_queries:
        documents.content_hash(js.strategy)
    with CaptureQueriesContext(connection) as big_queries:
        documents.content_hash(big)
    assert len(small_queries) == len(big_queries)


def test_sections_are_numbered_as_a_tree_in_document_order(js):
    strategy = js.strategy
    first = strategy.sections.order_by("position").first()
    child = services.section_create(
        actor=js.users["coordinator-sokolsky"],
        strategy_id=strategy.pk,
        title="Сокольский район",
        parent=first,
    )
    sections = documents.build_context(strategy)["sections"]
    assert [s.number for s in sections[:3]] == ["1", "1.1", "2"]
    assert sections[1].anchor == f"section-{child.pk}"
    assert sections[1].depth == 1


# --- the content hash ------------------------------------------------------------------------


def test_the_hash_is_stable_and_ignores_what_the_document_does_not_print(js):
    strategy = fill(js)
    before = documents.content_hash(strategy)
    assert documents.content_hash(Strategy.objects.get(pk=strategy.pk)) == before
    # Actual values are monitoring data, comments are the participants' working papers.
    target = strategy.target_indicators.get()
    services.target_actuals_set(
        actor=js.users["editor-vologodsky"],
        target_indicator_id=target.pk,
        version=target.version,
        actuals={2025: Decimal("90")},
    )
    services.comment_create(
        actor=js.users["viewer-sokolsky"],
        section_id=strategy.sections.first().pk,
        body="Уточнить цифры.",
    )
    assert documents.content_hash(strategy) == before


def test_the_hash_changes_with_the_text_the_plan_and_the_names(js):
    strategy = fill(js)
    seen = {documents.content_hash(strategy)}

    section = strategy.sections.first()
    services.section_update(
        actor=js.users["editor-sokolsky"],
        section_id=section.pk,
        version=section.version,
        body="<p>Новый текст.</p>",
    )
    seen.add(documents.content_hash(strategy))

    measure = strategy.goals.get().objectives.get().measures.get()
    services.measure_update(
        actor=js.users["editor-sokolsky"],
        measure_id=measure.pk,
        version=measure.version,
        financing=[services.FinancingRow("federal", None, 2026, Decimal("5000"))],
    )
    seen.add(documents.content_hash(strategy))

    Municipality.objects.filter(pk=js.vologodsky.pk).update(name="Вологодский муниципальный округ")
    seen.add(documents.content_hash(strategy))
    assert len(seen) == 4


def test_the_hash_changes_with_the_status_and_every_sign_off(js):
    strategy = fill(js)
    seen = [documents.content_hash(strategy)]
    review(js)
    seen.append(documents.content_hash(strategy))
    sign(js, "approver-vologodsky")
    seen.append(documents.content_hash(strategy))
    sign(js, "approver-sokolsky", decision_number="7", decision_date=date(2025, 5, 6))
    strategy.refresh_from_db()
    assert strategy.status == Strategy.Status.APPROVED
    seen.append(documents.content_hash(strategy))
    services.strategy_transition(
        actor=js.users["coordinator-sokolsky"], strategy_id=strategy.pk, name="adopt"
    )
    seen.append(documents.content_hash(strategy))
    assert len(set(seen)) == 5
    # Unchanged from here on: the same document.
    assert documents.content_hash(strategy) == seen[-1]


def test_a_text_change_in_review_moves_the_snapshot_date_and_the_hash(js):
    strategy = fill(js)
    review(js)
    sign(js)
    before = documents.content_hash(strategy)
    section = strategy.sections.first()
    services.section_update(
        actor=js.users["editor-sokolsky"],
        section_id=section.pk,
        version=section.version,
        body="<p>Исправленный текст.</p>",
    )
    assert documents.content_hash(strategy) != before


# --- the HTML --------------------------------------------------------------------------------


def test_the_html_has_every_part_of_the_document_in_russian(js):
    strategy = fill(js)
    review(js)
    sign(js, decision_number="12-р", decision_date=date(2025, 3, 4))
    html = html_of(strategy)
    sections = list(strategy.sections.order_by("position", "id"))

    assert '<html lang="ru"' in html
    assert '<link rel="stylesheet" href="/static/pdf/document.css">' in html
    assert strategy.title in html
    assert "2025–2030" in html
    for municipality in (js.sokolsky, js.vologodsky):
        assert html.count(municipality.name) >= 3  # cover, plan, approval sheet
    # The contents link each section; its page number comes from CSS target-counter().
    for number, section in enumerate(sections, start=1):
        assert f'href="#section-{section.pk}">{number}. {section.title}</a>' in html
        assert f'id="section-{section.pk}"' in html
        assert f"<h1>{number}. {section.title}</h1>" in html
    assert html.count("<h3>Подраздел</h3>") == len(sections)
    # Goals → objectives, the plan, the targets with their chart, the financing.
    assert "Единое туристское пространство" in html
    assert "Создать совместные маршруты" in html
    assert "Паспортизация маршрута «Вологда — Сокол»" in html
    assert "Маршрут включён в региональный реестр." in html
    target = strategy.target_indicators.get()
    assert "Туристский поток" in html
    assert f'id="target-chart-{target.pk}"' in html
    assert "1\u00a0234,5" in html  # Russian number format: no-break space, decimal comma
    assert "1\u00a0584,5" in html  # the total of the plan
    # The approval sheet: the approver, the date, the council decision; round and hash.
    assert js.users["approver-vologodsky"].username in html
    assert "12-р" in html
    assert "04.03.2025" in html
    round_ = strategy.rounds.get()
    assert round_.snapshot_hash in html
    # Labels are Russian (those already translated; the rest follow with locale/ru).
    for message in ("Target indicators", "Total", "Source", "Participants"):
        translated = ru(message)
        assert translated != message
    assert ru("Target indicators") in html
    assert ru("Total") in html
    assert ru(str(Strategy.Status.IN_REVIEW.label)).capitalize() in html
    assert strategy.summary in html
    assert "Target indicators" not in html
    # No redline without an earlier approved text.
    assert 'id="redline"' not in html
    assert "<del>" not in html


def test_the_stylesheets_set_a4_gost_margins_headers_and_embedded_fonts():
    css = Path(finders.find("pdf/document.css")).read_text(encoding="utf-8")
    assert "size: A4" in css
    assert "margin: 20mm 15mm 20mm 30mm" in css
    assert "counter(page)" in css
    assert "counter(pages)" in css
    assert "target-counter(attr(href url), page)" in css
    assert "thead { display: table-header-group; }" in css
    assert "tr { break-inside: avoid; }" in css
    assert "hyphens: auto" in css
    for name in ("PTF55F", "PTF56F", "PTF75F", "PTF76F", "PTS55F", "PTS75F"):
        assert f"url(../fonts/{name}.ttf)" in css
        assert finders.find(f"fonts/{name}.ttf")
    assert finders.find("fonts/LICENSE-ParaType.txt")
    assert finders.find("pdf/strategy.css")


def test_the_redline_shows_what_changed_since_the_last_approved_text(js):
    strategy = fill(js)
    sections = list(strategy.sections.order_by("position", "id"))
    old = strategy_snapshot(strategy)
    # An earlier approval of this text (a strategy amended after adoption).
    ApprovalRound.objects.create(
        strategy=strategy,
        number=1,
        snapshot=old,
        snapshot_hash=snapshot_hash(old),
        outcome=ApprovalRound.Outcome.APPROVED,
    )
    services.section_update(
        actor=js.users["editor-sokolsky"],
        section_id=sections[0].pk,
        version=sections[0].version,
        title="Оценка состояния",
        body="<h3>Подраздел</h3><p>Текст раздела о совместном развитии двух районов.</p>",
    )
    added = services.section_create(
        actor=js.users["coordinator-sokolsky"],
        strategy_id=strategy.pk,
        title="Новый раздел",
        body="<p>Совсем новый текст.</p>",
    )
    services.section_delete(
        actor=js.users["coordinator-sokolsky"],
        section_id=sections[1].pk,
        version=sections[1].version,
    )
    context = documents.build_context(strategy)
    redline = context["redline"]
    assert redline.round_number == 1
    entries = {entry.title: entry for entry in redline.entries}
    assert set(entries) == {"Оценка состояния", added.title, sections[1].title}
    changed = entries["Оценка состояния"]
    assert changed.change == "changed"
    assert changed.old_title == sections[0].title
    assert "<del>развитии.</del> <ins>развитии двух районов.</ins>" in changed.diff
    assert entries[added.title].change == "added"
    assert entries[sections[1].title].change == "removed"
    html = html_of(strategy)
    assert 'id="redline"' in html
    assert "<del>" in html
    assert "<ins>" in html


def test_the_redline_shortens_long_unchanged_passages():
    words = [f"слово{n}" for n in range(100)]
    old = "<p>" + " ".join(words) + "</p>"
    new = "<p>" + " ".join([*words[:50], "<b>новое</b>", *words[50:99], "конец"]) + "</p>"
    diff = documents.redline_diff(old, new, context=3)
    assert diff == (
        "… слово47 слово48 слово49 <ins>новое</ins> слово50 слово51 слово52 … "
        "слово96 слово97 слово98 <del>слово99</del> <ins>конец</ins>"
    )
    assert documents.redline_diff("<p>a &lt; b</p>", "<p>a &gt; b</p>") == (
        "a <del>&lt;</del> <ins>&gt;</ins> b"
    )


def test_the_file_name_is_ascii():
    strategy = Strategy(pk=42, title="Стратегия развития Сокольского района до 2030 года!")
    assert documents.filename(strategy, "pdf") == (
        "strategiia-razvitiia-sokolskogo-raiona-do-2030-goda-42.pdf"
    )
    assert documents.filename(Strategy(pk=7, title="«»"), "pdf") == "strategy-7.pdf"
    long = documents.filename(Strategy(pk=1, title="Развитие " * 40), "pdf")
    assert long.isascii()
    assert len(long) < 100


# --- safety ----------------------------------------------------------------------------------


@pytest.fixture
def listener():
    """A real TCP listener on a free local port that records every connection to it."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.05)
    hits: list[tuple[str, int]] = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                client, address = server.accept()
            except TimeoutError:
                continue
            hits.append(address)
            client.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    # The listener does hear a connection (else "no connection" would prove nothing).
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    deadline = time.monotonic() + 5
    while not hits and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(hits) == 1
    hits.clear()
    yield SimpleNamespace(port=port, hits=hits)
    stop.set()
    thread.join()
    server.close()


def hostile(port: int) -> str:
    local = f"http://127.0.0.1:{port}"
    return (
        "<p>Видимый текст раздела.</p>"
        '<img src="file:///etc/passwd">'
        f'<img src="{local}/x.png">'
        '<img src="http://169.254.169.254/latest/meta-data/">'
        f'<p><a href="{local}/media/decisions/2025/secret-scan.pdf">вложение</a> и '
        '<a href="http://169.254.169.254/latest/">метаданные</a> и '
        '<a href="/media/decisions/2025/secret-scan.pdf">скан решения</a> и '
        '<a href="file:///etc/passwd">файл</a></p>'
        f'<p style="background: url({local}/style.png)">Стиль</p>'
        f'<div style="background-image: url(file:///etc/passwd)">Фон</div>'
        f'<link rel="stylesheet" href="{local}/link.css">'
        f"<style>@import url({local}/import.css); p {{ background: url({local}/s.png) }}</style>"
        f'<iframe src="{local}/frame"></iframe>'
        '<object data="file:///etc/passwd"></object>'
        f'<embed src="{local}/embed">'
        f'<svg><image href="{local}/svg.png"/></svg>'
        f'<base href="{local}/">'
        f'<table><tr><td background="{local}/td.png">ячейка</td></tr></table>'
    )


def forbidden(port: int) -> list[str]:
    return [
        f"127.0.0.1:{port}",
        "169.254.169.254",
        "file:",
        "/etc/passwd",
        "/media/",
        "secret-scan",
        "root:x:0:0",  # the content of /etc/passwd
    ]


def _assert_nothing_leaked(html: str, content: bytes, port: int) -> None:
    everything = pdf_everything(content)
    for needle in forbidden(port):
        assert needle not in html, needle
        assert needle not in everything, needle
    assert "/URI" not in everything  # no link annotation at all
    assert "Видимый текст раздела." in " ".join(pdf_pages(content))


def test_a_hostile_body_saved_through_the_service_leaks_nothing(js, listener):
    strategy = js.strategy
    section = strategy.sections.first()
    services.section_update(
        actor=js.users["editor-sokolsky"],
        section_id=section.pk,
        version=section.version,
        body=hostile(listener.port),
    )
    html = html_of(strategy)
    rendered = html_to_pdf(html)
    _assert_nothing_leaked(html, rendered.content, listener.port)
    # Nothing but the project's own files was even asked for.
    assert rendered.refused_urls == []
    assert listener.hits == []


def test_a_hostile_body_written_past_the_sanitiser_leaks_nothing(js, listener):
    strategy = js.strategy
    for section in strategy.sections.all():
        Section.objects.filter(pk=section.pk).update(body=hostile(listener.port))
    Strategy.objects.filter(pk=strategy.pk).update(
        title=f'Стратегия <img src="http://127.0.0.1:{listener.port}/title.png">',
        summary=f"<link rel=stylesheet href=http://127.0.0.1:{listener.port}/summary.css>",
    )
    html = html_of(Strategy.objects.get(pk=strategy.pk))
    rendered = html_to_pdf(html)
    assert listener.hits == []
    assert rendered.refused_urls == []
    everything = pdf_everything(rendered.content)
    assert "root:x:0:0" not in everything
    assert "169.254.169.254" not in everything
    assert "/URI" not in everything
    # The title is printed as text, escaped, never as markup.
    assert "&lt;img src=" in html
    assert "<img" not in html


def test_the_fetcher_refuses_what_slips_past_every_sanitiser(listener):
    """Belt and braces: hostile markup handed to the renderer as it is."""
    html = (
        '<html lang="ru"><head><link rel="stylesheet" href="/static/pdf/document.css">'
        "</head><body>" + hostile(listener.port) + "</body></html>"
    )
    rendered = html_to_pdf(html)
    assert listener.hits == []
    everything = pdf_everything(rendered.content)
    assert "root:x:0:0" not in everything
    refused = " ".join(rendered.refused_urls)
    assert f"127.0.0.1:{listener.port}" in refused
    assert "file:///etc/passwd" in refused


def test_pdf_bodies_keep_the_text_and_drop_links_and_everything_else():
    body = documents.pdf_body(
        '<h3>Заголовок</h3><p>Текст <a href="https://example.org/x">ссылки</a>.</p>'
        '<img src="file:///etc/passwd"><script>alert(1)</script>'
        "<table><tr><td colspan=2>ячейка</td></tr></table>"
    )
    assert body == (
        '<h3>Заголовок</h3><p>Текст ссылки.</p><table><tbody><tr><td colspan="2">ячейка</td>'
        "</tr></tbody></table>"
    )


# --- the API ---------------------------------------------------------------------------------


def _exports_url(strategy) -> str:
    return f"/api/v1/strategies/{strategy.pk}/exports/"


def test_api_request_makes_a_job_and_reuses_it_for_unchanged_content(js, api_client):
    api_client.force_authenticate(js.users["viewer-vologodsky"])
    first = api_client.post(_exports_url(js.strategy))
    assert first.status_code == 202
    body = first.json()
    assert {"id", "status", "pages", "download_url", "error"} <= set(body)
    assert body["status"] == "pending"
    assert body["download_url"] is None
    assert first["Location"].endswith(f"/api/v1/exports/{body['id']}/")
    export = DocumentExport.objects.get(pk=body["id"])
    assert (export.kind, export.object_id, export.format) == ("strategy", js.strategy.pk, "pdf")
    assert export.content_hash == documents.content_hash(js.strategy)
    assert export.template_version == documents.TEMPLATE_VERSION
    assert export.requested_by == js.users["viewer-vologodsky"]

    again = api_client.post(_exports_url(js.strategy))
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]

    api_client.force_authenticate(js.users["editor-sokolsky"])
    status = api_client.get(f"/api/v1/exports/{body['id']}/")
    assert status.status_code == 200
    assert status.json()["status"] == "pending"


def test_api_refuses_who_may_not_see_the_strategy(js, api_client):
    api_client.force_authenticate(js.users["editor-cherepovets"])
    assert api_client.post(_exports_url(js.strategy)).status_code == 404
    assert api_client.post("/api/v1/strategies/999999/exports/").status_code == 404
    api_client.force_authenticate(None)
    assert api_client.post(_exports_url(js.strategy)).status_code == 401
    assert DocumentExport.objects.count() == 0


def test_api_schema_documents_the_endpoint(api_client):
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/strategies/{id}/exports/"]["post"]
    assert operation["operationId"] == "v1_strategies_exports_create"
    assert {"200", "202", "401", "404"} <= set(operation["responses"])


# --- the strategy page -----------------------------------------------------------------------


def _detail(strategy) -> str:
    return reverse("strategies:strategy_detail", args=[strategy.pk])


def _export_url(strategy) -> str:
    return reverse("strategies:strategy_export", args=[strategy.pk])


def test_the_page_offers_the_pdf_and_a_plain_post_lands_on_the_jobs_page(js, client):
    client.force_login(js.users["viewer-sokolsky"])
    page = client.get(_detail(js.strategy)).content.decode()
    assert f'action="{_export_url(js.strategy)}"' in page
    assert 'id="document-status"></div>' in page

    response = client.post(_export_url(js.strategy))
    assert response.status_code == 302
    export = DocumentExport.objects.get()
    assert response["Location"] == reverse("core:export_detail", args=[export.pk])
    job_page = client.get(response["Location"]).content.decode()
    assert f'href="{_detail(js.strategy)}"' in job_page  # the way back
    page = client.get(_detail(js.strategy)).content.decode()
    # The job's status polls itself (HTMX) and links its own page for browsers without JS.
    assert f'id="export-{export.pk}"' in page
    assert reverse("core:export_status", args=[export.pk]) in page
    assert reverse("core:export_detail", args=[export.pk]) in page

    # Identical content is shared: another participant's page offers the same job.
    client.force_login(js.users["viewer-vologodsky"])
    assert f'id="export-{export.pk}"' in client.get(_detail(js.strategy)).content.decode()


def test_an_htmx_post_answers_with_the_status_fragment(js, client):
    client.force_login(js.users["viewer-sokolsky"])
    response = client.post(_export_url(js.strategy), **HTMX)
    assert response.status_code == 200
    export = DocumentExport.objects.get()
    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div class="export-status')
    assert f'id="export-{export.pk}"' in fragment
    # Unchanged content: the same job again.
    client.post(_export_url(js.strategy), **HTMX)
    assert DocumentExport.objects.count() == 1


def test_the_page_download_shows_the_link_once_the_file_is_ready(js, client):
    client.force_login(js.users["viewer-sokolsky"])
    client.post(_export_url(js.strategy))
    export = DocumentExport.objects.get()
    from core.documents.services import document_export_run

    document_export_run(export_id=export.pk)
    page = client.get(_detail(js.strategy)).content.decode()
    assert reverse("export-download", args=[export.pk]) in page
    download = client.get(reverse("export-download", args=[export.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert f'-{js.strategy.pk}.pdf"' in download["Content-Disposition"]
    content = b"".join(download.streaming_content)
    assert content.startswith(b"%PDF")
    assert js.strategy.title in " ".join(pdf_pages(content))


def test_the_page_refuses_strangers_and_sends_the_anonymous_to_sign_in(js, client):
    client.force_login(js.users["editor-cherepovets"])
    assert client.post(_export_url(js.strategy)).status_code == 404
    assert client.get(_export_url(js.strategy)).status_code == 405
    client.logout()
    response = client.post(_export_url(js.strategy))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    assert DocumentExport.objects.count() == 0
