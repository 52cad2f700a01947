"""The running tallies that results are read from: what one submit adds; that results read
from them always equal results recomputed from the Answer rows (the Answer-based computation
results used before the tallies, kept here as the oracle); the migration that makes them for
answers submitted before it; concurrent submits; and the same upsert on SQLite (the demo)."""

import importlib
import random
import threading
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, F, Sum, Window
from django.db.models.functions import RowNumber
from django.db.utils import ConnectionHandler

from municipalities.models import Municipality
from surveys.models import Answer, AnswerTally, Response
from surveys.results import campaign_results, tallies
from surveys.results.tallies import CountRow, RespondentRow, Tallies, TextRow
from surveys.services import tallies as tally_service
from surveys.services.responses import response_save
from surveys.services.tallies import (
    RespondentGroup,
    TallyCell,
    respondent_group,
    response_tally,
    tally_add,
)
from tests.surveys.results_data import (
    MATRIX_ROWS,
    MULTIPLE_OPTIONS,
    SINGLE_OPTIONS,
    Places,
    Survey,
    invite,
    make_places,
    make_survey,
    save_partially,
    submit,
)

pytestmark = pytest.mark.django_db

DIMENSIONS = ("kind", "size_class", "region")


# --- the oracle: the numbers straight from the Answer rows -----------------------------------

_ANSWER_PATHS = {
    "kind": "response__invitation__municipality__kind",
    "size_class": "response__invitation__municipality__main_town__size_class",
    "region": "response__invitation__municipality__region__code",
}


def _key(value: Any) -> str:
    return "" if value is None else str(value)


def _cell(row: dict[str, Any]) -> tuple[int, int | None, int | None, bool]:
    return row["question_id"], row["option_id"], row["row_id"], row["is_other"]


def answer_tallies(*, campaign_id: int, breakdown: bool) -> Tallies:
    """What ``tallies.campaign_tallies`` reads, computed from the Answer rows with GROUP BYs
    over answer → response → invitation → municipality (the registry as it is now)."""
    answers = Answer.objects.filter(campaign_id=campaign_id).order_by()
    cell = ("question_id", "option_id", "row_id", "is_other")
    values: tallies.Values = defaultdict(dict)
    counts = []
    for row in answers.values(*cell, "number").annotate(count=Count("id")):
        if row["number"] is not None:
            scaled = int(row["number"] * tallies.VALUE_SCALE)
            values[(row["question_id"], row["row_id"])][scaled] = row["count"]
        else:
            counts.append(CountRow("", "", *_cell(row), row["count"], None))
    respondents = [
        RespondentRow("", "", row["question_id"], row["count"])
        for row in answers.values("question_id").annotate(count=Count("response", distinct=True))
    ]
    for dimension in DIMENSIONS if breakdown else ():
        path = F(_ANSWER_PATHS[dimension])
        counts += [
            CountRow(dimension, _key(row["key"]), *_cell(row), row["count"], row["total"])
            for row in answers.values(*cell, key=path).annotate(
                count=Count("id"), total=Sum("number")
            )
        ]
        respondents += [
            RespondentRow(dimension, _key(row["key"]), row["question_id"], row["count"])
            for row in answers.values("question_id", key=path).annotate(
                count=Count("response", distinct=True)
            )
        ]
    municipalities = dict(
        Response.objects.filter(campaign_id=campaign_id, status=Response.Status.SUBMITTED)
        .order_by()
        .values("invitation__municipality")
        .annotate(count=Count("id"))
        .values_list("invitation__municipality", "count")
    )
    return Tallies(counts, dict(values), respondents, municipalities)


