"""The answering service: saving as the respondent goes, resuming, submitting once, the flat
Answer rows, refusals for closed and not yet open campaigns, and two submits of one token at
the same moment making exactly one response."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from core.exceptions import ApplicationError
from core.models import AuditLog
from surveys.models import Answer, AnswerTally, Campaign, Invitation, Response
from surveys.services.responses import (
    answer_rows,
    campaign_state,
    response_for_token,
    response_of,
    response_save,
)
from surveys.tokens import token_hash, token_new
from tests.surveys.answering import complete_answers, minimal_answers, survey

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return survey()


def _refusal(code, **kwargs):
    with pytest.raises(ApplicationError) as raised:
        response_save(**kwargs)
    assert raised.value.code == code, raised.value.message
    return raised.value


# --- finding the invitation ------------------------------------------------------------------


def test_the_token_finds_its_invitation_with_campaign_version_and_response_in_one_query(
    s, django_assert_num_queries
):
    response_save(token=s.token, answers={str(s.ids.readiness): 3})
    with django_assert_num_queries(1):
        invitation = response_for_token(token=s.token)
        assert invitation.campaign.questionnaire_version.schema["questions"]
        assert response_of(invitation).answers == {str(s.ids.readiness): 3}


@pytest.mark.parametrize("token", ["", "x", "a" * 43, "a" * 500])
def test_an_unknown_token_is_a_404(s, token):
    with pytest.raises(Http404):
        response_for_token(token=token)
    with pytest.raises(Http404):
        response_save(token=token, answers={})


def test_a_replaced_token_stops_working(s):
    # A reminder gives the invitation a new token; the old link is then unknown.
    Invitation.objects.filter(pk=s.invitation.pk).update(token_hash=token_hash(token_new()))
    with pytest.raises(Http404):
        response_for_token(token=s.token)


def test_nothing_saved_yet_means_no_response(s):
    assert response_of(response_for_token(token=s.token)) is None


# --- saving and resuming ---------------------------------------------------------------------


def test_a_save_creates_an_in_progress_response_that_the_link_resumes(s):
    ids = s.ids
    response = response_save(
        token=s.token, answers={str(ids.agreements): str(ids.yes), str(ids.projects): "12"}
    )
    assert response.status == Response.Status.IN_PROGRESS
    assert response.invitation == s.invitation
    assert response.campaign == s.campaign
    assert response.questionnaire_version == s.version
    assert response.submitted_at is None
    resumed = response_of(response_for_token(token=s.token))
    assert resumed.answers == {str(ids.agreements): ids.yes, str(ids.projects): 12}
    assert not Answer.objects.exists()  # partial saves write no Answer rows


def test_each_save_replaces_the_whole_answers_object(s):
    ids = s.ids
    response_save(token=s.token, answers={str(ids.sphere): "Туризм", str(ids.readiness): 5})
    response = response_save(token=s.token, answers={str(ids.readiness): 2})
    assert response.answers == {str(ids.readiness): 2}
    assert response.version == 2
    assert Response.objects.count() == 1
    response_save(token=s.token, answers={})
    assert Response.objects.get().answers == {}


def test_a_save_with_wrong_answers_is_refused_and_keeps_what_was_saved(s):
    ids = s.ids
    response_save(token=s.token, answers={str(ids.sphere): "Туризм"})
    error = _refusal(
        "invalid_answers",
        token=s.token,
        answers={str(ids.projects): 5000, str(ids.readiness): 7, "999": "x"},
    )
    assert error.status == 400
    assert set(error.extra["answers"]) == {str(ids.projects), str(ids.readiness), "999"}
    assert Response.objects.get().answers == {str(ids.sphere): "Туризм"}


def test_a_partial_save_does_not_ask_for_required_questions(s):
    response = response_save(token=s.token, answers={str(s.ids.comment): "Позже допишу"})
    assert response.answers == {str(s.ids.comment): "Позже допишу"}


def test_answers_to_a_question_not_asked_are_dropped(s):
    ids = s.ids
    response = response_save(
        token=s.token, answers={str(ids.agreements): ids.no, str(ids.partners): "Сокол"}
    )
    assert response.answers == {str(ids.agreements): ids.no}


# --- submitting ------------------------------------------------------------------------------


def test_submit_needs_every_required_question_that_is_asked(s):
    ids = s.ids
    response_save(token=s.token, answers={str(ids.sphere): "Туризм"})
    error = _refusal(
        "invalid_answers", token=s.token, answers={str(ids.agreements): ids.yes}, submit=True
    )
    assert set(error.extra["answers"]) == {
        str(ids.partners),
        str(ids.obstacles),
        str(ids.readiness),
    }
    response = Response.objects.get()
    assert (response.status, response.answers) == (
        Response.Status.IN_PROGRESS,
        {str(ids.sphere): "Туризм"},
    )
    assert not Answer.objects.exists()
    s.invitation.refresh_from_db()
    assert s.invitation.submitted_at is None


def test_submit_makes_the_response_final_and_writes_answer_rows(s):
    ids = s.ids
    before = timezone.now()
    response = response_save(token=s.token, answers=complete_answers(ids), submit=True)
    assert response.status == Response.Status.SUBMITTED
    assert response.submitted_at >= before
    s.invitation.refresh_from_db()
    assert s.invitation.submitted_at == response.submitted_at

    rows = {
        (a.question_id, a.option_id, a.row_id, a.number, a.text, a.is_other)
        for a in Answer.objects.filter(response=response)
    }
    assert all(a.campaign_id == s.campaign.pk for a in Answer.objects.all())
    assert rows == {
        (ids.agreements, ids.yes, None, None, "", False),
        (ids.partners, None, None, None, "Сокольский и Вологодский районы", False),
        # a multiple choice: one row per chosen option, and the other text on its own
        (ids.obstacles, ids.money, None, None, "", False),
        (ids.obstacles, ids.law, None, None, "", False),
        (ids.obstacles, None, None, None, "Кадровый дефицит", True),
        (ids.readiness, None, None, Decimal(4), "", False),
        (ids.projects, None, None, Decimal(3), "", False),
        (ids.sphere, None, None, None, "Туризм", False),
        (ids.comment, None, None, None, "Нужна методическая поддержка области.", False),
        # a matrix: one row per rated row, the rating in number
        (ids.spheres, None, ids.roads, Decimal(5), "", False),
        (ids.spheres, None, ids.waste, Decimal(3), "", False),
    }
    assert Answer.objects.count() == 11


def test_unanswered_questions_have_no_answer_rows(s):
    ids = s.ids
    response = response_save(token=s.token, answers=minimal_answers(ids), submit=True)
    assert sorted(Answer.objects.values_list("question_id", "option_id", "number")) == sorted(
        [
            (ids.agreements, ids.no, None),
            (ids.obstacles, ids.experience, None),
            (ids.readiness, None, Decimal(2)),
        ]
    )
    assert len(answer_rows(response=response, schema=s.version.schema)) == 3


def test_an_other_text_alone_answers_a_single_choice_and_becomes_one_row(s):
    ids = s.ids
    answers = {**minimal_answers(ids), f"{ids.agreements}_other": "Готовим соглашение"}
    del answers[str(ids.agreements)]
    response_save(token=s.token, answers=answers, submit=True)
    row = Answer.objects.get(question_id=ids.agreements)
    assert (row.option_id, row.text, row.is_other) == (None, "Готовим соглашение", True)


def test_a_decimal_number_is_kept_exactly():
    s = survey()
    answers = {**minimal_answers(s.ids), str(s.ids.projects): "2.75"}
    response = response_save(token=s.token, answers=answers, submit=True)
    assert response.answers[str(s.ids.projects)] == 2.75
    assert Answer.objects.get(question_id=s.ids.projects).number == Decimal("2.75")


def test_submit_is_audited_without_the_answers_and_saves_are_not(s):
    response_save(token=s.token, answers={str(s.ids.sphere): "Туризм"})
    assert not AuditLog.objects.filter(action__startswith="survey_response").exists()
    response = response_save(token=s.token, answers=complete_answers(s.ids), submit=True)
    record = AuditLog.objects.get(action="survey_response.submit")
    assert record.actor is None
    assert record.object_id == str(response.pk)
    assert record.after == {"campaign": s.campaign.pk, "answers": 9, "answer_rows": 11}


def test_a_submitted_response_is_read_only(s):
    ids = s.ids
    response_save(token=s.token, answers=minimal_answers(ids), submit=True)
    for submit in (True, False):
        error = _refusal(
            "already_submitted", token=s.token, answers=complete_answers(ids), submit=submit
        )
        assert error.status == 409
    response = Response.objects.get()
    assert response.answers == minimal_answers(ids)
    assert Answer.objects.count() == 3


def test_a_submit_without_an_earlier_save_works(s):
    response = response_save(token=s.token, answers=minimal_answers(s.ids), submit=True)
    assert response.version == 1
    assert Response.objects.filter(status=Response.Status.SUBMITTED).count() == 1


# --- when the campaign takes answers -------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "opens", "closes", "code"),
    [
        (Campaign.Status.CLOSED, -2, 5, "campaign_closed"),
        (Campaign.Status.OPEN, -10, -1, "campaign_closed"),  # past its closing time
        (Campaign.Status.DRAFT, -2, 5, "campaign_not_open"),
        (Campaign.Status.OPEN, 1, 5, "campaign_not_open"),  # before its opening time
    ],
)
def test_answers_are_taken_only_while_the_campaign_is_open(status, opens, closes, code):
    now = timezone.now()
    s = survey(
        status=status,
        opens_at=now + dt.timedelta(days=opens),
        closes_at=now + dt.timedelta(days=closes),
    )
    for submit in (False, True):
        error = _refusal(code, token=s.token, answers=minimal_answers(s.ids), submit=submit)
        assert error.status == 409
    assert not Response.objects.exists()


def test_campaign_state_follows_status_and_period():
    now = timezone.now()
    campaign = Campaign(
        status=Campaign.Status.OPEN,
        opens_at=now - dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=1),
    )
    assert campaign_state(campaign, now=now) == "open"
    assert campaign_state(campaign, now=campaign.closes_at) == "closed"
    assert campaign_state(campaign, now=campaign.opens_at - dt.timedelta(seconds=1)) == "not_open"
    campaign.status = Campaign.Status.DRAFT
    assert campaign_state(campaign, now=now) == "not_open"
    campaign.status = Campaign.Status.CLOSED
    assert campaign_state(campaign, now=now) == "closed"


def test_a_response_already_submitted_stays_readable_after_the_campaign_closes(s):
    response_save(token=s.token, answers=minimal_answers(s.ids), submit=True)
    Campaign.objects.filter(pk=s.campaign.pk).update(status=Campaign.Status.CLOSED)
    _refusal("already_submitted", token=s.token, answers={}, submit=True)
    assert response_of(response_for_token(token=s.token)).status == Response.Status.SUBMITTED


# --- two at once -----------------------------------------------------------------------------


def _at_once(calls):
    """Run each call in its own thread (own database connection), all released together."""
    start = threading.Barrier(len(calls), timeout=30)
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            outcomes[index] = call()
        except Exception as error:  # the outcome under test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_submits_of_one_token_at_once_make_exactly_one_response():
    s = survey()
    answers = complete_answers(s.ids)
    outcomes = _at_once(
        [lambda: response_save(token=s.token, answers=answers, submit=True) for _ in range(2)]
    )
    submitted = [o for o in outcomes if isinstance(o, Response)]
    refused = [o for o in outcomes if isinstance(o, ApplicationError)]
    assert len(submitted) == 1, outcomes
    assert [(e.status, e.code) for e in refused] == [(409, "already_submitted")]
    assert Response.objects.count() == 1
    assert Answer.objects.count() == 11
    assert AuditLog.objects.filter(action="survey_response.submit").count() == 1
    # Counted once in the tallies too.
    assert AnswerTally.objects.get(dimension="municipality").count == 1
    assert set(AnswerTally.objects.values_list("count", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_two_first_saves_of_one_token_at_once_make_one_response():
    s = survey()
    outcomes = _at_once(
        [
            lambda: response_save(token=s.token, answers={str(s.ids.readiness): 1}),
            lambda: response_save(token=s.token, answers={str(s.ids.readiness): 5}),
        ]
    )
    assert all(isinstance(o, Response) for o in outcomes), outcomes
    response = Response.objects.get()
    assert response.version == 2
    assert response.answers in ({str(s.ids.readiness): 1}, {str(s.ids.readiness): 5})
