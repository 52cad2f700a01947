"""Which column of an indicator file is what: the long form (oktmo, indicator, year, value
[, source]) or the wide form (oktmo, indicator, then one column per year). Headings are
case-insensitive, English or Russian."""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext

from core.exceptions import ApplicationError

OKTMO, INDICATOR, YEAR, VALUE, SOURCE = "oktmo", "indicator", "year", "value", "source"
COLUMN_ALIASES = {
    "oktmo": OKTMO,
    "октмо": OKTMO,
    "код октмо": OKTMO,
    "indicator": INDICATOR,
    "показатель": INDICATOR,
    "код показателя": INDICATOR,
    "year": YEAR,
    "год": YEAR,
    "value": VALUE,
    "значение": VALUE,
    "source": SOURCE,
    "источник": SOURCE,
    # vologda_population.csv names its source column "note".
    "note": SOURCE,
    "примечание": SOURCE,
}
# A wide-form year heading: 2020, 2020.0 (a number through Excel), "2020 г." or "2020 год".
_YEAR_HEADING = re.compile(r"(\d{4})(?:\.0+)?(?:\s*(?:г|год)\.?)?", re.IGNORECASE)


@dataclass(frozen=True)
class Layout:
    oktmo: int
    indicator: int
    source: int | None
    year: int | None = None  # long form
    value: int | None = None  # long form
    year_columns: tuple[tuple[int, int], ...] = ()  # wide form: (column, year)
    ignored: list[str] = field(default_factory=list)

    @property
    def long(self) -> bool:
        return self.year is not None

    @property
    def width(self) -> int:
        columns = [self.oktmo, self.indicator, self.year, self.value, self.source]
        columns += [column for column, _ in self.year_columns]
        return max(column for column in columns if column is not None) + 1


def layout_from_header(header: list[str]) -> Layout:
    """The long form has year and value columns; without them, headings that are years make
    the wide form. Names are case-insensitive, English or Russian. Raises ApplicationError
    when a required column is missing or named twice."""
    named: dict[str, int] = {}
    years: dict[int, int] = {}
    other: list[tuple[int, str]] = []
    for column, heading in enumerate(header):
        name = COLUMN_ALIASES.get(heading.lower().replace("ё", "е"))
        year = _YEAR_HEADING.fullmatch(heading)
        if name is not None:
            if name in named:
                raise _header_error(gettext("The column “%(column)s” appears twice."), heading)
            named[name] = column
        elif year is not None:
            if int(year[1]) in years:
                raise _header_error(gettext("The column “%(column)s” appears twice."), heading)
            years[int(year[1])] = column
        elif heading:
            other.append((column, heading))
    long = YEAR in named or VALUE in named
    required = [OKTMO, INDICATOR] + ([YEAR, VALUE] if long or not years else [])
    missing = [name for name in required if name not in named]
    if missing:
        raise ApplicationError(
            gettext(
                "Required columns are missing: %(columns)s. The file needs oktmo, indicator, "
                "year and value columns, or oktmo, indicator and one column per year."
            )
            % {"columns": ", ".join(missing)},
            code="missing_columns",
        )
    ignored = [heading for _, heading in other]
    if long:
        ignored += [header[column] for column in years.values()]
        return Layout(
            oktmo=named[OKTMO],
            indicator=named[INDICATOR],
            source=named.get(SOURCE),
            year=named[YEAR],
            value=named[VALUE],
            ignored=ignored,
        )
    return Layout(
        oktmo=named[OKTMO],
        indicator=named[INDICATOR],
        source=named.get(SOURCE),
        year_columns=tuple((column, year) for year, column in sorted(years.items())),
        ignored=ignored,
    )


def _header_error(message: str, heading: str) -> ApplicationError:
    return ApplicationError(message % {"column": heading}, code="bad_header")
