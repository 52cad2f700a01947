"""Questionnaires: the list, a new one, its title, the builder page (the draft's questions
in order), the preview and publishing."""

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from surveys import selectors, services
from surveys.forms import QuestionnaireForm, QuestionTypeForm, add_service_errors
from surveys.models import CHOICE_TYPES, Question, Questionnaire, QuestionnaireVersion
from surveys.schema import question_schema, schema_hash
from surveys.views.common import SECTION, page_of, staff_required

PAGE_SIZE = 20


def _draft_prefetch() -> Prefetch:
    return Prefetch(
        "questions",
        queryset=Question.objects.order_by("position", "id").prefetch_related("options", "rows"),
    )


def draft_schema(questionnaire: Questionnaire) -> dict[str, Any]:
    """``surveys.schema.questionnaire_schema`` built from the prefetched questions, so that a
    page of questionnaires costs the same few queries however many it shows."""
    return {
        "title": questionnaire.title,
        "description": questionnaire.description,
        "questions": [question_schema(q) for q in questionnaire.questions.all()],
    }


def has_unpublished_changes(questionnaire: Questionnaire) -> bool:
    latest = questionnaire.latest_version
    if latest is None:
        return True
    return latest.schema_hash != schema_hash(draft_schema(questionnaire))


@dataclass
class QuestionnaireRow:
    questionnaire: Questionnaire
    versions: list[QuestionnaireVersion]
    latest: QuestionnaireVersion | None
    changed: bool
    question_count: int


@staff_required
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    questionnaires: QuerySet[Questionnaire] = selectors.questionnaire_list(
        user=request.user
    ).prefetch_related(_draft_prefetch())
    page = page_of(request, questionnaires, PAGE_SIZE)
    rows = []
    for questionnaire in page.object_list:
        versions = list(questionnaire.versions.all())
        rows.append(
            QuestionnaireRow(
                questionnaire=questionnaire,
                versions=versions,
                latest=questionnaire.latest_version,
                changed=has_unpublished_changes(questionnaire),
                question_count=len(questionnaire.questions.all()),
            )
        )
    return render(
        request,
        "surveys/builder/questionnaire_list.html",
        {"section": SECTION, "page_obj": page, "rows": rows},
    )


def _form_page(
    request: HttpRequest,
    form: QuestionnaireForm,
    *,
    questionnaire: Questionnaire | None = None,
    conflict: Questionnaire | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "surveys/builder/questionnaire_form.html",
        {
            "section": SECTION,
            "form": form,
            "questionnaire": questionnaire,
            "conflict": conflict,
        },
        status=status,
    )


@staff_required
def questionnaire_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _form_page(request, QuestionnaireForm())
    form = QuestionnaireForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    try:
        questionnaire = services.questionnaire_create(
            actor=request.user,
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
        )
    except ApplicationError as error:
        add_service_errors(form, error.extra.get("errors") or {None: [error.message]})
        return _form_page(request, form, status=error.status)
    messages.success(
        request,
        _("The questionnaire is created. Add its questions, preview it, then publish it."),
    )
    return redirect("surveys:questionnaire_detail", pk=questionnaire.pk)


