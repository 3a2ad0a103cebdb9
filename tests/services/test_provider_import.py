"""Importing the service directory: a clean file loads, a re-import updates, and any bad cell is
explained by row and column with nothing written."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from cwtt.access.models import AuditEntry
from cwtt.registry.imports import MissingColumnsError, import_schools, read_table
from cwtt.services.imports import import_providers
from cwtt.services.models import Provider

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


def row(**changes: str) -> dict[str, str]:
    return {
        "name": "Sunrise Clinic",
        "sector": "health",
        "service_types": "clinic_visit; immunisation",
        "catchment": "GP-TD-1",
        "address": "1 Main Road",
        "latitude": "-26.2",
        "longitude": "28.05",
        "phone": "011 555 0000",
        "email": "clinic@example.org",
        "hours": "Mon-Fri 08:00-16:00",
        "eligibility": "Anyone in the area",
        "capacity_per_month": "200",
        "active": "yes",
    } | changes


def messages(report) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in report.errors]


def test_a_clean_file_creates_providers_with_services_catchment_and_contact(district):
    report = import_providers(
        [
            row(),
            row(
                name="Food Garden",
                sector="NGO",
                service_types="food_support",
                catchment="gp-td;GP",
                active="",
            ),
        ],
        dry_run=False,
        source="services.csv",
    )
    assert report.errors == [] and (report.created, report.updated) == (2, 0)
    clinic = Provider.objects.get(name="Sunrise Clinic")
    assert sorted(clinic.service_types.values_list("code", flat=True)) == [
        "clinic_visit",
        "immunisation",
    ]
    assert list(clinic.catchment.all()) == [district["circuit"]]
    assert (clinic.phone, clinic.capacity_per_month, str(clinic.latitude)) == (
        "011 555 0000",
        200,
        "-26.200000",
    )
    garden = Provider.objects.get(name="Food Garden")
    assert garden.sector == "ngo" and garden.active
    assert set(garden.catchment.all()) == {district["district"], district["province"]}


def test_the_import_is_audited_once_with_counts_and_file_name(district):
    import_providers([row(), row(name="Other")], dry_run=False, source="services.csv")
    entry = AuditEntry.objects.get(object_type="provider_import")
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.detail["file"] == "services.csv"
    assert (entry.detail["created"], entry.detail["updated"]) == (2, 0)


def test_a_provider_with_the_same_name_in_any_case_is_updated_not_duplicated(district):
    import_providers([row()], dry_run=False)
    report = import_providers(
        [row(name="SUNRISE clinic", service_types="eye_screening", phone="", active="no")],
        dry_run=False,
    )
    assert (report.created, report.updated) == (0, 1)
    provider = Provider.objects.get()
    assert provider.name == "SUNRISE clinic"
    assert list(provider.service_types.values_list("code", flat=True)) == ["eye_screening"]
    assert provider.phone == "011 555 0000"  # a blank cell keeps what is stored
    assert provider.active is False


@pytest.mark.parametrize(
    ("changes", "column", "says"),
    [
        ({"name": ""}, "name", "name is blank"),
        ({"sector": "hospital"}, "sector", "Use one of: education, health"),
        ({"service_types": "clinic;food_support"}, "service_types", "'clinic' is not a service"),
        ({"service_types": ""}, "service_types", "at least one code"),
        ({"catchment": "GP-TD-1;XX-9"}, "catchment", "'XX-9' is not a location code"),
        ({"latitude": "south"}, "latitude", "not a number of degrees between -90 and 90"),
        ({"longitude": ""}, "longitude", "give both latitude and longitude"),
        ({"email": "clinic@"}, "email", "not an e-mail address"),
        ({"capacity_per_month": "-3"}, "capacity_per_month", "not a whole number"),
        ({"active": "maybe"}, "active", "should be yes or no"),
    ],
)
def test_each_bad_cell_is_an_error_naming_row_and_column_and_nothing_is_written(
    district, changes, column, says
):
    report = import_providers([row(name="Fine"), row(**changes)], dry_run=False)
    assert [(e.row, e.column) for e in report.errors] == [(3, column)]
    assert says in report.errors[0].message
    assert str(report.errors[0]).startswith(f"row 3, column {column}: ")
    assert Provider.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="provider_import").exists()
    assert "nothing was written" in report.summary()


def test_an_unknown_service_type_lists_the_valid_codes(district):
    report = import_providers([row(service_types="clinic")], dry_run=False)
    assert "clinic_visit" in report.errors[0].message
    assert "food_support" in report.errors[0].message


def test_a_name_twice_in_the_file_is_an_error_on_the_second_row(district):
    report = import_providers([row(), row(name="sunrise  CLINIC")], dry_run=False)
    assert messages(report) == [
        (
            3,
            "name",
            "sunrise CLINIC appears again on row 3; it is already on row 2. "
            "Give each provider one row.",
        )
    ]


def test_a_missing_required_column_stops_the_whole_file(district):
    bad = row()
    del bad["catchment"]
    with pytest.raises(MissingColumnsError, match="catchment"):
        import_providers([bad], dry_run=False)


def test_coordinates_outside_south_africa_are_a_warning_not_an_error(district):
    report = import_providers([row(latitude="28.05", longitude="-26.2")], dry_run=False)
    assert report.errors == []
    assert [(w.column, "swapped" in w.message) for w in report.warnings] == [("latitude", True)]


def test_a_dry_run_reports_what_would_happen_and_writes_nothing(district):
    report = import_providers([row()], dry_run=True)
    assert (report.created, report.errors) == (1, [])
    assert report.summary().startswith("Dry run:")
    assert Provider.objects.count() == 0
    assert not AuditEntry.objects.filter(object_type="provider_import").exists()


def test_an_xlsx_file_reads_like_a_csv(district, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    cells = row(capacity_per_month="")
    sheet.append(list(cells))
    sheet.append([*list(cells.values())[:-2], 120, "yes"])
    path = tmp_path / "services.xlsx"
    workbook.save(path)
    report = import_providers(read_table(path), dry_run=False)
    assert report.errors == []
    assert Provider.objects.get().capacity_per_month == 120


def test_the_sample_file_imports_after_the_sample_schools(db):
    import_schools(read_table(SAMPLES / "schools.csv"), dry_run=False)
    report = import_providers(read_table(SAMPLES / "services.csv"), dry_run=False)
    assert report.errors == [] and report.created == 10
    assert Provider.objects.filter(active=False).count() == 1


def test_the_command_prints_each_error_and_exits_1(district, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(
        "name,sector,service_types,catchment\nClinic,health,clinic_visit,NOWHERE\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_services", str(path), stdout=out)
    assert exit_.value.code == 1
    assert "row 2, column catchment: 'NOWHERE' is not a location code" in out.getvalue()
    assert Provider.objects.count() == 0


def test_the_command_dry_run_then_import(district, tmp_path):
    path = tmp_path / "services.csv"
    path.write_text(
        "name,sector,service_types,catchment\nClinic,health,clinic_visit,GP-TD\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("import_services", str(path), "--dry-run", stdout=out)
    assert Provider.objects.count() == 0
    call_command("import_services", str(path), stdout=out)
    assert "Imported: 1 row checked, 1 created, 0 updated." in out.getvalue()
    assert Provider.objects.get().catchment.get() == district["district"]


def test_the_docs_list_every_service_type_code():
    from cwtt.services.catalogue import SERVICE_TYPES

    docs = (SAMPLES.parent / "services.md").read_text(encoding="utf-8")
    assert [code for code, _, _ in SERVICE_TYPES if f"`{code}`" not in docs] == []
