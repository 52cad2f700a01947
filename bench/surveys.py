"""Benchmark of survey results and the XLSX export.

    .venv/bin/python bench/surveys.py [--responses 20000 --small 5000 --municipalities 2000
                                       --repeat 5] [--database NAME] [--keep]

Uses a database of its own (``--database``, by default ``jointplan_bench_surveys``, on the
server of DATABASE_URL, dropped and created again). Builds a questionnaire of 30 questions
(12 single choice, 6 multiple choice, 6 scales, 2 matrices of 4 rows, 2 numbers, 2 texts), a
campaign over the municipalities with ``--responses`` invitations and as many submitted
responses, and a second campaign of ``--small`` responses. Each response is what a submit
leaves: the answers JSON, its flat Answer rows made by the submit service's own
``answer_rows`` (written with COPY), and its cells added to the campaign's tallies by the
submit's own ``response_tally`` and ``tally_add`` — summed over 2,000 responses at a time
before the upsert, which ends with the same rows as 2,000 submits one by one. Then, in one
run:

  (a) the full ``campaign_results`` of the big campaign (with breakdowns), best of
      ``--repeat`` runs after one warm-up;
  (b) the floor: one raw ``SELECT question, option, count(*) … GROUP BY question, option``
      over the same choices copied into a plain indexed table (response, question, option),
      timed the same way;
  (c) the XLSX export (the writer into a temporary file) of both campaigns: the time, and
      the peak of Python memory measured with tracemalloc over a second, untimed run.

Goals: (a) ≤ 1 s, a/b ≤ 3, export peak ≤ 300 MiB and not growing with the responses.
"""

import argparse
import hashlib
import io
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import drop_database, recreate_database, with_database  # noqa: E402

os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

BENCH_DATABASE = "jointplan_bench_surveys"
REGIONS = 10
KINDS = (
    "municipal_district",
    "municipal_okrug",
    "urban_okrug",
    "urban_settlement",
    "rural_settlement",
)
# Main towns of every size class (and every other municipality without one).
POPULATIONS = (8_000, 30_000, 70_000, 180_000, 600_000, 1_500_000)
ANSWER_COLUMNS = (
    "response_id",
    "campaign_id",
    "question_id",
    "option_id",
    "row_id",
    "number",
    "text",
    "is_other",
)
COMMENTS = (
    "Не хватает средств на софинансирование.",
    "Нужна методическая помощь области.",
    "=СУММ(A1:A2) — пример текста, похожего на формулу.",
    "Сотрудничество с соседями идёт хорошо.",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--municipalities", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database", default=BENCH_DATABASE, help="Name of the bench database.")
    parser.add_argument("--keep", action="store_true", help="Keep the bench database.")
    options = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jointplan")
    recreate_database(server_url, options.database)
    os.environ["DATABASE_URL"] = with_database(server_url, options.database)
    try:
        run(options)
    finally:
        from django.db import connections

        connections.close_all()
        if not options.keep:
            drop_database(server_url, options.database)