@staff_required
def questionnaire_update(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = selectors.questionnaire_get_for(user=request.user, pk=pk)
    if request.method != "POST":
        form = QuestionnaireForm(
            initial={
                "title": questionnaire.title,
                "description": questionnaire.description,
                "version": questionnaire.version,
            }
        )
        return _form_page(request, form, questionnaire=questionnaire)
    form = QuestionnaireForm(request.POST)
    form.fields["version"].required = True
    if not form.is_valid():
        return _form_page(request, form, questionnaire=questionnaire, status=400)
    try:
        services.questionnaire_update(
            actor=request.user,
            questionnaire_id=questionnaire.pk,
            version=form.cleaned_data["version"],
            title=form.cleaned_data["title"],
            description=form.cleaned_data["description"],
        )
    except ApplicationError as error:
        if error.status == 412:
            # Keep what the user typed, show what is saved now, and base the next save on the
            # stored version: saving again is then a choice made after seeing both.
            saved = selectors.questionnaire_get_for(user=request.user, pk=pk)
            data = request.POST.copy()
            data["version"] = str(saved.version)
            again = QuestionnaireForm(data)
            again.is_valid()
            return _form_page(
                request, again, questionnaire=saved, conflict=saved, status=error.status
            )
        add_service_errors(form, error.extra.get("errors") or {None: [error.message]})
        return _form_page(request, form, questionnaire=questionnaire, status=error.status)
    messages.success(request, _("The title and introduction are saved."))
    return redirect("surveys:questionnaire_detail", pk=questionnaire.pk)


@dataclass
class BuilderItem:
    """One question of the builder with what the page says about it."""

    question: Question
    number: int
    condition_number: int | None = None
    condition_text: str = ""
    condition_option: str = ""
    dependents: list[int] = field(default_factory=list)


def builder_items(questions: list[Question]) -> list[BuilderItem]:
    """The draft's questions numbered as respondents see them, each condition named by the
    number and text of its question and the text of its option (from the prefetched rows)."""
    items = [BuilderItem(question=q, number=n) for n, q in enumerate(questions, start=1)]
    by_pk = {item.question.pk: item for item in items}
    for item in items:
        question = item.question
        source = by_pk.get(question.condition_question_id or 0)
        if source is None:
            continue
        item.condition_number = source.number
        item.condition_text = source.question.text
        item.condition_option = next(
            (o.text for o in source.question.options.all() if o.pk == question.condition_option_id),
            "",
        )
        source.dependents.append(item.number)
    return items


@staff_required
def questionnaire_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The builder: the draft's questions in order with their controls."""
    questionnaire = selectors.questionnaire_get_for(user=request.user, pk=pk)
    questions = list(questionnaire.questions.all())
    versions = sorted(questionnaire.versions.all(), key=lambda v: v.number, reverse=True)
    return render(
        request,
        "surveys/builder/questionnaire_detail.html",
        {
            "section": SECTION,
            "questionnaire": questionnaire,
            "items": builder_items(questions),
            "versions": versions,
            "latest": versions[0] if versions else None,
            "changed": has_unpublished_changes(questionnaire),
            "type_form": QuestionTypeForm(),
            "choice_types": [str(t) for t in CHOICE_TYPES],
        },
    )


@staff_required
def questionnaire_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft as a respondent would see it, every control disabled: nothing is saved."""
    questionnaire = selectors.questionnaire_get_for(user=request.user, pk=pk)
    schema = draft_schema(questionnaire)
    numbers = {q["id"]: n for n, q in enumerate(schema["questions"], start=1)}
    options = {o["id"]: o["text"] for q in schema["questions"] for o in q["options"]}
    for question in schema["questions"]:
        condition = question["condition"]
        if condition:
            question["condition_number"] = numbers.get(condition["question"])
            question["condition_option"] = options.get(condition["option"], "")
    return render(
        request,
        "surveys/builder/questionnaire_preview.html",
        {
            "section": SECTION,
            "questionnaire": questionnaire,
            "schema": schema,
            "scale_values": range(1, 6),
        },
    )


@require_POST
@staff_required
def questionnaire_publish(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = selectors.questionnaire_get_for(user=request.user, pk=pk)
    try:
        version = services.questionnaire_publish(
            actor=request.user, questionnaire_id=questionnaire.pk
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        problems = (error.extra.get("errors") or {}).get("questions") or {}
        if problems:
            numbers = {q.pk: n for n, q in enumerate(questionnaire.questions.all(), start=1)}
            for question_id, fields in problems.items():
                texts = [str(m) for values in fields.values() for m in values]
                messages.error(
                    request,
                    _("Question %(number)s: %(problems)s")
                    % {"number": numbers.get(int(question_id), "?"), "problems": " ".join(texts)},
                )
        return redirect("surveys:questionnaire_detail", pk=questionnaire.pk)
    messages.success(
        request,
        _(
            "Version %(number)s is published. New campaigns take it; running campaigns and "
            "the answers already given keep their version."
        )
        % {"number": version.number},
    )
    return redirect("surveys:questionnaire_detail", pk=questionnaire.pk)
