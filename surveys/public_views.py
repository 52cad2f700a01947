"""The respondent's page at /s/<token>/: no account, the token is the key.

One URL shows whichever page fits the state: the form (answers saved so far filled in), the
submitted answers read-only, the survey closed (410) or not open yet, and a 404 that says
nothing about the token. The form posts to the same URL: ``action=save`` (htmx autosave on
every change, or the "save and continue later" button) or ``action=submit``. Every lookup goes
through the token rate limit; a blocked address gets the 429 page.
"""

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.exceptions import ApplicationError
from surveys import ratelimit
from surveys.answers import OTHER_SUFFIX, visible_question_ids
from surveys.models import SCALE_MAX, SCALE_MIN, Invitation, QuestionType, Response
from surveys.services.responses import (
    campaign_state,
    response_for_token,
    response_of,
    response_save,
)

OTHER = "other"  # the value of the "other, please specify" radio or checkbox
SCALE = range(SCALE_MIN, SCALE_MAX + 1)


# --- reading the posted form into the answers shape ----------------------------------------


def answers_from_post(schema: Mapping[str, Any], data: QueryDict) -> dict[str, Any]:
    """The answers object of a posted form, values as typed (``answers_clean`` checks them).
    The "other" text counts only while its radio or checkbox is chosen: a respondent who
    picks an offered option after typing it has dropped it."""
    answers: dict[str, Any] = {}
    for question in schema["questions"]:
        qid, kind = question["id"], question["type"]
        name = f"q{qid}"
        if kind == QuestionType.SINGLE_CHOICE:
            value = data.get(name, "")
            if value == OTHER and question["has_other"]:
                answers[f"{qid}{OTHER_SUFFIX}"] = data.get(f"{name}_other", "")
            elif value:
                answers[str(qid)] = value
        elif kind == QuestionType.MULTIPLE_CHOICE:
            values = data.getlist(name)
            chosen = [v for v in values if v != OTHER or not question["has_other"]]
            if chosen:
                answers[str(qid)] = chosen
            if OTHER in values and question["has_other"]:
                answers[f"{qid}{OTHER_SUFFIX}"] = data.get(f"{name}_other", "")
        elif kind == QuestionType.NUMBER:
            # Russian writes 3,5 and groups thousands with (non-breaking) spaces.
            typed = data.get(name, "")
            answers[str(qid)] = "".join(typed.split()).replace(",", ".")
        elif kind == QuestionType.MATRIX:
            answers[str(qid)] = {
                str(row["id"]): data.get(f"{name}_r{row['id']}", "") for row in question["rows"]
            }
        else:
            answers[str(qid)] = data.get(name, "")
    return answers


# --- what the templates get ------------------------------------------------------------------


@dataclass
class Choice:
    value: str
    text: str
    checked: bool
    input_id: str


@dataclass
class Row:
    id: int
    text: str
    points: list[Choice]


@dataclass
class QuestionView:
    """One question of the form with its current value and errors."""

    id: int
    number: int
    type: str
    text: str
    help_text: str
    required: bool
    anchor: str  # id of the first control, where the error summary links to
    condition: dict[str, Any] | None = None
    condition_text: str = ""
    errors: list[str] = field(default_factory=list)
    other_errors: list[str] = field(default_factory=list)
    options: list[Choice] = field(default_factory=list)
    has_other: bool = False
    other_checked: bool = False
    other_text: str = ""
    points: list[Choice] = field(default_factory=list)
    min_label: str = ""
    max_label: str = ""
    value: str = ""
    rows: list[Row] = field(default_factory=list)
    min: Any = None
    max: Any = None

    @property
    def is_group(self) -> bool:
        """Several controls under one question: a fieldset with a legend."""
        return self.type not in (
            QuestionType.NUMBER,
            QuestionType.SHORT_TEXT,
            QuestionType.LONG_TEXT,
        )

    @property
    def has_help(self) -> bool:
        """A hint under the question: its help text, what the scale's ends mean, the bounds
        of a number, "choose all that apply"."""
        return bool(
            self.help_text
            or self.type in (QuestionType.SCALE, QuestionType.MATRIX, QuestionType.MULTIPLE_CHOICE)
            or (self.type == QuestionType.NUMBER and (self.min, self.max) != (None, None))
        )

    @property
    def described_by(self) -> str:
        ids = []
        if self.has_help:
            ids.append(f"q{self.id}-help")
        if self.condition_text:
            ids.append(f"q{self.id}-condition")
        if self.errors:
            ids.append(f"q{self.id}-error")
        return " ".join(ids)


def _as_strings(value: Any) -> set[str]:
    if isinstance(value, list):
        return {str(v) for v in value}
    return {str(value)} if value not in (None, "") else set()


def _points(name: str, current: Any) -> list[Choice]:
    return [Choice(str(n), str(n), str(current) == str(n), f"{name}-s{n}") for n in SCALE]


