"""Joint strategies in a real browser: editing a section, two editors colliding and merging,
signing off, comments posted in place by htmx, and the pages at phone width.

The interface is Russian (the browser's and the site's default): the tests find things by
role, id and data, not by interface text."""

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from strategies import services
from strategies.models import Comment, Section, SignOff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo12345"  # UserFactory's


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    """The e-mails a review or a comment owes stay in the outbox: no worker runs here, so
    the messages are not sent to the broker at all (the outside world of these tests)."""
    from core import outbox

    monkeypatch.setattr(outbox, "outbox_dispatch", lambda **kwargs: False)


def _sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".account-name")).to_have_text(username)


def _first_section(strategy) -> Section:
    return strategy.sections.order_by("position", "id").first()


def _section_url(base_url: str, section: Section, suffix: str = "") -> str:
    return f"{base_url}/strategies/{section.strategy_id}/sections/{section.pk}/{suffix}"


def test_an_editor_edits_a_section_and_sees_the_saved_text(page: Page, live_server, joint_strategy):
    section = _first_section(joint_strategy.strategy)
    _sign_in(page, live_server.url, "editor-vologodsky")
    page.goto(f"{live_server.url}/strategies/{joint_strategy.strategy.pk}/")
    page.locator(f'a[href="/strategies/{section.strategy_id}/sections/{section.pk}/edit/"]').click()
    expect(page).to_have_url(_section_url(live_server.url, section, "edit/"))
    expect(page.locator("#id_title")).to_have_value(section.title)
    page.fill("#id_body", "<h2>Демография</h2><p>Население района сокращается на 1 % в год.</p>")
    page.fill("#id_note", "первый набросок")
    page.locator("form.stacked-form button[type=submit]").click()

    expect(page).to_have_url(_section_url(live_server.url, section))
    expect(page.locator(".message-success")).to_be_visible()
    body = page.locator("article.section-body")
    expect(body.get_by_role("heading", level=2)).to_have_text("Демография")
    expect(body).to_contain_text("Население района сокращается на 1 % в год.")
    section.refresh_from_db()
    assert section.version == 2
    assert section.updated_by is not None
    assert section.updated_by.username == "editor-vologodsky"


def test_two_editors_collide_and_the_second_merges(
    browser: Browser, page: Page, live_server, joint_strategy
):
    section = _first_section(joint_strategy.strategy)
    services.section_update(
        actor=joint_strategy.users["editor-sokolsky"],
        section_id=section.pk,
        version=section.version,
        body="<p>Общая часть.</p>",
    )
    edit_url = _section_url(live_server.url, section, "edit/")
    first = page
    second_context = browser.new_context(locale="ru-RU")
    second = second_context.new_page()
    try:
        _sign_in(first, live_server.url, "editor-sokolsky")
        _sign_in(second, live_server.url, "editor-vologodsky")
        first.goto(edit_url)
        second.goto(edit_url)
        expect(first.locator("input[name=version]")).to_have_value("2")
        expect(second.locator("input[name=version]")).to_have_value("2")
        # Each sees that the other has the section open (polled by htmx).
        expect(second.locator("#presence")).to_contain_text("editor-sokolsky")

        first.fill("#id_body", "<p>Общая часть.</p><p>Сокол: лесопереработка.</p>")
        first.locator("form.stacked-form button[type=submit]").click()
        expect(first).to_have_url(_section_url(live_server.url, section))

        second.fill("#id_body", "<p>Общая часть.</p><p>Вологда: молочный кластер.</p>")
        second.locator("form.stacked-form button[type=submit]").click()

        # The conflict screen: both texts, the word diff, and a merge box holding mine.
        conflict = second.locator("#conflict")
        expect(conflict).to_be_visible()
        expect(conflict).to_be_focused()
        expect(second.locator("#their-text")).to_contain_text("Сокол: лесопереработка.")
        expect(second.locator("#your-text")).to_contain_text("Вологда: молочный кластер.")
        expect(second.locator("#conflict-diff del")).to_contain_text("лесопереработка.")
        expect(second.locator("#conflict-diff ins")).to_contain_text("молочный кластер.")
        expect(second.locator("input[name=version]")).to_have_value("3")
        mine = second.locator("#id_body").input_value()
        assert "Вологда: молочный кластер." in mine
        section.refresh_from_db()
        assert "Вологда" not in section.body  # nothing was overwritten

        theirs = second.locator("#their-source").input_value()
        second.fill("#id_body", theirs + "<p>Вологда: молочный кластер.</p>")
        second.locator("form.stacked-form button[type=submit]").click()
        expect(second).to_have_url(_section_url(live_server.url, section))
        body = second.locator("article.section-body")
        expect(body).to_contain_text("Сокол: лесопереработка.")
        expect(body).to_contain_text("Вологда: молочный кластер.")
    finally:
        second_context.close()

    section.refresh_from_db()
    assert section.version == 4
    assert "Сокол: лесопереработка." in section.body
    assert "Вологда: молочный кластер." in section.body
    assert section.revisions.count() == 4  # created, the common part, first, merge


