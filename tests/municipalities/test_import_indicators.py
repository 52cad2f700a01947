import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from core.exceptions import ApplicationError
from core.models import AuditLog
from municipalities.imports import indicator_values_import
from municipalities.imports.report import MAX_ERRORS
from municipalities.models import IndicatorValue, Municipality
from tests.municipalities.factories import IndicatorFactory, MunicipalityFactory, RegionFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
FIXTURES = Path(__file__).resolve().parents[2] / "municipalities" / "fixtures"


@pytest.fixture(autouse=True)
def english():
    # Messages are asserted in their English msgids, whatever locale/ru holds.
    with translation.override("en"):
        yield


@pytest.fixture
def registry():
    district = MunicipalityFactory(oktmo="19638000", name="Сокольский муниципальный район")
    town = MunicipalityFactory(oktmo="19638101", name="город Сокол", kind="urban_settlement")
    altai = MunicipalityFactory(
        oktmo="01703000",
        name="город Алейск",
        kind="urban_okrug",
        region=RegionFactory(code="01", name="Алтайский край"),
    )
    IndicatorFactory(code="population")
    IndicatorFactory(code="avg_wage")
    return {"district": district, "town": town, "altai": altai}


def run(content: bytes | str, filename: str = "values.csv", **kwargs):
    data = content.encode() if isinstance(content, str) else content
    return indicator_values_import(file=io.BytesIO(data), filename=filename, **kwargs)


def stored() -> dict[tuple[str, str, int], Decimal]:
    return {
        (v.municipality.oktmo, v.indicator.code, v.year): v.value
        for v in IndicatorValue.objects.select_related("municipality", "indicator")
    }


def errors(report) -> list[tuple[int, str]]:
    return [(error.line, error.message) for error in report.errors]


def xlsx(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


LONG = (
    "oktmo,indicator,year,value,source\n"
    "19638000,population,2021,47238,Перепись 2021\n"
    "19638101,population,2021,36400,Перепись 2021\n"
    "19638101,avg_wage,2020,41234.5,БД ПМО\n"
)
EXPECTED = {
    ("19638000", "population", 2021): Decimal("47238"),
    ("19638101", "population", 2021): Decimal("36400"),
    ("19638101", "avg_wage", 2020): Decimal("41234.5"),
}


# --- formats ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [
        ("utf-8", ","),
        ("utf-8-sig", ","),
        ("utf-8", ";"),
        ("utf-8-sig", ";"),
        ("cp1251", ";"),
        ("cp1251", ","),
        ("utf-8", "\t"),
        ("utf-16", "\t"),  # Excel's "Unicode text"
    ],
)
def test_long_csv_in_every_encoding_and_separator(registry, encoding, delimiter):
    text = LONG.replace(",", delimiter).replace("Перепись", "Всероссийская перепись")

    report = run(text.encode(encoding))

    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated) == (3, 3, 0)
    assert stored() == EXPECTED
    source = IndicatorValue.objects.get(municipality=registry["town"], year=2021).source
    assert source == "Всероссийская перепись 2021"


def test_excel_export_in_cp1251_with_russian_headings_and_decimal_commas(registry):
    report = indicator_values_import(
        file=(DATA / "indicators_excel_cp1251.csv").open("rb"),
        filename="indicators_excel_cp1251.csv",
    )

    assert report.ok, report.errors
    assert (report.rows, report.values, report.created, report.skipped) == (4, 3, 3, 1)
    assert stored() == {
        ("19638000", "population", 2021): Decimal("47238"),
        ("19638000", "avg_wage", 2021): Decimal("41234.5"),
        ("19638101", "population", 2021): Decimal("36400"),
    }
    assert IndicatorValue.objects.get(indicator__code="avg_wage").source == "Росстат, БД ПМО"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ('"1 234 567,8"', Decimal("1234567.8")),  # spaces between thousands
        ('"1\u00a0234\u00a0567,8"', Decimal("1234567.8")),  # no-break spaces
        ('"1\u202f234\u202f567,8"', Decimal("1234567.8")),  # narrow no-break spaces
        ('"12,25"', Decimal("12.25")),  # decimal comma
        ("-0.5", Decimal("-0.5")),
        ("1.23456", Decimal("1.2346")),  # the registry keeps four decimals
        ("1E+3", Decimal("1000")),
    ],
)
def test_numbers_as_people_write_them(registry, written, expected):
    report = run(f"oktmo,indicator,year,value\n19638000,population,2021,{written}\n")

    assert report.ok, report.errors
    assert stored() == {("19638000", "population", 2021): expected}


def test_note_is_an_alias_of_source(registry):
    report = run("OKTMO,Indicator,Year,Value,Note\n19638000,population,2010,49316,2010 census\n")

    assert report.ok
    assert IndicatorValue.objects.get().source == "2010 census"


