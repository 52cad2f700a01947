"""Building a questionnaire: validation of each question type and of conditions, moving,
deleting, publishing immutable versions, and the audit trail."""

from decimal import Decimal

import pytest

from core.exceptions import ApplicationError
from core.models import AuditLog
from surveys import selectors, services
from surveys.models import (
    MatrixRow,
    Option,
    Question,
    QuestionnaireVersion,
    QuestionnaireVersionImmutableError,
    QuestionType,
)
from tests.surveys.factories import (
    QuestionnaireFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_user):
    return admin_user


@pytest.fixture
def questionnaire(staff):
    return services.questionnaire_create(actor=staff, title="Межмуниципальное сотрудничество")


def add(staff, questionnaire, **fields):
    fields.setdefault("type", QuestionType.SHORT_TEXT)
    fields.setdefault("text", "Вопрос")
    return services.question_create(actor=staff, questionnaire_id=questionnaire.pk, **fields)


def errors_of(excinfo) -> dict:
    return excinfo.value.extra["errors"]


# --- creating questions ---------------------------------------------------------------------


def test_a_choice_question_gets_its_options_in_order_and_goes_last(staff, questionnaire):
    first = add(staff, questionnaire, text="Комментарий")
    choice = add(
        staff,
        questionnaire,
        type=QuestionType.MULTIPLE_CHOICE,
        text="Какие формы сотрудничества вы используете?",
        options=["Соглашения о передаче полномочий", "Совет муниципальных образований"],
        has_other=True,
    )
    assert choice.position > first.position
    assert list(choice.options.values_list("text", flat=True)) == [
        "Соглашения о передаче полномочий",
        "Совет муниципальных образований",
    ]
    assert choice.has_other
    questionnaire.refresh_from_db()
    assert questionnaire.version == 3  # created 1, two questions added


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "at least two options"),
        (["Да"], "at least two options"),
        (["Да", " "], "cannot be empty"),
        (["Да", "да"], "same text"),
    ],
)
def test_a_choice_question_needs_two_distinct_options(staff, questionnaire, options, message):
    with pytest.raises(ApplicationError) as excinfo:
        add(staff, questionnaire, type=QuestionType.SINGLE_CHOICE, options=options)
    assert message in errors_of(excinfo)["options"][0]
    assert not Question.objects.exists()


def test_a_matrix_needs_a_row(staff, questionnaire):
    with pytest.raises(ApplicationError) as excinfo:
        add(staff, questionnaire, type=QuestionType.MATRIX, rows=[])
    assert "rows" in errors_of(excinfo)
    matrix = add(
        staff,
        questionnaire,
        type=QuestionType.MATRIX,
        rows=["Дороги", "Туризм"],
        scale_min_label="не нужно",
        scale_max_label="очень нужно",
    )
    assert matrix.rows.count() == 2
    assert matrix.scale_max_label == "очень нужно"


def test_number_bounds_must_be_ordered(staff, questionnaire):
    with pytest.raises(ApplicationError) as excinfo:
        add(staff, questionnaire, type=QuestionType.NUMBER, min_value=10, max_value=10)
    assert "max_value" in errors_of(excinfo)
    with pytest.raises(ApplicationError) as excinfo:
        add(staff, questionnaire, type=QuestionType.NUMBER, min_value="abc")
    assert "min_value" in errors_of(excinfo)
    number = add(staff, questionnaire, type=QuestionType.NUMBER, min_value=0, max_value="1e6")
    assert (number.min_value, number.max_value) == (Decimal(0), Decimal(1_000_000))


def test_fields_that_do_not_apply_to_the_type_are_cleared(staff, questionnaire):
    question = add(
        staff,
        questionnaire,
        type=QuestionType.SHORT_TEXT,
        has_other=True,
        min_value=1,
        max_value=2,
        scale_min_label="мало",
        options=["a", "b"],
    )
    assert not question.has_other
    assert question.min_value is None
    assert question.max_value is None
    assert question.scale_min_label == ""
    assert not question.options.exists()


def test_text_and_type_are_required(staff, questionnaire):
    with pytest.raises(ApplicationError) as excinfo:
        add(staff, questionnaire, type="essay", text=" ")
    assert set(errors_of(excinfo)) == {"type", "text"}


# --- conditions -------------------------------------------------------------------------------


