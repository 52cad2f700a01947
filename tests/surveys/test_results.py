"""Campaign results: every number, on PostgreSQL, from responses submitted through the real
submit service (so the Answer rows are the ones production writes)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from surveys.models import Campaign
from surveys.results import campaign_results, campaign_results_live, median_of, tallies
from surveys.results import compute as results_compute
from tests.surveys.results_data import (
    make_places,
    make_survey,
    save_partially,
    submit,
)

pytestmark = pytest.mark.django_db


def _question(results, question):
    return next(q for q in results["questions"] if q["id"] == question.pk)


def _options(result):
    return {o["text"]: (o["count"], o["share"]) for o in result["options"]}


def _entry(result, dimension, key):
    return next(e for e in result["breakdowns"][dimension] if e["key"] == key)


@pytest.fixture
def places():
    return make_places()


# --- choices ---------------------------------------------------------------------------------


def test_single_choice_counts_shares_of_respondents_and_other_texts(places):
    survey = make_survey()
    submit(survey, places.sokolsky, survey.answers(single="Да"))
    submit(survey, places.sokolsky, survey.answers(single="Да"))
    submit(survey, places.cherepovets, survey.answers(single="Нет"))
    submit(survey, places.kotlas, survey.answers(single_other="Только планируем"))
    submit(survey, places.kotlas, survey.answers(scale=3))  # did not answer the choice

    results = campaign_results(campaign=survey.campaign)
    single = _question(results, survey.single)

    assert results["respondents"] == 5
    assert single["answered"] == 4
    assert _options(single) == {
        "Да": (2, 2 / 5),
        "Нет": (1, 1 / 5),
        "Затрудняюсь ответить": (0, 0.0),
    }
    assert [o["id"] for o in single["options"]] == [
        survey.option(survey.single, t) for t in ("Да", "Нет", "Затрудняюсь ответить")
    ]
    assert (single["other_count"], single["other_share"]) == (1, 1 / 5)
    assert single["other_texts"] == ["Только планируем"]
    assert single["other_texts_total"] == 1


def test_multiple_choice_counts_each_option_and_shares_are_of_all_respondents(places):
    survey = make_survey()
    projects, council = "Совместные проекты", "Совет муниципальных образований"
    submit(survey, places.sokolsky, survey.answers(multiple=(projects, council)))
    submit(survey, places.sokolsky, survey.answers(multiple=(projects, council)))
    submit(survey, places.cherepovets, survey.answers(multiple=(projects,)))
    submit(survey, places.kotlas, survey.answers(multiple_other="Ассоциация городов"))
    submit(survey, places.kotlas, survey.answers(single="Нет"))  # skipped the question

    multiple = _question(campaign_results(campaign=survey.campaign), survey.multiple)

    assert _options(multiple) == {
        "Соглашения о передаче полномочий": (0, 0.0),
        council: (2, 2 / 5),
        projects: (3, 3 / 5),
    }
    assert sum(o["share"] for o in multiple["options"]) == pytest.approx(1.0)
    # The one who wrote only an "other" answer answered the question too.
    assert multiple["answered"] == 4
    assert multiple["other_count"] == 1
    assert multiple["other_texts"] == ["Ассоциация городов"]


def test_shares_of_a_multiple_choice_can_add_up_to_more_than_one(places):
    survey = make_survey()
    everything = (
        "Соглашения о передаче полномочий",
        "Совет муниципальных образований",
        "Совместные проекты",
    )
    submit(survey, places.sokolsky, survey.answers(multiple=everything))
    submit(survey, places.sokolsky, survey.answers(multiple=everything[:2]))

    multiple = _question(campaign_results(campaign=survey.campaign), survey.multiple)

    assert [o["share"] for o in multiple["options"]] == [1.0, 1.0, 0.5]
    assert multiple["answered"] == 2


# --- numbers ---------------------------------------------------------------------------------


def test_scale_mean_median_and_distribution_of_an_odd_count(places):
    survey = make_survey()
    for value in (1, 2, 5):
        submit(survey, places.sokolsky, survey.answers(scale=value))

    scale = _question(campaign_results(campaign=survey.campaign), survey.scale)

    assert scale["answered"] == 3
    assert scale["mean"] == pytest.approx(8 / 3)
    assert scale["median"] == 2
    assert scale["distribution"] == [
        {"value": 1, "count": 1},
        {"value": 2, "count": 1},
        {"value": 3, "count": 0},
        {"value": 4, "count": 0},
        {"value": 5, "count": 1},
    ]
    assert scale["scale"]["min_label"] == "совсем не готовы"
    assert scale["options"] == []


def test_scale_median_of_an_even_count_is_the_mean_of_the_middle_two(places):
    survey = make_survey()
    for value in (1, 2, 4, 5, 5, 5):
        submit(survey, places.sokolsky, survey.answers(scale=value))

    scale = _question(campaign_results(campaign=survey.campaign), survey.scale)

    assert scale["mean"] == pytest.approx(22 / 6)
    assert scale["median"] == 4.5  # (4 + 5) / 2


def test_number_mean_median_bounds_and_distribution(places):
    survey = make_survey()
    for value in (-3, 12.5, 100, 0, 12.5):
        submit(survey, places.sokolsky, survey.answers(number=value))

    number = _question(campaign_results(campaign=survey.campaign), survey.number)

    assert number["answered"] == 5
    assert number["mean"] == pytest.approx(122 / 5)
    assert number["median"] == 12.5
    assert (number["min"], number["max"]) == (-3, 100)
    assert number["distribution"] == [
        {"value": -3, "count": 1},
        {"value": 0, "count": 1},
        {"value": 12.5, "count": 2},
        {"value": 100, "count": 1},
    ]


def test_number_median_of_an_even_count(places):
    survey = make_survey()
    for value in (10, 1, 3.5, 2):
        submit(survey, places.sokolsky, survey.answers(number=value))

    number = _question(campaign_results(campaign=survey.campaign), survey.number)

    assert number["median"] == 2.75  # (2 + 3.5) / 2
    assert number["mean"] == pytest.approx(16.5 / 4)


def test_matrix_rows_have_their_own_mean_median_and_distribution(places):
    survey = make_survey()
    submit(survey, places.sokolsky, survey.answers(matrix={"Дороги": 2, "Туризм": 5}))
    submit(survey, places.sokolsky, survey.answers(matrix={"Дороги": 4}))
    submit(survey, places.sokolsky, survey.answers(matrix={"Дороги": 5, "Туризм": 1}))
    submit(survey, places.sokolsky, survey.answers(scale=3))

    matrix = _question(campaign_results(campaign=survey.campaign), survey.matrix)

    assert matrix["answered"] == 3
    roads, tourism = matrix["rows"]
    assert (roads["text"], roads["answered"], roads["median"]) == ("Дороги", 3, 4)
    assert roads["mean"] == pytest.approx(11 / 3)
    assert [d["count"] for d in roads["distribution"]] == [0, 1, 0, 1, 1]
    assert (tourism["answered"], tourism["mean"], tourism["median"]) == (2, 3.0, 3)


def test_median_of_counts():
    assert median_of([]) is None
    assert median_of([(Decimal(3), 1)]) == 3
    assert median_of([(Decimal(1), 2), (Decimal(5), 2)]) == 3
    assert median_of([(Decimal(5), 1), (Decimal(1), 3)]) == 1
    assert median_of([(Decimal(1), 1), (Decimal(2), 0), (Decimal(4), 2)]) == 4
    assert median_of([(Decimal("0.5"), 1), (Decimal("1.5"), 1)]) == 1


# --- texts -----------------------------------------------------------------------------------


def test_texts_newest_first_without_names_and_only_of_submitted_responses(places):
    survey = make_survey(anonymous=False)
    submit(survey, places.sokolsky, survey.answers(long="Первый"), name="Петров Пётр")
    submit(survey, places.sokolsky, survey.answers(long="Второй", short="глава"))
    save_partially(survey, places.sokolsky, survey.answers(long="Черновик"))
    submit(survey, places.kotlas, survey.answers(long="Третий"))

    results = campaign_results(campaign=survey.campaign)
    long, short = _question(results, survey.long), _question(results, survey.short)

    assert long["texts"] == ["Третий", "Второй", "Первый"]
    assert (long["texts_total"], long["answered"]) == (3, 3)
    assert short["texts"] == ["глава"]
    assert "Петров" not in str(results)
    assert results["respondents"] == 3


def test_texts_are_capped_and_the_total_says_how_many_there_are(places, monkeypatch):
    monkeypatch.setattr(results_compute, "TEXTS_LIMIT", 2)
    survey = make_survey()
    for text in ("один", "два", "три"):
        submit(survey, places.sokolsky, survey.answers(long=text, single_other=f"иное {text}"))

    results = campaign_results(campaign=survey.campaign)
    long, single = _question(results, survey.long), _question(results, survey.single)

    assert (long["texts"], long["texts_total"]) == (["три", "два"], 3)
    assert (single["other_texts"], single["other_texts_total"]) == (["иное три", "иное два"], 3)


# --- response rates --------------------------------------------------------------------------


def test_response_rate_overall_and_per_municipality(places):
    survey = make_survey(municipalities=[places.kirillov])
    submit(survey, places.sokolsky, survey.answers(scale=3))
    submit(survey, places.sokolsky, survey.answers(scale=4))
    save_partially(survey, places.sokolsky, survey.answers(scale=1))  # not submitted
    save_partially(survey, places.cherepovets, survey.answers(scale=1))

    results = campaign_results(campaign=survey.campaign)

    assert (results["respondents"], results["invited"]) == (2, 4)
    assert results["response_rate"] == 0.5
    assert results["municipalities"] == [
        # Ordered by OKTMO; Kirillov is a target without invitations yet.
        {
            "oktmo": "19628000",
            "name": "Кирилловский муниципальный округ",
            "invited": 0,
            "respondents": 0,
            "response_rate": None,
        },
        {
            "oktmo": "19638000",
            "name": "Сокольский муниципальный округ",
            "invited": 3,
            "respondents": 2,
            "response_rate": 2 / 3,
        },
        {
            "oktmo": "19730000",
            "name": "Город Череповец",
            "invited": 1,
            "respondents": 0,
            "response_rate": 0.0,
        },
    ]


def test_a_campaign_without_responses(places):
    survey = make_survey(status=Campaign.Status.DRAFT)

    results = campaign_results(campaign=survey.campaign)

    assert (results["respondents"], results["invited"], results["response_rate"]) == (0, 0, None)
    single, scale = _question(results, survey.single), _question(results, survey.scale)
    assert single["answered"] == 0
    assert all((o["count"], o["share"]) == (0, 0.0) for o in single["options"])
    assert (scale["mean"], scale["median"]) == (None, None)
    assert single["breakdowns"] == {"kind": [], "size_class": [], "region": []}


# --- breakdowns ------------------------------------------------------------------------------


def test_breakdown_by_kind_size_class_and_region_in_a_named_campaign(places):
    survey = make_survey(anonymous=False)
    submit(survey, places.sokolsky, survey.answers(single="Да", scale=5))
    submit(survey, places.kirillov, survey.answers(single="Нет", scale=2))
    submit(survey, places.cherepovets, survey.answers(single="Да", scale=4))
    submit(survey, places.kotlas, survey.answers(single_other="иное", scale=1))

    results = campaign_results(campaign=survey.campaign)
    single, scale = _question(results, survey.single), _question(results, survey.scale)
    yes, no = survey.option(survey.single, "Да"), survey.option(survey.single, "Нет")

    assert results["suppression_threshold"] is None
    # Kind: Sokolsky and Kirillov are districts, Cherepovets and Kotlas urban okrugs.
    assert [e["key"] for e in single["breakdowns"]["kind"]] == [
        "urban_okrug",
        "municipal_district",
    ]
    districts = _entry(single, "kind", "municipal_district")
    assert districts["suppressed"] is False
    assert districts["respondents"] == 2
    assert districts["label"] == str(places.sokolsky.get_kind_display())
    counts = {o["id"]: (o["count"], o["share"]) for o in districts["options"]}
    assert counts[yes] == (1, 0.5)
    assert counts[no] == (1, 0.5)
    okrugs = _entry(single, "kind", "urban_okrug")
    assert okrugs["respondents"] == 2
    assert (okrugs["other_count"], okrugs["other_share"]) == (1, 0.5)
    # Size class of the main town: Sokol (35k) and Kotlas (60k) and Cherepovets (300k);
    # Kirillov has no main town.
    assert [e["key"] for e in scale["breakdowns"]["size_class"]] == ["small", "medium", "large", ""]
    assert _entry(scale, "size_class", "small")["mean"] == 5
    assert _entry(scale, "size_class", "")["mean"] == 2
    assert _entry(scale, "size_class", "")["respondents"] == 1
    # Region: codes, with names as labels.
    vologda = _entry(scale, "region", "19")
    assert (vologda["label"], vologda["respondents"]) == ("Вологодская область", 3)
    assert vologda["mean"] == pytest.approx(11 / 3)
    assert _entry(scale, "region", "11")["mean"] == 1


def test_breakdowns_of_multiple_choice_and_matrix_count_respondents_not_rows(places):
    survey = make_survey(anonymous=False)
    both = ("Совместные проекты", "Совет муниципальных образований")
    submit(
        survey, places.sokolsky, survey.answers(multiple=both, matrix={"Дороги": 2, "Туризм": 4})
    )
    submit(survey, places.kirillov, survey.answers(multiple=both[:1], matrix={"Дороги": 4}))

    results = campaign_results(campaign=survey.campaign)
    districts = _entry(_question(results, survey.multiple), "kind", "municipal_district")
    matrix = _entry(_question(results, survey.matrix), "kind", "municipal_district")

    assert districts["respondents"] == 2
    shares = {o["id"]: o["share"] for o in districts["options"]}
    assert shares[survey.option(survey.multiple, both[0])] == 1.0
    assert shares[survey.option(survey.multiple, both[1])] == 0.5
    assert matrix["respondents"] == 2
    assert matrix["rows"] == [
        {"id": survey.row("Дороги"), "mean": 3.0},
        {"id": survey.row("Туризм"), "mean": 4.0},
    ]


def test_anonymous_campaign_suppresses_cells_of_fewer_than_three_respondents(places):
    survey = make_survey(anonymous=True)
    for _ in range(3):
        submit(
            survey,
            places.sokolsky,
            survey.answers(single="Да", scale=4, multiple=("Совместные проекты",)),
        )
    submit(survey, places.cherepovets, survey.answers(single="Нет", scale=1))
    submit(survey, places.kotlas, survey.answers(single="Нет", scale=2))

    results = campaign_results(campaign=survey.campaign)
    single = _question(results, survey.single)

    assert results["suppression_threshold"] == 3
    districts = _entry(single, "kind", "municipal_district")
    assert districts["suppressed"] is False
    assert districts["respondents"] == 3
    okrugs = _entry(single, "kind", "urban_okrug")  # Cherepovets and Kotlas: two
    assert okrugs == {"key": "urban_okrug", "label": okrugs["label"], "suppressed": True}
    # Every group of one respondent is hidden, whatever the dimension.
    scale = _question(results, survey.scale)
    assert _entry(scale, "size_class", "large") == {
        "key": "large",
        "label": _entry(scale, "size_class", "large")["label"],
        "suppressed": True,
    }
    assert _entry(scale, "region", "11")["suppressed"] is True
    assert _entry(scale, "region", "19") | {"mean": None} == {
        "key": "19",
        "label": "Вологодская область",
        "suppressed": False,
        "respondents": 4,
        "mean": None,
    }
    # The overall numbers are not suppressed.
    assert _options(single)["Нет"] == (2, 2 / 5)


def test_a_group_is_suppressed_per_question_by_those_who_answered_it(places):
    survey = make_survey(anonymous=True)
    submit(survey, places.sokolsky, survey.answers(single="Да", scale=4))
    submit(survey, places.sokolsky, survey.answers(single="Да", scale=5))
    submit(survey, places.sokolsky, survey.answers(single="Нет"))

    results = campaign_results(campaign=survey.campaign)

    assert (
        _entry(_question(results, survey.single), "kind", "municipal_district")["suppressed"]
        is False
    )
    # Three respondents in the group, but only two answered the scale.
    assert _entry(_question(results, survey.scale), "kind", "municipal_district") == {
        "key": "municipal_district",
        "label": str(places.sokolsky.get_kind_display()),
        "suppressed": True,
    }


def test_a_named_campaign_shows_groups_of_one(places):
    survey = make_survey(anonymous=False)
    submit(survey, places.kotlas, survey.answers(single="Да"))

    single = _question(campaign_results(campaign=survey.campaign), survey.single)

    kotlas = _entry(single, "region", "11")
    assert kotlas["suppressed"] is False
    assert kotlas["respondents"] == 1


def test_without_breakdowns(places):
    survey = make_survey()
    submit(survey, places.sokolsky, survey.answers(single="Да", multiple=("Совместные проекты",)))

    results = campaign_results(campaign=survey.campaign, breakdown=False)

    assert all("breakdowns" not in q for q in results["questions"])
    assert _question(results, survey.multiple)["answered"] == 1


def _everything(survey, places):
    submit(
        survey,
        places.sokolsky,
        survey.answers(
            single="Да",
            multiple=("Совместные проекты", "Совет муниципальных образований"),
            multiple_other="иное",
            scale=4,
            number=12.5,
            short="глава",
            long="Нужны деньги.",
            matrix={"Дороги": 3, "Туризм": 5},
        ),
    )
    submit(
        survey,
        places.cherepovets,
        survey.answers(single_other="нет данных", scale=2, number=-3, matrix={"Дороги": 1}),
    )
    submit(survey, places.kirillov, survey.answers(single="Нет", multiple=("Совместные проекты",)))
    submit(survey, places.kotlas, survey.answers(scale=5, number=0, long="Всё хорошо."))


@pytest.mark.parametrize("anonymous", [True, False])
def test_the_portable_queries_give_the_same_results_as_postgresql(places, monkeypatch, anonymous):
    """The demo runs on SQLite, where results are computed without GROUPING SETS."""
    survey = make_survey(anonymous=anonymous)
    _everything(survey, places)

    on_postgresql = campaign_results(campaign=survey.campaign)
    monkeypatch.setattr(tallies, "postgresql", lambda: False)
    portable = campaign_results(campaign=survey.campaign)

    assert portable == on_postgresql
    assert on_postgresql["respondents"] == 4


# --- cost ------------------------------------------------------------------------------------


def _queries(campaign):
    with CaptureQueriesContext(connection) as context:
        campaign_results(campaign=campaign)
    return len(context.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_responses(
    places, django_assert_max_num_queries
):
    small, large = make_survey(), make_survey()
    districts = [places.sokolsky, places.kirillov, places.cherepovets, places.kotlas]
    for n in range(10):
        submit(
            small,
            districts[n % 4],
            small.answers(
                single="Да",
                multiple=("Совместные проекты",),
                scale=n % 5 + 1,
                long=f"текст {n}",
                matrix={"Дороги": 2},
            ),
        )
    for n in range(200):
        submit(
            large,
            districts[n % 4],
            large.answers(
                single="Нет",
                multiple=("Совместные проекты",),
                scale=n % 5 + 1,
                long=f"текст {n}",
                matrix={"Дороги": 2},
            ),
        )

    assert _queries(small.campaign) == _queries(large.campaign)
    with django_assert_max_num_queries(10):
        results = campaign_results(campaign=large.campaign)
    assert results["respondents"] == 200


# --- live results ----------------------------------------------------------------------------


def test_live_results_are_reused_until_something_changes(places, django_assert_max_num_queries):
    survey = make_survey()
    submit(survey, places.sokolsky, survey.answers(single="Да"))
    first, fingerprint = campaign_results_live(campaign=survey.campaign)

    with django_assert_max_num_queries(1):
        again, same = campaign_results_live(campaign=survey.campaign)
    assert (again, same) == (first, fingerprint)

    submit(survey, places.sokolsky, survey.answers(single="Нет"))
    changed, new = campaign_results_live(campaign=survey.campaign)
    assert new != fingerprint
    assert changed["respondents"] == 2

    save_partially(survey, places.kotlas, survey.answers(single="Да"))
    invited, newer = campaign_results_live(campaign=survey.campaign)
    assert newer != new
    assert (invited["invited"], invited["respondents"]) == (3, 2)
