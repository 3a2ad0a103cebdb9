"""All-or-nothing (the default) against importing the good rows with a rejects file: the bad
rows go to the rejects file in the file's own columns with an `error` column, and that file,
once fixed, imports as it is — and importing the whole original again doubles nothing."""

from __future__ import annotations

import csv
import io
import uuid

import openpyxl
import pytest

from cwtt.assessments.models import Assessment
from cwtt.registry.imports import import_children, write_rejects
from cwtt.registry.models import Child, School

from ..attacks import unchanged  # noqa: TID252 - shared test helpers
from .sheets import kobo_caregiver_export, run_import, write_table

pytestmark = pytest.mark.django_db

HEADER = ["EMIS Number", "Name", "Quintile", "Province", "District", "Circuit"]
GOOD = ["700333333", "Valley Primary", "3", "Gauteng (test)", "Test District", "Circuit 1"]
BAD = ["700444444", "River Primary", "9", "Gauteng (test)", "Test District", "Circuit 1"]
FORMULA = ["700555555", '=HYPERLINK("x")', "7", "Gauteng (test)", "Test District", "Circuit 1"]


def read_rejects(path) -> list[list[str]]:
    if path.suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path).active
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_by_default_one_bad_row_stops_the_whole_file(district, tmp_path):
    path = write_table(tmp_path, "schools.csv", HEADER, [GOOD, BAD])
    with unchanged():
        output, status = run_import("schools", str(path))
    assert status == 1
    assert "Not imported: 2 rows checked, 1 error in 1 row; nothing was written." in output


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_with_a_rejects_file_the_good_rows_are_imported_and_the_bad_ones_set_aside(
    district, tmp_path, suffix
):
    path = write_table(tmp_path, "schools" + suffix, HEADER, [GOOD, BAD, FORMULA])
    rejects = tmp_path / ("rejects" + suffix)
    output, status = run_import("schools", str(path), "--rejects", str(rejects))
    assert status == 1  # there were errors, even though the good rows are in
    # (A workbook's formula cell is read as its value, which openpyxl never computed: blank.)
    assert "Imported the rows without errors: 3 rows checked, " in output
    assert "errors in 2 rows, 2 rows set aside, 1 created" in output
    assert f"2 rows with errors written to {rejects}" in output
    assert list(School.objects.values_list("emis_number", flat=True)) == ["700333333"]

    written = read_rejects(rejects)
    assert written[0] == [*HEADER, "error"]  # the file's own column names
    assert written[1][:6] == BAD
    assert written[1][6] == "quintile: quintile '9' is not accepted; use a number from 1 to 5."
    if suffix == ".csv":
        assert written[2][1] == '\'=HYPERLINK("x")'  # never a live formula

    # Fixed in place, the rejects file goes back through the same import, error column and all.
    fixed = [row[:] for row in written]
    fixed[1][2], fixed[2][1], fixed[2][2] = "2", "Hill Primary", "1"
    again = write_table(tmp_path, "fixed" + suffix, fixed[0], fixed[1:])
    output, status = run_import("schools", str(again))
    assert status == 0 and "2 created" in output and "Warnings" not in output
    with unchanged():
        output, _ = run_import("schools", str(path), "--rejects", str(tmp_path / "r2.csv"))
    assert "1 unchanged" in output  # the good row of the original is matched, not doubled


def test_a_dry_run_with_a_rejects_file_writes_only_the_rejects_file(district, tmp_path):
    path = write_table(tmp_path, "schools.csv", HEADER, [GOOD, BAD])
    rejects = tmp_path / "rejects.csv"
    with unchanged():
        output, _ = run_import("schools", str(path), "--dry-run", "--rejects", str(rejects))
    assert "Dry run: 2 rows checked, 1 error in 1 row, 1 row would be set aside, 1 would be " \
        "created" in output  # fmt: skip
    assert len(read_rejects(rejects)) == 2


def test_a_row_twice_in_a_file_keeps_the_first_and_sets_the_second_aside(sunrise):
    row = {
        "school_emis": "700111111", "class_name": "2A", "grade": "2", "year": "2026",
        "first_name": "Naledi", "last_name": "Khumalo", "date_of_birth": "2018-12-01",
        "sex": "F", "caregiver_first_name": "", "caregiver_last_name": "",
    }  # fmt: skip
    with unchanged():
        stopped = import_children([row, dict(row)], dry_run=False)
    assert "appears again on row 3" in stopped.errors[0].message
    report = import_children([row, dict(row)], dry_run=False, keep_good=True)
    assert (report.rejected_rows, report.created) == ([3], 1)
    assert Child.objects.count() == 1


def test_the_rejects_file_must_not_overwrite_the_file_imported(district, tmp_path):
    path = write_table(tmp_path, "schools.csv", HEADER, [GOOD])
    with pytest.raises(Exception, match="another file"):
        run_import("schools", str(path), "--rejects", str(path))


def test_assessments_set_aside_keep_their_kobo_columns_and_the_rest_are_saved(
    wave, child, other_child, tmp_path
):
    good = f"uuid:{uuid.uuid4()}"
    header, rows = kobo_caregiver_export(
        [
            {"child_id": child.pk, "meals": 3, "instance": good},
            {"child_id": other_child.pk, "meals": 9},
        ]
    )
    path = write_table(tmp_path, "kobo.csv", header, rows)
    with unchanged():
        run_import("assessments", str(path))  # all or nothing: the bad row stops both
    rejects = tmp_path / "rejects.csv"
    output, status = run_import("assessments", str(path), "--rejects", str(rejects))
    assert status == 1 and "1 created" in output
    assert list(Assessment.objects.values_list("uuid", flat=True)) == [uuid.UUID(good[5:])]
    written = read_rejects(rejects)
    assert written[0] == [*header, "error"]
    assert written[1][header.index("caregiver/cg_meals")] == "9"
    assert written[1][-1].startswith("cg_meals: Between 0 and 6 meals")


def test_write_rejects_works_from_rows_given_as_dicts(district, tmp_path):
    from cwtt.registry.imports import import_schools

    rows = [dict(zip(HEADER, GOOD, strict=True)), dict(zip(HEADER, BAD, strict=True))]
    report = import_schools(rows, dry_run=True, keep_good=True)
    assert write_rejects(tmp_path / "r.csv", rows, report) == 1
    assert read_rejects(tmp_path / "r.csv")[1][-1].startswith("quintile:")
