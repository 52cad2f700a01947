"""The Vologda Oblast demo: the 2021 municipal structure, the national towns, an indicator
catalogue with real population figures and generated (labelled) values, example IMC
agreements and one demo user per role. Idempotent: a second run changes nothing."""

import csv
import io
import random
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.text import slugify

from municipalities.imports.indicators import indicator_values_import
from municipalities.imports.towns import municipality_link_towns, towns_import
from municipalities.models import (
    Agreement,
    Indicator,
    IndicatorValue,
    Membership,
    Municipality,
    Region,
)
from municipalities.services import PartyInput, agreement_create, membership_grant

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO_PASSWORD = "demo12345"  # noqa: S105 - the documented demo password
DEMO_SLUGS = ("sokolsky", "vologodsky", "cherepovets")
GENERATED_SOURCE = "Сгенерировано для демонстрации, не официальные данные"
GENERATED_YEARS = range(2017, 2024)

# code, name, name_en, unit, category, direction, additive, source
CATALOGUE = [
    (
        "population",
        "Численность населения",
        "Population",
        "чел.",
        "demography",
        "higher",
        True,
        "Росстат: переписи 2010 и 2021 гг., оценки на 1 января",
    ),
    (
        "avg_wage",
        "Среднемесячная начисленная заработная плата",
        "Average monthly wage",
        "руб.",
        "economy",
        "higher",
        False,
        "Росстат, БД ПМО",
    ),
    (
        "own_revenue",
        "Собственные доходы местного бюджета",
        "Own budget revenue",
        "млн руб.",
        "budget",
        "higher",
        True,
        "Минфин России, отчёты об исполнении бюджетов",
    ),
    (
        "own_revenue_per_capita",
        "Собственные доходы бюджета на душу населения",
        "Own budget revenue per capita",
        "руб.",
        "budget",
        "higher",
        False,
        "Расчёт: собственные доходы / численность населения",
    ),
    (
        "investment_per_capita",
        "Инвестиции в основной капитал на душу населения",
        "Investment in fixed assets per capita",
        "руб.",
        "economy",
        "higher",
        False,
        "Росстат, БД ПМО",
    ),
    (
        "unemployment_rate",
        "Уровень регистрируемой безработицы",
        "Registered unemployment rate",
        "%",
        "social",
        "lower",
        False,
        "Служба занятости Вологодской области",
    ),
]

# Kinds in the 2021 file that are municipal formations; the region row is not one.
KINDS = {kind.value for kind in Municipality.Kind}


def _slug(name_en: str) -> str:
    for suffix in (" Municipal District", " Urban Okrug", " Municipal Okrug"):
        name_en = name_en.removesuffix(suffix)
    return slugify(name_en)


