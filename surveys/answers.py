"""Checking a respondent's answers against the frozen questionnaire version.

Pure functions over the version schema (``surveys.schema``) and the public answers shape: an
object keyed by question id (a string) — an option id for a single choice, a list of option
ids for a multiple choice, a number for scale and number questions, a string for texts,
``{row_id: 1..5}`` for a matrix — plus ``"<question id>_other"`` for the "other, please
specify" text of a choice question that offers one.

Conditions: a question whose condition does not hold ("show only if Q was answered with O")
is not asked, so whatever was sent for it is dropped, not refused. A respondent who changes
the answer to Q would otherwise be stuck with an error on a question the page no longer
shows; dropping also keeps stored answers free of questions that were never asked.
"""

import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from surveys.models import SCALE_MAX, SCALE_MIN, QuestionType

SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 10_000
OTHER_TEXT_MAX = 500
OTHER_SUFFIX = "_other"
# Answer.number is Decimal(20, 4): sixteen digits before the point, four after.
NUMBER_LIMIT = Decimal(10) ** 16
NUMBER_PLACES = 4

Errors = dict[str, list[str]]

_INTEGER = re.compile(r"-?[0-9]+")


class _Invalid(Exception):
    """One answer is wrong; carries the message for its key."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _is_empty(value: Any) -> bool:
    """Unanswered: nothing, an empty or blank string, an empty list or object."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, (list, dict)):
        return not value
    return False


def _integer(value: Any) -> int | None:
    """An integer given as a JSON int or a numeric string ("12"), else None. Booleans are
    refused: ``True`` is an int in Python but never a meant answer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        return int(value.strip())
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # str() gives the shortest form that round-trips, so 0.1 stays 0.1.
        return Decimal(str(value)) if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _json_number(value: Decimal) -> int | float:
    """How a number is stored in the answers JSON: an int when whole."""
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _option(question: Mapping[str, Any], value: Any) -> int:
    option = _integer(value)
    if option is None or option not in {o["id"] for o in question["options"]}:
        raise _Invalid(_("Choose one of the offered options."))
    return option


def _single_choice(question: Mapping[str, Any], value: Any) -> int:
    return _option(question, value)


def _multiple_choice(question: Mapping[str, Any], value: Any) -> list[int]:
    if not isinstance(value, list):
        raise _Invalid(_("Choose options from the list."))
    chosen = [_option(question, item) for item in value]
    if len(set(chosen)) != len(chosen):
        raise _Invalid(_("Each option can be chosen once."))
    # The schema's order, so equal answers are stored equally however they were sent.
    order = {o["id"]: index for index, o in enumerate(question["options"])}
    return sorted(chosen, key=order.__getitem__)


def _scale_value(value: Any) -> int:
    number = _integer(value)
    if number is None or not SCALE_MIN <= number <= SCALE_MAX:
        raise _Invalid(
            _("Choose a whole number from %(min)s to %(max)s.")
            % {"min": SCALE_MIN, "max": SCALE_MAX}
        )
    return number


def _scale(question: Mapping[str, Any], value: Any) -> int:
    return _scale_value(value)


def _number(question: Mapping[str, Any], value: Any) -> int | float:
    number = _decimal(value)
    if number is None:
        raise _Invalid(_("Enter a number."))
    if abs(number) >= NUMBER_LIMIT:
        raise _Invalid(_("The number is too large."))
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > NUMBER_PLACES:
        raise _Invalid(
            ngettext(
                "Use at most %(places)s digit after the decimal point.",
                "Use at most %(places)s digits after the decimal point.",
                NUMBER_PLACES,
            )
            % {"places": NUMBER_PLACES}
        )
    low, high = _decimal(question.get("min")), _decimal(question.get("max"))
    if low is not None and number < low:
        raise _Invalid(_("Enter a number not less than %(min)s.") % {"min": question["min"]})
    if high is not None and number > high:
        raise _Invalid(_("Enter a number not greater than %(max)s.") % {"max": question["max"]})
    return _json_number(number)


def _storable(text: str) -> bool:
    """PostgreSQL text and JSON refuse NUL characters and lone surrogates (a 500 otherwise)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text(limit: int) -> Any:
    def clean(question: Mapping[str, Any], value: Any) -> str:
        if not isinstance(value, str):
            raise _Invalid(_("Enter text."))
        # Browsers send a line break as CRLF but count it as one character (maxlength).
        text = value.replace("\r\n", "\n").strip()
        if not _storable(text):
            raise _Invalid(_("The text contains characters that cannot be saved."))
        if len(text) > limit:
            raise _Invalid(
                ngettext(
                    "Use at most %(limit)s character (now %(length)s).",
                    "Use at most %(limit)s characters (now %(length)s).",
                    limit,
                )
                % {"limit": limit, "length": len(text)}
            )
        return text

    return clean