def test_a_condition_points_to_an_earlier_choice_question_and_its_option(staff, questionnaire):
    uses = add(staff, questionnaire, type=QuestionType.SINGLE_CHOICE, options=["Да", "Нет"])
    yes = uses.options.get(text="Да")
    other = add(staff, questionnaire, type=QuestionType.SINGLE_CHOICE, options=["A", "B"])
    text = add(staff, questionnaire)
    follow = add(
        staff,
        questionnaire,
        text="Какие именно?",
        condition_question_id=uses.pk,
        condition_option_id=yes.pk,
    )
    assert (follow.condition_question, follow.condition_option) == (uses, yes)

    cases = [
        ({"condition_question_id": text.pk, "condition_option_id": yes.pk}, "condition_question"),
        (
            {"condition_question_id": uses.pk, "condition_option_id": other.options.first().pk},
            "condition_option",
        ),
        ({"condition_question_id": uses.pk}, "condition"),
        ({"condition_option_id": yes.pk}, "condition"),
    ]
    for fields, key in cases:
        with pytest.raises(ApplicationError) as excinfo:
            add(staff, questionnaire, **fields)
        assert key in errors_of(excinfo), fields
    # A later question cannot be the condition of an earlier one.
    with pytest.raises(ApplicationError) as excinfo:
        services.question_update(
            actor=staff,
            question_id=text.pk,
            condition_question_id=follow.pk,
            condition_option_id=yes.pk,
        )
    assert "condition_question" in errors_of(excinfo)
    # Nor a question of another questionnaire.
    foreign = add(
        staff,
        QuestionnaireFactory(),
        type=QuestionType.SINGLE_CHOICE,
        options=["x", "y"],
    )
    with pytest.raises(ApplicationError) as excinfo:
        add(
            staff,
            questionnaire,
            condition_question_id=foreign.pk,
            condition_option_id=foreign.options.first().pk,
        )
    assert "condition_question" in errors_of(excinfo)


def test_moving_a_question_above_its_condition_is_refused(staff, questionnaire):
    uses = add(staff, questionnaire, type=QuestionType.SINGLE_CHOICE, options=["Да", "Нет"])
    follow = add(
        staff,
        questionnaire,
        condition_question_id=uses.pk,
        condition_option_id=uses.options.first().pk,
    )
    with pytest.raises(ApplicationError) as excinfo:
        services.question_move(actor=staff, question_id=follow.pk, direction="up")
    assert excinfo.value.code == "condition_order"
    with pytest.raises(ApplicationError):
        services.question_move(actor=staff, question_id=uses.pk, direction="down")
    with pytest.raises(ApplicationError):
        services.questions_reorder(
            actor=staff, questionnaire_id=questionnaire.pk, order=[follow.pk, uses.pk]
        )


def test_deleting_a_question_or_its_option_makes_dependents_unconditional(staff, questionnaire):
    uses = add(staff, questionnaire, type=QuestionType.SINGLE_CHOICE, options=["Да", "Нет", "?"])
    yes, no, _unsure = uses.options.all()
    on_yes = add(staff, questionnaire, condition_question_id=uses.pk, condition_option_id=yes.pk)
    on_no = add(staff, questionnaire, condition_question_id=uses.pk, condition_option_id=no.pk)
    # Drop the option "Нет", keep the others by id (and rename one).
    services.question_update(
        actor=staff,
        question_id=uses.pk,
        options=[{"id": yes.pk, "text": "Да, конечно"}, {"id": _unsure.pk, "text": "?"}],
    )
    assert list(uses.options.values_list("pk", "text")) == [
        (yes.pk, "Да, конечно"),
        (_unsure.pk, "?"),
    ]
    on_yes.refresh_from_db()
    on_no.refresh_from_db()
    assert on_yes.condition_option_id == yes.pk
    assert on_no.condition_question_id is None
    assert on_no.condition_option_id is None
    services.question_delete(actor=staff, question_id=uses.pk)
    on_yes.refresh_from_db()
    assert on_yes.condition_question_id is None
    assert on_yes.condition_option_id is None
    assert not Option.objects.filter(question_id=uses.pk).exists()


