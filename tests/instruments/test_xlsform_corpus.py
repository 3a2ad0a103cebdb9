"""pyxform is the one XLSForm reader (issue #12): every form in the corpus, which pyxform
converts, loads in every file type pyxform reads; every form pyxform refuses is refused with
pyxform's own message; the default instrument's XForm holds the same questions."""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from django.conf import settings
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from cwtt.instruments.engine.reader import read_instrument

from .xlsforms import CORPUS, FORMATS, REFUSED, write

# pyxform's CSV reader keeps every sheet and then fails on a sheet it does not know (a
# TypeError, not a message), so these two are not forms pyxform converts as CSV; the reader
# loads them all the same (test_a_csv_form_pyxform_cannot_convert_...).
PYXFORM_CSV_FAILS = {"one sheet with another name", "CWTT columns in a group, with scoring"}
CASES = [
    (name, suffix)
    for name in CORPUS
    for suffix in FORMATS
    if not (suffix == ".csv" and name in PYXFORM_CSV_FAILS)
]


@pytest.mark.parametrize(("name", "suffix"), CASES, ids=[f"{n} {s}" for n, s in CASES])
def test_every_form_pyxform_converts_loads(tmp_path, name, suffix):
    sheets, answerable = CORPUS[name]
    path = tmp_path / f"form{suffix}"
    path.write_bytes(write(sheets, suffix))
    converted = convert(xlsform=path)  # the premise: pyxform converts it
    result = read_instrument(path)
    assert result.ok, [str(p) for p in result.problems]
    assert [q.name for q in result.definition.answerable()] == answerable
    assert result.xform == converted.xform  # pyxform's XForm, unchanged


def test_the_corpus_is_at_least_thirty_forms():
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_form_pyxform_refuses_is_refused_with_its_message(name):
    data = write(REFUSED[name], ".xlsx")
    with pytest.raises(PyXFormError) as refused:
        convert(xlsform=data, file_type=".xlsx")
    result = read_instrument(data, "form.xlsx")
    assert not result.ok
    said = " ".join(re.sub(r"\[row\s*:\s*\d+\]", "", str(refused.value)).split())
    assert any(said in p.message for p in result.problems), (said, result.problems)


@pytest.mark.parametrize("name", sorted(PYXFORM_CSV_FAILS))
def test_a_csv_form_pyxform_cannot_convert_for_a_sheet_it_does_not_know_loads(name):
    sheets, answerable = CORPUS[name]
    data = write(sheets, ".csv")
    with pytest.raises(TypeError):
        convert(xlsform=data, file_type=".csv")
    result = read_instrument(data, "form.csv")
    assert result.ok, result.problems
    assert [q.name for q in result.definition.answerable()] == answerable


def test_a_row_problem_from_pyxform_names_the_survey_sheet_and_row():
    data = write(REFUSED["a name with a space"], ".md")
    [problem] = read_instrument(data, "form.md").problems
    assert (problem.sheet, problem.row) == ("survey", 2)


def test_or_other_asks_for_the_other_answer_only_when_other_is_chosen():
    sheets, _ = CORPUS["select_one with or_other"]
    definition = read_instrument(write(sheets, ".xlsx"), "form.xlsx").definition
    assert [c.name for c in definition.choices["colors"]] == ["red", "blue", "other"]
    other = definition.question("color_other")
    assert other.type == "text" and other.relevant == "selected(${color}, 'other')"


def test_cwtt_columns_and_sheets_are_read_in_any_case():
    sheets, _ = CORPUS["CWTT columns in a group, with scoring"]
    definition = read_instrument(write(sheets, ".xls"), "form.xls").definition
    meals = definition.question("meals")
    assert (meals.respondent, meals.domain, meals.indicator) == (
        "caregiver",
        "nutrition",
        "food_quantity",
    )
    assert [r.code for r in definition.rules] == ["few"]


def test_languages_from_an_xls_file():
    sheets, _ = CORPUS["languages with codes"]
    definition = read_instrument(write(sheets, ".xls"), "form.xls").definition
    assert definition.languages == ["zu"]
    assert definition.language_name("") == "English"
    assert definition.question("q").label == {"default": "Hungry?", "zu": "Ulambile?"}
    assert definition.choices["yn"][0].label == {"default": "Yes", "zu": "Yebo"}


def test_a_relevant_on_a_value_only_odk_computes_is_a_warning_and_not_checked():
    sheets = {
        "survey": [
            ["type", "name", "label", "calculation", "relevant"],
            ["integer", "a", "A", "", ""],
            ["calculate", "first", "", "once(${a})", ""],
            ["integer", "b", "B", "", "${first} > 4"],
        ]
    }
    data = write(sheets, ".md")
    convert(xlsform=data, file_type=".md")
    result = read_instrument(data, "form.md")
    assert result.ok
    assert result.definition.question("b").relevant is None
    assert result.definition.question("first").calculation is None
    assert any(
        "row 3, column calculation: the server cannot evaluate" in w for w in result.warnings
    )
    assert any("${first} is computed or collected by ODK only" in w for w in result.warnings)


def test_a_question_in_two_groups_with_one_name_is_refused_naming_the_feature():
    sheets = {
        "survey": [
            ["type", "name", "label"],
            ["begin group", "g1", "G1"],
            ["integer", "a", "A"],
            ["end group", "", ""],
            ["begin group", "g2", "G2"],
            ["integer", "a", "A"],
            ["end group", "", ""],
        ]
    }
    data = write(sheets, ".md")
    convert(xlsform=data, file_type=".md")
    problems = [str(p) for p in read_instrument(data, "form.md").problems]
    assert problems == [
        "survey row 6, column name: the name 'a' is also used on row 3 (in another group); "
        "CWTT keeps answers by question name, so each name must be used once"
    ]


