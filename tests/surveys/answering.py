"""Test data for answering a survey: a questionnaire with every question type built and
published through the builder's services, a campaign over it and an invitation whose plain
token the test knows."""

import datetime as dt
from types import SimpleNamespace

from django.core.cache import cache
from django.utils import timezone

from surveys import ratelimit
from surveys.models import Campaign, QuestionType
from surveys.services.questionnaires import (
    question_create,
    questionnaire_create,
    questionnaire_publish,
)
from surveys.tokens import token_for
from tests.municipalities.factories import UserFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory


def rate_limit_reset(address: str = "127.0.0.1") -> None:
    """Forget the token misses of ``address`` (the test client's and the live server's):
    the cache outlives a test."""
    cache.delete_many(ratelimit.cache_keys(address))


def questionnaire_version(actor=None):
    """A published questionnaire on inter-municipal cooperation with one question of each
    type, and one shown only if the first was answered «Да». Returns (version, ids) where
    ``ids`` names the questions and options."""
    actor = actor or UserFactory(is_staff=True)
    questionnaire = questionnaire_create(
        actor=actor,
        title="Межмуниципальное сотрудничество",
        description="Опрос глав местных администраций Вологодской области.",
    )

    def add(**fields):
        return question_create(actor=actor, questionnaire_id=questionnaire.pk, **fields)

    agreements = add(
        type=QuestionType.SINGLE_CHOICE,
        text="Заключал ли муниципалитет соглашения о межмуниципальном сотрудничестве?",
        required=True,
        has_other=True,
        options=["Да", "Нет"],
    )
    yes, no = agreements.options.order_by("position")
    partners = add(
        type=QuestionType.SHORT_TEXT,
        text="С какими муниципалитетами заключены соглашения?",
        required=True,
        condition_question_id=agreements.pk,
        condition_option_id=yes.pk,
    )
    obstacles = add(
        type=QuestionType.MULTIPLE_CHOICE,
        text="Что сдерживает сотрудничество?",
        help_text="Отметьте все подходящие варианты.",
        required=True,
        has_other=True,
        options=[
            "Недостаток собственных финансовых ресурсов",
            "Отсутствие опыта совместных проектов",
            "Пробелы в законодательстве",
        ],
    )
    readiness = add(
        type=QuestionType.SCALE,
        text="Готовность участвовать в совместной стратегии развития",
        required=True,
        scale_min_label="не готовы",
        scale_max_label="полностью готовы",
    )
    projects = add(
        type=QuestionType.NUMBER,
        text="Сколько совместных проектов реализовано за 5 лет?",
        min_value=0,
        max_value=1000,
    )
    sphere = add(type=QuestionType.SHORT_TEXT, text="Главная сфера сотрудничества")
    comment = add(type=QuestionType.LONG_TEXT, text="Комментарий")
    spheres = add(
        type=QuestionType.MATRIX,
        text="Насколько нужно сотрудничество в сферах",
        rows=["Дороги", "Обращение с отходами"],
        scale_min_label="не нужно",
        scale_max_label="очень нужно",
    )
    version = questionnaire_publish(actor=actor, questionnaire_id=questionnaire.pk)
    o1, o2, o3 = obstacles.options.order_by("position")
    roads, waste = spheres.rows.order_by("position")
    ids = SimpleNamespace(
        agreements=agreements.pk,
        yes=yes.pk,
        no=no.pk,
        partners=partners.pk,
        obstacles=obstacles.pk,
        money=o1.pk,
        experience=o2.pk,
        law=o3.pk,
        readiness=readiness.pk,
        projects=projects.pk,
        sphere=sphere.pk,
        comment=comment.pk,
        spheres=spheres.pk,
        roads=roads.pk,
        waste=waste.pk,
    )
    return version, ids


def survey(
    *,
    status: str = Campaign.Status.OPEN,
    opens_at: dt.datetime | None = None,
    closes_at: dt.datetime | None = None,
    version=None,
    ids=None,
) -> SimpleNamespace:
    """A campaign (open by default, opened an hour ago, closing in a week) with one
    invitation: ``token``, ``invitation``, ``campaign``, ``version``, ``ids``."""
    if version is None:
        version, ids = questionnaire_version()
    now = timezone.now()
    opens_at = opens_at or now - dt.timedelta(hours=1)
    campaign = CampaignFactory(
        questionnaire_version=version,
        title="Опрос о межмуниципальном сотрудничестве 2025",
        status=status,
        opens_at=opens_at,
        closes_at=closes_at or max(opens_at, now) + dt.timedelta(days=7),
    )
    invitation = InvitationFactory.create(campaign=campaign)
    token = token_for(invitation)
    return SimpleNamespace(
        token=token, invitation=invitation, campaign=campaign, version=version, ids=ids
    )


def complete_answers(ids) -> dict:
    """Answers to every question, valid for a submit."""
    return {
        str(ids.agreements): ids.yes,
        str(ids.partners): "Сокольский и Вологодский районы",
        str(ids.obstacles): [ids.money, ids.law],
        f"{ids.obstacles}_other": "Кадровый дефицит",
        str(ids.readiness): 4,
        str(ids.projects): 3,
        str(ids.sphere): "Туризм",
        str(ids.comment): "Нужна методическая поддержка области.",
        str(ids.spheres): {str(ids.roads): 5, str(ids.waste): 3},
    }


def minimal_answers(ids) -> dict:
    """Only the required questions (answered «Нет», so the conditional one is not asked)."""
    return {
        str(ids.agreements): ids.no,
        str(ids.obstacles): [ids.experience],
        str(ids.readiness): 2,
    }
