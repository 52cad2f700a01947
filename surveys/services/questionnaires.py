"""Building questionnaires: the draft (Question, Option and MatrixRow rows) and publishing it
as an immutable ``QuestionnaireVersion``.

Every write locks the questionnaire row first, so concurrent edits of one questionnaire queue
up (positions and conditions are checked against a stable draft), and bumps its ``version``
(the builder's ETag). Option and row ids are kept across edits wherever the caller passes them
back, because versions and answers refer to them by id."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_log_write, model_snapshot
from core.exceptions import ApplicationError
from surveys.models import Question, Questionnaire, QuestionnaireVersion
from surveys.schema import questionnaire_schema, schema_hash

# The question services and what they share live in their own modules; they are re-exported
# here for the callers of ``surveys.services.questionnaires``.
from surveys.services.question_rules import (
    PLAIN_FIELDS,
    POSITION_STEP,
    QUESTION_FIELDS,
    TEXT_MAX,
    ItemInput,
    ItemSpec,
    _lock_questionnaire,
    _validate_condition,
    _validate_items,
)
from surveys.services.questions import (
    question_create,
    question_delete,
    question_move,
    question_update,
    questions_reorder,
)

__all__ = [
    "PLAIN_FIELDS",
    "POSITION_STEP",
    "QUESTIONNAIRE_FIELDS",
    "QUESTION_FIELDS",
    "TEXT_MAX",
    "UNSET",
    "ItemInput",
    "ItemSpec",
    "question_create",
    "question_delete",
    "question_move",
    "question_update",
    "questionnaire_create",
    "questionnaire_publish",
    "questionnaire_update",
    "questions_reorder",
]

QUESTIONNAIRE_FIELDS = ["title", "description"]


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


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
