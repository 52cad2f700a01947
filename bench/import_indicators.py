"""Benchmark of the indicator values import against PostgreSQL's own COPY.

    .venv/bin/python bench/import_indicators.py [--municipalities 20000 --indicators 10
                                                 --years 5] [--shuffle] [--keep]

Uses a database of its own (``jointplan_bench`` on the server of DATABASE_URL, dropped and
created again), registers the municipalities and indicators, writes the values into CSV
files and times, in one run:

  (a) the import into an empty registry;
  (b) the import of the same rows with other values over the now-full registry (all updated);
  (c) a raw COPY of the same rows into an empty table with exactly the indexes, constraints
      and foreign keys of the real one;
  (d) a raw COPY into a bare table, with none.

Goals: a/c <= 1.5 and b/c <= 2.5, and memory that does not grow with the file. The peak of
Python memory is measured with tracemalloc over one more (untimed) import, as tracemalloc
slows Python down; ru_maxrss is the whole process. Run once more with a quarter of the
municipalities to see that the peak stays flat.
"""

import argparse
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import drop_database, recreate_database, with_database  # noqa: E402

os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"

BENCH_DATABASE = "jointplan_bench"
REGIONS = 20
FIRST_YEAR = 2019
TIMESTAMP = "2025-01-01 00:00:00+00"
_CHUNK = 1 << 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--municipalities", type=int, default=20_000)
    parser.add_argument("--indicators", type=int, default=10)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument(
        "--shuffle", action="store_true", help="Rows in random order instead of by municipality."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the bench database.")
    options = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jointplan")
    bench_url = with_database(server_url, BENCH_DATABASE)
    recreate_database(server_url, BENCH_DATABASE)
    os.environ["DATABASE_URL"] = bench_url
    try:
        run(options)
    finally:
        from django.db import connections

        connections.close_all()
        if not options.keep:
            drop_database(server_url, BENCH_DATABASE)


def run(options: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows = options.municipalities * options.indicators * options.years
    print(
        f"{options.municipalities} municipalities × {options.indicators} indicators × "
        f"{options.years} years = {rows:,} values"
        + (" (shuffled)" if options.shuffle else " (ordered by municipality)")
    )
    keys = _registry(options.municipalities, options.indicators)
    _vacuum()
    with tempfile.TemporaryDirectory(prefix="jointplan-bench-") as directory:
        folder = Path(directory)
        first, second = folder / "values-1.csv", folder / "values-2.csv"
        raw = folder / "values-ids.tsv"
        order = _order(keys, options.years, shuffle=options.shuffle)
        _write_files(order, keys, first, second, raw, years=options.years)
        print(f"CSV file: {first.stat().st_size / 1e6:.1f} MB")

        a = _report("(a) import into an empty registry", _import(first, expect=rows))
        b = _report("(b) import over the full registry", _import(second, expect=rows))
        c = _report("(c) raw COPY, same constraints", _raw_copy(raw, constrained=True))
        d = _report("(d) raw COPY, bare table", _raw_copy(raw, constrained=False))
        _drop_copies()

        tracemalloc.start()
        _import(first, expect=rows)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux

    print(f"a/c = {a / c:.2f} (goal ≤ 1.5: {'met' if a / c <= 1.5 else 'NOT met'})")
    print(f"b/c = {b / c:.2f} (goal ≤ 2.5: {'met' if b / c <= 2.5 else 'NOT met'})")
    print(f"d = {d:.2f} s: the cost of the constraints in (c) is {c - d:.2f} s")
    print(f"peak Python memory of one import (tracemalloc): {peak / 2**20:.1f} MiB")
    print(f"peak resident memory of the process (ru_maxrss): {rss:.1f} MiB")


# --- the registry and the files --------------------------------------------------------


Keys = tuple[list[tuple[str, int]], list[tuple[str, int]]]  # (oktmo, id) and (code, id)


def _registry(municipalities: int, indicators: int) -> Keys:
    from municipalities.models import Indicator, Municipality, Region

    per_region = -(-municipalities // REGIONS)
    regions = Region.objects.bulk_create(
        Region(code=f"{10 + n:02d}", name=f"Регион {10 + n}") for n in range(REGIONS)
    )
    Municipality.objects.bulk_create(
        (
            Municipality(
                oktmo=f"{regions[n // per_region].code}6{n % per_region:05d}",
                name=f"Муниципальное образование {n}",
                kind=Municipality.Kind.MUNICIPAL_DISTRICT,
                region=regions[n // per_region],
            )
            for n in range(municipalities)
        ),
        batch_size=5000,
    )
    Indicator.objects.bulk_create(
        Indicator(code=f"bench_{n}", name=f"Показатель {n}", unit="ед.", category="economy")
        for n in range(indicators)
    )
    return (
        list(Municipality.objects.order_by("oktmo").values_list("oktmo", "pk")),
        list(Indicator.objects.order_by("code").values_list("code", "pk")),
    )


def _order(keys: Keys, years: int, *, shuffle: bool) -> list[tuple[int, int, int]] | None:
    if not shuffle:
        return None
    municipalities, indicators = keys
    order = [
        (m, i, y)
        for m in range(len(municipalities))
        for i in range(len(indicators))
        for y in range(years)
    ]
    random.Random(1).shuffle(order)
    return order


def _write_files(
    order: list[tuple[int, int, int]] | None,
    keys: Keys,
    first: Path,
    second: Path,
    raw: Path,
    *,
    years: int,
) -> None:
    """The two CSV files differ in every value, so that (b) updates every row. The TSV holds
    the same rows as ids, for COPY."""
    municipalities, indicators = keys
    rng = random.Random(2025)
    triples: Iterator[tuple[int, int, int]] = (
        iter(order)
        if order is not None
        else (
            (m, i, y)
            for m in range(len(municipalities))
            for i in range(len(indicators))
            for y in range(years)
        )
    )
    header = "oktmo,indicator,year,value,source\n"
    with first.open("w") as one, second.open("w") as two, raw.open("w") as ids:
        one.write(header)
        two.write(header)
        for m, i, y in triples:
            oktmo, municipality_id = municipalities[m]
            code, indicator_id = indicators[i]
            year = FIRST_YEAR + y
            value = f"{rng.uniform(0, 1e6):.1f}"
            one.write(f"{oktmo},{code},{year},{value},Росстат\n")
            two.write(f"{oktmo},{code},{year},{rng.uniform(0, 1e6):.1f},Росстат, уточнено\n")
            ids.write(f"{municipality_id}\t{indicator_id}\t{year}\t{value}\tРосстат\t{TIMESTAMP}\n")


# --- the steps -------------------------------------------------------------------------


def _import(path: Path, *, expect: int) -> float:
    from municipalities.imports.indicators import indicator_values_import

    _checkpoint()
    start = time.perf_counter()
    with path.open("rb") as file:
        report = indicator_values_import(file=file, filename=path.name)
    seconds = time.perf_counter() - start
    if not report.ok or report.created + report.updated != expect:
        raise SystemExit(f"unexpected report: {report.as_dict()}")
    return seconds


def _raw_copy(path: Path, *, constrained: bool) -> float:
    from django.db import connection, transaction

    real = "municipalities_indicatorvalue"
    table = "bench_constrained" if constrained else "bench_bare"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        if constrained:
            cursor.execute(f"CREATE TABLE {table} (LIKE {real} INCLUDING ALL)")
            # LIKE copies indexes and checks but not foreign keys: add the real table's own.
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [real],
            )
            for name, definition in cursor.fetchall():
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name}_bench {definition}")
        else:
            cursor.execute(
                f"CREATE TABLE {table} AS SELECT municipality_id, indicator_id, year, value, "
                f"source, updated_at FROM {real} WITH NO DATA"
            )
    _checkpoint()
    columns = "municipality_id, indicator_id, year, value, source, updated_at"
    start = time.perf_counter()
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        path.open("rb") as file,
        cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        while chunk := file.read(_CHUNK):
            copy.write(chunk)
    return time.perf_counter() - start


def _drop_copies() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_constrained, bench_bare")


def _vacuum() -> None:
    """A registry in use has long been vacuumed and analysed; a fresh one would otherwise
    pay for autovacuum and hint bits during the first timed step."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("region", "municipality", "indicator"):
            cursor.execute(f"VACUUM ANALYZE municipalities_{table}")


def _checkpoint() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CHECKPOINT")  # each step starts without the previous one's dirty pages


def _report(label: str, seconds: float) -> float:
    print(f"{label}: {seconds:.2f} s", flush=True)
    return seconds


if __name__ == "__main__":
    main()
