import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import translation

from core.exceptions import ApplicationError
from core.models import AuditLog
from municipalities.imports import municipality_link_towns, towns_import
from municipalities.models import Municipality, Region, Town
from municipalities.size_classes import SizeClass
from tests.municipalities.factories import MunicipalityFactory, TownFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
# A copy of ../shared/data/ru-cities/towns.csv kept in the project: users have no ../shared.
TOWNS_CSV = Path(__file__).resolve().parents[2] / "municipalities" / "fixtures" / "towns.csv"
ROWS_IN_FILE = 1117


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def import_file(path: Path = TOWNS_CSV, **kwargs):
    with path.open("rb") as file:
        return towns_import(file=file, filename=path.name, **kwargs)


def import_text(text: str, **kwargs):
    return towns_import(file=io.BytesIO(text.encode()), filename="towns.csv", **kwargs)


def rejected(report) -> dict[int, str]:
    return {error.line: error.message for error in report.errors}


def test_full_file_every_row_is_accounted_for():
    report = import_file()

    assert report.rows == ROWS_IN_FILE
    assert report.created + report.updated + report.unchanged + report.rejected == ROWS_IN_FILE
    assert report.rejected == 30  # 28 municipality codes, one 7-digit code, one shared code
    assert report.created == Town.objects.count() == ROWS_IN_FILE - 30
    assert Region.objects.count() == 79


def test_lost_leading_zeros_are_restored():
    report = import_file()

    aleysk = Town.objects.get(name="Алейск")  # Altai Krai, region 01: 1703000001 in the file
    assert aleysk.oktmo == "01703000001"
    assert aleysk.okato == "01403000000"
    assert aleysk.region.code == "01"
    assert report.repaired == report.repaired_oktmo == 98
    assert not Town.objects.filter(oktmo__regex=r"^.{0,10}$").exists()


def test_shared_code_imports_the_first_row_and_rejects_the_other_naming_it():
    report = import_file()

    assert report.shared_codes == {"47737000005": [(490, "Гаджиево"), (502, "Полярный")]}
    assert Town.objects.get(oktmo="47737000005").name == "Гаджиево"
    assert not Town.objects.filter(name="Полярный").exists()
    assert "already used by Гаджиево on line 490" in rejected(report)[502]


def test_municipality_codes_are_rejected_not_guessed():
    report = import_file()

    assert rejected(report)[414] == (
        "Москва, OKTMO 45000000: 8-digit municipality code, not an 11-digit town code"
    )
    assert rejected(report)[329] == (
        "Артемовск, OKTMO 4630102: 7-digit code, not an 11-digit town code (too short to repair)"
    )
    assert not Town.objects.filter(name__in=["Москва", "Артемовск", "Санкт-Петербург"]).exists()
    eight_digit = [m for m in rejected(report).values() if "8-digit municipality code" in m]
    assert len(eight_digit) == 28


def test_second_run_changes_nothing():
    import_file()
    before = dict(Town.objects.values_list("oktmo", "updated_at"))

    report = import_file()

    assert (report.created, report.updated, report.unchanged) == (0, 0, ROWS_IN_FILE - 30)
    assert report.rejected == 30
    assert dict(Town.objects.values_list("oktmo", "updated_at")) == before


def test_changed_population_is_updated():
    import_file(DATA / "towns_sample.csv")
    text = (DATA / "towns_sample.csv").read_text(encoding="utf-8").replace(",36.4,", ",36.5,")

    report = import_text(text)

    assert (report.created, report.updated, report.unchanged) == (0, 1, 4)
    assert Town.objects.get(name="Сокол").population == 36_500


def test_population_in_persons_and_size_classes():
    import_file()

    sokol = Town.objects.get(name="Сокол")
    assert sokol.population == 36_400
    assert sokol.population_year == 2020
    assert sokol.size_class == SizeClass.SMALL
    assert sokol.latitude == Decimal("59.475861")
    assert Town.objects.get(name="Черемхово").size_class == SizeClass.MEDIUM  # 50.1
    assert Town.objects.get(name="Вологда").size_class == SizeClass.LARGE


