"""Indicator values read from a table, every row checked against the registry before
anything reaches the database.

The row loop is the hot path of a million-row import, so it looks values up in plain dicts
loaded once, takes the common case first and leaves the odd spellings (a lost leading zero,
a decimal comma, a float from Excel) to slower helpers that remember what they resolved."""

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import cast

from django.conf import settings
from django.utils.translation import gettext

from municipalities.imports.indicator_layout import Layout
from municipalities.imports.readers import Cell, Row
from municipalities.imports.report import ImportReport
from municipalities.models import Indicator, Municipality
from municipalities.oktmo import MUNICIPALITY_LENGTH, restore_leading_zero

# numeric(20, 4): up to 16 digits before the point. Fifteen leave room for the rounding of
# the decimals to four places; longer numbers take the slow path, which checks exactly.
_PLAIN_NUMBER = re.compile(r"-?\d{1,15}(?:\.\d{1,20})?")
_VALUE_LIMIT = Decimal(10) ** 16
_FOUR_PLACES = Decimal("0.0001")
_SEPARATORS = str.maketrans(
    {" ": None, "\xa0": None, "\u202f": None, "\u2009": None, ",": ".", "\u2212": "-"}
)
_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SOURCE_LENGTH = 255
_MEMO_LIMIT = 10_000

# One staged value: line, municipality id, indicator id, year, value, source — all text,
# ready for COPY. The value is None (or COPY's \N) when it is not a number: the row still
# takes part in the search for duplicates.
StagedRow = tuple[str, str, str, str, str | None, str]