def question_views(
    schema: Mapping[str, Any],
    answers: Mapping[str, Any],
    errors: Mapping[str, list[str]] | None = None,
) -> list[QuestionView]:
    """The questions of ``schema`` ready for the form, filled with ``answers`` (stored or as
    posted) and carrying ``errors`` (keys as in ``answers_clean``)."""
    errors = errors or {}
    numbers = {q["id"]: n for n, q in enumerate(schema["questions"], start=1)}
    option_texts = {o["id"]: o["text"] for q in schema["questions"] for o in q["options"]}
    views = []
    for question in schema["questions"]:
        qid, kind = question["id"], question["type"]
        name = f"q{qid}"
        key = str(qid)
        current = answers.get(key)
        view = QuestionView(
            id=qid,
            number=numbers[qid],
            type=kind,
            text=question["text"],
            help_text=question.get("help_text", ""),
            required=question["required"],
            anchor=name,
            errors=list(errors.get(key, [])),
            other_errors=list(errors.get(key + OTHER_SUFFIX, [])),
        )
        condition = question.get("condition")
        if condition:
            view.condition = condition
            view.condition_text = _(
                "Answer only if you chose “%(option)s” in question %(number)s."
            ) % {
                "option": option_texts.get(condition["option"], ""),
                "number": numbers.get(condition["question"], "?"),
            }
        if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
            chosen = _as_strings(current)
            view.options = [
                Choice(str(o["id"]), o["text"], str(o["id"]) in chosen, f"{name}-o{o['id']}")
                for o in question["options"]
            ]
            view.has_other = question["has_other"]
            view.other_checked = key + OTHER_SUFFIX in answers
            view.other_text = str(answers.get(key + OTHER_SUFFIX) or "")
            view.anchor = view.options[0].input_id if view.options else f"{name}-other"
        elif kind in (QuestionType.SCALE, QuestionType.MATRIX):
            scale = question.get("scale") or {}
            view.min_label = scale.get("min_label", "")
            view.max_label = scale.get("max_label", "")
            if kind == QuestionType.SCALE:
                view.points = _points(name, current)
                view.anchor = view.points[0].input_id
            else:
                rated = current if isinstance(current, Mapping) else {}
                view.rows = [
                    Row(r["id"], r["text"], _points(f"{name}-r{r['id']}", rated.get(str(r["id"]))))
                    for r in question["rows"]
                ]
                if view.rows:
                    view.anchor = view.rows[0].points[0].input_id
        else:
            view.value = "" if current is None else str(current)
            view.min, view.max = question.get("min"), question.get("max")
        views.append(view)
    return views


@dataclass
class AnswerShown:
    number: int
    text: str
    lines: list[str]


def answers_shown(schema: Mapping[str, Any], answers: Mapping[str, Any]) -> list[AnswerShown]:
    """Submitted answers for reading: every question that was asked, with its answer as
    text lines (none when left unanswered)."""
    asked = visible_question_ids(schema, answers)
    shown = []
    for number, question in enumerate(schema["questions"], start=1):
        if question["id"] not in asked:
            continue
        key = str(question["id"])
        value = answers.get(key)
        kind = question["type"]
        lines: list[str] = []
        if value is not None:
            if kind in (QuestionType.SINGLE_CHOICE, QuestionType.MULTIPLE_CHOICE):
                texts = {o["id"]: o["text"] for o in question["options"]}
                lines = [texts.get(v, "") for v in (value if isinstance(value, list) else [value])]
            elif kind == QuestionType.SCALE:
                lines = [_("%(value)s of %(max)s") % {"value": value, "max": SCALE_MAX}]
            elif kind == QuestionType.MATRIX:
                texts = {str(r["id"]): r["text"] for r in question["rows"]}
                lines = [
                    _("%(row)s: %(value)s of %(max)s")
                    % {"row": texts.get(row, ""), "value": rating, "max": SCALE_MAX}
                    for row, rating in value.items()
                ]
            else:
                lines = [str(value)]
        other = answers.get(key + OTHER_SUFFIX)
        if other:
            lines.append(_("Other: %(text)s") % {"text": other})
        shown.append(AnswerShown(number, question["text"], lines))
    return shown