def load_municipalities(log: Callable[[str], None]) -> None:
    with (FIXTURES / "vologda_municipalities_2021.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    region_row = next(r for r in rows if r["kind"] == "region")
    region_values = {
        "name": region_row["name_ru"],
        "name_en": region_row["name_en"],
        "federal_district": "Северо-Западный",
    }
    region, created_region = Region.objects.get_or_create(
        code=region_row["oktmo"][:2], defaults=region_values
    )
    if not created_region and any(getattr(region, k) != v for k, v in region_values.items()):
        Region.objects.filter(pk=region.pk).update(**region_values)
    created = 0
    for row in rows:
        if row["kind"] not in KINDS:
            continue
        parent = None
        if row["parent_oktmo"] and row["parent_oktmo"] != region_row["oktmo"]:
            parent = Municipality.objects.get(oktmo=row["parent_oktmo"])
        note = ""
        if row["became_municipal_okrug"]:
            note = f"Преобразован в муниципальный округ: {row['became_municipal_okrug']}."
        if row["oktmo_basis"] != "verified":
            note = (note + f" Код ОКТМО выведен ({row['oktmo_basis']}), не проверен.").strip()
        values = {
            "name": row["name_ru"],
            "name_en": row["name_en"],
            "slug": _slug(row["name_en"]),
            "kind": row["kind"],
            "region": region,
            "parent": parent,
            "valid_from": date(2006, 1, 1),
            "note": note,
        }
        municipality = Municipality.objects.filter(oktmo=row["oktmo"]).first()
        if municipality is None:
            Municipality.objects.create(oktmo=row["oktmo"], **values)
            created += 1
        elif any(getattr(municipality, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(municipality, key, value)
            municipality.save()
    log(f"municipalities: {created} created")


def load_catalogue(log: Callable[[str], None]) -> None:
    for position, (code, name, name_en, unit, category, direction, additive, source) in enumerate(
        CATALOGUE
    ):
        values = {
            "name": name,
            "name_en": name_en,
            "unit": unit,
            "category": category,
            "direction": direction,
            "additive": additive,
            "source": source,
            "position": position,
        }
        indicator = Indicator.objects.filter(code=code).first()
        if indicator is None:
            Indicator.objects.create(code=code, **values)
        elif any(getattr(indicator, k) != v for k, v in values.items()):
            Indicator.objects.filter(pk=indicator.pk).update(**values)
    log(f"indicators: {len(CATALOGUE)} in the catalogue")


def _generated_rows() -> list[tuple[str, str, int, Decimal]]:
    """Plausible values for the indicators that have no open source per municipality. Seeded
    by OKTMO, so every run produces the same numbers."""
    rows = []
    populations: dict[str, int] = {}
    latest_first = IndicatorValue.objects.filter(indicator__code="population").order_by("year")
    for oktmo, value in latest_first.values_list("municipality__oktmo", "value"):
        populations[oktmo] = int(value)  # later years overwrite earlier ones
    for municipality in Municipality.objects.filter(region__code="19").order_by("oktmo"):
        rng = random.Random(int(municipality.oktmo))  # noqa: S311 - demo numbers, not secrets
        population = populations.get(municipality.oktmo) or rng.randint(8_000, 60_000)
        wage = rng.uniform(28_000, 42_000)
        revenue_pc = rng.uniform(6_000, 14_000)
        investment_pc = rng.uniform(15_000, 90_000)
        unemployment = rng.uniform(0.6, 2.8)
        for year in GENERATED_YEARS:
            wage *= 1 + rng.uniform(0.04, 0.12)
            revenue_pc *= 1 + rng.uniform(-0.03, 0.09)
            investment_pc *= 1 + rng.uniform(-0.15, 0.2)
            unemployment = max(0.3, unemployment + rng.uniform(-0.3, 0.2))
            rows += [
                (municipality.oktmo, "avg_wage", year, Decimal(f"{wage:.0f}")),
                (municipality.oktmo, "own_revenue_per_capita", year, Decimal(f"{revenue_pc:.0f}")),
                (
                    municipality.oktmo,
                    "own_revenue",
                    year,
                    Decimal(f"{revenue_pc * population / 1e6:.1f}"),
                ),
                (
                    municipality.oktmo,
                    "investment_per_capita",
                    year,
                    Decimal(f"{investment_pc:.0f}"),
                ),
                (municipality.oktmo, "unemployment_rate", year, Decimal(f"{unemployment:.1f}")),
            ]
    return rows


def _import(log: Callable[[str], None], name: str, content: bytes) -> None:
    report = indicator_values_import(file=io.BytesIO(content), filename=name)
    if not report.ok:
        raise RuntimeError(f"{name}: {report.errors[:5]}")
    log(f"{name}: {report.created} created, {report.updated} updated")


def load_indicator_values(log: Callable[[str], None]) -> None:
    # The region's own totals are not municipal data: the registry keeps municipalities only.
    with (FIXTURES / "vologda_population.csv").open(encoding="utf-8") as f:
        lines = [line for line in f if not line.startswith("19000000,")]
    _import(log, "vologda_population.csv", "".join(lines).encode())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["oktmo", "indicator", "year", "value", "source"])
    for oktmo, code, year, value in _generated_rows():
        writer.writerow([oktmo, code, year, value, GENERATED_SOURCE])
    _import(log, "generated.csv", out.getvalue().encode())


def load_towns(log: Callable[[str], None]) -> None:
    with (FIXTURES / "towns.csv").open("rb") as f:
        report = towns_import(file=f, filename="towns.csv")
    log(f"towns: {report.created} created, {report.rejected} rejected (see import_towns)")
    municipality_link_towns()


AGREEMENTS: list[dict[str, Any]] = [
    {
        "number": "ДЕМО-1/2021",
        "title": "Соглашение о передаче осуществления части полномочий по дорожной "
        "деятельности в отношении автомобильных дорог местного значения",
        "legal_form": Agreement.LegalForm.TRANSFER_OF_POWERS,
        "sphere": Agreement.Sphere.ROADS,
        "status": Agreement.Status.ACTIVE,
        "signed_on": date(2020, 12, 21),
        "valid_from": date(2021, 1, 1),
        "valid_to": date(2025, 12, 31),
        "budget": Decimal("12500000.00"),
        "description": "Город Сокол передаёт Сокольскому муниципальному району полномочия "
        "по содержанию и ремонту дорог с передачей межбюджетных трансфертов.",
        "parties": [("19638101", "transfers"), ("19638000", "receives")],
    },
    {
        "number": "ДЕМО-2/2022",
        "title": "Соглашение о межмуниципальном сотрудничестве в сфере туризма "
        "«Вологодское кольцо»",
        "legal_form": Agreement.LegalForm.FRAMEWORK,
        "sphere": Agreement.Sphere.TOURISM,
        "status": Agreement.Status.ACTIVE,
        "signed_on": date(2022, 3, 15),
        "valid_from": date(2022, 3, 15),
        "valid_to": date(2027, 12, 31),
        "budget": None,
        "description": "Совместные туристские маршруты, единый календарь событий и "
        "продвижение территорий Вологодского и Сокольского районов и города Вологды.",
        "parties": [("19620000", "lead"), ("19638000", "member"), ("19701000", "member")],
    },
    {
        "number": "ДЕМО-3/2024",
        "title": "Межмуниципальный проект по раздельному сбору и обработке твёрдых "
        "коммунальных отходов",
        "legal_form": Agreement.LegalForm.JOINT_PROJECT,
        "sphere": Agreement.Sphere.WASTE,
        "status": Agreement.Status.DRAFT,
        "signed_on": None,
        "valid_from": date(2025, 1, 1),
        "valid_to": date(2030, 12, 31),
        "budget": Decimal("48000000.00"),
        "description": "Проект соглашения: общая площадка сортировки для города Череповца "
        "и Череповецкого района.",
        "parties": [("19730000", "lead"), ("19656000", "member")],
    },
]


def load_agreements(log: Callable[[str], None], admin: object) -> None:
    created = 0
    for spec in AGREEMENTS:
        if Agreement.objects.filter(number=spec["number"]).exists():
            continue
        fields = {k: v for k, v in spec.items() if k != "parties"}
        parties = [
            PartyInput(Municipality.objects.get(oktmo=oktmo), role)
            for oktmo, role in spec["parties"]
        ]
        agreement_create(actor=admin, parties=parties, **fields)
        created += 1
    log(f"agreements: {created} created")


def load_users(log: Callable[[str], None]) -> object:
    User = get_user_model()
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        admin = User.objects.create_superuser("admin", "admin@jointplan.local", DEMO_PASSWORD)
    created = 0
    for slug in DEMO_SLUGS:
        municipality = Municipality.objects.get(slug=slug)
        for role in Membership.Role.values:
            username = f"{role}-{slug}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(
                    username, f"{username}@jointplan.local", DEMO_PASSWORD
                )
                created += 1
            membership_grant(actor=admin, user=user, municipality=municipality, role=role)
    log(f"users: {created} created")
    return admin


def load_registry_demo(log: Callable[[str], None]) -> None:
    load_municipalities(log)
    load_catalogue(log)
    load_indicator_values(log)
    load_towns(log)
    admin = load_users(log)
    load_agreements(log, admin)
