"""The questionnaire pages for administrators through Django's test client: who may open
them, the whole builder flow (every question type, conditions, order, edits, removal,
preview, publishing), stale writes, and the list's query count."""

import re

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys import selectors, services
from surveys.forms import keep_ids
from surveys.models import Question, Questionnaire, QuestionnaireVersion, QuestionType
from surveys.views.questionnaires import has_unpublished_changes
from tests.municipalities.factories import UserFactory

pytestmark = pytest.mark.django_db

LIST = reverse("surveys:questionnaire_list")
CREATE = reverse("surveys:questionnaire_create")


@pytest.fixture(autouse=True)
def english(client):
    """Assertions read English text: the pages are Russian by default."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def staff(client, admin_user):
    client.force_login(admin_user)
    return admin_user


def _draft(actor, title="Анкета о сотрудничестве") -> Questionnaire:
    """A questionnaire with a single choice question and a text question after it."""
    questionnaire = services.questionnaire_create(actor=actor, title=title)
    services.question_create(
        actor=actor,
        questionnaire_id=questionnaire.pk,
        type=QuestionType.SINGLE_CHOICE,
        text="Есть ли соглашения о передаче полномочий?",
        options=["Да", "Нет"],
    )
    services.question_create(
        actor=actor,
        questionnaire_id=questionnaire.pk,
        type=QuestionType.SHORT_TEXT,
        text="С кем?",
    )
    return questionnaire


def _messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def _url(name, *args):
    return reverse(f"surveys:{name}", args=args)


# --- who may open the pages -------------------------------------------------------------------


def _pages(questionnaire: Questionnaire):
    first, second = questionnaire.questions.order_by("position")
    questionnaire.refresh_from_db()
    version = questionnaire.version
    q = questionnaire.pk
    return [
        ("GET", LIST, {}),
        ("GET", CREATE, {}),
        ("POST", CREATE, {"title": "Новая анкета"}),
        ("GET", _url("questionnaire_detail", q), {}),
        ("GET", _url("questionnaire_update", q), {}),
        ("POST", _url("questionnaire_update", q), {"title": "Другое", "version": version}),
        ("GET", _url("questionnaire_preview", q), {}),
        ("POST", _url("questionnaire_publish", q), {}),
        ("GET", _url("question_create", q) + "?type=short_text", {}),
        (
            "POST",
            _url("question_create", q),
            {"type": "short_text", "text": "Ещё вопрос", "version": version},
        ),
        ("GET", _url("question_update", q, second.pk), {}),
        (
            "POST",
            _url("question_update", q, second.pk),
            {"type": "short_text", "text": "С кем именно?", "version": version},
        ),
        ("POST", _url("question_move", q, second.pk), {"direction": "up", "version": version}),
        ("GET", _url("question_delete", q, first.pk), {}),
        ("POST", _url("question_delete", q, first.pk), {"version": version}),
    ]


@pytest.mark.parametrize("index", range(15))
def test_anonymous_visitors_are_sent_to_sign_in(client, admin_user, index):
    method, url, data = _pages(_draft(admin_user))[index]
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


@pytest.mark.parametrize("index", range(15))
def test_users_who_are_not_administrators_get_403(client, admin_user, index):
    method, url, data = _pages(_draft(admin_user))[index]
    client.force_login(UserFactory(username="editor"))
    before = Question.objects.count(), Questionnaire.objects.count()
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert response.status_code == 403
    assert (Question.objects.count(), Questionnaire.objects.count()) == before
    assert QuestionnaireVersion.objects.count() == 0


@pytest.mark.parametrize("index", range(15))
def test_administrators_open_every_page(client, staff, index):
    method, url, data = _pages(_draft(staff))[index]
    response = client.get(url) if method == "GET" else client.post(url, data)
    assert response.status_code == (200 if method == "GET" else 302)


def test_the_navigation_shows_surveys_to_administrators_only(client, admin_user):
    client.force_login(UserFactory(username="editor"))
    assert _url("campaign_list") not in client.get(reverse("home")).content.decode()
    client.force_login(admin_user)
    page = client.get(LIST).content.decode()
    assert f'<a href="{_url("campaign_list")}" aria-current="true">Surveys</a>' in page


def test_an_unknown_questionnaire_or_question_is_404(client, staff):
    questionnaire = _draft(staff)
    other = _draft(staff, title="Другая анкета")
    foreign = other.questions.first()
    assert client.get(_url("questionnaire_detail", 999_999)).status_code == 404
    assert client.get(_url("question_update", questionnaire.pk, foreign.pk)).status_code == 404
    assert client.get(_url("question_update", questionnaire.pk, 999_999)).status_code == 404


# --- the builder flow --------------------------------------------------------------------------


def _add(client, questionnaire, data, *, status=302):
    questionnaire.refresh_from_db()
    response = client.post(
        _url("question_create", questionnaire.pk), {"version": questionnaire.version, **data}
    )
    assert response.status_code == status, response.content.decode()[:3000]
    return response


def test_an_administrator_builds_previews_and_publishes_a_questionnaire(client, staff):
    response = client.post(
        CREATE, {"title": "Анкета для глав администраций", "description": "Вступление."}
    )
    questionnaire = Questionnaire.objects.get()
    assert response["Location"] == _url("questionnaire_detail", questionnaire.pk)
    page = client.get(response["Location"]).content.decode()
    assert "The draft has no questions yet" in page
    assert "not published" in page

    # A form per type: only that type's fields.
    form = client.get(_url("question_create", questionnaire.pk) + "?type=single_choice")
    html = form.content.decode()
    assert 'name="options"' in html
    assert 'name="has_other"' in html
    assert 'name="rows"' not in html
    assert 'name="min_value"' not in html
    html = client.get(_url("question_create", questionnaire.pk) + "?type=number").content.decode()
    assert 'name="min_value"' in html
    assert 'name="options"' not in html
    html = client.get(_url("question_create", questionnaire.pk) + "?type=matrix").content.decode()
    assert 'name="rows"' in html
    assert 'name="scale_min_label"' in html

    _add(
        client,
        questionnaire,
        {
            "type": "single_choice",
            "text": "Есть ли соглашения о передаче полномочий?",
            "options": "Да\n\n  Нет  \n",
            "has_other": "on",
            "required": "on",
            "help_text": "О действующих соглашениях.",
        },
    )
    _add(
        client,
        questionnaire,
        {
            "type": "multiple_choice",
            "text": "Какие формы сотрудничества вы используете?",
            "options": "Совет муниципальных образований\nСовместные проекты\nРамочные соглашения",
        },
    )
    _add(
        client,
        questionnaire,
        {
            "type": "scale",
            "text": "Готовы ли вы к совместной стратегии?",
            "scale_min_label": "совсем не готовы",
            "scale_max_label": "полностью готовы",
        },
    )
    refused = _add(
        client,
        questionnaire,
        {"type": "number", "text": "Сколько соглашений?", "min_value": "5", "max_value": "1"},
        status=400,
    )
    assert "The largest number must be greater than the smallest." in refused.content.decode()
    first = questionnaire.questions.get(position=10)
    yes = first.options.get(text="Да")
    _add(
        client,
        questionnaire,
        {
            "type": "number",
            "text": "Сколько соглашений?",
            "min_value": "0",
            "max_value": "100",
            "condition": str(yes.pk),
        },
    )
    _add(
        client,
        questionnaire,
        {
            "type": "matrix",
            "text": "Оцените эффект сотрудничества",
            "rows": "Дороги\nТуризм",
            "scale_min_label": "нет",
            "scale_max_label": "большой",
        },
    )
    _add(client, questionnaire, {"type": "long_text", "text": "Комментарий"})

    questions = list(questionnaire.questions.order_by("position"))
    assert [q.type for q in questions] == [
        "single_choice",
        "multiple_choice",
        "scale",
        "number",
        "matrix",
        "long_text",
    ]
    assert [o.text for o in questions[0].options.all()] == ["Да", "Нет"]
    assert questions[0].has_other
    assert questions[0].required
    assert questions[3].condition_question_id == first.pk
    assert questions[3].condition_option_id == yes.pk
    assert (questions[3].min_value, questions[3].max_value) == (0, 100)
    assert [r.text for r in questions[4].rows.all()] == ["Дороги", "Туризм"]

    page = client.get(_url("questionnaire_detail", questionnaire.pk)).content.decode()
    assert "Shown only if question 1 was answered “Да”." in page
    assert "Question 4 depends on its answer." in page
    assert page.count('class="structure-item"') == 6

    # Reorder: the scale goes up, above the multiple choice.
    questionnaire.refresh_from_db()
    client.post(
        _url("question_move", questionnaire.pk, questions[2].pk),
        {"direction": "up", "version": questionnaire.version},
    )
    assert list(questionnaire.questions.order_by("position").values_list("type", flat=True))[
        :3
    ] == ["single_choice", "scale", "multiple_choice"]

    # Edit: correcting an option in place keeps it (the condition stays), a new line adds one.
    questionnaire.refresh_from_db()
    response = client.post(
        _url("question_update", questionnaire.pk, first.pk),
        {
            "type": "single_choice",
            "text": "Есть ли соглашения о передаче полномочий?",
            "options": "Да, есть\nНет\nНе знаю",
            "required": "on",
            "version": questionnaire.version,
        },
    )
    assert response.status_code == 302
    assert list(first.options.values_list("pk", "text")) == [
        (yes.pk, "Да, есть"),
        (first.options.get(text="Нет").pk, "Нет"),
        (first.options.get(text="Не знаю").pk, "Не знаю"),
    ]
    assert Question.objects.get(pk=questions[3].pk).condition_option_id == yes.pk
    assert not Question.objects.get(pk=first.pk).has_other

    # Remove the comment question.
    questionnaire.refresh_from_db()
    confirm = client.get(_url("question_delete", questionnaire.pk, questions[5].pk))
    assert "It is removed from the draft only" in confirm.content.decode()
    client.post(
        _url("question_delete", questionnaire.pk, questions[5].pk),
        {"version": questionnaire.version},
    )
    assert questionnaire.questions.count() == 5

    # Preview: every question as the respondent sees it, every control disabled.
    preview = client.get(_url("questionnaire_preview", questionnaire.pk)).content.decode()
    assert preview.count('<fieldset class="preview-question"') == 5
    assert preview.count(" disabled") >= 5
    assert "совсем не готовы" in preview
    assert "Shown only if question 1 was answered “Да, есть”." in preview
    assert "<form" not in preview.split('id="main"')[1]

    # Publish: version 1, then nothing to publish, then a change and version 2.
    response = client.post(_url("questionnaire_publish", questionnaire.pk))
    assert "Version 1 is published." in " ".join(_messages(response))
    version = QuestionnaireVersion.objects.get(questionnaire=questionnaire)
    assert [q["type"] for q in version.schema["questions"]] == [
        "single_choice",
        "scale",
        "multiple_choice",
        "number",
        "matrix",
    ]
    page = client.get(_url("questionnaire_detail", questionnaire.pk)).content.decode()
    assert "same as the last version" in page
    response = client.post(_url("questionnaire_publish", questionnaire.pk))
    assert "Nothing has changed since version 1." in _messages(response)
    assert QuestionnaireVersion.objects.count() == 1

    questionnaire.refresh_from_db()
    client.post(
        _url("questionnaire_update", questionnaire.pk),
        {"title": "Анкета для глав (2-я редакция)", "version": questionnaire.version},
    )
    listing = client.get(LIST).content.decode()
    assert "has unpublished changes" in listing
    response = client.post(_url("questionnaire_publish", questionnaire.pk))
    assert "Version 2 is published." in " ".join(_messages(response))
    assert list(questionnaire.versions.order_by("number").values_list("number", flat=True)) == [
        1,
        2,
    ]
    # The published version 1 keeps its title.
    assert QuestionnaireVersion.objects.get(number=1).schema["title"] == (
        "Анкета для глав администраций"
    )


def test_the_condition_offers_only_options_of_earlier_choice_questions(client, staff):
    questionnaire = _draft(staff)
    choice, text = questionnaire.questions.order_by("position")
    later = services.question_create(
        actor=staff,
        questionnaire_id=questionnaire.pk,
        type=QuestionType.MULTIPLE_CHOICE,
        text="Сферы",
        options=["Дороги", "Туризм"],
    )
    # The first question has nothing above it.
    html = client.get(_url("question_update", questionnaire.pk, choice.pk)).content.decode()
    select = re.search(r'<select name="condition".*?</select>', html, re.S).group(0)
    assert select.count("<option") == 1
    assert "A condition needs a single or multiple choice question above this one." in html
    # The text question sees the first one's options, not the later question's.
    html = client.get(_url("question_update", questionnaire.pk, text.pk)).content.decode()
    select = re.search(r'<select name="condition".*?</select>', html, re.S).group(0)
    values = set(re.findall(r'<option value="(\d+)"', select))
    assert values == {str(o.pk) for o in choice.options.all()}
    assert "<optgroup" in select
    # A new question (it goes last) sees both choice questions.
    html = client.get(_url("question_create", questionnaire.pk) + "?type=scale").content.decode()
    select = re.search(r'<select name="condition".*?</select>', html, re.S).group(0)
    values = set(re.findall(r'<option value="(\d+)"', select))
    assert values == {str(o.pk) for q in (choice, later) for o in q.options.all()}
    # A forged value is refused by the form.
    questionnaire.refresh_from_db()
    response = client.post(
        _url("question_update", questionnaire.pk, text.pk),
        {
            "type": "short_text",
            "text": "С кем?",
            "condition": str(later.options.first().pk),
            "version": questionnaire.version,
        },
    )
    assert response.status_code == 400
    assert Question.objects.get(pk=text.pk).condition_option_id is None


def test_a_move_that_would_break_a_condition_is_refused_with_the_reason(client, staff):
    questionnaire = _draft(staff)
    choice, text = questionnaire.questions.order_by("position")
    services.question_update(
        actor=staff,
        question_id=text.pk,
        condition_question_id=choice.pk,
        condition_option_id=choice.options.first().pk,
    )
    questionnaire.refresh_from_db()
    response = client.post(
        _url("question_move", questionnaire.pk, text.pk),
        {"direction": "up", "version": questionnaire.version},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#question-{text.pk}")
    assert any("would come after it" in m for m in _messages(response))
    assert list(questionnaire.questions.order_by("position")) == [choice, text]


def test_changing_the_type_rebuilds_the_form_and_saves_the_new_type(client, staff):
    questionnaire = _draft(staff)
    _choice, text = questionnaire.questions.order_by("position")
    html = client.get(
        _url("question_update", questionnaire.pk, text.pk) + "?type=scale"
    ).content.decode()
    assert 'name="scale_min_label"' in html
    assert 'value="scale"' in html
    questionnaire.refresh_from_db()
    client.post(
        _url("question_update", questionnaire.pk, text.pk),
        {
            "type": "scale",
            "text": "Насколько вы готовы?",
            "scale_min_label": "не готовы",
            "scale_max_label": "готовы",
            "version": questionnaire.version,
        },
    )
    text.refresh_from_db()
    assert (text.type, text.scale_min_label) == ("scale", "не готовы")
    # Unknown types are not offered a form.
    response = client.get(_url("question_create", questionnaire.pk) + "?type=essay")
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_a_stale_question_edit_shows_the_conflict_and_keeps_the_typed_text(client, staff):
    questionnaire = _draft(staff)
    _choice, text = questionnaire.questions.order_by("position")
    questionnaire.refresh_from_db()
    stale = questionnaire.version
    # Somebody else edits the same question meanwhile.
    services.question_update(actor=staff, question_id=text.pk, text="С кем сотрудничаете?")
    response = client.post(
        _url("question_update", questionnaire.pk, text.pk),
        {"type": "short_text", "text": "Мой вариант формулировки", "version": stale},
    )
    assert response.status_code == 412
    html = response.content.decode()
    assert "Somebody else changed this questionnaire while you were editing" in html
    assert "С кем сотрудничаете?" in html  # theirs, shown
    assert "Мой вариант формулировки" in html  # mine, kept in the form
    questionnaire.refresh_from_db()
    assert f'name="version" value="{questionnaire.version}"' in html
    text.refresh_from_db()
    assert text.text == "С кем сотрудничаете?"
    # Saving again is now based on the current version and goes through.
    response = client.post(
        _url("question_update", questionnaire.pk, text.pk),
        {
            "type": "short_text",
            "text": "Мой вариант формулировки",
            "version": questionnaire.version,
        },
    )
    assert response.status_code == 302
    text.refresh_from_db()
    assert text.text == "Мой вариант формулировки"


def test_stale_moves_and_removals_change_nothing(client, staff):
    questionnaire = _draft(staff)
    choice, text = questionnaire.questions.order_by("position")
    stale = Questionnaire.objects.get(pk=questionnaire.pk).version
    services.questionnaire_update(actor=staff, questionnaire_id=questionnaire.pk, title="Новое")
    response = client.post(
        _url("question_move", questionnaire.pk, text.pk), {"direction": "up", "version": stale}
    )
    assert any("Somebody else changed this questionnaire" in m for m in _messages(response))
    response = client.post(_url("question_delete", questionnaire.pk, text.pk), {"version": stale})
    assert response.status_code == 302
    assert any("Somebody else changed this questionnaire" in m for m in _messages(response))
    assert list(questionnaire.questions.order_by("position")) == [choice, text]


def test_a_stale_title_edit_shows_both_versions(client, staff):
    questionnaire = _draft(staff)
    stale = Questionnaire.objects.get(pk=questionnaire.pk).version
    services.questionnaire_update(
        actor=staff, questionnaire_id=questionnaire.pk, title="Их заголовок"
    )
    response = client.post(
        _url("questionnaire_update", questionnaire.pk), {"title": "Мой заголовок", "version": stale}
    )
    assert response.status_code == 412
    html = response.content.decode()
    assert "Их заголовок" in html
    assert 'value="Мой заголовок"' in html
    assert Questionnaire.objects.get(pk=questionnaire.pk).title == "Их заголовок"


def test_publishing_an_empty_or_broken_draft_says_what_is_wrong(client, staff):
    empty = services.questionnaire_create(actor=staff, title="Пустая")
    response = client.post(_url("questionnaire_publish", empty.pk))
    assert "Add at least one question before publishing." in _messages(response)
    assert not QuestionnaireVersion.objects.exists()
    response = client.get(_url("questionnaire_publish", empty.pk))
    assert response.status_code == 405


def test_form_errors_are_russian_by_default_with_a_summary(client, staff):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    questionnaire = _draft(staff)
    response = client.post(
        _url("question_create", questionnaire.pk),
        {"type": "single_choice", "text": "", "options": "Только один", "version": 1},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error-summary"' in html
    assert "Обязательное поле." in html
    assert 'href="#id_text"' in html
    assert 'aria-invalid="true"' in html
    response = client.post(CREATE, {"title": ""})
    assert response.status_code == 400
    assert "Обязательное поле." in response.content.decode()


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_versions_and_unpublished_changes(client, staff):
    fresh = _draft(staff, title="Черновик")
    published = _draft(staff, title="Опубликованная")
    services.questionnaire_publish(actor=staff, questionnaire_id=published.pk)
    changed = _draft(staff, title="Изменённая")
    services.questionnaire_publish(actor=staff, questionnaire_id=changed.pk)
    services.question_create(
        actor=staff, questionnaire_id=changed.pk, type="long_text", text="Комментарий"
    )
    html = client.get(LIST).content.decode()
    rows = {
        pk: html.split(f'data-questionnaire="{pk}"')[1].split("</tr>")[0]
        for pk in (fresh.pk, published.pk, changed.pk)
    }
    assert "not published" in rows[fresh.pk]
    assert "none yet" in rows[fresh.pk]
    assert "same as the last version" in rows[published.pk]
    assert "has unpublished changes" in rows[changed.pk]
    assert ">1</td>" in rows[changed.pk]


def test_the_list_is_empty_at_first_and_pages_by_twenty(client, staff):
    html = client.get(LIST).content.decode()
    assert "No questionnaires yet" in html
    for n in range(21):
        services.questionnaire_create(actor=staff, title=f"Анкета {n}")
    html = client.get(LIST).content.decode()
    assert html.count("data-questionnaire=") == 20
    assert 'rel="next"' in html
    assert client.get(LIST + "?page=2").content.decode().count("data-questionnaire=") == 1


def _populate(actor, count):
    for n in range(count):
        questionnaire = _draft(actor, title=f"Анкета {n}")
        services.question_create(
            actor=actor,
            questionnaire_id=questionnaire.pk,
            type=QuestionType.MATRIX,
            text="Таблица",
            rows=["Строка 1", "Строка 2"],
        )
        if n % 2:
            services.questionnaire_publish(actor=actor, questionnaire_id=questionnaire.pk)


def test_the_list_costs_the_same_queries_for_few_and_many(client, staff):
    _populate(staff, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    _populate(staff, 15)
    with CaptureQueriesContext(connection) as many:
        assert client.get(LIST).status_code == 200
    assert len(many) == len(few)


def test_the_builder_costs_the_same_queries_for_few_and_many_questions(
    client, staff, django_assert_max_num_queries
):
    questionnaire = _draft(staff)
    with CaptureQueriesContext(connection) as few:
        client.get(_url("questionnaire_detail", questionnaire.pk))
    for n in range(12):
        services.question_create(
            actor=staff,
            questionnaire_id=questionnaire.pk,
            type=QuestionType.MULTIPLE_CHOICE,
            text=f"Вопрос {n}",
            options=["А", "Б", "В"],
        )
    services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk)
    with django_assert_max_num_queries(len(few)):
        client.get(_url("questionnaire_detail", questionnaire.pk))


def test_unpublished_changes_agree_with_the_selector(staff):
    """The list computes the flag from prefetched rows; it must agree with the selector,
    which builds the draft's schema the canonical way."""
    questionnaire = _draft(staff)

    def both():
        fresh = selectors.questionnaire_get_for(user=staff, pk=questionnaire.pk)
        return (
            has_unpublished_changes(fresh),
            selectors.questionnaire_has_unpublished_changes(questionnaire=fresh),
        )

    assert both() == (True, True)
    services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk)
    assert both() == (False, False)
    choice = questionnaire.questions.order_by("position").first()
    services.question_update(
        actor=staff,
        question_id=choice.pk,
        options=[{"id": o.pk, "text": o.text} for o in choice.options.all()] + ["Не знаю"],
    )
    assert both() == (True, True)
    services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk)
    services.questionnaire_update(
        actor=staff, questionnaire_id=questionnaire.pk, description="Вступление"
    )
    assert both() == (True, True)


@pytest.mark.parametrize(
    ("existing", "lines", "expected"),
    [
        # Unchanged, reordered: the ids follow the texts.
        ([(1, "А"), (2, "Б")], ["Б", "А"], [{"id": 2, "text": "Б"}, {"id": 1, "text": "А"}]),
        # A typo corrected in place keeps the id.
        (
            [(1, "Да"), (2, "Нет")],
            ["Да", "Нетт"],
            [{"id": 1, "text": "Да"}, {"id": 2, "text": "Нетт"}],
        ),
        # A line added at the end is new; a line removed drops its option.
        (
            [(1, "А"), (2, "Б")],
            ["А", "В", "Г"],
            [{"id": 1, "text": "А"}, {"id": 2, "text": "В"}, "Г"],
        ),
        (
            [(1, "А"), (2, "Б"), (3, "В")],
            ["А", "В"],
            [{"id": 1, "text": "А"}, {"id": 3, "text": "В"}],
        ),
        # A text that moved elsewhere is not taken for a correction in place.
        ([(1, "А"), (2, "Б")], ["Б", "Х"], [{"id": 2, "text": "Б"}, "Х"]),
    ],
)
def test_keep_ids(existing, lines, expected):
    assert keep_ids(existing, lines) == expected