def test_wide_csv_one_column_per_year_and_gaps_stay_gaps(registry):
    report = run(
        "октмо;показатель;2019;2020;2021\n"
        "19638000;population;48 110;;47 238\n"
        "19638101;population;;;36400\n"
    )

    assert report.ok, report.errors
    assert report.layout == "wide"
    assert (report.rows, report.values, report.skipped, report.created) == (2, 3, 3, 3)
    assert stored() == {
        ("19638000", "population", 2019): Decimal("48110"),
        ("19638000", "population", 2021): Decimal("47238"),
        ("19638101", "population", 2021): Decimal("36400"),
    }
    assert not IndicatorValue.objects.filter(year=2020).exists()


def test_blank_value_in_long_form_is_a_gap_not_a_zero(registry):
    report = run(
        "oktmo,indicator,year,value\n19638000,population,2020,\n19638000,population,2021,47238\n"
    )

    assert report.ok
    assert (report.created, report.skipped) == (1, 1)
    assert list(IndicatorValue.objects.values_list("year", "value")) == [(2021, Decimal("47238"))]


def test_xlsx_long_form_with_numbers_that_lost_their_leading_zero(registry):
    content = xlsx(
        [
            ["OKTMO", "Indicator", "Year", "Value", "Source"],
            [19638000, "population", 2021, 47238, "census"],
            [1703000, "population", 2021.0, 28512.0, None],  # 01703000 as Excel keeps it
            [],
            ["19638101", "avg_wage", "2020", "41 234,5", "БД ПМО"],
            [19638101, "population", 2021, None, None],  # a gap
        ]
    )

    report = run(content, filename="values.XLSX")

    assert report.ok, report.errors
    assert (report.rows, report.created, report.skipped) == (4, 3, 1)
    assert stored() == {
        ("19638000", "population", 2021): Decimal("47238"),
        ("01703000", "population", 2021): Decimal("28512"),
        ("19638101", "avg_wage", 2020): Decimal("41234.5"),
    }


def test_xlsx_wide_form_with_years_as_number_headings(registry):
    content = xlsx(
        [
            ["октмо", "показатель", "наименование", 2020, 2021.0],
            ["19638000", "population", "Сокольский район", 47_900, 47_238],
            ["19638101", "avg_wage", "город Сокол", None, 41_234.5],
        ]
    )

    report = run(content, filename="wide.xlsx")

    assert report.ok, report.errors
    assert report.ignored_columns == ["наименование"]
    assert (report.values, report.skipped) == (3, 1)
    assert stored() == {
        ("19638000", "population", 2020): Decimal("47900"),
        ("19638000", "population", 2021): Decimal("47238"),
        ("19638101", "avg_wage", 2021): Decimal("41234.5"),
    }


def test_uploaded_files_are_read_as_they_come(registry):
    csv_upload = SimpleUploadedFile("values.csv", LONG.encode("utf-8-sig"))
    assert indicator_values_import(file=csv_upload, filename="values.csv").created == 3

    xlsx_upload = SimpleUploadedFile(
        "values.xlsx",
        xlsx([["oktmo", "indicator", "year", "value"], [19638000, "avg_wage", 2021, 1]]),
    )
    assert indicator_values_import(file=xlsx_upload, filename="values.xlsx").created == 1


def test_sources_with_quotes_tabs_backslashes_and_line_breaks_arrive_intact(registry):
    source = 'Отчёт "Итоги"\\t2021, стр.\t5\nс переносом'
    report = run(
        "oktmo,indicator,year,value,source\n"
        f'19638000,population,2021,47238,"{source.replace(chr(34), chr(34) * 2)}"\n'
        "19638101,population,2021,x,\n"
    )

    assert errors(report) == [(4, "Value “x” is not a number.")]  # line 3 spans two lines

    report = run(
        "oktmo,indicator,year,value,source\n"
        f'19638000,population,2021,47238,"{source.replace(chr(34), chr(34) * 2)}"\n'
    )
    assert report.ok
    assert IndicatorValue.objects.get().source == source


def test_source_longer_than_the_registry_keeps_is_an_error_on_every_line(registry):
    long_source = "и" * 256
    report = run(
        "oktmo,indicator,year,value,source\n"
        f"19638000,population,2020,1,{long_source}\n"
        f"19638000,population,2021,1,{long_source}\n"
    )

    assert [line for line, _ in errors(report)] == [2, 3]
    assert errors(report)[0][1] == "The source is longer than 255 characters."


def test_csv_oktmo_without_its_leading_zero_is_restored(registry):
    report = run("oktmo,indicator,year,value\n1703000,population,2021,28512\n")

    assert report.ok
    assert stored() == {("01703000", "population", 2021): Decimal("28512")}


