import datetime as dt
from typing import Any

import factory
from django.utils import timezone

from surveys.models import (
    Answer,
    Campaign,
    CampaignEvent,
    Invitation,
    MatrixRow,
    Option,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    QuestionType,
    Response,
)
from surveys.schema import questionnaire_schema, schema_hash
from surveys.tokens import token_derive, token_hash, token_salt_new
from tests.municipalities.factories import MunicipalityFactory


class QuestionnaireFactory(factory.django.DjangoModelFactory[Questionnaire]):
    class Meta:
        model = Questionnaire

    title = factory.Sequence(lambda n: f"Анкета о межмуниципальном сотрудничестве № {n}")
    description = "Опрос глав местных администраций."


class QuestionFactory(factory.django.DjangoModelFactory[Question]):
    """A short-text question by default; choice and matrix questions need OptionFactory /
    MatrixRowFactory rows (or ``choice_question`` below)."""

    class Meta:
        model = Question

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    position = factory.Sequence(lambda n: (n + 1) * 10)
    type = QuestionType.SHORT_TEXT
    text = factory.Sequence(lambda n: f"Вопрос {n}")


class OptionFactory(factory.django.DjangoModelFactory[Option]):
    class Meta:
        model = Option

    question = factory.SubFactory(QuestionFactory, type=QuestionType.SINGLE_CHOICE)
    position = factory.Sequence(lambda n: (n + 1) * 10)
    text = factory.Sequence(lambda n: f"Вариант {n}")


class MatrixRowFactory(factory.django.DjangoModelFactory[MatrixRow]):
    class Meta:
        model = MatrixRow

    question = factory.SubFactory(QuestionFactory, type=QuestionType.MATRIX)
    position = factory.Sequence(lambda n: (n + 1) * 10)
    text = factory.Sequence(lambda n: f"Строка {n}")


def choice_question(
    questionnaire: Questionnaire,
    *,
    type: str = QuestionType.SINGLE_CHOICE,
    options: tuple[str, ...] = ("Да", "Нет"),
    **kwargs: Any,
) -> Question:
    """A choice question with its options, in one call."""
    question = QuestionFactory.create(questionnaire=questionnaire, type=type, **kwargs)
    for position, text in enumerate(options, start=1):
        OptionFactory(question=question, position=position, text=text)
    return question


class QuestionnaireVersionFactory(factory.django.DjangoModelFactory[QuestionnaireVersion]):
    """Freezes the questionnaire's current draft, like publishing does (without the checks)."""

    class Meta:
        model = QuestionnaireVersion

    questionnaire = factory.SubFactory(QuestionnaireFactory)
    number = factory.LazyAttribute(lambda o: o.questionnaire.versions.count() + 1)
    schema = factory.LazyAttribute(lambda o: questionnaire_schema(o.questionnaire))
    schema_hash = factory.LazyAttribute(lambda o: schema_hash(o.schema))


class CampaignFactory(factory.django.DjangoModelFactory[Campaign]):
    class Meta:
        model = Campaign
        skip_postgeneration_save = True

    questionnaire_version = factory.SubFactory(QuestionnaireVersionFactory)
    title = factory.Sequence(lambda n: f"Опрос № {n}")
    opens_at = factory.LazyFunction(timezone.now)
    closes_at = factory.LazyAttribute(lambda o: o.opens_at + dt.timedelta(days=30))
    anonymous = True

    @factory.post_generation
    def municipalities(obj: Campaign, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            obj.municipalities.add(*extracted)


class CampaignEventFactory(factory.django.DjangoModelFactory[CampaignEvent]):
    class Meta:
        model = CampaignEvent

    campaign = factory.SubFactory(CampaignFactory)
    from_status = Campaign.Status.DRAFT
    to_status = Campaign.Status.OPEN


class InvitationFactory(factory.django.DjangoModelFactory[Invitation]):
    """Its link is derived from its salt, as the services make them:
    ``surveys.tokens.token_for(invitation)`` gives the token. Pass ``token=...`` for a fixed
    link instead (its hash is stored, like the demo's): it opens the form but is never
    e-mailed. Its municipality joins the campaign."""

    class Meta:
        model = Invitation
        skip_postgeneration_save = True

    class Params:
        token = None

    campaign = factory.SubFactory(CampaignFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"Иванов Иван Иванович {n}")
    position = "Глава администрации"
    email = factory.Sequence(lambda n: f"head{n}@example.org")
    token_salt = factory.LazyFunction(token_salt_new)
    token_hash = factory.LazyAttribute(
        lambda o: token_hash(o.token if o.token is not None else token_derive(o.token_salt))
    )

    @factory.post_generation
    def join_campaign(obj: Invitation, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.campaign.municipalities.add(obj.municipality)


class ResponseFactory(factory.django.DjangoModelFactory[Response]):
    class Meta:
        model = Response

    invitation = factory.SubFactory(InvitationFactory)
    campaign = factory.SelfAttribute("invitation.campaign")
    questionnaire_version = factory.SelfAttribute("campaign.questionnaire_version")
    answers = factory.LazyFunction(dict)


class AnswerFactory(factory.django.DjangoModelFactory[Answer]):
    class Meta:
        model = Answer

    response = factory.SubFactory(ResponseFactory, status=Response.Status.SUBMITTED)
    campaign = factory.SelfAttribute("response.campaign")
    question_id = 1
