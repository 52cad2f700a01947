"""What the database itself guarantees about surveys, whatever code writes to it."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from surveys.models import (
    Campaign,
    QuestionnaireVersion,
    QuestionnaireVersionImmutableError,
    QuestionType,
    Response,
)
from surveys.schema import questionnaire_schema, schema_hash
from tests.municipalities.factories import UserFactory
from tests.surveys.factories import (
    AnswerFactory,
    CampaignEventFactory,
    CampaignFactory,
    InvitationFactory,
    MatrixRowFactory,
    OptionFactory,
    QuestionFactory,
    QuestionnaireFactory,
    QuestionnaireVersionFactory,
    ResponseFactory,
)

pytestmark = pytest.mark.django_db


def refused(**kwargs) -> None:
    """The statement in ``kwargs["run"]`` breaks a constraint."""
    with pytest.raises(IntegrityError), transaction.atomic():
        kwargs["run"]()


def test_every_factory_builds_a_valid_row():
    answer = AnswerFactory(option_id=1)
    event = CampaignEventFactory(campaign=answer.campaign)
    option = OptionFactory()
    row = MatrixRowFactory()
    assert answer.response.status == Response.Status.SUBMITTED
    assert answer.campaign == answer.response.campaign == answer.response.invitation.campaign
    assert event.campaign.events.count() == 1
    assert option.question.type == QuestionType.SINGLE_CHOICE
    assert row.question.type == QuestionType.MATRIX


def test_an_e_mail_is_unique_per_campaign_ignoring_case():
    invitation = InvitationFactory(email="Head@Example.org")
    refused(run=lambda: InvitationFactory(campaign=invitation.campaign, email="head@example.org"))
    InvitationFactory(email="head@example.org")  # another campaign


def test_token_hashes_are_unique():
    InvitationFactory(token="same")
    refused(run=lambda: InvitationFactory(token="same"))


def test_one_response_per_invitation():
    response = ResponseFactory()
    refused(run=lambda: ResponseFactory(invitation=response.invitation))


def test_a_campaign_closes_after_it_opens():
    now = timezone.now()
    refused(run=lambda: CampaignFactory(opens_at=now, closes_at=now))
    refused(run=lambda: CampaignFactory(reminder_interval_days=0))


def test_version_numbers_are_unique_per_questionnaire_and_rows_immutable():
    version = QuestionnaireVersionFactory()
    refused(
        run=lambda: QuestionnaireVersion.objects.create(
            questionnaire=version.questionnaire, number=1, schema={}, schema_hash="x"
        )
    )
    version.number = 5
    with pytest.raises(QuestionnaireVersionImmutableError):
        version.save()


def test_the_database_refuses_to_change_a_published_version():
    """Past save(): a bulk update, raw SQL or a data migration meets the trigger."""
    version = QuestionnaireVersionFactory()
    frozen = QuestionnaireVersion.objects.filter(pk=version.pk)
    refused(run=lambda: frozen.update(schema={"questions": []}))
    refused(run=lambda: frozen.update(schema_hash="0" * 64))
    refused(run=lambda: frozen.update(number=7))
    refused(run=lambda: frozen.update(published_at=timezone.now() - dt.timedelta(days=1)))

    def raw_sql():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE surveys_questionnaireversion SET schema = '{}'::jsonb WHERE id = %s",
                [version.pk],
            )

    refused(run=raw_sql)
    stored = QuestionnaireVersion.objects.get(pk=version.pk)
    assert (stored.schema, stored.schema_hash, stored.number) == (
        version.schema,
        version.schema_hash,
        1,
    )
    # Deleting the publisher's account still clears the reference (on_delete=SET_NULL).
    publisher = UserFactory()
    with connection.cursor() as cursor:
        # The one column allowed to change, set the way the database would for a restore.
        cursor.execute(
            "UPDATE surveys_questionnaireversion SET published_by_id = %s WHERE id = %s",
            [publisher.pk, version.pk],
        )
    publisher.delete()
    assert QuestionnaireVersion.objects.get(pk=version.pk).published_by is None


def test_new_invitations_have_a_salt_of_their_own():
    first, second = InvitationFactory(), InvitationFactory()
    assert len(first.token_salt) == 64
    assert first.token_salt != second.token_salt


def test_schema_hash_ignores_key_order_and_sees_every_change():
    assert schema_hash({"a": 1, "b": [1, 2]}) == schema_hash({"b": [1, 2], "a": 1})
    assert schema_hash({"a": 1}) != schema_hash({"a": 2})
    questionnaire = QuestionnaireFactory()
    QuestionFactory(questionnaire=questionnaire, type=QuestionType.NUMBER, min_value=0)
    schema = questionnaire_schema(questionnaire)
    assert schema["questions"][0]["min"] == 0
    assert isinstance(schema["questions"][0]["min"], int)


def test_the_answer_table_has_its_results_indexes():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "surveys_answer")
    columns = {tuple(c["columns"]) for c in constraints.values() if c["index"]}
    assert ("campaign_id", "question_id", "option_id") in columns
    assert ("campaign_id", "question_id", "row_id") in columns


def test_campaign_defaults():
    campaign = CampaignFactory(opens_at=timezone.now(), closes_at=timezone.now() + dt.timedelta(1))
    assert campaign.status == Campaign.Status.DRAFT
    assert campaign.anonymous is True
    assert (campaign.max_reminders, campaign.reminder_interval_days) == (2, 3)