def test_real_vologda_population_file_refuses_the_region_row_and_writes_nothing():
    region = RegionFactory(code="19")
    oktmos = {
        line.split(",")[0]
        for line in (FIXTURES / "vologda_population.csv").read_text().splitlines()[1:]
    }
    for oktmo in sorted(oktmos - {"19000000"}):  # the region is not a municipality
        MunicipalityFactory(oktmo=oktmo, region=region)
    IndicatorFactory(code="population")

    with (FIXTURES / "vologda_population.csv").open("rb") as file:
        report = indicator_values_import(file=file, filename="vologda_population.csv")

    assert errors(report) == [
        (line, "OKTMO 19000000 is not in the registry of municipalities.") for line in (2, 3, 4)
    ]
    assert report.rows == 34
    assert not IndicatorValue.objects.exists()


# --- errors: all or nothing ------------------------------------------------------------


def test_every_bad_row_is_reported_with_its_line_and_nothing_is_written(registry):
    report = run(
        "oktmo,indicator,year,value\n"
        "19638000,population,2021,47238\n"  # 2: good
        "19999999,population,2021,1\n"  # 3: unknown OKTMO
        "19638000,wages,2021,1\n"  # 4: unknown indicator
        "19638000,population,1989,1\n"  # 5: year out of range
        "19638000,population,2051,1\n"  # 6: year out of range
        "19638000,population,20x1,1\n"  # 7: year not a number
        "19638000,population,2020,n/a\n"  # 8: not a number
        "19638000,population,2019,NaN\n"  # 9: not a number either
        "19638101,population,2021,36400\n"  # 10: duplicate of 12
        "19638101,avg_wage,2021,40000\n"  # 11: good
        "19638101,population,2021,36500\n"  # 12: duplicate of 10
    )

    assert not report.ok
    assert errors(report) == [
        (3, "OKTMO 19999999 is not in the registry of municipalities."),
        (4, "Indicator wages is not in the catalogue."),
        (5, "Year 1989 is out of range 1990–2050."),
        (6, "Year 2051 is out of range 1990–2050."),
        (7, "Year “20x1” is not a whole number."),
        (8, "Value “n/a” is not a number."),
        (9, "Value “NaN” is not a number."),
        (
            10,
            "Duplicate: OKTMO 19638101, indicator population, year 2021 are also on line 12.",
        ),
        (
            12,
            "Duplicate: OKTMO 19638101, indicator population, year 2021 are also on line 10.",
        ),
    ]
    assert report.error_count == 9
    assert not IndicatorValue.objects.exists()


def test_one_bad_row_keeps_the_good_rows_out_and_the_registry_as_it_was(registry):
    run("oktmo,indicator,year,value\n19638000,population,2020,47900\n")

    report = run(
        "oktmo,indicator,year,value\n"
        "19638000,population,2020,1\n"
        "19638000,population,2021,47238\n"
        "19638101,population,2021,abc\n"
    )

    assert errors(report) == [(4, "Value “abc” is not a number.")]
    assert (report.created, report.updated) == (0, 0)
    assert stored() == {("19638000", "population", 2020): Decimal("47900")}


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("500", "600"),  # new key twice: the merge trips over it
        ("100", "100"),  # the registry's own value twice: nothing would change, still refused
        ("100", "600"),  # one unchanged, one new value
        ("600", "100"),
    ],
)
def test_duplicates_alone_are_refused_and_the_registry_kept(registry, first, second):
    run("oktmo,indicator,year,value\n19638000,population,2020,100\n")

    report = run(
        "oktmo,indicator,year,value\n"
        "19638101,population,2021,36400\n"
        f"19638000,population,2020,{first}\n"
        f"19638000,population,2020,{second}\n"
    )

    assert [line for line, _ in errors(report)] == [3, 4]
    assert errors(report)[0] == (
        3,
        "Duplicate: OKTMO 19638000, indicator population, year 2020 are also on line 4.",
    )
    assert (report.created, report.updated, report.unchanged) == (0, 0, 0)
    assert stored() == {("19638000", "population", 2020): Decimal("100")}


def test_a_duplicate_with_a_bad_value_is_still_reported_as_a_duplicate(registry):
    report = run(
        "oktmo,indicator,year,value\n19638000,population,2021,1\n19638000,population,2021,x\n"
    )

    assert errors(report) == [
        (2, "Duplicate: OKTMO 19638000, indicator population, year 2021 are also on line 3."),
        (
            3,
            "Value “x” is not a number. "
            "Duplicate: OKTMO 19638000, indicator population, year 2021 are also on line 2.",
        ),
    ]
    assert report.error_count == 2