def test_changing_away_from_choice_drops_options_and_dependent_conditions(staff, questionnaire):
    uses = add(staff, questionnaire, type=QuestionType.SINGLE_CHOICE, options=["Да", "Нет"])
    follow = add(
        staff,
        questionnaire,
        condition_question_id=uses.pk,
        condition_option_id=uses.options.first().pk,
    )
    services.question_update(actor=staff, question_id=uses.pk, type=QuestionType.LONG_TEXT)
    assert not uses.options.exists()
    follow.refresh_from_db()
    assert follow.condition_question_id is None


def test_unknown_option_ids_are_refused(staff, questionnaire):
    uses = add(staff, questionnaire, type=QuestionType.SINGLE_CHOICE, options=["Да", "Нет"])
    with pytest.raises(ApplicationError) as excinfo:
        services.question_update(
            actor=staff,
            question_id=uses.pk,
            options=[{"id": 10**9, "text": "чужой"}, "Нет"],
        )
    assert "options" in errors_of(excinfo)


# --- moving ---------------------------------------------------------------------------------


def test_move_up_and_down_swaps_neighbours_and_stops_at_the_ends(staff, questionnaire):
    a, b, c = (add(staff, questionnaire, text=t) for t in "abc")

    def order():
        return list(questionnaire.questions.order_by("position").values_list("text", flat=True))

    services.question_move(actor=staff, question_id=c.pk, direction="up")
    assert order() == ["a", "c", "b"]
    services.question_move(actor=staff, question_id=a.pk, direction="down")
    assert order() == ["c", "a", "b"]
    services.question_move(actor=staff, question_id=c.pk, direction="up")  # already first
    services.question_move(actor=staff, question_id=b.pk, direction="down")  # already last
    assert order() == ["c", "a", "b"]
    services.questions_reorder(
        actor=staff, questionnaire_id=questionnaire.pk, order=[a.pk, b.pk, c.pk]
    )
    assert order() == ["a", "b", "c"]
    with pytest.raises(ApplicationError):
        services.questions_reorder(
            actor=staff, questionnaire_id=questionnaire.pk, order=[a.pk, b.pk]
        )


# --- versions and concurrency --------------------------------------------------------------


def test_a_stale_questionnaire_version_is_refused(staff, questionnaire):
    question = add(staff, questionnaire)
    with pytest.raises(ApplicationError) as excinfo:
        services.question_update(actor=staff, question_id=question.pk, version=1, text="Новый")
    assert excinfo.value.status == 412
    questionnaire.refresh_from_db()
    services.question_update(
        actor=staff, question_id=question.pk, version=questionnaire.version, text="Новый"
    )


def test_publishing_freezes_the_schema(staff, questionnaire):
    uses = add(
        staff,
        questionnaire,
        type=QuestionType.SINGLE_CHOICE,
        options=["Да", "Нет"],
        has_other=True,
        required=True,
    )
    add(
        staff,
        questionnaire,
        type=QuestionType.SCALE,
        text="Готовность",
        scale_min_label="не готовы",
        scale_max_label="готовы",
        condition_question_id=uses.pk,
        condition_option_id=uses.options.first().pk,
    )
    add(staff, questionnaire, type=QuestionType.NUMBER, min_value=0, max_value="2.5")
    add(staff, questionnaire, type=QuestionType.MATRIX, rows=["Дороги"])
    version = services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk)
    assert version.number == 1
    schema = version.schema
    assert schema["title"] == "Межмуниципальное сотрудничество"
    q1, q2, q3, q4 = schema["questions"]
    assert q1 == {
        "id": uses.pk,
        "type": "single_choice",
        "text": "Вопрос",
        "help_text": "",
        "required": True,
        "options": [{"id": o.pk, "text": o.text} for o in uses.options.all()],
        "rows": [],
        "has_other": True,
        "min": None,
        "max": None,
        "scale": None,
        "condition": None,
    }
    assert q2["scale"] == {"min": 1, "max": 5, "min_label": "не готовы", "max_label": "готовы"}
    assert q2["condition"] == {"question": uses.pk, "option": uses.options.first().pk}
    assert (q3["min"], q3["max"]) == (0, 2.5)
    assert q4["rows"][0]["text"] == "Дороги"
    assert q4["options"] == []
    assert AuditLog.objects.filter(action="questionnaire.publish").count() == 1


