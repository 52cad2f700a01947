"""The questionnaire builder in a real browser: an administrator builds a small questionnaire
with a conditional question, reorders nothing by accident, previews it and publishes it.

The interface is Russian (the browser's and the site's default): the tests find things by
role, id and data, not by interface text."""

import pytest
from playwright.sync_api import Page, expect

from surveys.models import Question, Questionnaire, QuestionnaireVersion

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo12345"  # UserFactory's


def _sign_in(page: Page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".account-name")).to_have_text(username)


def _add_question(page: Page, question_type: str) -> None:
    page.select_option("#add-question select[name=type]", question_type)
    page.locator("#add-question button[type=submit]").click()
    expect(page.locator("#question-form")).to_be_visible()


def test_an_administrator_builds_a_questionnaire_with_a_condition_previews_and_publishes(
    page: Page, live_server, admin_user
):
    base = live_server.url
    _sign_in(page, base, admin_user.username)
    # The navigation leads administrators to the surveys.
    page.locator('.site-nav a[href="/surveys/campaigns/"]').click()
    page.locator('a[href="/surveys/questionnaires/"]').first.click()
    page.locator('main a[href="/surveys/questionnaires/new/"]').click()
    page.fill("#id_title", "Анкета о сотрудничестве")
    page.fill("#id_description", "Короткая анкета для глав администраций.")
    page.locator("main form.stacked-form button[type=submit]").click()
    questionnaire = Questionnaire.objects.get()
    expect(page).to_have_url(f"{base}/surveys/questionnaires/{questionnaire.pk}/")

    _add_question(page, "single_choice")
    expect(page.locator("#id_rows")).to_have_count(0)
    page.fill("#id_text", "Есть ли у вас соглашения о передаче полномочий?")
    page.fill("#id_options", "Да\nНет")
    page.check("#id_required")
    page.locator("#question-form button[type=submit]").click()
    expect(page.locator(".structure-item")).to_have_count(1)

    _add_question(page, "number")
    page.fill("#id_text", "Сколько таких соглашений?")
    page.fill("#id_min_value", "0")
    page.fill("#id_max_value", "100")
    yes = Question.objects.get(questionnaire=questionnaire, type="single_choice").options.get(
        text="Да"
    )
    page.select_option("#id_condition", str(yes.pk))
    page.locator("#question-form button[type=submit]").click()

    items = page.locator(".structure-item")
    expect(items).to_have_count(2)
    expect(items.nth(1).locator(".condition")).to_contain_text("Да")
    expect(page.locator("#draft-state .status-draft")).to_be_visible()
    number = Question.objects.get(questionnaire=questionnaire, type="number")
    assert (number.condition_question_id, number.condition_option_id) == (yes.question_id, yes.pk)

    # The preview shows both questions, read-only, the condition said in words.
    page.locator(f'a[href="/surveys/questionnaires/{questionnaire.pk}/preview/"]').click()
    fieldsets = page.locator("fieldset.preview-question")
    expect(fieldsets).to_have_count(2)
    expect(fieldsets.nth(0).locator("legend")).to_contain_text("Есть ли у вас соглашения")
    expect(fieldsets.nth(1).locator(".condition")).to_be_visible()
    expect(fieldsets.nth(0).get_by_role("radio").first).to_be_disabled()
    expect(fieldsets.nth(1).locator("input")).to_be_disabled()
    page.locator("main .back-link a").click()

    page.locator("#publish-button").click()
    expect(page.locator(".message-success")).to_contain_text("1")
    expect(page.locator("#draft-state .status-active")).to_be_visible()
    version = QuestionnaireVersion.objects.get(questionnaire=questionnaire)
    assert version.number == 1
    second = version.schema["questions"][1]
    assert second["condition"] == {"question": yes.question_id, "option": yes.pk}
    assert (second["min"], second["max"]) == (0, 100)

    # Publishing again without a change is refused, and says so.
    page.locator("#publish-button").click()
    expect(page.locator(".message-error")).to_be_visible()
    assert QuestionnaireVersion.objects.count() == 1
