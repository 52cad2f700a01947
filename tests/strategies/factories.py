import factory

from strategies.models import (
    Comment,
    Goal,
    Measure,
    Objective,
    Participation,
    Section,
    Strategy,
    TargetIndicator,
)
from tests.municipalities.factories import MunicipalityFactory, UserFactory


class StrategyFactory(factory.django.DjangoModelFactory[Strategy]):
    class Meta:
        model = Strategy

    title = factory.Sequence(lambda n: f"Стратегия совместного развития № {n}")
    start_year = 2025
    end_year = 2030
    lead = factory.SubFactory(MunicipalityFactory)


class ParticipationFactory(factory.django.DjangoModelFactory[Participation]):
    class Meta:
        model = Participation

    strategy = factory.SubFactory(StrategyFactory)
    municipality = factory.SubFactory(MunicipalityFactory)
    role = Participation.Role.PARTNER


class SectionFactory(factory.django.DjangoModelFactory[Section]):
    class Meta:
        model = Section

    strategy = factory.SubFactory(StrategyFactory)
    title = factory.Sequence(lambda n: f"Раздел {n}")
    position = factory.Sequence(lambda n: (n + 1) * 10)
    body = "<p>Текст раздела.</p>"


class CommentFactory(factory.django.DjangoModelFactory[Comment]):
    class Meta:
        model = Comment

    section = factory.SubFactory(SectionFactory)
    author = factory.SubFactory(UserFactory)
    body = "Замечание к разделу"


class GoalFactory(factory.django.DjangoModelFactory[Goal]):
    class Meta:
        model = Goal

    strategy = factory.SubFactory(StrategyFactory)
    title = factory.Sequence(lambda n: f"Цель {n}")


class ObjectiveFactory(factory.django.DjangoModelFactory[Objective]):
    class Meta:
        model = Objective

    goal = factory.SubFactory(GoalFactory)
    title = factory.Sequence(lambda n: f"Задача {n}")


class MeasureFactory(factory.django.DjangoModelFactory[Measure]):
    class Meta:
        model = Measure

    objective = factory.SubFactory(ObjectiveFactory)
    title = factory.Sequence(lambda n: f"Мероприятие {n}")
    start_year = 2025
    end_year = 2027


class TargetIndicatorFactory(factory.django.DjangoModelFactory[TargetIndicator]):
    class Meta:
        model = TargetIndicator

    strategy = factory.SubFactory(StrategyFactory)
    name = factory.Sequence(lambda n: f"Целевой показатель {n}")
    unit = "ед."