def test_publishing_nothing_new_or_an_empty_draft_is_refused(staff, questionnaire):
    with pytest.raises(ApplicationError) as excinfo:
        services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk)
    assert excinfo.value.code == "empty"
    add(staff, questionnaire)
    services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk)
    with pytest.raises(ApplicationError) as excinfo:
        services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk)
    assert (excinfo.value.status, excinfo.value.code) == (409, "no_changes")
    assert not selectors.questionnaire_has_unpublished_changes(questionnaire=questionnaire)
    services.questionnaire_update(actor=staff, questionnaire_id=questionnaire.pk, title="Новая")
    questionnaire.refresh_from_db()
    assert selectors.questionnaire_has_unpublished_changes(questionnaire=questionnaire)
    assert (
        services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk).number == 2
    )


def test_publishing_refuses_invalid_questions_made_outside_the_services(staff, questionnaire):
    Question.objects.create(
        questionnaire=questionnaire, type=QuestionType.SINGLE_CHOICE, text="Без вариантов"
    )
    with pytest.raises(ApplicationError) as excinfo:
        services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk)
    assert excinfo.value.code == "invalid_questions"
    assert not QuestionnaireVersion.objects.exists()


def test_changing_a_published_questionnaire_never_alters_old_versions_or_answers(
    staff, questionnaire
):
    uses = add(staff, questionnaire, type=QuestionType.SINGLE_CHOICE, options=["Да", "Нет"])
    matrix = add(staff, questionnaire, type=QuestionType.MATRIX, rows=["Дороги", "Туризм"])
    v1 = services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk)
    frozen = v1.schema
    yes = uses.options.first()
    response = ResponseFactory(
        invitation__campaign__questionnaire_version=v1,
        answers={str(uses.pk): yes.pk},
    )
    # The draft moves on: rename, drop an option, drop a matrix row, delete a question.
    services.question_update(
        actor=staff,
        question_id=uses.pk,
        text="Изменённый",
        options=[{"id": yes.pk, "text": "Да"}, "Скорее да"],
    )
    services.question_update(
        actor=staff, question_id=matrix.pk, rows=[{"id": matrix.rows.first().pk, "text": "Д"}]
    )
    services.question_delete(actor=staff, question_id=matrix.pk)
    assert selectors.questionnaire_has_unpublished_changes(questionnaire=questionnaire)
    v2 = services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk)
    v1.refresh_from_db()
    response.refresh_from_db()
    assert v1.schema == frozen
    assert v2.number == 2
    assert v2.schema != frozen
    assert v2.schema["questions"][0]["id"] == uses.pk  # the same question keeps its id
    assert response.questionnaire_version_id == v1.pk
    assert response.answers == {str(uses.pk): yes.pk}
    assert not MatrixRow.objects.filter(question_id=matrix.pk).exists()


def test_a_version_row_refuses_to_be_saved_again(staff, questionnaire):
    add(staff, questionnaire)
    version = services.questionnaire_publish(actor=staff, questionnaire_id=questionnaire.pk)
    version.schema = {"questions": []}
    with pytest.raises(QuestionnaireVersionImmutableError):
        version.save()
    version.refresh_from_db()
    assert version.schema["questions"]


def test_every_draft_write_is_audited(staff, questionnaire):
    question = add(staff, questionnaire, type=QuestionType.SINGLE_CHOICE, options=["a", "b"])
    other = add(staff, questionnaire)
    services.question_update(actor=staff, question_id=question.pk, text="Новый текст")
    services.question_move(actor=staff, question_id=other.pk, direction="up")
    services.questions_reorder(
        actor=staff, questionnaire_id=questionnaire.pk, order=[question.pk, other.pk]
    )
    services.question_delete(actor=staff, question_id=other.pk)
    services.questionnaire_update(actor=staff, questionnaire_id=questionnaire.pk, description="О")
    actions = list(AuditLog.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        "questionnaire.create",
        "question.create",
        "question.create",
        "question.update",
        "question.move",
        "question.reorder",
        "question.delete",
        "questionnaire.update",
    ]
    update = AuditLog.objects.get(action="question.update")
    assert update.before["text"] == "Вопрос"
    assert update.after["text"] == "Новый текст"
    assert update.actor == staff


def test_an_unchanged_update_keeps_the_version_and_writes_no_audit(staff, questionnaire):
    question = add(staff, questionnaire)
    questionnaire.refresh_from_db()
    before = questionnaire.version
    services.question_update(actor=staff, question_id=question.pk, text="Вопрос")
    questionnaire.refresh_from_db()
    assert questionnaire.version == before
    assert not AuditLog.objects.filter(action="question.update").exists()
