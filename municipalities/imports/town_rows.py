"""One row of a ru-cities towns.csv, checked and converted: codes repaired where a lost
leading zero can be restored, population from thousands to persons, coordinates rounded to
the registry's six decimals. A row that cannot be a town raises Rejected with the reason."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext

from core.exceptions import ApplicationError
from municipalities.imports.readers import Row
from municipalities.oktmo import LOCALITY_LENGTH, MUNICIPALITY_LENGTH, restore_leading_zero

REQUIRED_COLUMNS = ("city", "population", "region_name", "federal_district", "okato", "oktmo")
_THOUSAND = Decimal(1000)
_COORDINATE_PLACES = Decimal("0.000001")


@dataclass
class TownRow:
    line: int
    oktmo: str
    values: dict[str, Any]  # Town fields: name, okato, population, coordinates, codes
    region_name: str
    federal_district: str
    repaired_oktmo: bool
    repaired_okato: bool


class Rejected(Exception):
    pass


def town_columns(header: list[str]) -> dict[str, int]:
    """Column positions by name; lat, lon, kladr_id and fias_id may be missing."""
    columns = {name.lower(): index for index, name in enumerate(header)}
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ApplicationError(
            gettext("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)},
            code="missing_columns",
        )
    return columns


def _text(cells: Row, columns: dict[str, int], name: str) -> str:
    index = columns.get(name)
    if index is None or index >= len(cells) or cells[index] is None:
        return ""
    return str(cells[index]).strip()


def town_row_parse(
    line: int, cells: Row, columns: dict[str, int], population_year: int | None
) -> TownRow:
    name = _text(cells, columns, "city")
    if not name:
        raise Rejected(gettext("The town's name is missing."))
    raw_oktmo = _text(cells, columns, "oktmo")
    oktmo, repaired_oktmo = restore_leading_zero(raw_oktmo, LOCALITY_LENGTH)
    _check_town_code(name, oktmo)
    okato, repaired_okato = restore_leading_zero(_text(cells, columns, "okato"), LOCALITY_LENGTH)
    values = {
        "name": name[:255],
        "okato": okato[:11],
        "population": _population(name, _text(cells, columns, "population")),
        "population_year": population_year,
        "latitude": _coordinate(name, _text(cells, columns, "lat"), 90),
        "longitude": _coordinate(name, _text(cells, columns, "lon"), 180),
        "kladr_id": _code(name, _text(cells, columns, "kladr_id"), 20),
        "fias_id": _code(name, _text(cells, columns, "fias_id"), 36),
    }
    return TownRow(
        line=line,
        oktmo=oktmo,
        values=values,
        region_name=_text(cells, columns, "region_name"),
        federal_district=_text(cells, columns, "federal_district"),
        repaired_oktmo=repaired_oktmo,
        repaired_okato=repaired_okato,
    )


def _check_town_code(name: str, code: str) -> None:
    if len(code) == LOCALITY_LENGTH and code.isdigit():
        return
    params = {"town": name, "code": code, "length": len(code)}
    if not code:
        raise Rejected(gettext("%(town)s: the OKTMO code is missing.") % params)
    if not code.isdigit():
        raise Rejected(gettext("%(town)s, OKTMO %(code)s: not a code of digits.") % params)
    if len(code) == MUNICIPALITY_LENGTH:
        raise Rejected(
            gettext(
                "%(town)s, OKTMO %(code)s: 8-digit municipality code, not an 11-digit town code"
            )
            % params
        )
    # Only a single lost zero is restored: a shorter code could be several towns' codes.
    raise Rejected(
        gettext(
            "%(town)s, OKTMO %(code)s: %(length)d-digit code, not an 11-digit town code "
            "(too short to repair)"
        )
        % params
    )


def _population(name: str, text: str) -> int:
    """Thousands with one decimal ("36.4") to persons (36400), exactly: Decimal, not float."""
    try:
        persons = (Decimal(text) * _THOUSAND).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        persons = None
    if persons is None or not persons.is_finite() or persons < 0 or persons >= 2**31:
        raise Rejected(
            gettext("%(town)s: population “%(value)s” is not a number of thousands.")
            % {"town": name, "value": text}
        )
    return int(persons)


def _coordinate(name: str, text: str, limit: int) -> Decimal | None:
    if not text:
        return None
    try:
        value = Decimal(text).quantize(_COORDINATE_PLACES, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        value = None
    if value is None or abs(value) > limit:
        raise Rejected(
            gettext("%(town)s: coordinate “%(value)s” is not valid.")
            % {"town": name, "value": text}
        )
    return value


def _code(name: str, text: str, length: int) -> str:
    if len(text) > length:
        raise Rejected(
            gettext("%(town)s: code “%(value)s” is longer than %(length)d characters.")
            % {"town": name, "value": text, "length": length}
        )
    return text