def _matrix(question: Mapping[str, Any], value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise _Invalid(_("Rate the rows of the table."))
    order = {r["id"]: index for index, r in enumerate(question["rows"])}
    cleaned: dict[int, int] = {}
    for key, rating in value.items():
        row = _integer(key)
        if row is None or row not in order:
            raise _Invalid(_("The table has no such row."))
        if _is_empty(rating):
            continue
        cleaned[row] = _scale_value(rating)
    return {str(row): cleaned[row] for row in sorted(cleaned, key=order.__getitem__)}


CLEANERS = {
    QuestionType.SINGLE_CHOICE: _single_choice,
    QuestionType.MULTIPLE_CHOICE: _multiple_choice,
    QuestionType.SCALE: _scale,
    QuestionType.NUMBER: _number,
    QuestionType.SHORT_TEXT: _text(SHORT_TEXT_MAX),
    QuestionType.LONG_TEXT: _text(LONG_TEXT_MAX),
    QuestionType.MATRIX: _matrix,
}


def _chosen(answer: Any) -> set[int]:
    """The option ids a cleaned choice answer holds."""
    if isinstance(answer, list):
        return set(answer)
    if isinstance(answer, int):
        return {answer}
    return set()


def _condition_holds(
    question: Mapping[str, Any], cleaned: Mapping[str, Any], visible: set[int]
) -> bool:
    condition = question.get("condition")
    if not condition:
        return True
    # The condition points at an earlier question, already cleaned; a hidden question has
    # no answer, so questions hidden by a hidden question are hidden too.
    source = condition["question"]
    return source in visible and condition["option"] in _chosen(cleaned.get(str(source)))


def _is_answered(question: Mapping[str, Any], cleaned: Mapping[str, Any]) -> bool:
    key = str(question["id"])
    if question["type"] == QuestionType.MATRIX:
        # A required table is answered when every row is rated.
        return len(cleaned.get(key, {})) == len(question["rows"])
    return key in cleaned or key + OTHER_SUFFIX in cleaned


def visible_question_ids(schema: Mapping[str, Any], answers: Mapping[str, Any]) -> set[int]:
    """Ids of the questions asked given cleaned ``answers`` (conditions that hold)."""
    visible: set[int] = set()
    for question in schema["questions"]:
        if _condition_holds(question, answers, visible):
            visible.add(question["id"])
    return visible


def answers_clean(schema: Mapping[str, Any], answers: Any, *, final: bool) -> dict[str, Any]:
    """``answers`` checked and normalised against the version ``schema``.

    Returns the answers to store: keys are question ids as strings (and ``"<id>_other"``),
    option ids are ints, unanswered questions and those whose condition does not hold are
    left out. ``final`` (submitting) also demands every required question that is asked.
    Raises ``ValidationError`` whose ``message_dict`` maps each wrong key to its messages.
    """
    if not isinstance(answers, Mapping):
        raise ValidationError({"answers": [_("Answers must be an object keyed by question.")]})
    questions = {str(q["id"]): q for q in schema["questions"]}
    errors: Errors = {}
    given: dict[str, Any] = {}
    others: dict[str, Any] = {}
    for raw_key, value in answers.items():
        key = str(raw_key)
        base = key.removesuffix(OTHER_SUFFIX)
        if key in questions:
            given[key] = value
        elif key != base and base in questions:
            if questions[base].get("has_other"):
                others[base] = value
            else:
                errors[key] = [_("This question has no “other” answer.")]
        else:
            errors[key] = [_("There is no such question in this questionnaire.")]

    cleaned: dict[str, Any] = {}
    visible: set[int] = set()
    for question in schema["questions"]:
        key = str(question["id"])
        if not _condition_holds(question, cleaned, visible):
            continue
        visible.add(question["id"])
        value = given.get(key)
        if not _is_empty(value):
            try:
                cleaned[key] = CLEANERS[question["type"]](question, value)
            except _Invalid as invalid:
                errors[key] = [invalid.message]
            else:
                if _is_empty(cleaned[key]):
                    del cleaned[key]
        other = others.get(key)
        if not _is_empty(other):
            try:
                other_text = _text(OTHER_TEXT_MAX)(question, other)
            except _Invalid as invalid:
                errors[key + OTHER_SUFFIX] = [invalid.message]
            else:
                if question["type"] == QuestionType.SINGLE_CHOICE and key in cleaned:
                    errors[key + OTHER_SUFFIX] = [
                        _("Choose an option or write your own answer, not both.")
                    ]
                else:
                    cleaned[key + OTHER_SUFFIX] = other_text
        if (
            final
            and question.get("required")
            and key not in errors
            and key + OTHER_SUFFIX not in errors
            and not _is_answered(question, cleaned)
        ):
            errors[key] = [_required_message(question, cleaned)]
    if errors:
        raise ValidationError(dict(errors))
    return cleaned


def _required_message(question: Mapping[str, Any], cleaned: Mapping[str, Any]) -> str:
    if question["type"] == QuestionType.MATRIX and str(question["id"]) in cleaned:
        return _("Rate every row of the table.")
    return _("Answer this question: it is required.")


def error_messages(error: ValidationError) -> Errors:
    """The per-key messages of an ``answers_clean`` error."""
    return {key: list(messages) for key, messages in error.message_dict.items()}
