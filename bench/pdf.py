"""Benchmark of the strategy PDF: the whole export job against WeasyPrint alone.

    .venv/bin/python bench/pdf.py [--sections 12 --targets 60 --measures 150] [--repeat 3]
                                  [--keep]

Uses a database of its own (``jointplan_bench_pdf`` on the server of DATABASE_URL, dropped and
created again), builds a strategy of about a hundred pages (``tests/strategies/big.py``) and
times, in this process and without any worker or broker:

  (a) the whole export job: ``core.documents.services.document_export_run``, the body of the
      Celery task (load the strategy, build the context, render the HTML, lay it out with
      WeasyPrint, write the PDF, store the file, mark the job);
  (b) WeasyPrint alone on the final HTML of the same document (``html_to_pdf``).

One untimed render first warms up what every worker has warm after its first document
(fonts, hyphenation dictionaries); then (a) and (b) alternate ``--repeat`` times and the
medians are reported. Goals: a/b <= 1.15, a hundred pages in <= 10 s, peak memory <= 400 MiB.

Memory is measured on one job rendered in a fresh child process, as a worker's child renders
it: ru_maxrss, the peak resident set of that whole process (Python, Pango, fonts, the PDF) is
the figure the goal is about, and the one ``worker_max_memory_per_child`` watches; the peak of
Python's own allocations (tracemalloc, a second child: it slows Python down) is shown beside.
"""

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import drop_database, recreate_database, with_database  # noqa: E402

os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
# The job is run here, not by a worker: whatever the service queues goes nowhere.
os.environ["CELERY_BROKER_URL"] = "memory://localhost/"

