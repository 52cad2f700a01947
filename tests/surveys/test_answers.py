"""answers_clean: every question type, bounds, "other" texts, unknown keys, conditions and
required questions, against a version schema written out in the public shape."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from surveys.answers import answers_clean, error_messages, visible_question_ids
from tests.surveys.answering import complete_answers, minimal_answers, questionnaire_version


def _question(qid, type, **fields):
    return {
        "id": qid,
        "type": type,
        "text": f"Вопрос {qid}",
        "help_text": "",
        "required": False,
        "options": [],
        "rows": [],
        "has_other": False,
        "min": None,
        "max": None,
        "scale": None,
        "condition": None,
        **fields,
    }


SCALE = {"min": 1, "max": 5, "min_label": "плохо", "max_label": "хорошо"}
SCHEMA = {
    "title": "Анкета",
    "description": "",
    "questions": [
        _question(
            1,
            "single_choice",
            required=True,
            has_other=True,
            options=[{"id": 11, "text": "Да"}, {"id": 12, "text": "Нет"}],
        ),
        # Asked only if question 1 was answered «Да».
        _question(2, "short_text", required=True, condition={"question": 1, "option": 11}),
        _question(
            3,
            "multiple_choice",
            options=[{"id": 31, "text": "А"}, {"id": 32, "text": "Б"}, {"id": 33, "text": "В"}],
            has_other=True,
        ),
        _question(4, "scale", required=True, scale=SCALE),
        _question(5, "number", min=0, max=100.5),
        _question(6, "short_text"),
        _question(7, "long_text"),
        _question(
            8,
            "matrix",
            rows=[{"id": 81, "text": "Дороги"}, {"id": 82, "text": "Отходы"}],
            scale=SCALE,
        ),
        # Asked only if question 2 is asked, and 3 includes «Б»: a chain and a multiple source.
        _question(
            9, "single_choice", options=[{"id": 91, "text": "Да"}, {"id": 92, "text": "Нет"}]
        ),
        _question(10, "number", condition={"question": 3, "option": 32}),
        _question(11, "matrix", required=True, rows=[{"id": 111, "text": "Р"}], scale=SCALE),
        _question(12, "short_text", condition={"question": 2, "option": 0}),
        _question(13, "number"),
    ],
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def clean(answers, final=False):
    return answers_clean(SCHEMA, answers, final=final)


def errors_of(answers, final=False):
    with pytest.raises(ValidationError) as raised:
        clean(answers, final=final)
    return error_messages(raised.value)


def one_error(answers, key, final=False):
    errors = errors_of(answers, final=final)
    assert list(errors) == [key], errors
    return errors[key][0]


# --- single choice -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [11, "11", " 12 ", 11.0])
def test_single_choice_takes_an_option_id_as_int_or_numeric_string(value):
    assert clean({"1": value}) == {"1": int(str(value).strip().removesuffix(".0"))}


@pytest.mark.parametrize("value", [13, "13", 31, True, "да", [11], {"id": 11}, "1e1", 1.5])
def test_single_choice_refuses_anything_but_its_own_options(value):
    assert one_error({"1": value}, "1") == "Choose one of the offered options."


# --- multiple choice -----------------------------------------------------------------------


def test_multiple_choice_takes_distinct_options_stored_in_the_questionnaires_order():
    assert clean({"3": ["33", 31]}) == {"3": [31, 33]}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (31, "Choose options from the list."),
        ("31", "Choose options from the list."),
        ([31, 31], "Each option can be chosen once."),
        ([31, "31"], "Each option can be chosen once."),
        ([31, 11], "Choose one of the offered options."),
        ([None], "Choose one of the offered options."),
    ],
)
def test_multiple_choice_refusals(value, message):
    assert one_error({"3": value}, "3") == message


def test_an_empty_list_is_no_answer():
    assert clean({"3": []}) == {}


# --- scale ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "stored"), [(1, 1), (5, 5), ("3", 3), (4.0, 4)])
def test_scale_takes_whole_numbers_from_1_to_5(value, stored):
    assert clean({"4": value}) == {"4": stored}


@pytest.mark.parametrize("value", [0, 6, -1, 2.5, "2,5", "три", True, [3]])
def test_scale_refuses_the_rest(value):
    assert one_error({"4": value}, "4") == "Choose a whole number from 1 to 5."


# --- number --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "stored"),
    [(0, 0), (100.5, 100.5), ("42", 42), ("3.25", 3.25), (7.0, 7), ("1e2", 100)],
)
def test_number_within_bounds_is_stored_as_a_json_number(value, stored):
    cleaned = clean({"5": value})
    assert cleaned == {"5": stored}
    assert type(cleaned["5"]) is type(stored)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "Enter a number not less than 0."),
        (100.51, "Enter a number not greater than 100.5."),
        ("abc", "Enter a number."),
        ("NaN", "Enter a number."),
        ("Infinity", "Enter a number."),
        (True, "Enter a number."),
        ([1], "Enter a number."),
        ("1.23456", "Use at most 4 digits after the decimal point."),
    ],
)
def test_number_refusals(value, message):
    assert one_error({"5": value}, "5") == message


def test_a_number_without_bounds_still_fits_the_answer_table():
    assert clean({"13": -(10**15)}) == {"13": -(10**15)}
    assert one_error({"13": 10**16}, "13") == "The number is too large."


# --- texts ---------------------------------------------------------------------------------


def test_texts_are_stripped_and_blank_text_is_no_answer():
    assert clean({"6": "  Туризм \n", "7": "   "}) == {"6": "Туризм"}


def test_short_text_holds_500_characters_and_long_text_10000():
    assert clean({"6": "я" * 500, "7": "я" * 10_000}) == {"6": "я" * 500, "7": "я" * 10_000}
    assert one_error({"6": "я" * 501}, "6") == "Use at most 500 characters (now 501)."
    assert one_error({"7": "я" * 10_001}, "7") == "Use at most 10000 characters (now 10001)."


def test_a_line_break_counts_as_one_character_as_in_the_browser():
    typed = ("я" * 99 + "\r\n") * 100  # 10,000 characters in the textarea, CRLF on the wire
    assert clean({"7": typed}) == {"7": ("я" * 99 + "\n") * 99 + "я" * 99}


@pytest.mark.parametrize("value", ["a\x00b", "a\ud800b"])
def test_text_the_database_cannot_hold_is_refused_not_a_server_error(value):
    assert one_error({"6": value}, "6") == "The text contains characters that cannot be saved."


@pytest.mark.parametrize("value", [5, ["текст"], {"a": 1}, True])
def test_text_must_be_a_string(value):
    assert one_error({"6": value}, "6") == "Enter text."


# --- matrix --------------------------------------------------------------------------------


def test_matrix_takes_known_rows_rated_1_to_5_in_row_order():
    assert clean({"8": {"82": "2", 81: 5}}) == {"8": {"81": 5, "82": 2}}


def test_matrix_rows_left_empty_are_dropped():
    assert clean({"8": {"81": "", "82": None}}) == {}
    assert clean({"8": {"81": 3, "82": ""}}) == {"8": {"81": 3}}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"83": 3}, "The table has no such row."),
        ({"x": 3}, "The table has no such row."),
        ({"81": 6}, "Choose a whole number from 1 to 5."),
        ({"81": 0}, "Choose a whole number from 1 to 5."),
        ([3, 4], "Rate the rows of the table."),
        (3, "Rate the rows of the table."),
    ],
)
def test_matrix_refusals(value, message):
    assert one_error({"8": value}, "8") == message


def test_a_required_matrix_needs_every_row_on_submit():
    answers = {"1": 12, "4": 3, "11": {"111": 4}}
    assert clean(answers, final=True) == answers
    assert one_error({"1": 12, "4": 3}, "11", final=True) == "Answer this question: it is required."
    schema = {
        **SCHEMA,
        "questions": [
            _question(8, "matrix", required=True, rows=SCHEMA["questions"][7]["rows"], scale=SCALE)
        ],
    }
    with pytest.raises(ValidationError) as raised:
        answers_clean(schema, {"8": {"81": 3}}, final=True)
    assert error_messages(raised.value) == {"8": ["Rate every row of the table."]}


# --- other, unknown keys ---------------------------------------------------------------------


def test_other_text_is_kept_only_for_questions_that_offer_it():
    assert clean({"3": [31], "3_other": " кадры "}) == {"3": [31], "3_other": "кадры"}
    assert clean({"1_other": "Готовим соглашение"}) == {"1_other": "Готовим соглашение"}
    assert one_error({"6_other": "x"}, "6_other") == "This question has no “other” answer."


def test_a_single_choice_takes_an_option_or_an_other_text_not_both():
    message = one_error({"1": 11, "1_other": "и ещё"}, "1_other")
    assert message == "Choose an option or write your own answer, not both."


def test_other_text_alone_answers_a_required_choice():
    assert clean({"1_other": "Пока нет", "4": 1, "11": {"111": 1}}, final=True)


def test_other_text_has_a_length_limit():
    assert one_error({"3_other": "я" * 501}, "3_other").startswith("Use at most 500")


@pytest.mark.parametrize("key", ["99", "x", "", "3_others", "99_other", "_other"])
def test_unknown_keys_are_refused(key):
    assert one_error({key: "1"}, key) == "There is no such question in this questionnaire."


@pytest.mark.parametrize("answers", [None, [], "answers", 5])
def test_answers_must_be_an_object(answers):
    assert list(errors_of(answers)) == ["answers"]


def test_all_wrong_answers_are_reported_at_once():
    errors = errors_of({"1": 99, "4": 9, "5": "x", "zzz": 1})
    assert set(errors) == {"1", "4", "5", "zzz"}


def test_integer_keys_are_accepted_and_stored_as_strings():
    assert clean({1: 11, 4: 2}) == {"1": 11, "4": 2}


# --- conditions and required questions -----------------------------------------------------


def test_a_question_whose_condition_does_not_hold_is_dropped_even_if_invalid():
    assert clean({"1": 12, "2": "ответ"}) == {"1": 12}
    assert clean({"2": "я" * 600}) == {}
    assert clean({"3": [31], "10": "не число"}) == {"3": [31]}


def test_a_question_is_asked_once_its_condition_holds():
    assert clean({"1": 11, "2": "Сокольский район"}) == {"1": 11, "2": "Сокольский район"}
    assert clean({"3": [31, 32], "10": "5"}) == {"3": [31, 32], "10": 5}
    assert one_error({"1": 11, "2": 5}, "2") == "Enter text."


def test_a_question_conditional_on_a_hidden_question_is_hidden_too():
    # 12 depends on 2, which is hidden unless 1 is «Да»; a hidden question has no answer.
    assert visible_question_ids(SCHEMA, {"1": 12}) == set(range(1, 14)) - {2, 10, 12}
    assert 2 in visible_question_ids(SCHEMA, {"1": 11})


def test_required_questions_are_checked_only_on_submit():
    assert clean({}) == {}
    errors = errors_of({}, final=True)
    assert errors == {
        "1": ["Answer this question: it is required."],
        "4": ["Answer this question: it is required."],
        "11": ["Answer this question: it is required."],
    }


def test_a_required_conditional_question_is_required_only_when_asked():
    base = {"4": 3, "11": {"111": 2}}
    assert clean({**base, "1": 12}, final=True) == {**base, "1": 12}
    errors = errors_of({**base, "1": 11}, final=True)
    assert errors == {"2": ["Answer this question: it is required."]}


def test_a_wrong_answer_is_reported_once_not_also_as_missing():
    errors = errors_of({"1": 99, "4": 3, "11": {"111": 2}}, final=True)
    assert errors == {"1": ["Choose one of the offered options."]}


# --- against a questionnaire published by the builder --------------------------------------


@pytest.mark.django_db
def test_the_published_schema_accepts_complete_and_minimal_answers():
    version, ids = questionnaire_version()
    complete = complete_answers(ids)
    assert answers_clean(version.schema, complete, final=True) == complete
    minimal = minimal_answers(ids)
    # «Нет»: the conditional question is not asked, so its answer is dropped.
    with_partner = {**minimal, str(ids.partners): "не нужно"}
    assert answers_clean(version.schema, with_partner, final=True) == minimal
