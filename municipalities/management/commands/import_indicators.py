from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext

from core.exceptions import ApplicationError
from municipalities.imports.indicators import indicator_values_import


class Command(BaseCommand):
    help = (
        "Import indicator values from a CSV or XLSX file, long form (oktmo, indicator, year, "
        "value[, source]) or wide form (oktmo, indicator, then one column per year). All or "
        "nothing: if any row is bad, nothing is written and every bad row is listed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and count, write nothing."
        )

    def handle(self, *args: Any, path: Path, dry_run: bool, **options: Any) -> None:
        try:
            with path.open("rb") as file:
                report = indicator_values_import(file=file, filename=path.name, dry_run=dry_run)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for line in report.summary():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(
                gettext("Errors in the file: %(count)d. Nothing was written.")
                % {"count": report.error_count}
            )
