"""What the question services share: locking the questionnaire, normalising a question's
fields and checking its options, rows and condition against the draft, and syncing options and
rows while keeping the ids the caller passes back (versions and answers refer to them)."""

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, TypedDict

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from core.audit import model_snapshot
from core.concurrency import check_version
from core.exceptions import ApplicationError
from surveys.models import CHOICE_TYPES, MatrixRow, Option, Question, Questionnaire, QuestionType

QUESTION_FIELDS = [
    "type",
    "text",
    "help_text",
    "required",
    "has_other",
    "min_value",
    "max_value",
    "scale_min_label",
    "scale_max_label",
    "condition_question",
    "condition_option",
]
# The plain fields of a question (type and condition are handled on their own).
PLAIN_FIELDS = QUESTION_FIELDS[1:9]
POSITION_STEP = 10
TEXT_MAX = 500  # Option.text and MatrixRow.text


class ItemInput(TypedDict, total=False):
    """An option or matrix row as the caller sends it: ``id`` to keep an existing one."""

    id: int | None
    text: str


# An option or a matrix row: a plain text (a new one) or {"id": <existing>, "text": ...}.
ItemSpec = str | ItemInput


# --- locking and small helpers -------------------------------------------------------------


def _lock_questionnaire(questionnaire_id: int, version: int | None = None) -> Questionnaire:
    questionnaire = get_object_or_404(
        Questionnaire.objects.select_for_update(), pk=questionnaire_id
    )
    if version is not None:
        check_version(questionnaire, version)
    return questionnaire


def _questionnaire_of(question_id: int) -> int:
    """The questionnaire of a question, to lock it before the question (always that order)."""
    questionnaire_id = (
        Question.objects.filter(pk=question_id).values_list("questionnaire_id", flat=True).first()
    )
    if questionnaire_id is None:
        raise Http404
    return questionnaire_id


def _touch(questionnaire: Questionnaire) -> None:
    """The draft changed: a new ETag for every open builder."""
    questionnaire.version += 1
    questionnaire.save(update_fields=["version", "updated_at"])


def _refuse(errors: dict[str, Any]) -> None:
    if errors:
        raise ApplicationError(_("The question has errors."), extra={"errors": errors})


