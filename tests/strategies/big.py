"""A big joint strategy for the PDF bench and the fault tests: about a hundred printed pages
with the defaults (12 sections of text, 60 target indicators, 150 measures).

Written through the services, as staff would write it, by the users of three Vologda
districts; municipalities and users are reused when they exist (``joint_strategy`` made
Sokolsky and Vologodsky), so it can be built next to that fixture or on an empty database.
The text is generated from Russian sentences of the kind such documents are made of, with a
fixed seed: the same arguments give the same strategy."""

import random
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from municipalities.models import Membership, Municipality, Region
from strategies.models import Section, Strategy
from strategies.services import (
    FinancingRow,
    goal_create,
    measure_create,
    objective_create,
    section_create,
    section_delete,
    section_update,
    strategy_create,
    target_indicator_create,
)

TITLE = (
    "Стратегия совместного социально-экономического развития Сокольского, Вологодского и "
    "Междуреченского муниципальных округов до 2030 года (расширенная редакция)"
)
DISTRICTS = (
    ("19638000", "sokolsky", "Сокольский муниципальный район"),
    ("19620000", "vologodsky", "Вологодский муниципальный район"),
    ("19632000", "mezhdurechensky", "Междуреченский муниципальный округ"),
)
START, END = 2025, 2030
# About four printed pages of text per section.
PARAGRAPHS_PER_SECTION = 11

TOWNS = ("Сокол", "Кадников", "Вологда", "Шуйское", "Майский", "Кубенское", "Молочное")
SUBJECTS = (
    "межмуниципальное сотрудничество",
    "совместный туристский маршрут",
    "система обращения с твёрдыми коммунальными отходами",
    "сеть автомобильных дорог местного значения",
    "пригородный автобусный транспорт",
    "инвестиционная площадка",
    "малое и среднее предпринимательство",
    "сельское хозяйство и переработка молока",
    "лесопромышленный комплекс",
    "кадровое обеспечение учреждений социальной сферы",
    "жилищно-коммунальное хозяйство",
    "молодёжная политика",
)
SENTENCES = (
    "В {town} {subject} остаётся одним из главных направлений, по которым районы могут "
    "добиться результата только совместными усилиями.",
    "За {year} год показатель вырос на {percent} %, однако отставание от среднего "
    "значения по области сохраняется.",
    "Анализ статистических данных за последние пять лет показывает устойчивую тенденцию к "
    "сокращению численности населения трудоспособного возраста.",
    "Участники стратегии договорились о единых требованиях к планированию, финансированию и "
    "мониторингу мероприятий, затрагивающих территорию двух и более муниципальных "
    "образований.",
    "Для реализации проекта предусмотрено привлечение средств областного бюджета и "
    "внебюджетных источников в объёме до {number} тыс. рублей.",
    "Основным ограничением развития является недостаточная транспортная связанность "
    "населённых пунктов, удалённых от административного центра.",
    "Опыт {town} показывает, что {subject} даёт наибольший эффект при участии местных "
    "предпринимателей и общественных организаций.",
    "Ожидается, что к {year} году доля населения, удовлетворённого качеством услуг, "
    "достигнет {percent} %.",
    "Межмуниципальная рабочая группа ежеквартально рассматривает ход реализации мероприятий "
    "и при необходимости вносит предложения о корректировке плана.",
    "Органы местного самоуправления обеспечивают открытость информации о реализации "
    "стратегии, в том числе путём размещения ежегодного отчёта на официальных сайтах.",
    "Существенным резервом является использование земельных участков и объектов "
    "недвижимости, находящихся в муниципальной собственности и не вовлечённых в оборот.",
    "По итогам опроса руководителей органов местного самоуправления {percent} % "
    "респондентов назвали нехватку собственных доходов главной причиной отказа от "
    "совместных проектов.",
    "Реализация мероприятия позволит создать не менее {small} новых рабочих мест и "
    "увеличить налоговые поступления в местные бюджеты.",
    "Вместе с тем {subject} требует согласованных решений о распределении расходов между "
    "бюджетами участников.",
    "Протяжённость автомобильных дорог местного значения, не отвечающих нормативным "
    "требованиям, составляет {small} км, из них на межмуниципальных участках — {tiny} км.",
    "С {year} года действует соглашение о передаче части полномочий, которое определяет "
    "порядок взаимодействия и ответственность сторон.",
)
HEADINGS = (
    "Общая характеристика",
    "Демографическая ситуация",
    "Экономика и занятость",
    "Инфраструктура",
    "Социальная сфера",
    "Основные проблемы",
    "Выводы",
)
ACTIONS = (
    "Строительство",
    "Капитальный ремонт",
    "Разработка проектно-сметной документации на",
    "Модернизация",
    "Создание",
    "Благоустройство",
    "Приобретение оборудования для",
)
OBJECTS = (
    "межмуниципальной автомобильной дороги",
    "площадки накопления твёрдых коммунальных отходов",
    "туристско-информационного центра",
    "пригородного автобусного маршрута",
    "спортивной площадки в сельском поселении",
    "водопроводных сетей",
    "причала для прогулочных судов",
    "инвестиционной площадки",
)
RESULTS = (
    "Объект введён в эксплуатацию, обслуживает жителей двух районов.",
    "Сокращено время в пути до районного центра на 15 минут.",
    "Создано не менее 10 рабочих мест.",
    "Доля обработанных отходов выросла на 5 процентных пунктов.",
    "Туристский поток увеличен на 2 тыс. человек в год.",
)
UNITS = ("чел.", "%", "тыс. руб.", "км", "ед.", "тыс. чел.", "руб.")
SOURCES = ("federal", "regional", "municipal", "extra")