def run(options: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from surveys.results import campaign_results

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    municipalities = _registry(options.municipalities)
    version = _questionnaire()
    big = _campaign(version, municipalities, options.responses, seed=1, title="большая")
    small = _campaign(version, municipalities, options.small, seed=2, title="малая")
    answers = _floor_table(big)
    _vacuum()
    print(
        f"data: {options.responses:,} + {options.small:,} submitted responses of 30 questions, "
        f"{answers:,} Answer rows in the big campaign, {options.municipalities:,} "
        f"municipalities ({time.perf_counter() - started:.1f} s to build)",
        flush=True,
    )

    print(f"load average before timing: {_load()}", flush=True)
    results, floor, plain, warm = _time_results(big, options.repeat)
    print(f"(a) campaign_results, {options.responses:,} responses: {_fmt(results)}")
    print(f"(b) floor, raw GROUP BY question, option: {_fmt(floor)}")
    ratio = min(results) / min(floor)
    print(f"a/b = {ratio:.2f} (best of {options.repeat}; goal ≤ 3: {_met(ratio <= 3)})")
    print(f"(a) ≤ 1 s: {_met(min(results) <= 1)}")
    print(f"    without breakdowns: {_fmt(plain)}, ratio {min(plain) / min(floor):.2f}")
    print(f"    a poll of unchanged live results (page, API): {_fmt(warm)}")

    counted = campaign_results(campaign=big)["respondents"]
    if counted != options.responses:
        raise SystemExit(f"The tallies count {counted:,} respondents, not {options.responses:,}.")

    peaks = []
    for campaign, count in ((small, options.small), (big, options.responses)):
        seconds, peak, size = _time_export(campaign)
        peaks.append(peak)
        print(
            f"(c) XLSX export of {count:,} responses: {seconds:.2f} s, {size / 2**20:.1f} MiB "
            f"file, peak Python memory {peak / 2**20:.1f} MiB"
        )
    print(
        f"export peak ≤ 300 MiB: {_met(max(peaks) <= 300 * 2**20)}; growth from "
        f"{options.small:,} to {options.responses:,} responses: "
        f"{(peaks[1] - peaks[0]) / 2**20:+.1f} MiB"
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    print(f"peak resident memory of the whole bench process (ru_maxrss): {rss:.1f} MiB")
    # Timings on a shared machine move with its load: the ratio is only fair on a quiet one.
    print(f"load average after: {_load()} ({os.cpu_count()} CPUs)")


# --- the data --------------------------------------------------------------------------------


def _registry(count: int) -> list[int]:
    from municipalities.models import Municipality, Region, Town

    regions = Region.objects.bulk_create(
        Region(code=f"{10 + n:02d}", name=f"Регион {10 + n}") for n in range(REGIONS)
    )
    per_region = -(-count // REGIONS)
    towns = Town.objects.bulk_create(
        (
            Town(
                oktmo=f"{regions[n // per_region].code}{n:09d}",
                name=f"Город {n}",
                region=regions[n // per_region],
                population=POPULATIONS[n % len(POPULATIONS)],
            )
            for n in range(0, count, 2)
        ),
        batch_size=5000,
    )
    Municipality.objects.bulk_create(
        (
            Municipality(
                oktmo=f"{regions[n // per_region].code}6{n % per_region:05d}",
                name=f"Муниципальное образование {n}",
                kind=KINDS[n % len(KINDS)],
                region=regions[n // per_region],
                main_town=towns[n // 2] if n % 2 == 0 else None,
            )
            for n in range(count)
        ),
        batch_size=5000,
    )
    return list(Municipality.objects.order_by("pk").values_list("pk", flat=True))


def _questionnaire() -> Any:
    from surveys.models import MatrixRow, Option, Question, Questionnaire, QuestionnaireVersion
    from surveys.schema import questionnaire_schema, schema_hash

    questionnaire = Questionnaire.objects.create(title="Межмуниципальное сотрудничество")
    plan = (
        [("single_choice", 4, i < 4) for i in range(12)]
        + [("multiple_choice", 6, i < 2) for i in range(6)]
        + [("scale", 0, False)] * 6
        + [("matrix", 4, False)] * 2
        + [("number", 0, False)] * 2
        + [("short_text", 0, False), ("long_text", 0, False)]
    )
    for position, (kind, items, has_other) in enumerate(plan, start=1):
        question = Question.objects.create(
            questionnaire=questionnaire,
            position=position,
            type=kind,
            text=f"Вопрос {position}",
            has_other=has_other,
            min_value=-1000 if kind == "number" else None,
            max_value=100_000 if kind == "number" else None,
        )
        model = MatrixRow if kind == "matrix" else Option
        model.objects.bulk_create(  # type: ignore[attr-defined]
            model(question=question, position=i, text=f"Вариант {i}") for i in range(1, items + 1)
        )
    schema = questionnaire_schema(questionnaire)
    return QuestionnaireVersion.objects.create(
        questionnaire=questionnaire, number=1, schema=schema, schema_hash=schema_hash(schema)
    )


def _answers(schema: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """One respondent's answers, as the submit service stores them."""
    answers: dict[str, Any] = {}
    for question in schema["questions"]:
        key, kind = str(question["id"]), question["type"]
        options = [o["id"] for o in question["options"]]
        if rng.random() < 0.05:
            continue  # not every question is answered
        if kind == "single_choice":
            if question["has_other"] and rng.random() < 0.1:
                answers[f"{key}_other"] = rng.choice(COMMENTS)
            else:
                # Skewed, so that options differ: the first is the most popular.
                answers[key] = options[min(int(rng.expovariate(1.0)), len(options) - 1)]
        elif kind == "multiple_choice":
            answers[key] = [o for o in options if rng.random() < 0.35] or [options[0]]
            if question["has_other"] and rng.random() < 0.1:
                answers[f"{key}_other"] = rng.choice(COMMENTS)
        elif kind == "scale":
            answers[key] = rng.choice((1, 2, 3, 3, 4, 4, 4, 5))
        elif kind == "matrix":
            answers[key] = {str(r["id"]): rng.randint(1, 5) for r in question["rows"]}
        elif kind == "number":
            answers[key] = rng.choice((rng.randint(0, 40), round(rng.uniform(-5, 500), 2)))
        else:
            answers[key] = rng.choice(COMMENTS)
    return answers


def _campaign(
    version: Any, municipalities: list[int], responses: int, *, seed: int, title: str
) -> Any:
    from django.db import connection
    from django.utils import timezone

    from municipalities.models import Municipality
    from surveys.models import Answer, Campaign, Invitation, Response
    from surveys.services.responses import answer_rows
    from surveys.services.tallies import respondent_group, response_tally, tally_add

    now = timezone.now()
    campaign = Campaign.objects.create(
        questionnaire_version=version,
        title=f"Опрос глав администраций ({title})",
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=30),
        status=Campaign.Status.OPEN,
        anonymous=True,
    )
    campaign.municipalities.add(*municipalities)
    groups = {
        municipality.pk: respondent_group(municipality)
        for municipality in Municipality.objects.select_related("main_town", "region")
    }
    rng = random.Random(seed)
    batch = 2000
    for start in range(0, responses, batch):
        numbers = range(start, min(start + batch, responses))
        invitations = Invitation.objects.bulk_create(
            Invitation(
                campaign=campaign,
                municipality_id=municipalities[n % len(municipalities)],
                name=f"Глава {n}",
                position="Глава администрации",
                email=f"glava{n}@example.invalid",
                token_hash=hashlib.sha256(f"{seed}-{n}".encode()).hexdigest(),
                submitted_at=now,
            )
            for n in numbers
        )
        created = Response.objects.bulk_create(
            Response(
                invitation=invitation,
                campaign=campaign,
                questionnaire_version=version,
                answers=_answers(version.schema, rng),
                status=Response.Status.SUBMITTED,
                submitted_at=now - timedelta(seconds=responses - n),
            )
            for n, invitation in zip(numbers, invitations, strict=True)
        )
        buffer = io.StringIO()
        tally: dict[Any, Any] = {}
        for response, invitation in zip(created, invitations, strict=True):
            rows = answer_rows(response=response, schema=version.schema)
            for row in rows:
                buffer.write(_tsv(row))
            response_tally(rows, groups[invitation.municipality_id], into=tally)
        tally_add(campaign_id=campaign.pk, tally=tally)
        buffer.seek(0)
        with (
            connection.cursor() as cursor,
            cursor.copy(
                f"COPY {Answer._meta.db_table} ({', '.join(ANSWER_COLUMNS)}) FROM STDIN"
            ) as copy,
        ):
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
    return campaign


def _tsv(row: Any) -> str:
    def cell(value: Any) -> str:
        if value is None:
            return r"\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")

    values = (
        row.response_id,
        row.campaign_id,
        row.question_id,
        row.option_id,
        row.row_id,
        row.number,
        row.text,
        row.is_other,
    )
    return "\t".join(cell(v) for v in values) + "\n"


def _floor_table(campaign: Any) -> int:
    """The same choices in a plain table (response, question, option) with an index."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_choice")
        cursor.execute(
            "CREATE TABLE bench_choice (response_id integer NOT NULL, "
            "question_id integer NOT NULL, option_id integer NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO bench_choice SELECT response_id, question_id, option_id "
            "FROM surveys_answer WHERE campaign_id = %s AND option_id IS NOT NULL",
            [campaign.pk],
        )
        cursor.execute(
            "CREATE INDEX bench_choice_question_option ON bench_choice (question_id, option_id)"
        )
        cursor.execute("SELECT count(*) FROM surveys_answer WHERE campaign_id = %s", [campaign.pk])
        return int(cursor.fetchone()[0])


def _vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# --- the measurements ------------------------------------------------------------------------


def _best_of(repeat: int, work: Callable[[], Any]) -> list[float]:
    work()  # warm-up: caches, plans
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def _time_results(campaign: Any, repeat: int) -> tuple[list[float], ...]:
    from django.db import connection

    from surveys.results import campaign_results, campaign_results_live

    def floor() -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT question_id, option_id, count(*) FROM bench_choice "
                "GROUP BY question_id, option_id"
            )
            cursor.fetchall()

    # Interleaved, so that both see the same load of the machine.
    results, floors = [], []
    for _ in range(repeat):
        results += _best_of(1, lambda: campaign_results(campaign=campaign))
        floors += _best_of(1, floor)
    plain = _best_of(repeat, lambda: campaign_results(campaign=campaign, breakdown=False))
    warm = _best_of(repeat, lambda: campaign_results_live(campaign=campaign))
    return results, floors, plain, warm


def _time_export(campaign: Any) -> tuple[float, int, int]:
    from surveys.exports import write_responses_xlsx

    with tempfile.TemporaryDirectory(prefix="jointplan-bench-") as directory:
        path = Path(directory) / "responses.xlsx"
        start = time.perf_counter()
        with path.open("wb") as output:
            write_responses_xlsx(campaign, output)
        seconds = time.perf_counter() - start
        size = path.stat().st_size
        tracemalloc.start()
        with path.open("wb") as output:
            write_responses_xlsx(campaign, output)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return seconds, peak, size


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _fmt(times: list[float]) -> str:
    return f"best {min(times) * 1000:.0f} ms, median {statistics.median(times) * 1000:.0f} ms"


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


# --- the bench database ----------------------------------------------------------------------


if __name__ == "__main__":
    main()