def test_an_approver_signs_off_and_sees_it_on_the_strategy_page(
    page: Page, live_server, joint_strategy
):
    strategy = joint_strategy.strategy
    services.strategy_transition(
        actor=joint_strategy.users["coordinator-sokolsky"], strategy_id=strategy.pk, name="review"
    )
    _sign_in(page, live_server.url, "approver-vologodsky")
    page.goto(f"{live_server.url}/strategies/{strategy.pk}/")
    row = page.locator('tr[data-municipality="19620000"]')
    expect(row.locator(".status-waiting")).to_be_visible()
    form = page.locator(f'form[action="/strategies/{strategy.pk}/sign-off/"]')
    form.locator("#id_decision_number").fill("12-р")
    form.locator("#id_decision_date").fill("2025-02-20")
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/strategies/{strategy.pk}/")
    expect(page.locator(".message-success")).to_be_visible()
    expect(row.locator(".status-signed")).to_be_visible()
    expect(row).to_contain_text("12-р")
    expect(page.locator('tr[data-municipality="19638000"] .status-waiting')).to_be_visible()
    expect(page.locator("#strategy-status")).to_have_class(re.compile(r"status-in_review"))
    # Signed: the form is gone.
    expect(form).to_have_count(0)
    assert SignOff.objects.get().municipality == joint_strategy.vologodsky


def test_a_comment_is_posted_and_resolved_without_a_reload(page: Page, live_server, joint_strategy):
    section = _first_section(joint_strategy.strategy)
    _sign_in(page, live_server.url, "viewer-sokolsky")
    page.goto(_section_url(live_server.url, section))
    # A marker on the window survives only if the page is not reloaded.
    page.evaluate("() => { window.stayed = true; }")
    page.fill("#id_body", "Нужны данные за 2024 год")
    page.locator("form.comment-form button[type=submit]").click()
    thread = page.locator("#comments .thread")
    expect(thread).to_have_count(1)
    expect(thread).to_contain_text("Нужны данные за 2024 год")
    expect(page.locator("#comments .message-success")).to_be_focused()
    thread.locator("form button[type=submit]").last.click()  # resolve
    expect(page.locator("#comments .thread-resolved")).to_have_count(1)
    assert page.evaluate("() => window.stayed") is True
    assert Comment.objects.get().resolved_at is not None


def test_strategy_pages_fit_a_phone(page: Page, live_server, joint_strategy):
    strategy = joint_strategy.strategy
    section = _first_section(strategy)
    page.set_viewport_size({"width": 375, "height": 740})
    _sign_in(page, live_server.url, "coordinator-sokolsky")
    for path in (
        "/strategies/",
        f"/strategies/{strategy.pk}/",
        f"/strategies/{strategy.pk}/structure/",
        f"/strategies/{strategy.pk}/sections/{section.pk}/",
        f"/strategies/{strategy.pk}/sections/{section.pk}/history/",
        "/strategies/new/",
    ):
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path