def _grouped(number: int) -> str:
    """12 345 as Russian text writes it, with a no-break space."""
    return f"{number:,}".replace(",", "\u00a0")


def _sentence(rng: random.Random) -> str:
    return rng.choice(SENTENCES).format(
        town=rng.choice(TOWNS),
        subject=rng.choice(SUBJECTS),
        year=rng.randint(2019, 2030),
        percent=rng.randint(3, 95),
        number=_grouped(rng.randint(1, 900) * 100),
        small=rng.randint(12, 480),
        tiny=rng.randint(2, 40),
    )


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(4, 7)))


def section_text(rng: random.Random, paragraphs: int = PARAGRAPHS_PER_SECTION) -> str:
    """A section body: subheadings, paragraphs, a list and a table."""
    parts: list[str] = []
    for index in range(paragraphs):
        if index % 6 == 0:
            parts.append(f"<h3>{HEADINGS[(index // 6) % len(HEADINGS)]}</h3>")
        parts.append(f"<p>{_paragraph(rng)}</p>")
        if index == paragraphs // 2:
            items = "".join(f"<li>{_sentence(rng)}</li>" for _ in range(4))
            parts.append(f"<ul>{items}</ul>")
        if index == paragraphs // 3:
            rows = "".join(
                f"<tr><td>{name}</td>"
                + "".join(f"<td>{_grouped(rng.randint(1000, 99000))}</td>" for _ in range(3))
                + "</tr>"
                for _oktmo, _slug, name in DISTRICTS
            )
            parts.append(
                "<table><caption>Основные показатели участников</caption><thead><tr>"
                "<th>Участник</th><th>2022</th><th>2023</th><th>2024</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>"
            )
    return "".join(parts)


def _people() -> tuple[list[Municipality], dict[str, Any]]:
    """The three districts and, in each, an editor; Sokolsky's coordinator leads."""
    region, _ = Region.objects.get_or_create(
        code="19", defaults={"name": "Вологодская область", "name_en": "Vologda Oblast"}
    )
    User = get_user_model()
    districts: list[Municipality] = []
    people: dict[str, Any] = {}
    for oktmo, slug, name in DISTRICTS:
        municipality = Municipality.objects.filter(oktmo=oktmo).first()
        if municipality is None:
            municipality = Municipality.objects.create(
                oktmo=oktmo,
                name=name,
                region=region,
                kind=Municipality.Kind.MUNICIPAL_DISTRICT,
            )
        districts.append(municipality)
        for role in ("editor", "coordinator") if slug == "sokolsky" else ("editor",):
            user, _ = User.objects.get_or_create(
                username=f"{role}-{slug}", defaults={"email": f"{role}-{slug}@example.org"}
            )
            Membership.objects.get_or_create(user=user, municipality=municipality, role=role)
            people[f"{role}-{slug}"] = user
    return districts, people


