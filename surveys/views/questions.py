"""The questions of a questionnaire's draft: add (a form per type), edit, move, remove. A
change of an existing question carries the builder's version (the questionnaire's): one based
on a page that somebody else's change has made stale is refused and the page says so."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError
from surveys import selectors, services
from surveys.forms import (
    MoveForm,
    QuestionForm,
    QuestionTypeForm,
    VersionForm,
    add_service_errors,
    keep_ids,
    question_initial,
)
from surveys.models import Question, Questionnaire, QuestionType
from surveys.views.common import CONFLICT, SECTION, staff_required
from surveys.views.questionnaires import builder_items

# The service's field names that the form shows under another name.
ALIASES = {"condition_question": "condition", "condition_option": "condition"}


def _builder(questionnaire_id: int, question_id: int | None = None) -> HttpResponse:
    url = reverse("surveys:questionnaire_detail", args=[questionnaire_id])
    return redirect(f"{url}#question-{question_id}" if question_id else url)


def _question_of(request: HttpRequest, pk: int, question_pk: int) -> tuple[Questionnaire, Question]:
    questionnaire = selectors.questionnaire_get_for(user=request.user, pk=pk)
    question = next((q for q in questionnaire.questions.all() if q.pk == question_pk), None)
    if question is None:
        raise Http404
    return questionnaire, question


def _earlier(questionnaire: Questionnaire, question: Question | None) -> list[Question]:
    """Questions above ``question`` (all of them for a new one, which goes last)."""
    earlier = []
    for candidate in questionnaire.questions.all():
        if question is not None and candidate.pk == question.pk:
            break
        earlier.append(candidate)
    return earlier


def _type_of(value: str | None) -> str | None:
    return value if value in QuestionType.values else None


def _question_page(
    request: HttpRequest,
    questionnaire: Questionnaire,
    form: QuestionForm,
    *,
    question: Question | None = None,
    conflict: Question | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "surveys/builder/question_form.html",
        {
            "section": SECTION,
            "questionnaire": questionnaire,
            "question": question,
            "form": form,
            "type_label": QuestionType(form.question_type).label,
            "type_form": QuestionTypeForm(initial={"type": form.question_type}),
            "conflict": conflict,
            "conflict_message": CONFLICT if conflict is not None else "",
        },
        status=status,
    )


def _conflict_page(request: HttpRequest, pk: int, question_pk: int, status: int) -> HttpResponse:
    """Somebody changed the draft meanwhile: keep what the user typed, show the question as
    it is now and base the next save on the current version."""
    questionnaire = selectors.questionnaire_get_for(user=request.user, pk=pk)
    current = next((q for q in questionnaire.questions.all() if q.pk == question_pk), None)
    if current is None:
        messages.error(request, _("The question was removed meanwhile."))
        return _builder(questionnaire.pk)
    data = request.POST.copy()
    data["version"] = str(questionnaire.version)
    question_type = _type_of(data.get("type")) or current.type
    form = QuestionForm(data, question_type=question_type, earlier=_earlier(questionnaire, current))
    form.is_valid()
    return _question_page(
        request, questionnaire, form, question=current, conflict=current, status=status
    )


@staff_required
def question_create(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = selectors.questionnaire_get_for(user=request.user, pk=pk)
    earlier = _earlier(questionnaire, None)
    if request.method != "POST":
        question_type = _type_of(request.GET.get("type"))
        if question_type is None:
            # No type (or an unknown one) yet: first choose it.
            type_form = QuestionTypeForm(request.GET or None)
            return render(
                request,
                "surveys/builder/question_type.html",
                {"section": SECTION, "questionnaire": questionnaire, "type_form": type_form},
                status=400 if request.GET else 200,
            )
        form = QuestionForm(
            initial={"version": questionnaire.version, "type": question_type},
            question_type=question_type,
            earlier=earlier,
        )
        return _question_page(request, questionnaire, form)
    question_type = _type_of(request.POST.get("type")) or QuestionType.SHORT_TEXT
    form = QuestionForm(request.POST, question_type=question_type, earlier=earlier)
    if not form.is_valid():
        return _question_page(request, questionnaire, form, status=400)
    # No version check here: adding at the end changes nothing anybody else is editing, and
    # the service checks the condition against the draft as it is now.
    try:
        question = services.question_create(
            actor=request.user,
            questionnaire_id=questionnaire.pk,
            options=form.cleaned_data.get("options") or None,
            rows=form.cleaned_data.get("rows") or None,
            **form.service_fields(),
        )
    except ApplicationError as error:
        add_service_errors(form, error.extra.get("errors") or {None: [error.message]}, ALIASES)
        return _question_page(request, questionnaire, form, status=error.status)
    messages.success(request, _("The question is added at the end."))
    return _builder(questionnaire.pk, question.pk)


@staff_required
def question_update(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    questionnaire, question = _question_of(request, pk, question_pk)
    earlier = _earlier(questionnaire, question)
    if request.method != "POST":
        # ``?type=`` switches the form to another type (the type form of the page).
        question_type = _type_of(request.GET.get("type")) or question.type
        initial = question_initial(question, questionnaire.version)
        initial["type"] = question_type
        form = QuestionForm(initial=initial, question_type=question_type, earlier=earlier)
        return _question_page(request, questionnaire, form, question=question)
    question_type = _type_of(request.POST.get("type")) or question.type
    form = QuestionForm(request.POST, question_type=question_type, earlier=earlier)
    if not form.is_valid():
        return _question_page(request, questionnaire, form, question=question, status=400)
    options = form.cleaned_data.get("options")
    rows = form.cleaned_data.get("rows")
    try:
        services.question_update(
            actor=request.user,
            question_id=question.pk,
            version=form.cleaned_data["version"],
            options=(
                keep_ids([(o.pk, o.text) for o in question.options.all()], options)
                if options is not None
                else None
            ),
            rows=(
                keep_ids([(r.pk, r.text) for r in question.rows.all()], rows)
                if rows is not None
                else None
            ),
            **form.service_fields(),
        )
    except ApplicationError as error:
        if error.status == 412:
            return _conflict_page(request, pk, question.pk, error.status)
        add_service_errors(form, error.extra.get("errors") or {None: [error.message]}, ALIASES)
        return _question_page(request, questionnaire, form, question=question, status=error.status)
    messages.success(request, _("The question is saved."))
    return _builder(questionnaire.pk, question.pk)


@staff_required
def question_delete(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    questionnaire, question = _question_of(request, pk, question_pk)
    items = builder_items(list(questionnaire.questions.all()))
    item = next(i for i in items if i.question.pk == question.pk)
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid():
            try:
                services.question_delete(
                    actor=request.user,
                    question_id=question.pk,
                    version=form.cleaned_data["version"],
                )
            except ApplicationError as error:
                messages.error(request, CONFLICT if error.status == 412 else error.message)
                return redirect("surveys:question_delete", pk=pk, question_pk=question.pk)
            messages.success(
                request,
                _("Question %(number)s is removed from the draft.") % {"number": item.number},
            )
            return _builder(questionnaire.pk)
    return render(
        request,
        "surveys/builder/question_delete.html",
        {
            "section": SECTION,
            "questionnaire": questionnaire,
            "item": item,
            "form": VersionForm(initial={"version": questionnaire.version}),
        },
    )


@require_POST
@staff_required
def question_move(request: HttpRequest, pk: int, question_pk: int) -> HttpResponse:
    questionnaire, question = _question_of(request, pk, question_pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return _builder(questionnaire.pk, question.pk)
    try:
        services.question_move(
            actor=request.user,
            question_id=question.pk,
            direction=form.cleaned_data["direction"],
            version=form.cleaned_data["version"],
        )
    except ApplicationError as error:
        messages.error(request, CONFLICT if error.status == 412 else error.message)
    else:
        messages.success(request, _("The question is moved."))
    return _builder(questionnaire.pk, question.pk)
