"""Questions of the draft: adding, changing, removing, moving and reordering them, with
their options (choice) and rows (matrix). Every write locks the questionnaire row first and
bumps its ``version`` (the builder's ETag)."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, Literal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.audit import audit_log_write
from core.exceptions import ApplicationError
from surveys.models import CHOICE_TYPES, MatrixRow, Option, Question, QuestionType
from surveys.services.question_rules import (
    PLAIN_FIELDS,
    POSITION_STEP,
    QUESTION_FIELDS,
    ItemSpec,
    _clear_dependent_conditions,
    _items,
    _lock_questionnaire,
    _normalised,
    _order_key,
    _question_state,
    _questionnaire_of,
    _refuse,
    _sync_items,
    _touch,
    _validate_condition,
    _validate_items,
)

# --- questions -----------------------------------------------------------------------------


@transaction.atomic
def question_create(
    *,
    actor: Any,
    questionnaire_id: int,
    type: str,
    text: str,
    help_text: str = "",
    required: bool = False,
    has_other: bool = False,
    min_value: Decimal | int | float | str | None = None,
    max_value: Decimal | int | float | str | None = None,
    scale_min_label: str = "",
    scale_max_label: str = "",
    options: Sequence[str] | None = None,
    rows: Sequence[str] | None = None,
    condition_question_id: int | None = None,
    condition_option_id: int | None = None,
    version: int | None = None,
) -> Question:
    """Add a question at the end of the draft, with its options (choice) or rows (matrix).
    ``version`` is the questionnaire's (its ETag), checked when given."""
    questionnaire = _lock_questionnaire(questionnaire_id, version)
    errors: dict[str, list[str]] = {}
    fields = _normalised(
        type,
        {
            "text": text,
            "help_text": help_text,
            "required": required,
            "has_other": has_other,
            "min_value": min_value,
            "max_value": max_value,
            "scale_min_label": scale_min_label,
            "scale_max_label": scale_max_label,
        },
        errors,
    )
    option_items = _items(options) if type in CHOICE_TYPES else []
    row_items = _items(rows) if type == QuestionType.MATRIX else []
    errors.update(_validate_items(type, option_items, row_items))
    question = Question(questionnaire=questionnaire, type=type, **fields)
    errors.update(
        _validate_condition(questionnaire, question, condition_question_id, condition_option_id)
    )
    _refuse(errors)
    last = questionnaire.questions.aggregate(m=Max("position"))["m"] or 0
    question.position = last + POSITION_STEP
    question.condition_question_id = condition_question_id
    question.condition_option_id = condition_option_id
    question.save()
    Option.objects.bulk_create(
        Option(question=question, position=(i + 1) * POSITION_STEP, text=t)
        for i, (_id, t) in enumerate(option_items)
    )
    MatrixRow.objects.bulk_create(
        MatrixRow(question=question, position=(i + 1) * POSITION_STEP, text=t)
        for i, (_id, t) in enumerate(row_items)
    )
    _touch(questionnaire)
    audit_log_write(
        actor=actor, action="question.create", obj=question, after=_question_state(question)
    )
    return question


@transaction.atomic
def question_update(
    *,
    actor: Any,
    question_id: int,
    version: int | None = None,
    options: Sequence[ItemSpec] | None = None,
    rows: Sequence[ItemSpec] | None = None,
    **fields: Any,
) -> Question:
    """Change a question of the draft. ``fields`` are any of ``type``, ``text``,
    ``help_text``, ``required``, ``has_other``, ``min_value``, ``max_value``,
    ``scale_min_label``, ``scale_max_label``, ``condition_question_id``,
    ``condition_option_id``; ``options``/``rows``, when given, become the complete list
    (pass ``{"id", "text"}`` to keep an existing one, a plain string for a new one).
    ``version`` is the questionnaire's (its ETag), checked when given.

    Conditions of later questions that referred to removed options (or to this question,
    when it stops being a choice question) are dropped."""
    questionnaire_id = _questionnaire_of(question_id)
    questionnaire = _lock_questionnaire(questionnaire_id, version)
    question = Question.objects.prefetch_related("options", "rows").get(pk=question_id)
    allowed = {*QUESTION_FIELDS, "condition_question_id", "condition_option_id"} - {
        "condition_question",
        "condition_option",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"question_update() got unexpected fields: {sorted(unknown)}")
    before = _question_state(question)
    type_ = fields.get("type", question.type)
    current = {name: getattr(question, name) for name in PLAIN_FIELDS}
    errors: dict[str, list[str]] = {}
    merged = _normalised(type_, {**current, **fields}, errors)
    # Options and rows not sent stay as they are.
    option_items: list[tuple[int | None, str]] = [(o.pk, o.text) for o in question.options.all()]
    row_items: list[tuple[int | None, str]] = [(r.pk, r.text) for r in question.rows.all()]
    if options is not None:
        option_items = _items(options)
    if rows is not None:
        row_items = _items(rows)
    if type_ not in CHOICE_TYPES:
        option_items = []
    if type_ != QuestionType.MATRIX:
        row_items = []
    errors.update(_validate_items(type_, option_items, row_items))
    condition_question_id = fields.get("condition_question_id", question.condition_question_id)
    condition_option_id = fields.get("condition_option_id", question.condition_option_id)
    errors.update(
        _validate_condition(questionnaire, question, condition_question_id, condition_option_id)
    )
    _refuse(errors)
    question.type = type_
    for name in PLAIN_FIELDS:
        setattr(question, name, merged[name])
    question.condition_question_id = condition_question_id
    question.condition_option_id = condition_option_id
    question.save()
    # Conditions go before the options they name: deleting an option would null only half
    # of a condition (its question would stay).
    if type_ not in CHOICE_TYPES:
        _clear_dependent_conditions(question)
    else:
        kept = {pk for pk, _text in option_items if pk is not None}
        _clear_dependent_conditions(
            question, option_ids={o.pk for o in question.options.all()} - kept
        )
    _sync_items(Option, question, option_items, "options")
    _sync_items(MatrixRow, question, row_items, "rows")
    question = Question.objects.prefetch_related("options", "rows").get(pk=question_id)
    after = _question_state(question)
    if after != before:
        _touch(questionnaire)
        audit_log_write(
            actor=actor, action="question.update", obj=question, before=before, after=after
        )
    return question


