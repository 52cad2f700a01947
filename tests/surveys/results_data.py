"""Test data for results and exports: a questionnaire with one question of every type, an
open campaign, municipalities of different kinds, size classes and regions, and submitted
responses made through the real submit service (so the Answer rows and the campaign's
tallies are the real ones)."""

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from municipalities.models import Municipality
from surveys.models import Campaign, Question, QuestionnaireVersion, QuestionType, Response
from surveys.services.responses import response_save
from surveys.tokens import token_new
from tests.municipalities.factories import MunicipalityFactory, RegionFactory, TownFactory
from tests.surveys.factories import (
    CampaignFactory,
    InvitationFactory,
    MatrixRowFactory,
    QuestionFactory,
    QuestionnaireFactory,
    QuestionnaireVersionFactory,
    choice_question,
)


@dataclass
class Survey:
    campaign: Campaign
    version: QuestionnaireVersion
    single: Question
    multiple: Question
    scale: Question
    number: Question
    short: Question
    long: Question
    matrix: Question
    _options: dict[tuple[int, str], int] = field(default_factory=dict)
    _rows: dict[str, int] = field(default_factory=dict)

    def option(self, question: Question, text: str) -> int:
        return self._options[(question.pk, text)]

    def row(self, text: str) -> int:
        return self._rows[text]

    def answers(
        self,
        *,
        single: str | None = None,
        single_other: str | None = None,
        multiple: tuple[str, ...] = (),
        multiple_other: str | None = None,
        scale: int | None = None,
        number: Any = None,
        short: str | None = None,
        long: str | None = None,
        matrix: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        """The public answers shape from readable values (option and row texts)."""
        answers: dict[str, Any] = {}
        if single is not None:
            answers[str(self.single.pk)] = self.option(self.single, single)
        if single_other is not None:
            answers[f"{self.single.pk}_other"] = single_other
        if multiple:
            answers[str(self.multiple.pk)] = [self.option(self.multiple, t) for t in multiple]
        if multiple_other is not None:
            answers[f"{self.multiple.pk}_other"] = multiple_other
        if scale is not None:
            answers[str(self.scale.pk)] = scale
        if number is not None:
            answers[str(self.number.pk)] = number
        if short is not None:
            answers[str(self.short.pk)] = short
        if long is not None:
            answers[str(self.long.pk)] = long
        if matrix:
            answers[str(self.matrix.pk)] = {str(self.row(r)): v for r, v in matrix.items()}
        return answers


SINGLE_OPTIONS = ("Да", "Нет", "Затрудняюсь ответить")
MULTIPLE_OPTIONS = (
    "Соглашения о передаче полномочий",
    "Совет муниципальных образований",
    "Совместные проекты",
)
MATRIX_ROWS = ("Дороги", "Туризм")


def make_survey(*, anonymous: bool = True, **campaign_fields: Any) -> Survey:
    questionnaire = QuestionnaireFactory.create(title="Межмуниципальное сотрудничество")
    single = choice_question(
        questionnaire,
        options=SINGLE_OPTIONS,
        text="Участвует ли муниципалитет в сотрудничестве?",
        has_other=True,
        position=1,
    )
    multiple = choice_question(
        questionnaire,
        type=QuestionType.MULTIPLE_CHOICE,
        options=MULTIPLE_OPTIONS,
        text="Какие формы сотрудничества используются?",
        has_other=True,
        position=2,
    )
    scale = QuestionFactory.create(
        questionnaire=questionnaire,
        type=QuestionType.SCALE,
        text="Готовность участвовать в совместной стратегии",
        scale_min_label="совсем не готовы",
        scale_max_label="полностью готовы",
        position=3,
    )
    number = QuestionFactory.create(
        questionnaire=questionnaire,
        type=QuestionType.NUMBER,
        text="Число действующих соглашений",
        min_value=-100,
        max_value=1000,
        position=4,
    )
    short = QuestionFactory.create(
        questionnaire=questionnaire, type=QuestionType.SHORT_TEXT, text="Должность", position=5
    )
    long = QuestionFactory.create(
        questionnaire=questionnaire, type=QuestionType.LONG_TEXT, text="Комментарий", position=6
    )
    matrix = QuestionFactory.create(
        questionnaire=questionnaire,
        type=QuestionType.MATRIX,
        text="Оцените эффект сотрудничества",
        position=7,
    )
    for position, text in enumerate(MATRIX_ROWS, start=1):
        MatrixRowFactory.create(question=matrix, position=position, text=text)
    version = QuestionnaireVersionFactory.create(questionnaire=questionnaire)
    fields = {
        "questionnaire_version": version,
        "status": Campaign.Status.OPEN,
        "opens_at": timezone.now() - dt.timedelta(days=1),
        "anonymous": anonymous,
        **campaign_fields,
    }
    campaign = CampaignFactory.create(**fields)
    survey = Survey(campaign, version, single, multiple, scale, number, short, long, matrix)
    for question in version.schema["questions"]:
        for option in question["options"]:
            survey._options[(question["id"], option["text"])] = option["id"]
        for row in question["rows"]:
            survey._rows[row["text"]] = row["id"]
    return survey


@dataclass
class Places:
    """Municipalities in three groups of every dimension."""

    sokolsky: Municipality  # district, Vologda region, small main town
    cherepovets: Municipality  # urban okrug, Vologda region, large main town
    kirillov: Municipality  # district, Vologda region, no main town
    kotlas: Municipality  # urban okrug, Arkhangelsk region, small main town


def make_places() -> Places:
    vologda = RegionFactory.create(code="19", name="Вологодская область")
    arkhangelsk = RegionFactory.create(code="11", name="Архангельская область")
    sokolsky = MunicipalityFactory.create(
        oktmo="19638000", name="Сокольский муниципальный округ", region=vologda
    )
    sokolsky.main_town = TownFactory.create(
        oktmo="19638101001", name="Сокол", region=vologda, population=35_000, municipality=sokolsky
    )
    sokolsky.save()
    cherepovets = MunicipalityFactory.create(
        oktmo="19730000",
        name="Город Череповец",
        kind=Municipality.Kind.URBAN_OKRUG,
        region=vologda,
    )
    cherepovets.main_town = TownFactory.create(
        oktmo="19730000001",
        name="Череповец",
        region=vologda,
        population=300_000,
        municipality=cherepovets,
    )
    cherepovets.save()
    kirillov = MunicipalityFactory.create(
        oktmo="19628000", name="Кирилловский муниципальный округ", region=vologda
    )
    kotlas = MunicipalityFactory.create(
        oktmo="11710000",
        name="Город Котлас",
        kind=Municipality.Kind.URBAN_OKRUG,
        region=arkhangelsk,
    )
    kotlas.main_town = TownFactory.create(
        oktmo="11710000001", name="Котлас", region=arkhangelsk, population=60_000
    )
    kotlas.save()
    return Places(sokolsky, cherepovets, kirillov, kotlas)


def invite(survey: Survey, municipality: Municipality, **fields: Any) -> tuple[Any, str]:
    token = token_new()
    invitation = InvitationFactory.create(
        campaign=survey.campaign, municipality=municipality, token=token, **fields
    )
    return invitation, token


def submit(
    survey: Survey, municipality: Municipality, answers: dict[str, Any], **fields: Any
) -> Response:
    """A new respondent of ``municipality`` who submits ``answers`` through the service."""
    _invitation, token = invite(survey, municipality, **fields)
    return response_save(token=token, answers=answers, submit=True)


def save_partially(survey: Survey, municipality: Municipality, answers: dict[str, Any]) -> Response:
    """A respondent who has saved answers but not submitted them: not counted anywhere."""
    _invitation, token = invite(survey, municipality)
    return response_save(token=token, answers=answers, submit=False)
