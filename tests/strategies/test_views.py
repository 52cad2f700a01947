"""The strategy pages through Django's test client: what they show, the flows they offer, and
that the strategy page costs the same number of queries whatever the number of sections."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from strategies import services
from strategies.models import (
    Comment,
    Financing,
    Revision,
    Section,
    SectionPresence,
    SignOff,
    Strategy,
    TargetValue,
)
from tests.municipalities.factories import MunicipalityFactory
from tests.strategies.factories import (
    CommentFactory,
    MeasureFactory,
    ObjectiveFactory,
    SectionFactory,
    StrategyFactory,
    TargetIndicatorFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("strategies:strategy_list")
CREATE = reverse("strategies:strategy_create")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: the pages are Russian by default."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def js(joint_strategy):
    return joint_strategy


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _as(client, js, who):
    client.force_login(js.users[who])
    return client


def _text(response) -> str:
    return response.content.decode()


def _messages(response) -> list[str]:
    """The messages this response added (unread ones of earlier requests come first, as
    these tests do not follow redirects)."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def _detail(strategy) -> str:
    return reverse("strategies:strategy_detail", args=[strategy.pk])


def _sections(strategy) -> list[Section]:
    return list(strategy.sections.order_by("position", "id"))


def _section_url(name, section, *extra) -> str:
    return reverse(f"strategies:{name}", args=[section.strategy_id, section.pk, *extra])


def _transition(strategy, name) -> str:
    return reverse("strategies:strategy_transition", args=[strategy.pk, name])


def _review(js):
    return services.strategy_transition(
        actor=js.users["coordinator-sokolsky"], strategy_id=js.strategy.pk, name="review"
    )


def _approve(js):
    _review(js)
    for slug in ("sokolsky", "vologodsky"):
        services.strategy_sign_off(actor=js.users[f"approver-{slug}"], strategy_id=js.strategy.pk)
    js.strategy.refresh_from_db()
    assert js.strategy.status == Strategy.Status.APPROVED


# --- list -------------------------------------------------------------------------------------


def test_list_shows_drafts_to_participants_only(client, js):
    foreign = StrategyFactory(title="Чужой черновик")
    adopted = StrategyFactory(title="Принятая стратегия", status=Strategy.Status.ADOPTED)

    html = _text(client.get(LIST))
    assert js.strategy.title not in html
    assert foreign.title not in html
    assert adopted.title in html
    assert CREATE not in html
    assert "Sign in to see the drafts" not in html  # there is one strategy to show

    html = _text(_as(client, js, "viewer-vologodsky").get(LIST))
    assert js.strategy.title in html
    assert foreign.title not in html
    assert adopted.title in html
    assert f'href="{CREATE}"' not in html

    html = _text(_as(client, js, "editor-cherepovets").get(LIST))
    assert js.strategy.title not in html
    assert adopted.title in html


def test_list_has_new_button_for_coordinators_and_nav_link(client, js):
    html = _text(_as(client, js, "coordinator-vologodsky").get(LIST))
    assert f'<a class="button" href="{CREATE}">New strategy</a>' in html
    assert f'<a href="{LIST}" aria-current="page">Strategies</a>' in html
    assert "js/htmx.min.js" in html


def test_list_filters_by_status_and_shows_an_empty_state(client, js):
    _as(client, js, "viewer-sokolsky")
    html = _text(client.get(LIST, {"status": "draft"}))
    assert js.strategy.title in html
    html = _text(client.get(LIST, {"status": "adopted"}))
    assert js.strategy.title not in html
    assert "Nothing found" in html
    assert f'<a href="{LIST}">Show all</a>' in html
    # An unknown status is ignored, not an error.
    assert js.strategy.title in _text(client.get(LIST, {"status": "bogus"}))


def test_list_empty_state_for_anonymous(client, db):
    html = _text(client.get(LIST))
    assert "No strategies yet" in html
    assert "Sign in to see the drafts of your municipality." in html


def test_list_paginates(client, js):
    lead = js.sokolsky
    for n in range(21):
        StrategyFactory(title=f"Принятая {n:02d}", status=Strategy.Status.ADOPTED, lead=lead)
    html = _text(client.get(LIST))
    assert "21 strategies" in html
    assert "page 1 of 2" in html
    assert "page 2 of 2" in _text(client.get(LIST, {"page": 2}))