def test_several_problems_of_one_row_make_one_entry(registry):
    report = run(
        "oktmo,indicator,2020,2021\n"
        "19999999,population,1,2\n"
        "19638000,population,a,b\n"
        "19638101,population,3,4\n"
    )

    assert errors(report) == [
        (2, "OKTMO 19999999 is not in the registry of municipalities."),
        (3, "Value “a” is not a number. Value “b” is not a number."),
    ]
    assert report.error_count == 2


def test_wide_form_year_column_out_of_range(registry):
    report = run("oktmo,indicator,1985,2021\n19638000,population,1,2\n19638101,population,,3\n")

    assert errors(report) == [(2, "Year 1985 is out of range 1990–2050.")]
    assert not IndicatorValue.objects.exists()


def test_value_too_large_for_the_registry(registry):
    report = run("oktmo,indicator,year,value\n19638000,population,2021,12345678901234567\n")

    assert errors(report) == [
        (2, "Value 12345678901234567 is too large: at most 16 digits before the point.")
    ]


def test_a_wholly_wrong_file_lists_the_first_errors_and_counts_them_all(registry):
    lines = "".join(f"19638000,nope,2021,{n}\n" for n in range(MAX_ERRORS + 5))

    report = run("oktmo,indicator,year,value\n" + lines)

    assert report.error_count == MAX_ERRORS + 5
    assert len(report.errors) == MAX_ERRORS
    assert report.as_dict()["errors_truncated"] is True


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"oktmo,indicator,year,value\n", "values.pdf", "Unsupported file type"),
        (b"", "values.csv", "The file is empty."),
        (b"\n\n", "values.csv", "The file is empty."),
        (b"oktmo,year,value\n19638000,2021,1\n", "values.csv", "missing: indicator"),
        (b"oktmo,indicator,comment\n", "values.csv", "missing: year, value"),
        (b"not a workbook", "values.xlsx", "cannot be read as an XLSX workbook"),
    ],
)
def test_unreadable_files_raise_an_application_error(registry, content, filename, message):
    with pytest.raises(ApplicationError, match=message):
        run(content, filename=filename)


# --- dry run, updates, audit, command --------------------------------------------------


def test_dry_run_counts_and_writes_nothing(registry):
    run("oktmo,indicator,year,value\n19638000,population,2021,47000\n")

    report = run(LONG, dry_run=True)

    assert report.ok
    assert report.dry_run
    assert (report.created, report.updated, report.unchanged) == (2, 1, 0)
    assert stored() == {("19638000", "population", 2021): Decimal("47000")}
    assert AuditLog.objects.filter(action="indicator_values.import").count() == 1


def test_second_import_updates_changed_values_and_leaves_the_rest(registry):
    run(LONG)
    first_stamp = IndicatorValue.objects.get(municipality__oktmo="19638000").updated_at

    report = run(LONG.replace("47238", "47240").replace("БД ПМО", "Росстат"))

    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    assert stored()[("19638000", "population", 2021)] == Decimal("47240")
    assert IndicatorValue.objects.get(year=2020).source == "Росстат"
    unchanged = IndicatorValue.objects.get(municipality__oktmo="19638101", year=2021)
    assert unchanged.updated_at < IndicatorValue.objects.get(year=2020).updated_at
    assert IndicatorValue.objects.get(municipality__oktmo="19638000").updated_at > first_stamp
    assert IndicatorValue.objects.count() == 3


def test_import_writes_one_audit_row_with_the_counts(registry, admin_user):
    run(LONG, actor=admin_user)
    run(LONG, actor=admin_user)  # changes nothing: no audit row

    audit = AuditLog.objects.get(action="indicator_values.import")
    assert audit.actor == admin_user
    after = audit.after or {}
    assert (after["created"], after["filename"]) == (3, "values.csv")


def test_report_as_dict_is_json_ready(registry):
    report = run("oktmo,indicator,year,value\n19638000,population,2021,x\n")

    data = report.as_dict()
    assert data["ok"] is False
    assert data["errors"] == [{"line": 2, "message": "Value “x” is not a number."}]
    assert data["rows"] == 1


def test_command_prints_the_report_and_fails_on_errors(registry, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(LONG, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("oktmo,indicator,year,value\n19638000,population,2021,x\n", encoding="utf-8")
    out = io.StringIO()

    call_command("import_indicators", str(good), "--dry-run", stdout=out)
    assert "Would be created: 3, updated: 0, unchanged: 0" in out.getvalue()
    assert not IndicatorValue.objects.exists()

    call_command("import_indicators", str(good), stdout=out)
    assert "Created: 3, updated: 0, unchanged: 0" in out.getvalue()

    with pytest.raises(CommandError, match="Errors in the file: 1"):
        call_command("import_indicators", str(bad), stdout=out)
    assert "line 2: Value “x” is not a number." in out.getvalue()
    assert Municipality.objects.count() == 3
    assert IndicatorValue.objects.count() == 3
