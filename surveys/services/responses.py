"""Answering a survey: the respondent holds a link with a token instead of an account.

A response is saved as the respondent goes (every save carries the whole current answers
object and replaces the stored one) and becomes read-only once submitted. Submitting also
writes the flat ``Answer`` rows and adds them to the campaign's tallies that results are
read from (``surveys.services.tallies``), in the same transaction.

Every write locks the invitation row first, so all writes of one token queue up: of two
simultaneous submits one makes the response and its rows, the other finds it submitted (409),
and two first saves never try to create two responses.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_log_write
from core.exceptions import ApplicationError
from surveys.answers import OTHER_SUFFIX, answers_clean, error_messages
from surveys.models import Answer, Campaign, Invitation, QuestionType, Response
from surveys.services.tallies import respondent_group, response_tally, tally_add
from surveys.tokens import token_hash

# Tokens are 43 characters (256 bits, URL-safe base64); anything much longer is not one of
# ours and is not worth hashing.
TOKEN_MAX_LENGTH = 128

CampaignState = Literal["open", "not_open", "closed"]


def response_for_token(*, token: str) -> Invitation:
    """The invitation whose link carries ``token``, with its campaign, the campaign's
    questionnaire version and its response (if any) in one query. ``Http404`` for any token
    that is not a current one, saying nothing about why."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise Http404
    invitation = (
        Invitation.objects.select_related("campaign__questionnaire_version", "response")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise Http404
    return invitation


def response_of(invitation: Invitation) -> Response | None:
    """The invitation's response, or None before the first save (no query when the
    invitation came from ``response_for_token``)."""
    try:
        return invitation.response
    except Response.DoesNotExist:
        return None


def campaign_state(campaign: Campaign, *, now: datetime | None = None) -> CampaignState:
    """Whether a campaign takes answers now: it must be open and inside its period."""
    now = now or timezone.now()
    if campaign.status == Campaign.Status.CLOSED or now >= campaign.closes_at:
        return "closed"
    if campaign.status == Campaign.Status.DRAFT or now < campaign.opens_at:
        return "not_open"
    return "open"


def _refuse_unless_open(campaign: Campaign, now: datetime) -> None:
    state = campaign_state(campaign, now=now)
    if state == "closed":
        raise ApplicationError(
            _("The survey is closed; answers are no longer accepted."),
            status=409,
            code="campaign_closed",
        )
    if state == "not_open":
        raise ApplicationError(
            _("The survey has not opened yet."), status=409, code="campaign_not_open"
        )


def _already_submitted() -> ApplicationError:
    return ApplicationError(
        _("The answers have already been submitted and can no longer be changed."),
        status=409,
        code="already_submitted",
    )


def answer_rows(*, response: Response, schema: dict[str, Any]) -> list[Answer]:
    """The flat ``Answer`` rows of ``response``'s cleaned answers: one per single choice,
    per chosen option of a multiple choice, per rated matrix row, per number or text, and
    one for an "other" text; none for unanswered questions."""
    answers = response.answers
    rows: list[Answer] = []

    def row(question_id: int, **fields: Any) -> None:
        rows.append(
            Answer(
                response=response,
                campaign_id=response.campaign_id,
                question_id=question_id,
                **fields,
            )
        )

    for question in schema["questions"]:
        qid = question["id"]
        value = answers.get(str(qid))
        kind = question["type"]
        if value is not None:
            if kind == QuestionType.SINGLE_CHOICE:
                row(qid, option_id=value)
            elif kind == QuestionType.MULTIPLE_CHOICE:
                for option in value:
                    row(qid, option_id=option)
            elif kind in (QuestionType.SCALE, QuestionType.NUMBER):
                row(qid, number=Decimal(str(value)))
            elif kind == QuestionType.MATRIX:
                for row_id, rating in value.items():
                    row(qid, row_id=int(row_id), number=Decimal(rating))
            else:
                row(qid, text=value)
        other = answers.get(f"{qid}{OTHER_SUFFIX}")
        if other is not None:
            row(qid, text=other, is_other=True)
    return rows


def _clean(schema: dict[str, Any], answers: Any, *, final: bool) -> dict[str, Any]:
    try:
        return answers_clean(schema, answers, final=final)
    except ValidationError as error:
        raise ApplicationError(
            _("Some answers need correcting."),
            code="invalid_answers",
            extra={"answers": error_messages(error)},
        ) from error


@transaction.atomic
def response_save(*, token: str, answers: Any, submit: bool = False) -> Response:
    """Save the respondent's current ``answers`` (the whole object; it replaces what was
    saved) and, with ``submit``, submit them: every required question that is asked must be
    answered, the response becomes read-only, its ``Answer`` rows are written and added to
    the campaign's tallies (one statement each, whatever the number of answers).

    Refusals: 404 unknown token; 409 ``already_submitted``, ``campaign_closed`` or
    ``campaign_not_open``; 400 ``invalid_answers`` with ``{"answers": {key: [messages]}}``.
    """
    if not token or len(token) > TOKEN_MAX_LENGTH:
        raise Http404
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        # The municipality as it is now is the respondent's group in the tallies.
        .select_related(
            "campaign__questionnaire_version", "municipality__main_town", "municipality__region"
        )
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise Http404
    # Read after the lock: a submit that held it has committed by now and is seen here.
    response = Response.objects.filter(invitation=invitation).first()
    if response is not None:
        if response.status == Response.Status.SUBMITTED:
            raise _already_submitted()
        response.invitation = invitation
    now = timezone.now()
    campaign = invitation.campaign
    _refuse_unless_open(campaign, now)
    version = campaign.questionnaire_version
    cleaned = _clean(version.schema, answers, final=submit)

    if response is None:
        response = Response(
            invitation=invitation,
            campaign=campaign,
            questionnaire_version=version,
        )
    else:
        response.version += 1
    response.answers = cleaned
    if submit:
        response.status = Response.Status.SUBMITTED
        response.submitted_at = now
    response.save()
    invitation.response = response

    if submit:
        invitation.submitted_at = now
        invitation.save(update_fields=["submitted_at", "updated_at"])
        rows = Answer.objects.bulk_create(answer_rows(response=response, schema=version.schema))
        tally_add(
            campaign_id=campaign.pk,
            tally=response_tally(rows, respondent_group(invitation.municipality)),
        )
        # Partial saves are not audited: they come many a minute, from nobody with an
        # account, and the response row itself keeps its last change. The submit is the act
        # that counts; its record holds no answers and, for anonymous campaigns, no name.
        audit_log_write(
            actor=None,
            action="survey_response.submit",
            obj=response,
            after={"campaign": campaign.pk, "answers": len(cleaned), "answer_rows": len(rows)},
        )
    return response
