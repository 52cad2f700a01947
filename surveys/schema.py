"""The frozen questionnaire shape (public contract shared by the builder, the respondent's
side and results). Ids are database primary keys, so a question kept across draft edits keeps
its id in every version."""

import hashlib
import json
from decimal import Decimal
from typing import Any

from surveys.models import (
    CHOICE_TYPES,
    SCALE_MAX,
    SCALE_MIN,
    Question,
    Questionnaire,
    QuestionType,
)


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def question_schema(question: Question) -> dict[str, Any]:
    """One question as it appears in a version; reads the prefetched options and rows."""
    uses_options = question.type in CHOICE_TYPES
    uses_scale = question.type in (QuestionType.SCALE, QuestionType.MATRIX)
    condition = None
    if question.condition_question_id is not None and question.condition_option_id is not None:
        condition = {
            "question": question.condition_question_id,
            "option": question.condition_option_id,
        }
    return {
        "id": question.pk,
        "type": question.type,
        "text": question.text,
        "help_text": question.help_text,
        "required": question.required,
        "options": (
            [{"id": o.pk, "text": o.text} for o in question.options.all()] if uses_options else []
        ),
        "rows": (
            [{"id": r.pk, "text": r.text} for r in question.rows.all()]
            if question.type == QuestionType.MATRIX
            else []
        ),
        "has_other": question.has_other if uses_options else False,
        "min": _number(question.min_value) if question.type == QuestionType.NUMBER else None,
        "max": _number(question.max_value) if question.type == QuestionType.NUMBER else None,
        "scale": (
            {
                "min": SCALE_MIN,
                "max": SCALE_MAX,
                "min_label": question.scale_min_label,
                "max_label": question.scale_max_label,
            }
            if uses_scale
            else None
        ),
        "condition": condition,
    }


def questionnaire_schema(questionnaire: Questionnaire) -> dict[str, Any]:
    """The draft of ``questionnaire`` in the version shape (three queries)."""
    questions = (
        Question.objects.filter(questionnaire=questionnaire)
        .order_by("position", "id")
        .prefetch_related("options", "rows")
    )
    return {
        "title": questionnaire.title,
        "description": questionnaire.description,
        "questions": [question_schema(q) for q in questions],
    }


def schema_hash(schema: dict[str, Any]) -> str:
    """A stable digest of a schema: equal drafts give equal hashes whatever the key order."""
    canonical = json.dumps(schema, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()
