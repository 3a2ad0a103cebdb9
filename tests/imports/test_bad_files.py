"""Bad input gets a message, never a traceback or a server error, and nothing is written
(issue #10, hole 8): each import command and the schools upload page, with each kind of broken
file in tests/imports/files.py."""

from __future__ import annotations

import io
import time
import tracemalloc

import openpyxl.xml
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.html import escape

from cwtt.access.models import AuditEntry
from cwtt.registry.imports import import_schools, read_table
from cwtt.registry.models import Caregiver, Child, Household, Location, School, SchoolClass
from cwtt.services.models import Provider
from cwtt.tabular import TableError, reading

from ..conftest import sign_in  # noqa: TID252 - shared test helpers
from .files import (  # noqa: TID252 - this folder's broken files
    GOOD_ROW,
    SCHOOL_HEADER,
    SHEET,
    XXE,
    broken_files,
    claims_a_million_columns,
    schools_xlsx,
    with_part,
    workbook_bytes,
    zip_bomb,
)

pytestmark = pytest.mark.django_db

BROKEN = broken_files()


def database_state() -> tuple[int, ...]:
    models = (School, Location, Child, SchoolClass, Household, Caregiver, Provider, AuditEntry)
    return tuple(model.objects.count() for model in models)


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def refusal(*args: str) -> str:
    """What the command says when it refuses, or fails the test if it does not refuse."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as error:
        return str(error)
    except SystemExit as exit:
        assert exit.code == 1
        return out.getvalue() + err.getvalue()
    pytest.fail(f"accepted: {out.getvalue()}")


# Files the reader reads, whose rows the importer then refuses (for schools, with these words).
IMPORTER_REFUSES = {"a header and no rows", "the wrong header", "no header"}


def expected(case: str, what: str = "schools") -> str:
    """The words the refusal must hold: the reader's, or for a readable file with the wrong
    header or no rows, the importer's (which names the missing columns first)."""
    words = BROKEN[case][2]
    if case in IMPORTER_REFUSES and what != "schools":
        return "no columns named"
    return words


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_reader_refuses_each_broken_file_with_a_plain_reason(tmp_path, district, case):
    name, data, words = BROKEN[case]
    path = write(tmp_path, name, data)
    if case in IMPORTER_REFUSES:
        with pytest.raises(TableError, match=words):
            import_schools(read_table(path), dry_run=True)
    else:
        with pytest.raises(TableError) as refused:
            read_table(path)
        assert words in str(refused.value)


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("what", ["schools", "children"])
def test_import_registry_refuses_each_broken_file_with_exit_1_and_writes_nothing(
    tmp_path, district, case, what
):
    name, data, _words = BROKEN[case]
    before = database_state()
    message = refusal("import_registry", what, str(write(tmp_path, name, data)))
    assert expected(case, what) in message
    assert database_state() == before


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_import_services_refuses_each_broken_file_with_exit_1_and_writes_nothing(tmp_path, case):
    name, data, _words = BROKEN[case]
    before = database_state()
    message = refusal("import_services", str(write(tmp_path, name, data)))
    assert expected(case, "services") in message
    assert database_state() == before


@pytest.mark.parametrize(
    "case", [c for c in sorted(BROKEN) if BROKEN[c][0].endswith(".csv") and "column" not in c]
)
def test_measure_refuses_each_broken_csv_with_a_message_and_writes_no_output(tmp_path, case):
    name, data, _words = BROKEN[case]
    output = tmp_path / "out.csv"
    message = refusal(
        "measure", "growth", "--input", str(write(tmp_path, name, data)), "--output", str(output)
    )
    assert message
    assert not output.exists()


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_referral_rules_check_refuses_each_broken_file_with_exit_1(tmp_path, case):
    name, data, _words = BROKEN[case]
    assert "problem" in refusal("referral_rules", "check", str(write(tmp_path, name, data)))


def test_unreadable_paths_are_refused_with_a_message_not_a_traceback(tmp_path):
    folder = tmp_path / "schools.csv"
    folder.mkdir()
    assert "no such file" in refusal("import_registry", "schools", str(folder))
    assert "no such file" in refusal("import_services", str(folder))
    assert "cannot be read" in refusal("referral_rules", "check", str(folder))
    good = write(tmp_path, "in.csv", b"id,sex,age_months,height_cm,weight_kg\nA,F,60,110,18\n")
    message = refusal(
        "measure", "growth", "--input", str(good), "--output", str(tmp_path / "no" / "out.csv")
    )
    assert "cannot be written" in message


# --- What the refusals say ----------------------------------------------------------------