def answer_texts(*, campaign_id: int, question_ids: Any, limit: int) -> list[TextRow]:
    """The newest texts by submission time, as results listed them before the tallies."""
    partition = [F("question_id"), F("is_other")]
    ranked = (
        Answer.objects.filter(campaign_id=campaign_id, question_id__in=list(question_ids))
        .exclude(text="")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=partition,
                order_by=[F("response__submitted_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=limit)
        .order_by("question_id", "is_other", "rank")
        .values_list("question_id", "is_other", "text")
    )
    return [TextRow(*row) for row in ranked]


def _normalised(t: Tallies) -> dict[str, Any]:
    """Tallies as comparable data: order of rows does not matter."""

    def order(values: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple((value is None, value) for value in values)

    return {
        "counts": sorted((vars_of(r) for r in t.counts), key=order),
        "values": t.values,
        "respondents": sorted((vars_of(r) for r in t.respondents), key=order),
        "municipalities": t.municipalities,
    }


def vars_of(row: Any) -> tuple[Any, ...]:
    return tuple(getattr(row, name) for name in row.__slots__)


def oracle_results(campaign, monkeypatch, **kwargs):
    with monkeypatch.context() as patched:
        patched.setattr(tallies, "campaign_tallies", answer_tallies)
        patched.setattr(tallies, "text_rows", answer_texts)
        return campaign_results(campaign=campaign, **kwargs)


# --- random answers through the service ------------------------------------------------------


def random_answers(survey: Survey, rng: random.Random) -> dict[str, Any]:
    def maybe(probability: float = 0.75) -> bool:
        return rng.random() < probability

    fields: dict[str, Any] = {}
    if maybe():
        if maybe(0.8):
            fields["single"] = rng.choice(SINGLE_OPTIONS)
        else:
            fields["single_other"] = rng.choice(("иное", "нет данных", "=1+1"))
    if maybe():
        fields["multiple"] = tuple(o for o in MULTIPLE_OPTIONS if maybe(0.5))
        if maybe(0.2) or not fields["multiple"]:
            fields["multiple_other"] = rng.choice(("ассоциация", "союз городов"))
    if maybe():
        fields["scale"] = rng.randint(1, 5)
    if maybe():
        fields["number"] = rng.choice((rng.randint(-5, 20), round(rng.uniform(-100, 1000), 2)))
    if maybe(0.5):
        fields["short"] = rng.choice(("глава", "заместитель главы", "специалист"))
    if maybe(0.5):
        fields["long"] = f"Комментарий {rng.randint(1, 10_000)}"
    if maybe():
        fields["matrix"] = {row: rng.randint(1, 5) for row in MATRIX_ROWS if maybe(0.7)}
    return survey.answers(**fields)


def fill(survey: Survey, places: Places, *, seed: int, respondents: int = 40) -> None:
    """Random respondents of the four places — Sokolsky often, Kotlas rarely, so that some
    breakdown groups are small — and a few who only saved."""
    rng = random.Random(seed)
    weighted = [places.sokolsky] * 6 + [places.cherepovets] * 3 + [places.kirillov] * 2
    weighted += [places.kotlas]
    for _ in range(respondents):
        submit(survey, rng.choice(weighted), random_answers(survey, rng))
    submit(survey, places.kirillov, {})  # a respondent who answered nothing at all
    for _ in range(3):
        save_partially(survey, rng.choice(weighted), random_answers(survey, rng))


@pytest.mark.parametrize(("anonymous", "seed"), [(True, 1), (False, 2), (True, 3)])
def test_results_from_the_tallies_equal_results_from_the_answer_rows(monkeypatch, anonymous, seed):
    places = make_places()
    survey = make_survey(anonymous=anonymous)
    fill(survey, places, seed=seed)

    assert _normalised(
        tallies.campaign_tallies(campaign_id=survey.campaign.pk, breakdown=True)
    ) == _normalised(answer_tallies(campaign_id=survey.campaign.pk, breakdown=True))
    results = campaign_results(campaign=survey.campaign)
    assert results == oracle_results(survey.campaign, monkeypatch)
    assert campaign_results(campaign=survey.campaign, breakdown=False) == oracle_results(
        survey.campaign, monkeypatch, breakdown=False
    )

    # The data reaches every rule: respondents, texts, means, and (anonymous) suppression.
    assert results["respondents"] == 41
    number = next(q for q in results["questions"] if q["id"] == survey.number.pk)
    assert number["answered"] > 10
    assert number["median"] is not None
    long = next(q for q in results["questions"] if q["id"] == survey.long.pk)
    assert long["texts_total"] == len(long["texts"]) > 5
    entries = [
        entry
        for question in results["questions"]
        for cells in question.get("breakdowns", {}).values()
        for entry in cells
    ]
    suppressed = [entry["suppressed"] for entry in entries]
    assert (True in suppressed) is anonymous
    assert False in suppressed


def test_texts_are_the_newest_whichever_way_they_are_read(monkeypatch):
    places = make_places()
    survey = make_survey()
    fill(survey, places, seed=4, respondents=25)
    ids = [survey.long.pk, survey.short.pk, survey.single.pk, survey.multiple.pk]

    expected = answer_texts(campaign_id=survey.campaign.pk, question_ids=ids, limit=3)
    assert tallies.text_rows(campaign_id=survey.campaign.pk, question_ids=ids, limit=3) == (
        expected
    )
    monkeypatch.setattr(tallies, "postgresql", lambda: False)
    assert tallies.text_rows(campaign_id=survey.campaign.pk, question_ids=ids, limit=3) == (
        expected
    )
    listed = defaultdict(int)
    for row in expected:
        listed[(row.question_id, row.is_other)] += 1
    assert set(listed) == {
        (survey.long.pk, False),
        (survey.short.pk, False),
        (survey.single.pk, True),
        (survey.multiple.pk, True),
    }
    assert max(listed.values()) == 3


def test_numbers_of_every_size_come_out_exactly_as_their_decimals_say():
    """Values are read as integers of ten-thousandths, the biggest as decimals."""
    places = make_places()
    survey = make_survey()
    numbers = [
        Decimal("-9999999999999999.9999"),
        Decimal("0.0001"),
        Decimal("123456789012345.6789"),
        Decimal("899999999999999.9999"),
        Decimal("900000000000000"),
        Decimal("9876543210987654.5"),
    ]
    tally: dict[Any, TallyCell] = {}
    for number in numbers:
        answer = SimpleNamespace(
            question_id=survey.number.pk, option_id=None, row_id=None, number=number, is_other=False
        )
        response_tally([answer], respondent_group(places.sokolsky), into=tally)
    tally_add(campaign_id=survey.campaign.pk, tally=tally)

    result = next(
        q
        for q in campaign_results(campaign=survey.campaign)["questions"]
        if q["id"] == survey.number.pk
    )

    def printed(value: Decimal) -> int | float:
        return int(value) if value == value.to_integral_value() else float(value)

    assert result["distribution"] == [{"value": printed(n), "count": 1} for n in numbers]
    assert (result["min"], result["max"]) == (printed(numbers[0]), printed(numbers[-1]))
    assert result["mean"] == float(sum(numbers) / len(numbers))
    assert result["median"] == printed((numbers[2] + numbers[3]) / 2)
    assert result["answered"] == len(numbers)


# --- what one submit adds --------------------------------------------------------------------


def test_a_response_adds_its_cells_overall_and_in_each_of_its_groups() -> None:
    group = RespondentGroup(municipality_id=7, kind="urban_okrug", size_class="", region="19")
    answers = [
        SimpleNamespace(question_id=1, option_id=11, row_id=None, number=None, is_other=False),
        SimpleNamespace(question_id=2, option_id=21, row_id=None, number=None, is_other=False),
        SimpleNamespace(question_id=2, option_id=22, row_id=None, number=None, is_other=False),
        SimpleNamespace(question_id=2, option_id=None, row_id=None, number=None, is_other=True),
        SimpleNamespace(question_id=3, option_id=None, row_id=5, number=Decimal(4), is_other=False),
        SimpleNamespace(
            question_id=4, option_id=None, row_id=None, number=Decimal("2.5"), is_other=False
        ),
    ]

    tally = response_tally(answers, group)

    groups = [("", ""), ("kind", "urban_okrug"), ("size_class", ""), ("region", "19")]
    expected: dict[Any, TallyCell] = {}
    for dimension, key in groups:
        overall = dimension == ""
        expected |= {
            ("answers", dimension, key, 1, 11, None, None, False): TallyCell(1, None),
            ("answers", dimension, key, 2, 21, None, None, False): TallyCell(1, None),
            ("answers", dimension, key, 2, 22, None, None, False): TallyCell(1, None),
            ("answers", dimension, key, 2, None, None, None, True): TallyCell(1, None),
            ("answers", dimension, key, 3, None, 5, Decimal(4) if overall else None, False): (
                TallyCell(1, Decimal(4))
            ),
            (
                "answers",
                dimension,
                key,
                4,
                None,
                None,
                Decimal("2.5") if overall else None,
                False,
            ): TallyCell(1, Decimal("2.5")),
        }
        expected |= {
            ("respondents", dimension, key, question, None, None, None, False): TallyCell(1)
            for question in (1, 2, 3, 4)
        }
    expected[("respondents", "municipality", "7", None, None, None, None, False)] = TallyCell(1)
    assert tally == expected

    # Summing responses: into an existing tally.
    response_tally(answers[:1], group, into=tally)
    assert tally[("answers", "", "", 1, 11, None, None, False)] == TallyCell(2, None)
    assert tally[("respondents", "municipality", "7", None, None, None, None, False)].count == 2


def test_the_submit_adds_to_the_tallies_in_its_transaction_and_partial_saves_do_not():
    places = make_places()
    survey = make_survey()
    save_partially(survey, places.sokolsky, survey.answers(single="Да"))
    assert not AnswerTally.objects.exists()

    submit(survey, places.sokolsky, survey.answers(single="Да", scale=4))
    submit(survey, places.kotlas, survey.answers(single="Да", scale=4))
    yes = survey.option(survey.single, "Да")

    cells = AnswerTally.objects.filter(campaign=survey.campaign, measure="answers")
    assert cells.get(dimension="", question_id=survey.single.pk, option_id=yes).count == 2
    scale = cells.get(dimension="", question_id=survey.scale.pk)
    assert (scale.value, scale.count, scale.total) == (4, 2, 8)
    by_region = cells.filter(dimension="region", question_id=survey.scale.pk)
    assert sorted(by_region.values_list("group_key", "value", "count", "total")) == [
        ("11", None, 1, 4),
        ("19", None, 1, 4),
    ]
    municipalities = AnswerTally.objects.filter(dimension="municipality")
    assert sorted(municipalities.values_list("group_key", "count")) == sorted(
        [(str(places.sokolsky.pk), 1), (str(places.kotlas.pk), 1)]
    )


def test_a_submit_costs_the_same_queries_for_few_answers_or_many(django_assert_num_queries):
    places = make_places()
    survey = make_survey()
    _few, few = invite(survey, places.sokolsky)
    _many, many = invite(survey, places.sokolsky)
    everything = survey.answers(
        single="Да",
        multiple=MULTIPLE_OPTIONS,
        multiple_other="иное",
        scale=3,
        number=5,
        short="глава",
        long="текст",
        matrix=dict.fromkeys(MATRIX_ROWS, 2),
    )

    with django_assert_num_queries(9):  # one of them adds to the tallies
        response_save(token=few, answers=survey.answers(scale=1), submit=True)
    with django_assert_num_queries(9):
        response_save(token=many, answers=everything, submit=True)


def test_a_later_change_of_the_registry_moves_no_answers_already_given(monkeypatch):
    places = make_places()
    survey = make_survey(anonymous=False)
    submit(survey, places.sokolsky, survey.answers(single="Да"))
    # Sokolsky becomes an urban okrug after its head answered.
    Municipality.objects.filter(pk=places.sokolsky.pk).update(kind=Municipality.Kind.URBAN_OKRUG)
    submit(survey, places.sokolsky, survey.answers(single="Нет"))

    single = next(
        q
        for q in campaign_results(campaign=survey.campaign)["questions"]
        if q["id"] == survey.single.pk
    )

    kinds = {entry["key"]: entry["respondents"] for entry in single["breakdowns"]["kind"]}
    assert kinds == {"urban_okrug": 1, "municipal_district": 1}


# --- answers submitted before the tallies ----------------------------------------------------


def test_the_migration_makes_the_tallies_that_the_submits_make():
    migration = importlib.import_module("surveys.migrations.0002_answertally")
    places = make_places()
    first, second = make_survey(), make_survey(anonymous=False)
    fill(first, places, seed=5, respondents=20)
    fill(second, places, seed=6, respondents=10)
    columns = [f.attname for f in AnswerTally._meta.concrete_fields if f.attname != "id"]
    made_by_submits = sorted(AnswerTally.objects.values_list(*columns), key=str)
    assert len(made_by_submits) > 100

    AnswerTally.objects.all().delete()
    migration.backfill_tallies(None, SimpleNamespace(connection=connection))

    assert sorted(AnswerTally.objects.values_list(*columns), key=str) == made_by_submits


# --- concurrency -----------------------------------------------------------------------------


def _at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in its own thread (own database connection), all released together."""
    start = threading.Barrier(len(calls), timeout=30)
    outcomes: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
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
@pytest.mark.parametrize("respondents", [2, 6])
def test_submits_of_one_campaign_at_once_are_all_counted(respondents):
    places = make_places()
    survey = make_survey()
    where = [places.sokolsky, places.kotlas, places.cherepovets]
    tokens = [invite(survey, where[n % len(where)])[1] for n in range(respondents)]
    # The same cells for everybody (the hottest rows), a few cells of their own.
    answers = [
        survey.answers(
            single="Да",
            multiple=MULTIPLE_OPTIONS[: n % 3 + 1],
            scale=n % 5 + 1,
            matrix={"Дороги": 3},
        )
        for n in range(respondents)
    ]

    outcomes = _at_once(
        [
            lambda token=token, given=given: response_save(token=token, answers=given, submit=True)
            for token, given in zip(tokens, answers, strict=True)
        ]
    )

    assert all(isinstance(outcome, Response) for outcome in outcomes), outcomes
    results = campaign_results(campaign=survey.campaign)
    single = next(q for q in results["questions"] if q["id"] == survey.single.pk)
    matrix = next(q for q in results["questions"] if q["id"] == survey.matrix.pk)
    assert results["respondents"] == respondents
    assert single["answered"] == respondents
    assert single["options"][0]["count"] == respondents
    assert matrix["answered"] == respondents
    assert _normalised(
        tallies.campaign_tallies(campaign_id=survey.campaign.pk, breakdown=True)
    ) == _normalised(answer_tallies(campaign_id=survey.campaign.pk, breakdown=True))


# --- SQLite ----------------------------------------------------------------------------------


def test_the_same_upsert_adds_up_on_sqlite(monkeypatch):
    """The demo runs on SQLite: the upsert must find the unique index there too (its
    conflict target repeats the index's expressions)."""
    sqlite = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
    )["default"]
    try:
        with sqlite.schema_editor() as editor:
            editor.create_model(AnswerTally)
        with sqlite.cursor() as cursor:
            # The campaign table is not made here.
            cursor.execute("PRAGMA foreign_keys = OFF")
        monkeypatch.setattr(tally_service, "connection", sqlite)
        # Several statements, as for a bulk load.
        monkeypatch.setattr(tally_service, "ROWS_PER_STATEMENT", 5)
        group = RespondentGroup(
            municipality_id=3, kind="municipal_district", size_class="", region="19"
        )
        answers = [
            SimpleNamespace(question_id=1, option_id=2, row_id=None, number=None, is_other=False),
            SimpleNamespace(
                question_id=4, option_id=None, row_id=None, number=Decimal("2.5"), is_other=False
            ),
        ]
        tally = response_tally(answers, group)

        tally_add(campaign_id=1, tally=tally)
        tally_add(campaign_id=1, tally=tally)

        with sqlite.cursor() as cursor:
            cursor.execute(
                "SELECT measure, dimension, group_key, question_id, option_id, value, count, "
                "total FROM surveys_answertally"
            )
            rows = cursor.fetchall()
    finally:
        sqlite.close()
    assert len(rows) == len(tally)
    assert all(row[6] == 2 for row in rows)
    assert ("answers", "", "", 4, None, 2.5, 2, 5) in rows
    assert ("answers", "region", "19", 4, None, None, 2, 5) in rows
    assert ("answers", "kind", "municipal_district", 1, 2, None, 2, None) in rows
