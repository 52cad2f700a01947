"""Building questionnaires: the draft (Question, Option and MatrixRow rows) and publishing it
as an immutable ``QuestionnaireVersion``.

Every write locks the questionnaire row first, so concurrent edits of one questionnaire queue
up (positions and conditions are checked against a stable draft), and bumps its ``version``
(the builder's ETag). Option and row ids are kept across edits wherever the caller passes them
back, because versions and answers refer to them by id."""

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypedDict

from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from core.audit import audit_log_write, model_snapshot
from core.concurrency import check_version
from core.exceptions import ApplicationError
from surveys.models import (
    CHOICE_TYPES,
    MatrixRow,
    Option,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    QuestionType,
)
from surveys.schema import questionnaire_schema, schema_hash

QUESTIONNAIRE_FIELDS = ["title", "description"]
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


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


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


# --- questionnaires ------------------------------------------------------------------------


@transaction.atomic
def questionnaire_create(*, actor: Any, title: str, description: str = "") -> Questionnaire:
    if not title.strip():
        raise ApplicationError(
            _("The questionnaire has errors."),
            extra={"errors": {"title": [_("Give the questionnaire a title.")]}},
        )
    questionnaire = Questionnaire.objects.create(
        title=title.strip(), description=description.strip(), created_by=actor
    )
    audit_log_write(
        actor=actor,
        action="questionnaire.create",
        obj=questionnaire,
        after=model_snapshot(questionnaire, QUESTIONNAIRE_FIELDS),
    )
    return questionnaire


@transaction.atomic
def questionnaire_update(
    *,
    actor: Any,
    questionnaire_id: int,
    version: int | None = None,
    title: str = UNSET,
    description: str = UNSET,
) -> Questionnaire:
    """Title and description of the draft (published versions keep theirs)."""
    questionnaire = _lock_questionnaire(questionnaire_id, version)
    before = model_snapshot(questionnaire, QUESTIONNAIRE_FIELDS)
    if title is not UNSET:
        if not title.strip():
            raise ApplicationError(
                _("The questionnaire has errors."),
                extra={"errors": {"title": [_("Give the questionnaire a title.")]}},
            )
        questionnaire.title = title.strip()
    if description is not UNSET:
        questionnaire.description = description.strip()
    after = model_snapshot(questionnaire, QUESTIONNAIRE_FIELDS)
    if after == before:
        return questionnaire
    questionnaire.version += 1
    questionnaire.save()
    audit_log_write(
        actor=actor, action="questionnaire.update", obj=questionnaire, before=before, after=after
    )
    return questionnaire


@transaction.atomic
def questionnaire_publish(*, actor: Any, questionnaire_id: int) -> QuestionnaireVersion:
    """Freeze the draft as the next version. Refused for an empty draft, a draft with
    invalid questions, and a draft equal to the latest version (nothing to publish)."""
    questionnaire = _lock_questionnaire(questionnaire_id)
    questions = list(
        Question.objects.filter(questionnaire=questionnaire)
        .order_by("position", "id")
        .prefetch_related("options", "rows")
    )
    if not questions:
        raise ApplicationError(
            _("Add at least one question before publishing."), status=400, code="empty"
        )
    problems: dict[str, Any] = {}
    for question in questions:
        items = _validate_items(
            question.type,
            [(o.pk, o.text) for o in question.options.all()],
            [(r.pk, r.text) for r in question.rows.all()],
        )
        items.update(
            _validate_condition(
                questionnaire,
                question,
                question.condition_question_id,
                question.condition_option_id,
            )
        )
        if items:
            problems[str(question.pk)] = items
    if problems:
        raise ApplicationError(
            _("Some questions have errors; correct them before publishing."),
            code="invalid_questions",
            extra={"errors": {"questions": problems}},
        )
    schema = questionnaire_schema(questionnaire)
    digest = schema_hash(schema)
    latest = questionnaire.versions.order_by("-number").first()
    if latest is not None and latest.schema_hash == digest:
        raise ApplicationError(
            _("Nothing has changed since version %(number)s.") % {"number": latest.number},
            status=409,
            code="no_changes",
        )
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=(latest.number if latest else 0) + 1,
        schema=schema,
        schema_hash=digest,
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_log_write(
        actor=actor,
        action="questionnaire.publish",
        obj=questionnaire,
        after={"version": version.number, "schema_hash": digest},
    )
    return version


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
