from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.exceptions import ApplicationError
from municipalities.imports.towns import POPULATION_YEAR, towns_import


class Command(BaseCommand):
    help = (
        "Import towns from a ru-cities towns.csv, repairing lost leading zeros of OKTMO and "
        "OKATO codes and reporting every row it cannot import; then link towns to "
        "municipalities and pick each municipality's main town."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--population-year",
            type=int,
            default=POPULATION_YEAR,
            help="The year the populations are given for (default: %(default)s).",
        )

    def handle(self, *args: Any, path: Path, population_year: int, **options: Any) -> None:
        try:
            with path.open("rb") as file:
                report = towns_import(
                    file=file, filename=path.name, population_year=population_year
                )
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        for line in report.summary():
            self.stdout.write(line)
