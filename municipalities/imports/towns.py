"""The towns import (the ru-cities ``towns.csv``) and the linking of towns to municipalities.

The file is raw Rosstat data with real defects: codes of regions 01–09 lost their leading
zero, some rows carry an 8-digit municipality code instead of a town's, two towns share one
code. What can be repaired is repaired and counted; the rest is rejected with its line and
reason. No row is silently lost: created + updated + unchanged + rejected = rows read."""

from pathlib import PurePath
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.audit import audit_log_write
from municipalities.imports.readers import open_table
from municipalities.imports.report import TownImportReport
from municipalities.imports.town_rows import Rejected, TownRow, town_columns, town_row_parse
from municipalities.models import Municipality, Region, Town

# The ru-cities populations are Rosstat's estimate on 1 January 2020.
POPULATION_YEAR = 2020
_COMPARED = (
    "name",
    "okato",
    "region_id",
    "population",
    "population_year",
    "latitude",
    "longitude",
    "kladr_id",
    "fias_id",
)
_BATCH = 500


def towns_import(
    *,
    file: IO[bytes],
    filename: str = "towns.csv",
    actor: Any = None,
    population_year: int | None = POPULATION_YEAR,
) -> TownImportReport:
    """Create or update the towns of ``file``, then link towns and municipalities. The rows
    that cannot be imported are rejected and reported; the others are imported, in one
    transaction. Raises ApplicationError when the file is not a towns table."""
    report = TownImportReport(filename=PurePath(filename).name)
    with open_table(file, filename) as table:
        report.file_format = table.file_format
        columns = town_columns(table.header)
        parsed: list[TownRow] = []
        for line, cells in table.rows:
            report.rows += 1
            try:
                parsed.append(town_row_parse(line, cells, columns, population_year))
            except Rejected as rejection:
                report.add_error(line, str(rejection))
    accepted = _without_shared_codes(parsed, report)
    with transaction.atomic():
        regions = _regions(accepted)
        _save(accepted, regions, report)
        report.linked = municipality_link_towns()
        if report.created + report.updated + report.linked:  # changes only
            _audit(report, actor)
    report.finish()
    return report


def _audit(report: TownImportReport, actor: Any) -> None:
    audit_log_write(
        actor=actor,
        action="towns.import",
        obj=Town,
        object_repr=report.filename,
        after={
            key: value
            for key, value in report.as_dict().items()
            if key not in {"errors", "dry_run", "ok", "values", "skipped"}
        },
    )


def _without_shared_codes(parsed: list[TownRow], report: TownImportReport) -> list[TownRow]:
    """The first row with a code is imported; later rows with the same code are rejected,
    naming the row that holds it. Every shared code is listed in the report."""
    first: dict[str, TownRow] = {}
    accepted = []
    for row in parsed:
        holder = first.get(row.oktmo)
        if holder is None:
            first[row.oktmo] = row
            accepted.append(row)
            continue
        report.shared_codes.setdefault(row.oktmo, [(holder.line, holder.values["name"])])
        report.shared_codes[row.oktmo].append((row.line, row.values["name"]))
        report.add_error(
            row.line,
            gettext(
                "%(town)s, OKTMO %(code)s: the code is already used by %(other)s on line "
                "%(line)d; the code is shared, only the first row is imported."
            )
            % {
                "town": row.values["name"],
                "code": row.oktmo,
                "other": holder.values["name"],
                "line": holder.line,
            },
        )
    return accepted


def _regions(rows: list[TownRow]) -> dict[str, Region]:
    """The regions of the rows by code (the OKTMO's first two digits); missing ones are
    created from the row's region name and federal district."""
    codes = {row.oktmo[:2]: row for row in reversed(rows)}  # the first row of a region wins
    regions = Region.objects.in_bulk(list(codes), field_name="code")
    missing = [
        Region(code=code, name=row.region_name or code, federal_district=row.federal_district)
        for code, row in codes.items()
        if code not in regions
    ]
    if missing:
        Region.objects.bulk_create(missing)
        regions = Region.objects.in_bulk(list(codes), field_name="code")
    return regions


def _save(rows: list[TownRow], regions: dict[str, Region], report: TownImportReport) -> None:
    existing = Town.objects.in_bulk([row.oktmo for row in rows], field_name="oktmo")
    now = timezone.now()
    to_create: list[Town] = []
    to_update: list[Town] = []
    for row in rows:
        values = {**row.values, "region_id": regions[row.oktmo[:2]].pk}
        town = existing.get(row.oktmo)
        if town is None:
            to_create.append(Town(oktmo=row.oktmo, **values))
        elif any(getattr(town, field) != values[field] for field in _COMPARED):
            for field, value in values.items():
                setattr(town, field, value)
            town.updated_at = now
            to_update.append(town)
        else:
            report.unchanged += 1
        if row.repaired_oktmo or row.repaired_okato:
            report.repaired += 1
        report.repaired_oktmo += row.repaired_oktmo
        report.repaired_okato += row.repaired_okato
    Town.objects.bulk_create(to_create, batch_size=_BATCH)
    Town.objects.bulk_update(to_update, [*_COMPARED, "updated_at"], batch_size=_BATCH)
    report.created = len(to_create)
    report.updated = len(to_update)


def municipality_link_towns() -> int:
    """Link every town to its municipality and give every municipality its main town.

    A town belongs to the municipality whose OKTMO is the town's first eight digits (its
    settlement or urban okrug), else to the district or okrug whose OKTMO is its first five
    digits followed by 000. A municipality's main town is its most populous town: towns
    whose OKTMO starts with the municipality's, or with its first five digits when its code
    ends with 000 (a district or okrug spans all the settlements numbered under it).

    Idempotent, and a handful of queries whatever the number of rows. A link the codes do
    not determine is left as it is (it may have been set by hand). Returns the number of
    towns and municipalities whose link changed."""
    with transaction.atomic():
        municipalities = list(Municipality.objects.values_list("pk", "oktmo", "main_town_id"))
        by_oktmo = {oktmo: pk for pk, oktmo, _ in municipalities}
        towns = sorted(
            Town.objects.values_list("pk", "oktmo", "population", "municipality_id"),
            key=lambda town: (-town[2], town[1]),  # most populous first, then by code
        )
        now = timezone.now()
        relinked: list[Town] = []
        largest_by_prefix: dict[str, int] = {}
        for pk, oktmo, _population, current in towns:
            target = by_oktmo.get(oktmo[:8]) or by_oktmo.get(oktmo[:5] + "000")
            if target is not None and target != current:
                relinked.append(Town(pk=pk, municipality_id=target, updated_at=now))
            largest_by_prefix.setdefault(oktmo[:8], pk)
            largest_by_prefix.setdefault(oktmo[:5], pk)
        Town.objects.bulk_update(relinked, ["municipality", "updated_at"], batch_size=_BATCH)
        new_main: list[Municipality] = []
        for pk, oktmo, current in municipalities:
            prefix = oktmo[:5] if oktmo.endswith("000") else oktmo
            main_town = largest_by_prefix.get(prefix)
            if main_town is not None and main_town != current:
                new_main.append(Municipality(pk=pk, main_town_id=main_town, updated_at=now))
        Municipality.objects.bulk_update(new_main, ["main_town", "updated_at"], batch_size=_BATCH)
    return len(relinked) + len(new_main)
