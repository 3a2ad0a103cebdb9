"""Schools from the administration pages: the list with active learners, and uploading a
schools file or class list through the registry import, which writes nothing while any row
has an error."""

import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.registry.models import Child, Location, School

from ..conftest import make_child  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
HEADER = "emis_number,name,quintile,province,district,circuit\n"


def upload(manager, content: bytes, *, name="schools.csv", kind="schools", action="import"):
    """Check the file and, for "import", press Import on the check's page when it offers it
    (the kept file's id and checksum are on that page)."""
    checked = manager.post(
        reverse("administration_import"),
        {"kind": kind, "action": "check", "file": SimpleUploadedFile(name, content)},
    )
    page = checked.content.decode()
    if action == "check" or 'name="pending"' not in page:
        return checked
    pending = re.search(r'name="pending" value="([^"]+)"', page).group(1)
    checksum = re.search(r'name="checksum" value="([^"]+)"', page).group(1)
    button = "import" if 'value="import"' in page else "import_good"
    if action == "import" and button != "import":
        return checked  # all or nothing: a file with errors offers no plain Import
    return manager.post(
        reverse("administration_import"),
        {"pending": pending, "checksum": checksum, "action": button},
    )


def test_the_list_shows_each_school_with_its_active_learners(manager, sunrise, hilltop):
    make_child(sunrise)
    left = make_child(sunrise, first="Ayo", last="Left")
    left.status = Child.Status.TRANSFERRED
    left.save()
    page = manager.get(reverse("administration_schools")).content.decode()
    row = next(r for r in page.split("<tr>") if "Sunrise Primary" in r)
    assert "700111111" in row and "Circuit 1" in row and "<td>1</td>" in row
    found = manager.get(reverse("administration_schools"), {"q": "hill"}).content.decode()
    assert "Hilltop Primary" in found and "Sunrise Primary" not in found


def test_a_file_with_an_error_writes_nothing_and_shows_row_and_column(manager, district):
    content = (
        HEADER
        + "700333333,Valley Primary,3,Gauteng (test),Test District,Circuit 1\n"
        + "700444444,River Primary,9,Gauteng (test),Test District,New Circuit\n"
    ).encode()
    schools, locations = School.objects.count(), Location.objects.count()
    response = upload(manager, content)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dry run" in page and "nothing was written" in page
    assert 'value="import"' not in page  # all or nothing: no plain Import while errors remain
    row = next(r for r in page.split("<tr>") if "quintile" in r and "<td>3</td>" in r)
    assert "9" in row
    assert (School.objects.count(), Location.objects.count()) == (schools, locations)
    assert not AuditEntry.objects.filter(object_type="import").exists()


def test_check_only_reports_and_writes_nothing(manager, district):
    response = upload(manager, (SAMPLES / "schools.csv").read_bytes(), action="check")
    page = response.content.decode()
    assert "Dry run" in page and "would be created" in page
    assert not School.objects.filter(emis_number="700900101").exists()


def test_a_good_schools_file_then_its_class_list_are_imported_and_audited(manager, people):
    response = upload(manager, (SAMPLES / "schools.csv").read_bytes(), action="import")
    assert "Imported:" in response.content.decode()
    assert School.objects.filter(emis_number="700900101").exists()
    response = upload(
        manager,
        (SAMPLES / "children.csv").read_bytes(),
        name="children.csv",
        kind="children",
        action="import",
    )
    assert "Imported:" in response.content.decode()
    assert Child.objects.filter(first_name="Anele", last_name="Dlamini").exists()
    entries = AuditEntry.objects.filter(object_type="import", actor=people["dora"])
    assert sorted(e.detail["kind"] for e in entries) == ["children", "schools"]


def test_an_xlsx_file_is_read_too(manager, district):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.strip().split(","))
    sheet.append([700333333, "Valley Primary", 3, "Gauteng (test)", "Test District", "Circuit 1"])
    data = io.BytesIO()
    book.save(data)
    response = upload(manager, data.getvalue(), name="schools.xlsx")
    assert "Imported:" in response.content.decode()
    assert School.objects.get(emis_number="700333333").name == "Valley Primary"


def test_a_file_that_is_not_a_table_is_explained(manager, district):
    schools = School.objects.count()
    page = upload(manager, b"not a workbook", name="schools.xlsx").content.decode()
    assert "CWTT cannot read this file" in page
    page = upload(manager, b"hello", name="schools.pdf").content.decode()
    assert "CWTT reads .csv .xlsm .xlsx files" in page
    page = upload(manager, b"emis,name\n1,x\n").content.decode()
    assert "Required columns" in page
    assert School.objects.count() == schools