def test_a_broken_constraint_is_an_error_naming_the_survey_sheet():
    sheets = {
        "survey": [
            ["type", "name", "label", "constraint"],
            ["select_one yn", "q", "Q", ""],
            ["integer", "height", "Height", ". >= 80 and and . <= 170"],
        ],
        "choices": [["list_name", "name", "label"], ["yn", "yes", "Yes"]],
    }
    result = read_instrument(write(sheets, ".xlsx"), "form.xlsx")
    assert not result.ok and result.definition is None
    assert [(p.sheet, p.row, p.column) for p in result.problems] == [("survey", 3, "constraint")]
    assert not any("and and" in w for w in result.warnings)


# --- the default instrument round trip ------------------------------------------------------

XF = "{http://www.w3.org/2002/xforms}"
BODY_TAGS = {"input": None, "select1": "select_one", "select": "select_multiple", "range": "range"}
BIND_TYPES = {"int": "integer", "decimal": "decimal", "string": "text", "date": "date"}


def xform_questions(xform: str) -> dict[str, dict[str, str]]:
    """Name → type, relevant and constraint of every question the XForm asks."""
    root = ElementTree.fromstring(xform)
    binds = {b.get("nodeset"): b for b in root.iter(f"{XF}bind")}
    found = {}
    for tag, select in BODY_TAGS.items():
        for control in root.iter(f"{XF}{tag}"):
            ref = control.get("ref")
            bind = binds[ref]
            if bind.get("readonly") == "true()":
                continue  # a note
            found[ref.rsplit("/", 1)[1]] = {
                "type": select or BIND_TYPES[bind.get("type")],
                "relevant": bind.get("relevant"),
                "constraint": bind.get("constraint"),
            }
    return found


def bare(expression: str) -> str:
    return "".join(expression.split())


def test_the_default_instrument_reads_to_an_xform_with_the_same_questions():
    result = read_instrument(Path(settings.CWTT_DEFAULT_INSTRUMENT))
    assert result.ok
    in_xform = xform_questions(result.xform)
    answerable = result.definition.answerable()
    assert set(in_xform) == {q.name for q in answerable}
    for question in answerable:
        asked = in_xform[question.name]
        assert asked["type"] == question.type, question.name
        # pyxform writes ${name} as an absolute path; the expression is otherwise the same.
        for column in ("relevant", "constraint"):
            ours = getattr(question, column)
            theirs = asked[column]
            assert (ours is None) == (theirs is None), (question.name, column)
            if ours:
                assert bare(re.sub(r"\$\{(\w+)\}", r"\1", ours)) == bare(
                    re.sub(r"/data(/\w+)*/(\w+)", r"\2", theirs)
                ), (question.name, column)
    assert (
        ElementTree.fromstring(result.xform).find(f".//{XF}instance/*").get("id")
        == result.definition.code
        == "cwtt"
    )


def test_a_survey_sheet_pyxform_cannot_find_is_refused_with_its_hint():
    sheets = {
        "Surveys": [["type", "name", "label"], ["integer", "a", "A"]],
        "choices": [["list_name", "name", "label"], ["yn", "yes", "Yes"]],
    }
    data = write(sheets, ".xlsx")
    with pytest.raises(PyXFormError, match="You must have a sheet named 'survey'"):
        convert(xlsform=data, file_type=".xlsx")
    [problem] = read_instrument(data, "form.xlsx").problems
    assert problem.sheet == "survey"
    assert problem.message.startswith("the file has no 'survey' sheet (")
    assert "'Surveys'" in problem.message  # pyxform's hint at the likely misspelling


def test_a_macro_enabled_workbook_loads_like_an_xlsx():
    sheets, answerable = CORPUS["select_one with or_other"]
    result = read_instrument(write(sheets, ".xlsx"), "form.xlsm")
    assert result.ok, result.problems
    assert [q.name for q in result.definition.answerable()] == answerable


@pytest.mark.parametrize(("suffix", "row"), [(".xlsx", 4), (".xls", 4), (".md", 3), (".csv", 3)])
def test_row_numbers_count_empty_rows_in_workbooks_only(suffix, row):
    sheets = {
        "survey": [
            ["type", "name", "label", "domain", "respondent"],
            ["integer", "a", "A", "health", "caregiver"],
            ["", "", "", "", ""],
            ["integer", "b", "B", "weather", "caregiver"],
        ]
    }
    [problem] = read_instrument(write(sheets, suffix), f"form{suffix}").problems
    assert (problem.sheet, problem.row, problem.column) == ("survey", row, "domain")


def test_a_modern_workbook_saved_with_the_old_name_loads():
    sheets, answerable = CORPUS["plain questions"]
    result = read_instrument(write(sheets, ".xlsx"), "form.xls")
    assert result.ok, result.problems
    assert [q.name for q in result.definition.answerable()] == answerable


@pytest.mark.parametrize("suffix", [".md", ".csv"])
def test_a_text_file_saved_with_a_byte_order_mark_loads(suffix):
    sheets, answerable = CORPUS["relevant and constraint"]
    result = read_instrument(codecs.BOM_UTF8 + write(sheets, suffix), f"form{suffix}")
    assert result.ok, result.problems
    assert [q.name for q in result.definition.answerable()] == answerable