def _decimal(value: Any, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    if not number.is_finite():
        errors.setdefault(field, []).append(_("Enter a number."))
        return None
    return number


def _items(specs: Sequence[ItemSpec] | None) -> list[tuple[int | None, str]]:
    """(id or None, stripped text) of each option or row the caller sent."""
    result: list[tuple[int | None, str]] = []
    for spec in specs or ():
        if isinstance(spec, str):
            result.append((None, spec.strip()))
        else:
            result.append((spec.get("id"), str(spec.get("text", "")).strip()))
    return result


def _order_key(question: Question) -> tuple[int, int]:
    return (question.position, question.pk or 2**62)


def _question_state(question: Question) -> dict[str, Any]:
    """A question with its options and rows, for the audit log."""
    return {
        **model_snapshot(question, QUESTION_FIELDS),
        "position": question.position,
        "options": [{"id": o.pk, "text": o.text} for o in question.options.all()],
        "rows": [{"id": r.pk, "text": r.text} for r in question.rows.all()],
    }


# --- validation ----------------------------------------------------------------------------


def _validate_items(
    type_: str, options: list[tuple[int | None, str]], rows: list[tuple[int | None, str]]
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if type_ in CHOICE_TYPES:
        if len(options) < 2:
            errors["options"] = [_("A choice question needs at least two options.")]
        elif any(not text for _id, text in options):
            errors["options"] = [_("An option cannot be empty.")]
        elif len({text.casefold() for _id, text in options}) != len(options):
            errors["options"] = [_("Two options have the same text.")]
        elif any(len(text) > TEXT_MAX for _id, text in options):
            errors["options"] = [_("An option is longer than 500 characters.")]
    if type_ == QuestionType.MATRIX:
        if not rows:
            errors["rows"] = [_("A matrix needs at least one row.")]
        elif any(not text for _id, text in rows):
            errors["rows"] = [_("A matrix row cannot be empty.")]
        elif any(len(text) > TEXT_MAX for _id, text in rows):
            errors["rows"] = [_("A matrix row is longer than 500 characters.")]
    return errors


def _validate_condition(
    questionnaire: Questionnaire,
    question: Question,
    condition_question_id: int | None,
    condition_option_id: int | None,
) -> dict[str, list[str]]:
    """The condition must name an earlier choice question of the same questionnaire and one
    of that question's options (``question`` may be unsaved: then it is the last one)."""
    if condition_question_id is None and condition_option_id is None:
        return {}
    if condition_question_id is None or condition_option_id is None:
        return {"condition": [_("Choose both the question and its option, or neither.")]}
    source = (
        Question.objects.filter(pk=condition_question_id, questionnaire=questionnaire)
        .only("pk", "type", "position")
        .first()
    )
    if source is None or source.pk == question.pk:
        return {"condition_question": [_("Choose another question of this questionnaire.")]}
    if source.type not in CHOICE_TYPES:
        return {"condition_question": [_("A condition can only refer to a choice question.")]}
    if question.pk is not None and _order_key(source) >= _order_key(question):
        return {"condition_question": [_("A condition can only refer to an earlier question.")]}
    if not Option.objects.filter(pk=condition_option_id, question_id=source.pk).exists():
        return {"condition_option": [_("Choose one of that question's options.")]}
    return {}


def _normalised(type_: str, fields: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """Fields that do not apply to the type are cleared, so the draft holds no stale bounds,
    labels or "other" flags; bounds are checked where they apply."""
    if type_ not in QuestionType.values:
        errors["type"] = [_("Choose a question type.")]
    if not str(fields.get("text", "")).strip():
        errors["text"] = [_("Write the question.")]
    fields["text"] = str(fields.get("text", "")).strip()
    fields["help_text"] = str(fields.get("help_text") or "").strip()
    fields["required"] = bool(fields.get("required"))
    fields["has_other"] = bool(fields.get("has_other")) and type_ in CHOICE_TYPES
    if type_ == QuestionType.NUMBER:
        low = _decimal(fields.get("min_value"), "min_value", errors)
        high = _decimal(fields.get("max_value"), "max_value", errors)
        if low is not None and high is not None and low >= high:
            errors["max_value"] = [_("The maximum must be greater than the minimum.")]
        fields["min_value"], fields["max_value"] = low, high
    else:
        fields["min_value"] = fields["max_value"] = None
    if type_ not in (QuestionType.SCALE, QuestionType.MATRIX):
        fields["scale_min_label"] = fields["scale_max_label"] = ""
    else:
        fields["scale_min_label"] = str(fields.get("scale_min_label") or "").strip()[:200]
        fields["scale_max_label"] = str(fields.get("scale_max_label") or "").strip()[:200]
    return fields


def _sync_items(
    model: type[Option] | type[MatrixRow],
    question: Question,
    items: list[tuple[int | None, str]],
    field: str,
) -> set[int]:
    """Make the question's options (rows) exactly ``items``, in that order, keeping the ids
    the caller passed back. Returns the ids removed."""
    existing = {obj.pk: obj for obj in model.objects.filter(question=question)}
    unknown = [pk for pk, _text in items if pk is not None and pk not in existing]
    if unknown:
        raise ApplicationError(
            _("The question has errors."),
            extra={"errors": {field: [_("Unknown id: %(ids)s.") % {"ids": unknown}]}},
        )
    kept: set[int] = set()
    for index, (pk, text) in enumerate(items):
        position = (index + 1) * POSITION_STEP
        if pk is None:
            model.objects.create(question=question, position=position, text=text)
            continue
        kept.add(pk)
        obj = existing[pk]
        if obj.text != text or obj.position != position:
            obj.text, obj.position = text, position
            obj.save(update_fields=["text", "position"])
    removed = set(existing) - kept
    if removed:
        model.objects.filter(pk__in=removed).delete()
    return removed


def _clear_dependent_conditions(question: Question, *, option_ids: set[int] | None = None) -> int:
    """Conditions that referred to ``question`` (or only to ``option_ids`` of it) no longer
    make sense: the dependent questions become unconditional."""
    dependents = Question.objects.filter(condition_question=question)
    if option_ids is not None:
        dependents = dependents.filter(condition_option_id__in=option_ids)
    return dependents.update(condition_question=None, condition_option=None)