def test_size_class_boundary_at_fifty_thousand():
    report = import_file(DATA / "towns_sample.csv")

    assert report.ok
    assert Town.objects.get(name="Пятидесятый").population == 50_000
    assert Town.objects.get(name="Пятидесятый").size_class == SizeClass.SMALL
    assert Town.objects.get(name="Пятьдесят-один").population == 50_100
    assert Town.objects.get(name="Пятьдесят-один").size_class == SizeClass.MEDIUM


def test_missing_region_is_created_with_its_federal_district():
    import_file(DATA / "towns_sample.csv")

    altai = Region.objects.get(code="01")
    assert (altai.name, altai.federal_district) == ("Алтайский край", "Сибирский")


def test_bad_population_is_rejected_and_the_rest_imported():
    text = (DATA / "towns_sample.csv").read_text(encoding="utf-8").replace(",4.5,", ",many,")

    report = import_text(text)

    assert rejected(report) == {3: "Кадников: population “many” is not a number of thousands."}
    assert report.created == 4


def test_file_without_the_code_columns_is_refused():
    with pytest.raises(ApplicationError, match="missing: okato, oktmo"):
        import_text("city,population,region_name,federal_district\nСокол,36.4,x,y\n")


def test_import_is_all_or_nothing_on_an_unexpected_error(monkeypatch):
    def broken() -> int:
        raise RuntimeError("database went away")

    monkeypatch.setattr("municipalities.imports.towns.municipality_link_towns", broken)

    with pytest.raises(RuntimeError):
        import_file(DATA / "towns_sample.csv")
    assert not Town.objects.exists()
    assert not Region.objects.exists()


def test_import_writes_one_audit_row_and_a_rerun_that_changes_nothing_none():
    import_file(DATA / "towns_sample.csv")
    import_file(DATA / "towns_sample.csv")

    audit = AuditLog.objects.get(action="towns.import")
    assert (audit.after or {})["created"] == 5
    assert audit.object_repr == "towns_sample.csv"


def main_town(oktmo: str) -> Town | None:
    return Municipality.objects.select_related("main_town").get(oktmo=oktmo).main_town


def test_linking_to_settlement_district_and_main_towns():
    district = MunicipalityFactory(oktmo="19638000", name="Сокольский муниципальный район")
    settlement = MunicipalityFactory(
        oktmo="19638101", name="город Сокол", kind="urban_settlement", parent=district
    )
    vologda = MunicipalityFactory(oktmo="19701000", kind="urban_okrug")

    import_file()

    sokol, kadnikov = Town.objects.get(name="Сокол"), Town.objects.get(name="Кадников")
    assert sokol.municipality == settlement  # oktmo[:8] is the settlement
    assert kadnikov.municipality == district  # no settlement 19638104: the district
    assert Town.objects.get(name="Вологда").municipality == vologda
    assert main_town("19638000") == sokol  # 36,400 beats Кадников's 4,500
    assert main_town("19638101") == sokol
    vologda_town = main_town("19701000")
    assert vologda_town is not None
    assert vologda_town.name == "Вологда"
    assert vologda_town.size_class == SizeClass.LARGE


def test_link_is_idempotent_and_takes_a_few_queries(django_assert_max_num_queries):
    MunicipalityFactory(oktmo="19638000")
    for n in range(30):
        MunicipalityFactory(oktmo=f"196381{n:02d}", kind="urban_settlement")
        TownFactory(oktmo=f"196381{n:02d}001", population=1000 + n)
    largest = TownFactory(oktmo="19638150001", population=90_000, name="Большой")

    with django_assert_max_num_queries(8):
        changed = municipality_link_towns()

    assert changed == 31 + 31  # every town linked, every municipality given its main town
    assert municipality_link_towns() == 0
    assert main_town("19638000") == largest
    assert main_town("19638105") == Town.objects.get(oktmo="19638105001")
    assert Town.objects.get(oktmo="19638150001").municipality == Municipality.objects.get(
        oktmo="19638000"
    )


def test_command_prints_the_identity_and_the_shared_codes(tmp_path):
    path = tmp_path / "towns.csv"
    shutil.copy(TOWNS_CSV, path)
    out = io.StringIO()

    call_command("import_towns", str(path), stdout=out)

    text = out.getvalue()
    assert "1087 created + 0 updated + 0 unchanged + 30 rejected = 1117 of 1117 rows read" in text
    assert "47737000005: Гаджиево (line 490), Полярный (line 502)" in text
    assert "line 414: Москва, OKTMO 45000000: 8-digit municipality code" in text