# --- the views -----------------------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    """Answers are personal, and the link is the key: no cache keeps the page."""
    patch_cache_control(response, no_store=True, private=True)
    return response


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _lookup(request: HttpRequest, find: Callable[[], Any]) -> Any:
    """``find`` under the token rate limit; a page for a refusal instead of a result."""
    try:
        return ratelimit.guarded(request, find)
    except ratelimit.RateLimited as limited:
        minutes = max(1, -(-limited.retry_after // 60))
        page = render(request, "surveys/public/rate_limited.html", {"minutes": minutes}, status=429)
        page["Retry-After"] = str(limited.retry_after)
        return page
    except Http404:
        return render(request, "surveys/public/not_found.html", status=404)


def _form_page(
    request: HttpRequest,
    invitation: Invitation,
    answers: Mapping[str, Any],
    *,
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    schema = invitation.campaign.questionnaire_version.schema
    questions = question_views(schema, answers, errors)
    summary = []
    for question in questions:
        summary += [(question.anchor, question.number, e) for e in question.errors]
        anchor = f"q{question.id}-other-text"
        summary += [(anchor, question.number, e) for e in question.other_errors]
    context = {
        "invitation": invitation,
        "campaign": invitation.campaign,
        "schema": schema,
        "questions": questions,
        "error_summary": summary,
        "response": response_of(invitation),
        "has_required": any(q.required for q in questions),
    }
    return render(request, "surveys/public/form.html", context, status=status)


def _state_page(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    """What the link shows now, short of an error in a posted form."""
    campaign = invitation.campaign
    schema = campaign.questionnaire_version.schema
    response = response_of(invitation)
    if response is not None and response.status == Response.Status.SUBMITTED:
        context = {
            "campaign": campaign,
            "response": response,
            "answers": answers_shown(schema, response.answers),
            "state": campaign_state(campaign),
        }
        return render(request, "surveys/public/submitted.html", context)
    state = campaign_state(campaign)
    if state == "closed":
        # Gone: the form will not come back. Unsubmitted answers stay unsubmitted.
        return render(request, "surveys/public/closed.html", {"campaign": campaign}, status=410)
    if state == "not_open":
        context = {"campaign": campaign, "opens_later": campaign.opens_at > timezone.now()}
        return render(request, "surveys/public/not_open.html", context)
    return _form_page(request, invitation, response.answers if response is not None else {})


def _save_status(request: HttpRequest, message: str, *, ok: bool, **extra: Any) -> HttpResponse:
    """The small status htmx swaps in after an autosave (always 200, so htmx shows it)."""
    return render(
        request, "surveys/public/save_status.html", {"message": message, "ok": ok, **extra}
    )


def _refusal_message(error: ApplicationError) -> str:
    if error.code == "already_submitted":
        return _("Your answers have already been submitted; nothing more is saved.")
    if error.code == "campaign_closed":
        return _("The survey is closed; answers are no longer saved.")
    if error.code == "campaign_not_open":
        return _("The survey has not opened yet; answers are not saved.")
    return error.message


def _saved(
    request: HttpRequest, token: str, response: Response, *, submit: bool, url: str
) -> HttpResponse:
    if submit:
        return redirect(reverse("respond:thanks", args=[token]))
    if _is_htmx(request):
        saved_at = date_format(timezone.localtime(response.updated_at), "H:i")
        return _save_status(request, _("Saved at %(time)s") % {"time": saved_at}, ok=True)
    messages.success(
        request,
        _("Your answers are saved. Open the same link any time to continue."),
    )
    return redirect(url)


@require_http_methods(["GET", "HEAD", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    found = _lookup(request, lambda: response_for_token(token=token))
    if isinstance(found, HttpResponse):
        return _private(found)
    invitation: Invitation = found
    if request.method != "POST":
        return _private(_state_page(request, invitation))
    return _private(_handle_post(request, token, invitation))


def _handle_post(request: HttpRequest, token: str, invitation: Invitation) -> HttpResponse:
    schema = invitation.campaign.questionnaire_version.schema
    answers = answers_from_post(schema, request.POST)
    submit = request.POST.get("action") == "submit"
    try:
        response = response_save(token=token, answers=answers, submit=submit)
    except Http404:
        # The link was replaced (an administrator issued a new one) between the page and this post.
        return render(request, "surveys/public/not_found.html", status=404)
    except ApplicationError as error:
        if error.code != "invalid_answers":
            if _is_htmx(request):
                return _save_status(request, _refusal_message(error), ok=False)
            # Already submitted, closed or not open: the link's own page says which.
            return redirect(reverse("respond:respond", args=[token]))
        field_errors = error.extra.get("answers", {})
        if _is_htmx(request):
            views = question_views(schema, answers, field_errors)
            problems = [
                (q.anchor, q.number, message)
                for q in views
                for message in q.errors + q.other_errors
            ]
            return _save_status(
                request,
                _("Not saved: some answers need correcting."),
                ok=False,
                problems=problems,
            )
        if submit:
            # Keep what can be kept, so that nothing typed is lost while errors are fixed.
            with contextlib.suppress(ApplicationError):
                response_save(token=token, answers=answers, submit=False)
        return _form_page(request, invitation, answers, errors=field_errors, status=400)
    return _saved(
        request, token, response, submit=submit, url=reverse("respond:respond", args=[token])
    )


@require_http_methods(["GET", "HEAD"])
def thanks(request: HttpRequest, token: str) -> HttpResponse:
    found = _lookup(request, lambda: response_for_token(token=token))
    if isinstance(found, HttpResponse):
        return _private(found)
    response = response_of(found)
    if response is None or response.status != Response.Status.SUBMITTED:
        return redirect(reverse("respond:respond", args=[token]))
    context = {"campaign": found.campaign, "response": response, "token": token}
    return _private(render(request, "surveys/public/thanks.html", context))