def _cell_text(cell: Cell) -> str:
    """A cell as text: a whole float from Excel (19638000.0, 2020.0) loses its ".0"."""
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def _shown(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


class RowChecker:
    """Resolves the codes of the rows against lookups loaded once from the database."""

    def __init__(self, report: ImportReport, *, for_copy: bool) -> None:
        self.report = report
        self.for_copy = for_copy
        # Ids as text: they go straight into the COPY stream. Keyed by the cell as found in
        # the file, so that the slow paths can remember the spellings they resolved.
        self.municipalities: dict[Cell, str] = {
            oktmo: str(pk) for oktmo, pk in Municipality.objects.values_list("oktmo", "pk")
        }
        self._municipality_memo_limit = 2 * len(self.municipalities) + _MEMO_LIMIT
        self.indicators: dict[Cell, str] = {
            code: str(pk) for code, pk in Indicator.objects.values_list("code", "pk")
        }
        self.year_min: int = settings.INDICATOR_YEAR_MIN
        self.year_max: int = settings.INDICATOR_YEAR_MAX
        self.years: dict[Cell, str] = {
            str(year): str(year) for year in range(self.year_min, self.year_max + 1)
        }
        self.sources: dict[Cell, str] = {}
        self.null = "\\N" if for_copy else None

    # --- the loops ---------------------------------------------------------------------

    def staged_rows(self, rows: Iterator[tuple[int, Row]], layout: Layout) -> Iterator[StagedRow]:
        if layout.long:
            return self._long_rows(rows, layout)
        return self._wide_rows(rows, layout)

    def _long_rows(self, rows: Iterator[tuple[int, Row]], layout: Layout) -> Iterator[StagedRow]:
        i_oktmo, i_indicator = layout.oktmo, layout.indicator
        i_year, i_value = cast(int, layout.year), cast(int, layout.value)
        i_source, width = layout.source, layout.width
        municipalities, indicators, years = self.municipalities, self.indicators, self.years
        known_source, null = self.sources.get, self.null
        plain_number = _PLAIN_NUMBER.fullmatch
        count = values = gaps = 0
        for line, cells in rows:
            count += 1
            if len(cells) < width:
                cells = [*cells, *[None] * (width - len(cells))]
            municipality = municipalities.get(cells[i_oktmo]) or self._municipality(
                cells[i_oktmo], line
            )
            indicator = indicators.get(cells[i_indicator]) or self._indicator(
                cells[i_indicator], line
            )
            year = years.get(cells[i_year]) or self._year(cells[i_year], line)
            value = cells[i_value]
            if value.__class__ is not str or not plain_number(value):
                value = self._value(value, line)
                if value is None:
                    gaps += 1
                    continue
            if i_source is None:
                source = ""
            else:
                known = known_source(cells[i_source])
                source = self._source(cells[i_source], line) if known is None else known
            if municipality and indicator and year:
                # A value that is not a number is staged too, as NULL: its line may also be
                # a duplicate, and the report should say so at once.
                values += bool(value)
                yield str(line), municipality, indicator, year, value or null, source
        self._count(count, values, gaps)

    def _wide_rows(self, rows: Iterator[tuple[int, Row]], layout: Layout) -> Iterator[StagedRow]:
        year_columns = [
            (column, self.years.get(str(year), ""), year) for column, year in layout.year_columns
        ]
        i_oktmo, i_indicator, i_source, width = (
            layout.oktmo,
            layout.indicator,
            layout.source,
            layout.width,
        )
        plain_number = _PLAIN_NUMBER.fullmatch
        count = values = gaps = 0
        for line, cells in rows:
            count += 1
            if len(cells) < width:
                cells = [*cells, *[None] * (width - len(cells))]
            municipality = self.municipalities.get(cells[i_oktmo]) or self._municipality(
                cells[i_oktmo], line
            )
            indicator = self.indicators.get(cells[i_indicator]) or self._indicator(
                cells[i_indicator], line
            )
            source = "" if i_source is None else self._source(cells[i_source], line)
            for column, year, heading in year_columns:
                value = cells[column]
                if value.__class__ is not str or not plain_number(value):
                    value = self._value(value, line)
                    if value is None:
                        gaps += 1
                        continue
                if not year:
                    self._year_out_of_range(str(heading), line)
                elif municipality and indicator:
                    values += bool(value)
                    yield str(line), municipality, indicator, year, value or self.null, source
        self._count(count, values, gaps)

    def _count(self, rows: int, values: int, gaps: int) -> None:
        self.report.rows += rows
        self.report.values += values
        self.report.skipped += gaps

    # --- the slow paths: odd spellings, remembered once resolved, and errors ------------

    def _municipality(self, cell: Cell, line: int) -> str:
        text = _cell_text(cell)
        code, _ = restore_leading_zero(text, MUNICIPALITY_LENGTH)
        pk = self.municipalities.get(code)
        if pk is None:
            if text:
                self.report.add_error(
                    line,
                    gettext("OKTMO %(code)s is not in the registry of municipalities.")
                    % {"code": _shown(text)},
                )
            else:
                self.report.add_error(line, gettext("The OKTMO code is missing."))
            return ""
        if len(self.municipalities) < self._municipality_memo_limit:
            self.municipalities[cell] = pk
        return pk

    def _indicator(self, cell: Cell, line: int) -> str:
        text = _cell_text(cell)
        pk = self.indicators.get(text) or self.indicators.get(text.lower())
        if pk is None:
            if text:
                self.report.add_error(
                    line,
                    gettext("Indicator %(code)s is not in the catalogue.") % {"code": _shown(text)},
                )
            else:
                self.report.add_error(line, gettext("The indicator code is missing."))
            return ""
        if len(self.indicators) < _MEMO_LIMIT:
            self.indicators[cell] = pk
        return pk

    def _year(self, cell: Cell, line: int) -> str:
        text = _cell_text(cell).removesuffix(".0")
        year = self.years.get(text)
        if year is not None:
            if len(self.years) < _MEMO_LIMIT:
                self.years[cell] = year
            return year
        if not text:
            self.report.add_error(line, gettext("The year is missing."))
        elif text.lstrip("-").isdigit():
            self._year_out_of_range(text, line)
        else:
            self.report.add_error(
                line, gettext("Year “%(year)s” is not a whole number.") % {"year": _shown(text)}
            )
        return ""

    def _year_out_of_range(self, text: str, line: int) -> None:
        self.report.add_error(
            line,
            gettext("Year %(year)s is out of range %(min)d–%(max)d.")
            % {"year": _shown(text), "min": self.year_min, "max": self.year_max},
        )

    def _value(self, cell: Cell, line: int) -> str | None:
        """The value as a plain decimal, "" when it is not a number (reported), None for a
        gap. Accepts "1 234 567,8" with spaces or no-break spaces between thousands."""
        if isinstance(cell, bool) or not isinstance(cell, str | int | float | Decimal | None):
            self._not_a_number(str(cell), line)
            return ""
        text = _cell_text(cell)
        if not text:
            return None
        compact = text.translate(_SEPARATORS)
        if _PLAIN_NUMBER.fullmatch(compact):
            return compact
        try:
            number = Decimal(compact)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            self._not_a_number(text, line)
            return ""
        number = number.quantize(_FOUR_PLACES)
        if abs(number) >= _VALUE_LIMIT:
            self.report.add_error(
                line,
                gettext("Value %(value)s is too large: at most 16 digits before the point.")
                % {"value": _shown(text)},
            )
            return ""
        return format(number, "f")

    def _not_a_number(self, text: str, line: int) -> None:
        self.report.add_error(
            line, gettext("Value “%(value)s” is not a number.") % {"value": _shown(text)}
        )

    def _source(self, cell: Cell, line: int) -> str:
        known = self.sources.get(cell)
        if known is not None:
            return known
        text = _cell_text(cell)
        if len(text) > _SOURCE_LENGTH:
            # Not remembered: every line with it must be reported.
            self.report.add_error(
                line,
                gettext("The source is longer than %(limit)d characters.")
                % {"limit": _SOURCE_LENGTH},
            )
            return ""
        if self.for_copy and _COPY_SPECIAL.search(text):
            text = text.translate(_COPY_ESCAPES)
        if len(self.sources) < _MEMO_LIMIT:
            self.sources[cell] = text
        return text