def _sections(strategy: Strategy, people: dict[str, Any], count: int, rng: random.Random) -> None:
    coordinator = people["coordinator-sokolsky"]
    skeleton = list(strategy.sections.order_by("position", "id"))
    for section in skeleton[count:]:
        section_delete(actor=coordinator, section_id=section.pk, version=section.version)
    for number in range(len(skeleton), count):
        section_create(
            actor=coordinator,
            strategy_id=strategy.pk,
            title=f"Межмуниципальный проект № {number - len(skeleton) + 1}: "
            f"{SUBJECTS[number % len(SUBJECTS)]}",
            kind=Section.Kind.CUSTOM,
        )
    editors = [people[f"editor-{slug}"] for _oktmo, slug, _name in DISTRICTS]
    for index, section in enumerate(strategy.sections.order_by("position", "id")):
        section_update(
            actor=editors[index % len(editors)],
            section_id=section.pk,
            version=section.version,
            body=section_text(rng),
        )


def _plan(
    strategy: Strategy,
    people: dict[str, Any],
    districts: list[Municipality],
    measures: int,
    rng: random.Random,
) -> list[int]:
    """Five goals of three objectives each, the measures spread over them; returns the
    objectives' ids."""
    editor = people["editor-sokolsky"]
    objective_ids: list[int] = []
    for g in range(5):
        goal = goal_create(
            actor=editor,
            strategy_id=strategy.pk,
            title=f"{SUBJECTS[g].capitalize()} как основа совместного развития",
            description=_sentence(rng),
        )
        for o in range(3):
            objective = objective_create(
                actor=editor,
                goal_id=goal.pk,
                title=f"Развить {SUBJECTS[(g + o + 5) % len(SUBJECTS)]} на территории участников",
            )
            objective_ids.append(objective.pk)
    for m in range(measures):
        first = rng.randint(START, END - 1)
        last = rng.randint(first, END)
        responsible = rng.sample(districts, rng.randint(1, len(districts)))
        financing = []
        for year in range(first, last + 1):
            for source in rng.sample(SOURCES, rng.randint(1, 3)):
                budgets: list[Municipality | None] = (
                    list(responsible) if source == "municipal" else [None]
                )
                for budget in budgets:
                    amount = Decimal(rng.randint(1, 500) * 100)
                    financing.append(FinancingRow(source, budget, year, amount))
        measure_create(
            actor=people[f"editor-{DISTRICTS[m % len(DISTRICTS)][1]}"],
            objective_id=objective_ids[m % len(objective_ids)],
            title=f"{rng.choice(ACTIONS)} {rng.choice(OBJECTS)} в {rng.choice(TOWNS)}",
            start_year=first,
            end_year=last,
            expected_result=rng.choice(RESULTS),
            responsible=responsible,
            financing=financing,
        )
    return objective_ids


def _targets(
    strategy: Strategy, people: dict[str, Any], objective_ids: list[int], count: int, rng: Any
) -> None:
    editor = people["editor-vologodsky"]
    for t in range(count):
        base = Decimal(rng.randint(10, 90_000))
        step = Decimal(rng.randint(1, 8)) / 100
        higher = t % 4 != 3
        factor = 1 + step if higher else 1 - step
        target_indicator_create(
            actor=editor,
            strategy_id=strategy.pk,
            name=f"Показатель {t + 1}: {SUBJECTS[t % len(SUBJECTS)]}, уровень развития",
            unit=UNITS[t % len(UNITS)],
            direction="higher" if higher else "lower",
            objective_id=objective_ids[t % len(objective_ids)],
            baseline_year=START - 1,
            baseline_value=base,
            targets={
                year: (base * factor ** (year - START + 1)).quantize(Decimal("0.01"))
                for year in range(START, END + 1)
            },
        )


def build_big_strategy(*, sections: int = 12, targets: int = 60, measures: int = 150) -> Strategy:
    rng = random.Random(20250401)  # filler text, not security
    districts, people = _people()
    strategy = strategy_create(
        actor=people["coordinator-sokolsky"],
        title=TITLE,
        start_year=START,
        end_year=END,
        participants=districts,
        summary=_paragraph(rng),
    )
    _sections(strategy, people, sections, rng)
    objective_ids = _plan(strategy, people, districts, measures, rng)
    _targets(strategy, people, objective_ids, targets, rng)
    strategy.refresh_from_db()
    return strategy