def test_a_header_without_rows_and_a_wrong_header_exit_1_naming_what_is_missing(tmp_path):
    header_only = write(tmp_path, "schools.csv", f"{SCHOOL_HEADER}\n".encode())
    assert "no rows below them" in refusal("import_registry", "schools", str(header_only))
    wrong = write(tmp_path, "children.csv", b"emis_number,name\n700111111,Naledi\n")
    message = refusal("import_registry", "children", str(wrong))
    assert "no columns named school_emis, class_name, grade, year" in message
    header_only = write(tmp_path, "services.csv", b"name,sector\n")
    assert "no columns named service_types, catchment" in refusal(
        "import_services", str(header_only)
    )


def test_a_file_with_more_rows_than_the_limit_is_refused_whole_and_says_so(
    tmp_path, district, settings
):
    settings.CWTT_IMPORT_MAX_ROWS = 3
    rows = [f"70033333{n},School {n},3,Gauteng (test),Test District,Circuit 1" for n in range(4)]
    four = write(tmp_path, "schools.csv", "\n".join([SCHOOL_HEADER, *rows]).encode())
    message = refusal("import_registry", "schools", str(four))
    assert "more than 3 rows below the column names (row 5 is past the limit)" in message
    assert "Split it into smaller files" in message
    assert not School.objects.filter(name__startswith="School ").exists()

    workbook = workbook_bytes([SCHOOL_HEADER.split(","), *(row.split(",") for row in rows)])
    message = refusal("import_registry", "schools", str(write(tmp_path, "s.xlsx", workbook)))
    assert "more than 3 rows" in message

    # Blank rows at the end (a spreadsheet's formatted but empty rows) do not count.
    blank_end = "\n".join([SCHOOL_HEADER, *rows[:3], *[",,"] * 50])
    three = write(tmp_path, "three.csv", blank_end.encode())
    call_command("import_registry", "schools", str(three), stdout=io.StringIO())
    assert School.objects.filter(name__startswith="School ").count() == 3


def test_a_workbook_is_read_as_a_stream_and_stops_at_the_limit(tmp_path):
    rows = [SCHOOL_HEADER.split(",")] + [GOOD_ROW.split(",")] * 20_000
    path = write(tmp_path, "big.xlsx", workbook_bytes(rows))
    tracemalloc.start()
    try:
        with pytest.raises(TableError, match="more than 1,000 rows"):
            read_table(path, max_rows=1_000)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20  # the 20,000 rows are never all held


def test_a_sheet_claiming_a_million_columns_is_read_as_wide_as_its_header(tmp_path):
    path = write(tmp_path, "schools.xlsx", claims_a_million_columns())
    started = time.monotonic()
    rows = read_table(path)
    assert time.monotonic() - started < 2
    assert rows == [dict(zip(SCHOOL_HEADER.split(","), GOOD_ROW.split(","), strict=True))]


def test_a_zip_bomb_is_refused_before_it_is_unpacked(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED_BYTES", 2 * 2**20)
    path = write(tmp_path, "schools.xlsx", zip_bomb(3 * 2**20))
    with pytest.raises(TableError, match="unpacks to 3 MB, more than the 2 MB"):
        read_table(path)


def test_openpyxl_parses_workbooks_with_defusedxml():
    # defusedxml comes with pyxform; openpyxl uses it when it is installed. The DOCTYPE check in
    # cwtt/tabular/reading.py refuses such files first, and this is the second line.
    assert openpyxl.xml.DEFUSEDXML


def test_a_doctype_hidden_behind_a_long_comment_is_still_refused(tmp_path):
    padded = '<?xml version="1.0"?><!--' + "x" * 100_000 + "-->" + XXE.split("?>", 1)[1]
    data = with_part(schools_xlsx(), SHEET, lambda text: padded + text.split("?>", 1)[-1])
    with pytest.raises(TableError, match="not an .xlsx workbook that CWTT can open"):
        read_table(write(tmp_path, "schools.xlsx", data))


# --- The upload page ----------------------------------------------------------------------


@pytest.mark.parametrize("case", sorted(BROKEN))
@pytest.mark.parametrize("action", ["check", "import"])
def test_the_upload_page_shows_the_problem_for_each_broken_file_and_writes_nothing(
    client, people, case, action
):
    manager = sign_in(client, people["dora"])
    name, data, _words = BROKEN[case]
    before = database_state()
    response = manager.post(
        reverse("administration_import"),
        {"kind": "schools", "action": action, "file": SimpleUploadedFile(name, data)},
    )
    assert response.status_code in (200, 400)
    page = response.content.decode()
    assert "<form" in page
    assert escape(expected(case)) in page
    assert database_state() == before