@transaction.atomic
def question_delete(*, actor: Any, question_id: int, version: int | None = None) -> None:
    """Remove a question from the draft; questions shown only on its answer become
    unconditional. Published versions keep it."""
    questionnaire_id = _questionnaire_of(question_id)
    questionnaire = _lock_questionnaire(questionnaire_id, version)
    question = Question.objects.prefetch_related("options", "rows").get(pk=question_id)
    before = _question_state(question)
    _clear_dependent_conditions(question)
    audit_log_write(actor=actor, action="question.delete", obj=question, before=before)
    question.delete()
    _touch(questionnaire)


def _renumber(questions: list[Question]) -> None:
    changed = []
    for index, question in enumerate(questions):
        position = (index + 1) * POSITION_STEP
        if question.position != position:
            question.position = position
            changed.append(question)
    Question.objects.bulk_update(changed, ["position"])


def _check_order(questions: list[Question]) -> None:
    """Every condition must still refer to an earlier question."""
    index = {q.pk: i for i, q in enumerate(questions)}
    for i, question in enumerate(questions):
        source = question.condition_question_id
        if source is not None and index.get(source, -1) >= i:
            raise ApplicationError(
                _(
                    "“%(question)s” is shown depending on an answer to a question that would "
                    "come after it. Change its condition first."
                )
                % {"question": question.text[:80]},
                code="condition_order",
            )


@transaction.atomic
def question_move(
    *,
    actor: Any,
    question_id: int,
    direction: Literal["up", "down"],
    version: int | None = None,
) -> Question:
    """Swap the question with its neighbour above or below. Moving past the first or the
    last place changes nothing; a move that would put a condition after the question it
    depends on is refused."""
    if direction not in ("up", "down"):
        raise ApplicationError(_("Move a question up or down."), code="invalid")
    questionnaire_id = _questionnaire_of(question_id)
    questionnaire = _lock_questionnaire(questionnaire_id, version)
    questions = list(questionnaire.questions.order_by("position", "id"))
    index = next(i for i, q in enumerate(questions) if q.pk == question_id)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(questions):
        return questions[index]
    questions[index], questions[other] = questions[other], questions[index]
    _check_order(questions)
    _renumber(questions)
    _touch(questionnaire)
    moved = next(q for q in questions if q.pk == question_id)
    audit_log_write(
        actor=actor,
        action="question.move",
        obj=moved,
        before={"index": index},
        after={"index": other},
    )
    return moved


@transaction.atomic
def questions_reorder(
    *, actor: Any, questionnaire_id: int, order: Sequence[int], version: int | None = None
) -> list[Question]:
    """Put every question of the draft in the order of ``order`` (all their ids)."""
    questionnaire = _lock_questionnaire(questionnaire_id, version)
    questions = {q.pk: q for q in questionnaire.questions.all()}
    if sorted(order) != sorted(questions):
        raise ApplicationError(
            _("List every question of the questionnaire exactly once."),
            extra={"errors": {"order": [_("List every question exactly once.")]}},
        )
    before = [q.pk for q in sorted(questions.values(), key=_order_key)]
    ordered = [questions[pk] for pk in order]
    _check_order(ordered)
    _renumber(ordered)
    if before != list(order):
        _touch(questionnaire)
        audit_log_write(
            actor=actor,
            action="question.reorder",
            obj=questionnaire,
            before={"order": before},
            after={"order": list(order)},
        )
    return ordered
