"""The indicator values import: a CSV or XLSX file, in long or wide form, all or nothing."""

from itertools import chain
from pathlib import PurePath
from typing import IO, Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.audit import audit_log_write
from municipalities.imports.indicator_layout import layout_from_header
from municipalities.imports.indicator_rows import RowChecker
from municipalities.imports.readers import open_table
from municipalities.imports.report import ImportReport
from municipalities.imports.staging import (
    staging_compare,
    staging_create,
    staging_drop,
    staging_duplicates,
    staging_fill,
    staging_merge,
)
from municipalities.models import Indicator, IndicatorValue, Municipality

CARDINALITY_VIOLATION = "21000"


def indicator_values_import(
    *, file: IO[bytes], filename: str, dry_run: bool = False, actor: Any = None
) -> ImportReport:
    """Import indicator values from ``file`` (CSV or XLSX, long or wide form).

    All or nothing: when any row is bad, nothing is written and the report lists the bad
    rows (line and reason); it does not raise for them. ``dry_run`` checks and counts what
    would be created or updated, and writes nothing. Raises ApplicationError only when the
    file cannot be read as a table of indicator values (type, emptiness, missing columns).
    """
    report = ImportReport(filename=PurePath(filename).name, dry_run=dry_run)
    with transaction.atomic(), open_table(file, filename) as table, connection.cursor() as cursor:
        layout = layout_from_header(table.header)
        report.file_format = table.file_format
        report.layout = "long" if layout.long else "wide"
        report.ignored_columns = layout.ignored
        checker = RowChecker(report, for_copy=connection.vendor == "postgresql")
        staging_create(cursor)
        staging_fill(cursor, checker.staged_rows(table.rows, layout))
        if report.ok and not dry_run and connection.vendor == "postgresql":
            _merge_watching_for_duplicates(cursor, report)
        else:
            _report_duplicates(cursor, report)
            if report.ok and dry_run:
                report.created, report.updated = staging_compare(cursor)
            elif report.ok:
                report.created, report.updated = staging_merge(cursor, now=timezone.now())
        staging_drop(cursor)
        if report.ok:
            report.unchanged = report.values - report.created - report.updated
            # The audit log records changes: an import that changed nothing leaves no row.
            if not dry_run and report.created + report.updated:
                _audit(report, actor)
    report.finish()
    return report


class _DuplicatesFound(Exception):
    pass


def _merge_watching_for_duplicates(cursor: Any, report: ImportReport) -> None:
    """Merge, and undo the merge if the file holds a key twice.

    Listing duplicates takes a GROUP BY over the whole staging table; on PostgreSQL the merge
    notices them for free, so the GROUP BY runs only when it may find something. A key met
    a second time by ON CONFLICT DO UPDATE after the first met inserted or updated its row is
    an error ("cannot affect row a second time", SQLSTATE 21000). The one duplicate it cannot
    see is a pair whose first row left an existing value unchanged, so when no row was left
    unchanged there is none."""
    try:
        with transaction.atomic():
            created, updated = staging_merge(cursor, now=timezone.now())
            if created + updated < report.values and _report_duplicates(cursor, report):
                raise _DuplicatesFound
    except _DuplicatesFound:
        return
    except DatabaseError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != CARDINALITY_VIOLATION:
            raise
        _report_duplicates(cursor, report)
        return
    report.created, report.updated = created, updated


def _report_duplicates(cursor: Any, report: ImportReport) -> bool:
    duplicates = staging_duplicates(cursor)
    first = next(duplicates, None)
    if first is None:
        return False
    # Codes for the messages, needed only now.
    oktmo_of = dict(Municipality.objects.values_list("pk", "oktmo"))
    code_of = dict(Indicator.objects.values_list("pk", "code"))
    for (municipality, indicator, year), lines in chain([first], duplicates):
        for line in lines:
            report.add_error(
                line,
                gettext(
                    "Duplicate: OKTMO %(oktmo)s, indicator %(indicator)s, year %(year)d are "
                    "also on line %(lines)s."
                )
                % {
                    "oktmo": oktmo_of.get(municipality, municipality),
                    "indicator": code_of.get(indicator, indicator),
                    "year": year,
                    "lines": ", ".join(str(other) for other in lines if other != line),
                },
            )
    return True


def _audit(report: ImportReport, actor: Any) -> None:
    audit_log_write(
        actor=actor,
        action="indicator_values.import",
        obj=IndicatorValue,
        object_repr=f"{report.filename}: {report.values}",
        after={
            key: value
            for key, value in report.as_dict().items()
            if key not in {"errors", "dry_run", "ok", "error_count", "errors_truncated"}
        },
    )
