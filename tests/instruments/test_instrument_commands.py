"""`cwtt instrument check|publish|list|export` and `cwtt measure` as a user runs them."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.models import InstrumentVersion

FIXTURES = Path(__file__).parent.parent / "fixtures"


def run(*args) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return out.getvalue(), err.getvalue(), code


def test_check_summarises_a_good_instrument_and_exits_0():
    out, _, code = run("instrument", "check", str(FIXTURES / "mini.md"))
    assert code == 0
    assert "10 questions: 5 caregiver, 2 teacher, 3 nurse" in out
    assert "Protection and care (protection): 3 questions, 4 rules" in out
    assert "no problems found" in out


def test_check_lists_problems_and_exits_1(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text(
        (FIXTURES / "mini.md")
        .read_text()
        .replace(
            "| nutrition | food_quantity | high | ${cg_meals} < 2",
            "| nutrition | food_quantity | severe | ${cg_meals} < 2",
        )
    )
    _, err, code = run("instrument", "check", str(bad))
    assert code == 1
    assert "scoring row 2, column level: 'severe' is not one of: moderate, high" in err


def test_check_warns_that_a_plain_xlsform_is_not_scored(tmp_path):
    plain = tmp_path / "plain.md"
    plain.write_text("| survey |\n| | type | name | label |\n| | integer | age | Age |\n")
    out, _, code = run("instrument", "check", str(plain))
    assert code == 0
    assert "nothing in it is scored" in out


@pytest.mark.django_db
def test_publish_adds_versions_and_does_not_repeat_an_identical_file(tmp_path):
    out, _, code = run("instrument", "publish", str(FIXTURES / "mini.md"))
    assert code == 0 and "Published mini version 1" in out
    out, _, _ = run("instrument", "publish", str(FIXTURES / "mini.md"))
    assert "identical to mini version 1" in out
    changed = tmp_path / "mini.md"
    changed.write_text(
        (FIXTURES / "mini.md").read_text().replace("${cg_meals} < 2", "${cg_meals} < 3")
    )
    out, _, _ = run("instrument", "publish", str(changed))
    assert "Published mini version 2" in out
    assert list(InstrumentVersion.objects.values_list("number", flat=True)) == [1, 2]
    out, _, _ = run("instrument", "list")
    assert "version 1" in out and "version 2" in out


@pytest.mark.django_db
def test_publish_refuses_a_malformed_instrument_and_stores_nothing(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text(
        "| survey |\n| | type | name | label | domain |\n| | integer | a | A | weather |\n"
    )
    _, err, code = run("instrument", "publish", str(bad))
    assert code == 1
    assert "survey row 2, column domain" in err
    assert not InstrumentVersion.objects.exists()


def test_export_writes_an_xlsx_that_reads_back_the_same(tmp_path):
    target = tmp_path / "mini.xlsx"
    run("instrument", "export", str(FIXTURES / "mini.md"), "--output", str(target))
    original = read_instrument(FIXTURES / "mini.md").definition
    exported = read_instrument(target).definition
    assert exported.to_dict() == original.to_dict()


def test_measure_command_scores_a_csv_keeping_the_id_column(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "id,sex,age_months,height_cm,weight_kg\nA1,F,60.32,113.8,18.7\nA2,F,60,2500,18\n"
    )
    target = tmp_path / "out.csv"
    out, _, _ = run("measure", "growth", "--input", str(source), "--output", str(target))
    rows = list(csv.DictReader(target.open()))
    assert (rows[0]["id"], rows[0]["haz"], rows[0]["waz"], rows[0]["baz"]) == (
        "A1",
        "0.96",
        "0.21",
        "-0.58",
    )
    assert rows[1]["id"] == "A2" and "height_cm" in rows[1]["error"] and rows[1]["haz"] == ""
    assert "2 rows read, 1 scored, 1 with errors" in out


def test_measure_command_refuses_a_file_missing_columns_without_writing(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("id,q1,q2\n1,0,0\n")
    target = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="q3"):
        run("measure", "phq9", "--input", str(source), "--output", str(target))
    assert not target.exists()


def test_check_names_the_repeats_and_says_they_are_not_scored(tmp_path):
    form = tmp_path / "household.md"
    form.write_text(
        "| survey |\n"
        "| | type | name | label |\n"
        "| | integer | adults | Adults |\n"
        "| | begin repeat | household_members | Household member |\n"
        "| | text | hm_name | Name |\n"
        "| | integer | hm_age | Age |\n"
        "| | end repeat | | |\n"
    )
    out, err, _ = run("instrument", "check", str(form))
    assert "Repeats (asked per row, not scored): household_members (2 questions a row)" in out
    assert "repeat 'household_members' is asked and checked, but answers inside repeats" in (
        out + err
    )