def test_list_query_count_does_not_grow(client, js):
    _as(client, js, "viewer-sokolsky")
    for _n in range(3):
        StrategyFactory(status=Strategy.Status.ADOPTED)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    for _n in range(15):
        StrategyFactory(status=Strategy.Status.ADOPTED)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(few) == len(many)


# --- create -----------------------------------------------------------------------------------


def test_create_page_is_for_coordinators(client, js):
    response = client.get(CREATE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert _as(client, js, "editor-sokolsky").get(CREATE).status_code == 403
    response = _as(client, js, "coordinator-vologodsky").get(CREATE)
    assert response.status_code == 200
    html = _text(response)
    # The lead can only be one of the coordinator's own municipalities.
    assert f'<option value="{js.vologodsky.pk}"' in html
    assert f'<option value="{js.sokolsky.pk}"' not in html


def test_create_makes_a_strategy_with_the_skeleton(client, js):
    _as(client, js, "coordinator-cherepovets")
    other = MunicipalityFactory(oktmo="19654000", name="Шекснинский муниципальный район")
    response = client.post(
        CREATE,
        {
            "title": "Стратегия Череповца и Шексны",
            "start_year": 2026,
            "end_year": 2035,
            "lead": js.cherepovets.pk,
            "partners": f"{other.oktmo}\n\nСокольский муниципальный район\n",
        },
    )
    strategy = Strategy.objects.get(title="Стратегия Череповца и Шексны")
    assert response.status_code == 302
    assert response["Location"] == _detail(strategy)
    assert strategy.lead == js.cherepovets
    assert {p.municipality_id for p in strategy.participations.all()} == {
        js.cherepovets.pk,
        other.pk,
        js.sokolsky.pk,
    }
    assert strategy.sections.count() == 8
    assert "The strategy is created" in _messages(response)[-1]


def test_create_shows_form_and_service_errors_linked_to_fields(client, js):
    _as(client, js, "coordinator-sokolsky")
    response = client.post(
        CREATE,
        {
            "title": "Стратегия",
            "start_year": 2030,
            "end_year": 2030,
            "lead": js.sokolsky.pk,
            "partners": "19999999\nНет такого района\n" + js.sokolsky.oktmo,
        },
    )
    assert response.status_code == 400
    html = _text(response)
    assert "Line 1: there is no municipality with the OKTMO code 19999999." in html
    assert "Line 2: no municipality is called “Нет такого района”" in html
    assert 'aria-describedby="id_partners_helptext id_partners_error"' in html
    # The first field in error takes the focus.
    assert re.search(r'<textarea name="partners"[^>]*autofocus', html)
    assert 'href="#id_partners"' in html  # the error summary links to the field

    # The form passes, the service refuses the horizon: its error lands on the field.
    response = client.post(
        CREATE,
        {
            "title": "Стратегия",
            "start_year": 2030,
            "end_year": 2030,
            "lead": js.sokolsky.pk,
            "partners": js.vologodsky.oktmo,
        },
    )
    assert response.status_code == 400
    html = _text(response)
    assert "The horizon must end after it starts." in html
    assert 'id="id_end_year_error"' in html
    assert Strategy.objects.count() == 1


def test_create_refuses_the_lead_as_a_partner(client, js):
    _as(client, js, "coordinator-sokolsky")
    response = client.post(
        CREATE,
        {
            "title": "Стратегия",
            "start_year": 2026,
            "end_year": 2030,
            "lead": js.sokolsky.pk,
            "partners": "Сокольский муниципальный район",
        },
    )
    assert response.status_code == 400
    assert "leads the strategy already" in _text(response)


# --- strategy page ----------------------------------------------------------------------------


def test_detail_shows_participants_sections_by_owner_and_the_log(client, js):
    first, second, *_rest = _sections(js.strategy)
    services.section_update(
        actor=js.users["coordinator-sokolsky"],
        section_id=second.pk,
        version=second.version,
        owner=js.vologodsky,
    )
    services.section_update(
        actor=js.users["editor-vologodsky"],
        section_id=second.pk,
        version=second.version + 1,
        body="<p>Сильные стороны</p>",
    )
    CommentFactory(section=first, author=js.users["viewer-sokolsky"])
    html = _text(_as(client, js, "editor-sokolsky").get(_detail(js.strategy)))
    assert js.strategy.title in html
    assert "2025–2030" in html
    assert js.sokolsky.name in html
    assert js.vologodsky.name in html
    assert f"Written by {js.vologodsky.name}" in html
    assert "Shared: written by every participant" in html
    assert "editor-vologodsky" in html  # the last edit of the SWOT section
    # The editor may edit shared sections, not the one Vologodsky writes.
    assert _section_url("section_edit", first) in html
    assert _section_url("section_edit", second) not in html
    assert "Event log" in html
    assert "Strategy created" in html
    assert "Open comments" in html
    # No approval actions for an editor of a draft.
    assert "Open the review" not in html
    assert _transition(js.strategy, "review") not in html


def test_detail_actions_of_the_lead_coordinator(client, js):
    html = _text(_as(client, js, "coordinator-sokolsky").get(_detail(js.strategy)))
    assert f'action="{_transition(js.strategy, "review")}"' in html
    assert reverse("strategies:strategy_structure", args=[js.strategy.pk]) in html
    # A partner's coordinator has neither.
    html = _text(_as(client, js, "coordinator-vologodsky").get(_detail(js.strategy)))
    assert _transition(js.strategy, "review") not in html
    assert reverse("strategies:strategy_structure", args=[js.strategy.pk]) not in html


def test_detail_of_an_adopted_strategy_for_outsiders_hides_the_working_side(client, js):
    _approve(js)
    services.strategy_transition(
        actor=js.users["coordinator-sokolsky"], strategy_id=js.strategy.pk, name="adopt"
    )
    response = client.get(_detail(js.strategy))
    assert response.status_code == 200
    html = _text(response)
    assert "adopted" in html
    assert "Event log" not in html
    assert "Open comments" not in html
    assert "signed off" in html


def test_detail_shows_targets_with_status_and_the_financing_summary(client, js):
    target = TargetIndicatorFactory(
        strategy=js.strategy,
        name="Турпоток",
        unit="тыс. чел.",
        baseline_year=2024,
        baseline_value=Decimal("100"),
    )
    TargetValue.objects.create(target_indicator=target, year=2030, target=Decimal("160"))
    TargetValue.objects.create(target_indicator=target, year=2025, actual=Decimal("95"))
    objective = ObjectiveFactory(goal__strategy=js.strategy)
    measure = MeasureFactory(objective=objective)
    Financing.objects.create(measure=measure, source="federal", year=2025, amount=Decimal("1500"))
    Financing.objects.create(
        measure=measure,
        source="municipal",
        municipality=js.vologodsky,
        year=2026,
        amount=Decimal("250.5"),
    )
    html = _text(_as(client, js, "viewer-sokolsky").get(_detail(js.strategy)))
    assert "Турпоток" in html
    # 2025: target interpolated to 110, actual 95: more than 5 % short.
    assert '<span class="status status-off_track">off track</span>' in html
    assert "By source and year, thousand roubles" in html
    assert "1,500" in html
    assert "1,750.5" in html  # the grand total
    assert "Own budgets of the municipalities" in html
    assert "250.5" in html


def test_detail_is_404_for_a_draft_one_may_not_see(client, js):
    assert client.get(_detail(js.strategy)).status_code == 404
    assert _as(client, js, "editor-cherepovets").get(_detail(js.strategy)).status_code == 404
    assert client.get(reverse("strategies:strategy_detail", args=[99999])).status_code == 404


def _detail_queries(client, strategy) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(_detail(strategy))
    assert response.status_code == 200
    return len(queries)


def test_detail_runs_the_same_number_of_queries_for_10_and_100_sections(client, js):
    strategy = js.strategy
    editor = js.users["editor-sokolsky"]
    owners = [None, js.sokolsky, js.vologodsky]
    strategy.sections.all().delete()
    for n in range(10):
        SectionFactory(strategy=strategy, owner=owners[n % 3], updated_by=editor)
    CommentFactory(section=strategy.sections.first())
    _as(client, js, "coordinator-sokolsky")
    ten = _detail_queries(client, strategy)
    for n in range(90):
        SectionFactory(strategy=strategy, owner=owners[n % 3], updated_by=editor)
    assert strategy.sections.count() == 100
    assert _detail_queries(client, strategy) == ten


# --- approval actions -------------------------------------------------------------------------


def test_review_return_and_the_refusals(client, js):
    _as(client, js, "editor-sokolsky")
    assert client.post(_transition(js.strategy, "review")).status_code == 403
    assert client.get(_transition(js.strategy, "review")).status_code == 405

    _as(client, js, "coordinator-sokolsky")
    response = client.post(_transition(js.strategy, "review"))
    assert response.status_code == 302
    assert response["Location"] == _detail(js.strategy)
    assert "The review is open" in _messages(response)[-1]
    js.strategy.refresh_from_db()
    assert js.strategy.status == Strategy.Status.IN_REVIEW

    # Adopting before every sign-off: the service's 409 comes back as a message.
    response = client.post(_transition(js.strategy, "adopt"))
    assert response.status_code == 302
    assert "cannot be moved this way" in _messages(response)[-1]

    # Returning needs a reason; the form shows the error on the page.
    _as(client, js, "approver-vologodsky")
    response = client.post(_transition(js.strategy, "return"), {"comment": " "})
    assert response.status_code == 400
    assert 'id="id_comment_error"' in _text(response)
    response = client.post(_transition(js.strategy, "return"), {"comment": "Нет финансов"})
    assert response.status_code == 302
    js.strategy.refresh_from_db()
    assert js.strategy.status == Strategy.Status.DRAFT
    html = _text(_as(client, js, "viewer-sokolsky").get(_detail(js.strategy)))
    assert "Returned to draft" in html
    assert "Нет финансов" in html


def test_unknown_transition_is_404(client, js):
    _as(client, js, "coordinator-sokolsky")
    assert client.post(_transition(js.strategy, "approve")).status_code == 404
    assert client.post(_transition(js.strategy, "explode")).status_code == 404


def test_sign_off_with_a_council_decision_and_approval(client, js):
    _review(js)
    _as(client, js, "approver-vologodsky")
    html = _text(client.get(_detail(js.strategy)))
    assert reverse("strategies:strategy_sign_off", args=[js.strategy.pk]) in html
    assert 'enctype="multipart/form-data"' in html
    response = client.post(
        reverse("strategies:strategy_sign_off", args=[js.strategy.pk]),
        {
            "municipality": js.vologodsky.pk,
            "decision_number": "15-р",
            "decision_date": "2025-03-01",
            "decision_file": SimpleUploadedFile(
                "decision.pdf", b"%PDF-1.4 scan", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 302
    assert _messages(response)[-1] == f"Signed off for {js.vologodsky.name}."
    sign_off = SignOff.objects.get(municipality=js.vologodsky)
    assert sign_off.decision_number == "15-р"
    assert sign_off.decision_date == date(2025, 3, 1)
    assert sign_off.decision_file.name.endswith(".pdf")

    html = _text(client.get(_detail(js.strategy)))
    assert "1 of 2 signed off" in html
    assert "№&nbsp;15-р" in html
    # Signed already: no second form for the same municipality.
    assert 'name="decision_number"' not in html

    _as(client, js, "approver-sokolsky")
    response = client.post(
        reverse("strategies:strategy_sign_off", args=[js.strategy.pk]),
        {"municipality": js.sokolsky.pk},
    )
    assert "the strategy is approved" in _messages(response)[-1]
    js.strategy.refresh_from_db()
    assert js.strategy.status == Strategy.Status.APPROVED
    # Now the lead's coordinator can mark it adopted.
    html = _text(_as(client, js, "coordinator-sokolsky").get(_detail(js.strategy)))
    assert _transition(js.strategy, "adopt") in html


def test_sign_off_refusals(client, js):
    url = reverse("strategies:strategy_sign_off", args=[js.strategy.pk])
    _as(client, js, "editor-vologodsky")
    assert client.post(url, {"municipality": js.vologodsky.pk}).status_code == 403
    # A draft cannot be signed: the service's 409 as a message.
    _as(client, js, "approver-vologodsky")
    response = client.post(url, {"municipality": js.vologodsky.pk})
    assert response.status_code == 302
    assert "Only a strategy in review can be signed off" in _messages(response)[-1]
    _review(js)
    # For another municipality: not a choice of this approver.
    response = client.post(url, {"municipality": js.sokolsky.pk})
    assert response.status_code == 400
    assert 'id="id_municipality_error"' in _text(response)
    response = client.post(
        url,
        {
            "municipality": js.vologodsky.pk,
            "decision_file": SimpleUploadedFile("decision.exe", b"MZ"),
        },
    )
    assert response.status_code == 400
    assert 'id="id_decision_file_error"' in _text(response)
    assert not SignOff.objects.exists()


# --- section page, editing and conflicts -------------------------------------------------------


def test_section_page_renders_sanitised_text_and_neighbours(client, js):
    first, second, third, *_rest = _sections(js.strategy)
    services.section_update(
        actor=js.users["editor-sokolsky"],
        section_id=second.pk,
        version=second.version,
        body='<h2>Сильные стороны</h2><p onclick="x()">Лес<script>alert(1)</script></p>',
    )
    html = _text(_as(client, js, "viewer-vologodsky").get(_section_url("section_detail", second)))
    assert "<h2>Сильные стороны</h2>" in html
    assert "<script>alert" not in html
    assert "onclick" not in html
    assert f'rel="prev" href="{_section_url("section_detail", first)}"' in html
    assert f'rel="next" href="{_section_url("section_detail", third)}"' in html
    assert _section_url("section_history", second) in html
    assert _section_url("section_edit", second) not in html  # a viewer does not edit
    assert 'id="comments"' in html
    assert 'hx-trigger="load, every 15s"' in html


def test_section_of_another_strategy_is_404(client, js):
    other = StrategyFactory(status=Strategy.Status.ADOPTED)
    section = SectionFactory(strategy=other)
    _as(client, js, "viewer-sokolsky")
    url = reverse("strategies:section_detail", args=[js.strategy.pk, section.pk])
    assert client.get(url).status_code == 404


def test_section_edit_saves_a_revision(client, js):
    section = _sections(js.strategy)[0]
    url = _section_url("section_edit", section)
    _as(client, js, "editor-vologodsky")
    html = _text(client.get(url))
    assert f'<input type="hidden" name="version" value="{section.version}"' in html
    response = client.post(
        url,
        {
            "title": "Оценка текущего состояния",
            "body": "<p>Население сокращается.</p>",
            "note": "первый набросок",
            "version": section.version,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _section_url("section_detail", section)
    assert _messages(response)[-1] == "The section is saved."
    section.refresh_from_db()
    assert section.body == "<p>Население сокращается.</p>"
    # Revision 1 is the state the strategy was created with.
    revision = Revision.objects.get(section=section, number=2)
    assert revision.author == js.users["editor-vologodsky"]
    assert revision.note == "первый набросок"

    # Saving the same text again changes nothing.
    response = client.post(
        url,
        {"title": section.title, "body": section.body, "version": section.version},
    )
    assert _messages(response)[-1] == "Nothing to save: the text is unchanged."


def test_section_edit_form_errors(client, js):
    section = _sections(js.strategy)[0]
    _as(client, js, "editor-vologodsky")
    response = client.post(
        _section_url("section_edit", section), {"title": "", "body": "x", "version": 1}
    )
    assert response.status_code == 400
    html = _text(response)
    assert 'aria-describedby="id_title_error"' in html
    assert 'href="#id_title"' in html


def test_stale_save_shows_the_conflict_screen_and_the_merge_saves(client, js):
    section = _sections(js.strategy)[0]
    url = _section_url("section_edit", section)
    services.section_update(
        actor=js.users["editor-sokolsky"],
        section_id=section.pk,
        version=section.version,
        body="<p>Общий текст.</p>",
    )
    base = section.version + 1
    # Sokolsky's editor saves first...
    services.section_update(
        actor=js.users["editor-sokolsky"],
        section_id=section.pk,
        version=base,
        body="<p>Общий текст. Лес и туризм.</p>",
    )
    # ...then Vologodsky's editor saves on the version both had opened.
    _as(client, js, "editor-vologodsky")
    response = client.post(
        url,
        {
            "title": section.title,
            "body": "<p>Общий текст. Молочное хозяйство.</p>",
            "version": base,
        },
    )
    assert response.status_code == 412
    html = _text(response)
    assert "Somebody else saved this section while you were editing it" in html
    assert "editor-sokolsky saved version 3" in html
    their = re.search(r'<div class="section-body" id="their-text">(.*?)</div>', html, re.S)
    yours = re.search(r'<div class="section-body" id="your-text">(.*?)</div>', html, re.S)
    assert "Лес и туризм." in their.group(1)
    assert "Молочное хозяйство." in yours.group(1)
    assert "<del>Лес и туризм.</del>" in html
    assert "<ins>Молочное хозяйство.</ins>" in html
    assert "What they changed since you opened the section" in html
    # The merge box holds my text and the save is now based on the current version.
    assert 'name="version" value="3"' in html
    assert "&lt;p&gt;Общий текст. Молочное хозяйство.&lt;/p&gt;</textarea>" in html
    section.refresh_from_db()
    assert section.body == "<p>Общий текст. Лес и туризм.</p>"  # nothing overwritten

    response = client.post(
        url,
        {
            "title": section.title,
            "body": "<p>Общий текст. Лес и туризм. Молочное хозяйство.</p>",
            "version": 3,
        },
    )
    assert response.status_code == 302
    section.refresh_from_db()
    assert section.body == "<p>Общий текст. Лес и туризм. Молочное хозяйство.</p>"
    assert section.version == 4


def test_section_edit_refusals(client, js):
    shared, owned, *_rest = _sections(js.strategy)
    services.section_update(
        actor=js.users["coordinator-sokolsky"],
        section_id=owned.pk,
        version=owned.version,
        owner=js.vologodsky,
    )
    _as(client, js, "editor-sokolsky")
    assert client.get(_section_url("section_edit", owned)).status_code == 403
    assert client.get(_section_url("section_edit", shared)).status_code == 200
    _as(client, js, "viewer-sokolsky")
    assert client.get(_section_url("section_edit", shared)).status_code == 403

    # Approved meanwhile: the save is refused with a message and the text stays in the form.
    _as(client, js, "editor-sokolsky")
    _approve(js)
    assert client.get(_section_url("section_edit", shared)).status_code == 403


def test_section_edit_409_keeps_the_text_with_a_message(client, js, monkeypatch):
    from core.exceptions import ApplicationError

    section = _sections(js.strategy)[0]

    def refuse(**kwargs):
        raise ApplicationError(
            "The strategy is approved: its content can no longer change.", status=409
        )

    monkeypatch.setattr(services, "section_update", refuse)
    _as(client, js, "editor-sokolsky")
    response = client.post(
        _section_url("section_edit", section),
        {"title": section.title, "body": "<p>Мой текст</p>", "version": section.version},
    )
    assert response.status_code == 409
    html = _text(response)
    assert "can no longer change" in html
    assert "&lt;p&gt;Мой текст&lt;/p&gt;" in html


# --- history ----------------------------------------------------------------------------------


def _three_revisions(js, section):
    editor = js.users["editor-sokolsky"]
    for version, body in enumerate(
        ["<p>Первый вариант.</p>", "<p>Второй вариант.</p>", "<p>Третий вариант.</p>"],
        start=section.version,
    ):
        services.section_update(
            actor=editor, section_id=section.pk, version=version, body=body, note=f"v{version}"
        )
    section.refresh_from_db()
    return section


def test_history_lists_compares_and_restores(client, js):
    section = _three_revisions(js, _sections(js.strategy)[0])
    url = _section_url("section_history", section)
    _as(client, js, "editor-vologodsky")
    html = _text(client.get(url))
    assert html.count('name="a"') == 4  # the created state and three saves
    assert "v1" in html
    assert "v3" in html
    # The newest two are chosen for comparison by default.
    assert 'value="3" id="a-3" checked' in html
    assert 'value="4" id="b-4" checked' in html

    html = _text(client.get(url, {"a": 4, "b": 2}))
    assert "Revision 2 compared with revision 4" in html
    assert "<del>Первый</del> <ins>Третий</ins> вариант." in html
    assert "Choose two different revisions" in _text(client.get(url, {"a": 2, "b": 2}))

    revision = section.revisions.get(number=2)
    restore = _section_url("revision_restore", section, revision.pk)
    response = client.post(restore, {"version": section.version})
    assert response.status_code == 302
    assert _messages(response)[-1] == "Revision 2 is restored as revision 5."
    section.refresh_from_db()
    assert section.body == "<p>Первый вариант.</p>"
    assert section.revisions.get(number=5).note == "Restored revision 2"

    # A restore from a stale history page restores nothing.
    response = client.post(restore, {"version": 4})
    assert response.status_code == 302
    assert response["Location"] == url
    assert "Somebody saved the section after you opened its history" in _messages(response)[-1]
    section.refresh_from_db()
    assert section.version == 5


def test_history_restore_needs_the_right(client, js):
    section = _three_revisions(js, _sections(js.strategy)[0])
    revision = section.revisions.get(number=2)
    _as(client, js, "viewer-sokolsky")
    html = _text(client.get(_section_url("section_history", section)))
    assert "revision_restore" not in html
    assert "/restore/" not in html
    response = client.post(
        _section_url("revision_restore", section, revision.pk), {"version": section.version}
    )
    assert response.status_code == 403


def test_history_empty_state(client, js):
    section = SectionFactory(strategy=js.strategy)  # made without a service: no revision
    html = _text(_as(client, js, "viewer-sokolsky").get(_section_url("section_history", section)))
    assert "No revision is saved yet" in html


# --- comments and presence --------------------------------------------------------------------


def test_comment_with_htmx_returns_the_thread(client, js):
    section = _sections(js.strategy)[0]
    _as(client, js, "viewer-vologodsky")
    response = client.post(
        _section_url("comment_create", section), {"body": "Добавьте данные 2024 года"}, **HTMX
    )
    assert response.status_code == 200
    html = _text(response)
    assert html.lstrip().startswith('<section id="comments"')
    assert "<html" not in html
    assert "Добавьте данные 2024 года" in html
    assert "Your comment is posted." in html
    comment = Comment.objects.get()
    assert comment.author == js.users["viewer-vologodsky"]

    # Reply and resolve, also in place.
    response = client.post(
        _section_url("comment_create", section),
        {"body": "Добавлю", "parent": comment.pk},
        **HTMX,
    )
    assert "Добавлю" in _text(response)
    assert Comment.objects.get(parent=comment).body == "Добавлю"
    response = client.post(
        _section_url("comment_resolve", section, comment.pk), {"resolved": "1"}, **HTMX
    )
    assert "The thread is resolved." in _text(response)
    comment.refresh_from_db()
    assert comment.resolved_at is not None
    assert comment.resolved_by == js.users["viewer-vologodsky"]
    response = client.post(
        _section_url("comment_resolve", section, comment.pk), {"resolved": "0"}, **HTMX
    )
    comment.refresh_from_db()
    assert comment.resolved_at is None


def test_comment_without_javascript_redirects_and_shows_errors(client, js):
    section = _sections(js.strategy)[0]
    _as(client, js, "editor-sokolsky")
    response = client.post(_section_url("comment_create", section), {"body": "Замечание"})
    assert response.status_code == 302
    assert response["Location"] == _section_url("section_detail", section) + "#comments"
    assert _messages(response)[-1] == "Your comment is posted."

    response = client.post(_section_url("comment_create", section), {"body": "  "})
    assert response.status_code == 400
    html = _text(response)
    assert "<html" in html
    assert 'aria-describedby="id_body_error"' in html
    # With htmx the errors come back in the fragment, with 200 so that htmx swaps it in.
    response = client.post(_section_url("comment_create", section), {"body": ""}, **HTMX)
    assert response.status_code == 200
    assert 'id="id_body_error"' in _text(response)
    assert "autofocus" in _text(response)


def test_comment_reply_error_shows_under_its_thread(client, js):
    section = _sections(js.strategy)[0]
    comment = CommentFactory(section=section, author=js.users["editor-sokolsky"])
    _as(client, js, "editor-sokolsky")
    response = client.post(
        _section_url("comment_create", section), {"body": "", "parent": comment.pk}, **HTMX
    )
    html = _text(response)
    assert f'id="reply-{comment.pk}-error"' in html
    assert "<details open>" in html


def test_comments_are_for_participants(client, js):
    _approve(js)
    services.strategy_transition(
        actor=js.users["coordinator-sokolsky"], strategy_id=js.strategy.pk, name="adopt"
    )
    section = _sections(js.strategy)[0]
    comment = CommentFactory(section=section, author=js.users["editor-sokolsky"])
    _as(client, js, "editor-cherepovets")
    html = _text(client.get(_section_url("section_detail", section)))
    assert 'id="comments"' not in html
    assert comment.body not in html
    assert client.post(_section_url("comment_create", section), {"body": "x"}).status_code == 403
    response = client.post(_section_url("comment_resolve", section, comment.pk))
    assert response.status_code == 403
    client.logout()
    response = client.post(_section_url("comment_create", section), {"body": "x"}, **HTMX)
    assert response.status_code == 401
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_presence_lists_the_others(client, js):
    section = _sections(js.strategy)[0]
    url = _section_url("section_presence", section)
    _as(client, js, "editor-sokolsky")
    response = client.post(url, **HTMX)
    assert response.status_code == 200
    assert "Also open now" not in _text(response)
    _as(client, js, "editor-vologodsky")
    html = _text(client.post(url, **HTMX))
    assert "Also open now:" in html
    assert "editor-sokolsky" in html
    assert SectionPresence.objects.filter(section=section).count() == 2
    client.logout()
    assert client.post(url, **HTMX).status_code == 286  # htmx: stop polling
    _as(client, js, "editor-cherepovets")
    assert client.post(url, **HTMX).status_code == 404


# --- structure --------------------------------------------------------------------------------


def test_structure_page_is_for_the_lead_coordinator(client, js):
    url = reverse("strategies:strategy_structure", args=[js.strategy.pk])
    assert _as(client, js, "coordinator-vologodsky").get(url).status_code == 403
    assert _as(client, js, "editor-sokolsky").get(url).status_code == 403
    response = _as(client, js, "coordinator-sokolsky").get(url)
    assert response.status_code == 200
    html = _text(response)
    for section in _sections(js.strategy):
        assert section.title in html
    assert "Shared by all participants" in html


def test_structure_add_move_reassign_and_remove(client, js):
    _as(client, js, "coordinator-sokolsky")
    structure = reverse("strategies:strategy_structure", args=[js.strategy.pk])
    add = reverse("strategies:section_create", args=[js.strategy.pk])
    assert client.get(add).status_code == 200
    response = client.post(add, {"title": "", "kind": "custom", "owner": ""})
    assert response.status_code == 400
    response = client.post(
        add, {"title": "Туристические маршруты", "kind": "custom", "owner": js.vologodsky.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == structure
    added = Section.objects.get(title="Туристические маршруты")
    assert added.owner == js.vologodsky
    assert _sections(js.strategy)[-1] == added

    response = client.post(_section_url("section_move", added), {"direction": "up"})
    assert response.status_code == 302
    assert _sections(js.strategy)[-2] == added
    first = _sections(js.strategy)[0]
    client.post(_section_url("section_move", first), {"direction": "up"})  # stays first
    assert _sections(js.strategy)[0] == first

    response = client.post(
        _section_url("section_owner", first), {"owner": js.sokolsky.pk, "version": first.version}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.owner == js.sokolsky
    # A stale owner form: nothing changes, a message says why.
    response = client.post(_section_url("section_owner", first), {"owner": "", "version": 1})
    assert "was changed meanwhile" in _messages(response)[-1]
    first.refresh_from_db()
    assert first.owner == js.sokolsky
    response = client.post(
        _section_url("section_owner", first), {"owner": "", "version": first.version}
    )
    first.refresh_from_db()
    assert first.owner is None

    delete = _section_url("section_delete", added)
    html = _text(client.get(delete))
    assert "Remove “Туристические маршруты”?" in html
    response = client.post(delete, {"version": added.version})
    assert response.status_code == 302
    assert not Section.objects.filter(pk=added.pk).exists()


def test_structure_writes_are_refused_to_others(client, js):
    section = _sections(js.strategy)[0]
    _as(client, js, "coordinator-vologodsky")
    assert (
        client.post(_section_url("section_move", section), {"direction": "down"}).status_code == 403
    )
    response = client.post(_section_url("section_delete", section), {"version": section.version})
    assert response.status_code == 403
    assert Section.objects.filter(pk=section.pk).exists()