BENCH_DATABASE = "jointplan_bench_pdf"
GOAL_RATIO, GOAL_SECONDS, GOAL_MIB = 1.15, 10.0, 400


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sections", type=int, default=12)
    parser.add_argument("--targets", type=int, default=60)
    parser.add_argument("--measures", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="Keep the bench database.")
    # Internal: render one job in a fresh process and report its memory.
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        child(options.child, trace=options.trace)
        return

    server_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/jointplan")
    recreate_database(server_url, BENCH_DATABASE)
    os.environ["DATABASE_URL"] = with_database(server_url, BENCH_DATABASE)
    with tempfile.TemporaryDirectory(prefix="jointplan-bench-pdf-") as media:
        os.environ["MEDIA_ROOT"] = media
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

    from core.documents.registry import get_document_kind
    from core.documents.rendering import html_to_pdf, render_document_html
    from tests.strategies.big import build_big_strategy

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    strategy = build_big_strategy(
        sections=options.sections, targets=options.targets, measures=options.measures
    )
    print(
        f"strategy: {options.sections} sections, {options.targets} target indicators, "
        f"{options.measures} measures (built in {time.perf_counter() - started:.1f} s)"
    )
    kind = get_document_kind("strategy")
    html, _ = render_document_html(kind, strategy)
    pages = html_to_pdf(html).pages  # the warm-up
    print(f"document: {pages} pages, HTML {len(html.encode()) / 1e6:.2f} MB")

    a_runs: list[float] = []
    b_runs: list[float] = []
    a_cpu: list[float] = []
    b_cpu: list[float] = []
    stages: list[dict[str, float]] = []
    for _ in range(options.repeat):
        export = _new_job(strategy)
        wall, cpu = _timed_job(export.pk)
        a_runs.append(wall)
        a_cpu.append(cpu)
        export.refresh_from_db()
        assert export.status == "succeeded", export.error  # noqa: S101 - a bench's sanity check
        assert export.pages == pages  # noqa: S101
        stages.append(export.timings)
        size = export.size or 0
        _delete_job(export)

        html, _ = render_document_html(kind, strategy)
        gc.collect()  # both measurements start from the same clean heap
        started, started_cpu = time.perf_counter(), time.process_time()
        rendered = html_to_pdf(html)
        b_runs.append(time.perf_counter() - started)
        b_cpu.append(time.process_time() - started_cpu)
        assert rendered.pages == pages  # noqa: S101

    a, b = statistics.median(a_runs), statistics.median(b_runs)
    print(f"load average (1 min) after the runs: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"(a) whole export job:  {a:6.2f} s  (runs: {_list(a_runs)}; CPU {_list(a_cpu)})")
    print(f"(b) WeasyPrint alone:  {b:6.2f} s  (runs: {_list(b_runs)}; CPU {_list(b_cpu)})")
    stage = {name: statistics.median(s.get(name, 0) for s in stages) for name in stages[0]}
    print("    stages of (a), medians: " + ", ".join(f"{k} {v:.2f} s" for k, v in stage.items()))
    print(f"    file: {size / 1e6:.2f} MB, {pages} pages, {a / pages * 1000:.0f} ms per page")

    rss = _child_memory(strategy, trace=False)
    traced = _child_memory(strategy, trace=True)
    ratio = a / b
    per_hundred = a / pages * 100
    print(f"peak resident memory of a process rendering one job (ru_maxrss): {rss:.0f} MiB")
    print(f"peak Python allocations of that job (tracemalloc): {traced:.0f} MiB")
    cpu_ratio = statistics.median(a_cpu) / statistics.median(b_cpu)
    print(f"a/b = {ratio:.3f} (goal <= {GOAL_RATIO}: {_met(ratio <= GOAL_RATIO)})")
    print(f"a/b by CPU time = {cpu_ratio:.3f}; best runs a/b = {min(a_runs) / min(b_runs):.3f}")
    print(
        f"100 pages in {per_hundred:.2f} s (goal <= {GOAL_SECONDS:.0f} s: "
        f"{_met(per_hundred <= GOAL_SECONDS)})"
    )
    print(f"peak memory {rss:.0f} MiB (goal <= {GOAL_MIB} MiB: {_met(rss <= GOAL_MIB)})")


def _new_job(strategy: Any) -> Any:
    from core.documents.services import document_export_request

    coordinator = strategy.participations.get(role="lead").municipality.memberships.get(
        role="coordinator"
    )
    export, created = document_export_request(
        kind="strategy", subject=strategy, actor=coordinator.user
    )
    assert created  # noqa: S101
    return export


def _delete_job(export: Any) -> None:
    # The next run must render again instead of reusing this file.
    export.file.delete(save=False)
    export.delete()


def _timed_job(export_id: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one job (CPU time shows what other processes on a busy
    machine took away from the wall clock)."""
    from core.documents.services import document_export_run

    gc.collect()
    started, started_cpu = time.perf_counter(), time.process_time()
    document_export_run(export_id=export_id)
    return time.perf_counter() - started, time.process_time() - started_cpu


def _child_memory(strategy: Any, *, trace: bool) -> float:
    """Run one job in a fresh process; its peak memory in MiB."""
    export = _new_job(strategy)
    command = [sys.executable, __file__, "--child", str(export.pk)]
    if trace:
        command.append("--trace")
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=os.environ)
    report = json.loads(output.stdout.strip().splitlines()[-1])
    export.refresh_from_db()
    assert export.status == "succeeded", export.error  # noqa: S101
    _delete_job(export)
    return report["traced_mib"] if trace else report["rss_mib"]


def child(export_id: int, *, trace: bool) -> None:
    import django

    django.setup()
    import tracemalloc

    from core.documents.services import document_export_run

    if trace:
        tracemalloc.start()
    document_export_run(export_id=export_id)
    traced = tracemalloc.get_traced_memory()[1] if trace else 0
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kibibytes on Linux
    print(json.dumps({"rss_mib": rss_kib / 1024, "traced_mib": traced / 2**20}))


def _list(runs: list[float]) -> str:
    return ", ".join(f"{r:.2f}" for r in runs)


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


if __name__ == "__main__":
    main()
