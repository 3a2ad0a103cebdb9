"""Reading instrument files: problems name sheet, row and column; plain XLSForms still load."""

from pathlib import Path

from openpyxl import Workbook

from cwtt.instruments.engine.reader import read_instrument

FIXTURES = Path(__file__).parent.parent / "fixtures"


def md(text: str) -> bytes:
    return text.encode()


SURVEY_HEAD = (
    "| survey |\n| | type | name | label | domain | indicator | respondent | sensitivity |\n"
)
CHOICES = "| choices |\n| | list_name | name | label |\n| | yn | yes | Yes |\n| | yn | no | No |\n"


def problems_of(text: str) -> list[str]:
    result = read_instrument(md(text), "form.md")
    return [str(p) for p in result.problems]


def test_the_mini_instrument_reads_cleanly():
    result = read_instrument(FIXTURES / "mini.md")
    assert result.ok, result.problems
    definition = result.definition
    assert definition.code == "mini"
    assert definition.respondents() == ["caregiver", "teacher", "nurse"]
    assert len(definition.rules) == 12
    assert definition.question("cg_hit").sensitivity == "protection"
    # Group rows pass respondent and sensitivity down to their questions.
    assert definition.question("tc_absent").respondent == "teacher"
    assert definition.question("tc_absent").sensitivity == "education"


def test_a_plain_xlsform_loads_with_a_warning_that_nothing_is_scored():
    result = read_instrument(
        md(
            "| survey |\n| | type | name | label |\n| | integer | age | Age |\n| | text | name | Name |\n"
        ),
        "plain.md",
    )
    assert result.ok
    assert any("nothing in it is scored" in w for w in result.warnings)
    assert [q.name for q in result.definition.answerable()] == ["age", "name"]


def test_an_unknown_domain_is_reported_with_sheet_row_and_column():
    found = problems_of(
        SURVEY_HEAD + "| | integer | meals | Meals | food | x | caregiver | general |\n"
    )
    assert (
        "survey row 2, column domain: 'food' is not one of: health, nutrition, economic, education, protection, psychosocial"
        in found
    )


def test_a_question_without_respondent_is_a_problem_in_a_cwtt_instrument():
    found = problems_of(
        SURVEY_HEAD + "| | integer | meals | Meals | nutrition | food_quantity | | |\n"
    )
    assert any(p.startswith("survey row 2, column respondent") for p in found)


def test_a_missing_choice_list_is_reported():
    found = problems_of(
        SURVEY_HEAD + "| | select_one nope | q | Q | nutrition | x | caregiver | |\n"
    )
    assert any("survey" in p and "nope" in p for p in found), found


def test_pyxform_errors_are_passed_on_with_their_row():
    found = problems_of("| survey |\n| | type | name | label |\n| | integer | bad name | Q |\n")
    assert any(p.startswith("survey row 2") and "XLSForm" in p for p in found), found


def test_scoring_problems_name_the_row_and_column():
    text = (
        SURVEY_HEAD
        + "| | integer | cg_meals | Meals | nutrition | food_quantity | caregiver | |\n"
        + "| | select_one yn | tc_q | Q | protection | abuse | teacher | |\n"
        + CHOICES
        + "| scoring |\n| | rule | domain | indicator | level | when | reason |\n"
        + "| | r1 | nutrition | food_quantity | high | ${cg_meals} < 2 | Few meals |\n"
        + "| | r1 | nutrition | food_quantity | high | ${cg_meals} < 1 | Dup |\n"
        + "| | r2 | nutrition | food_quantity | severe | ${cg_meals} < 1 | Bad level |\n"
        + "| | r3 | nutrition | food_quantity | high | ${nothing} < 1 | Unknown name |\n"
        + "| | r4 | nutrition | food_quantity | high | ${cg_meals} < | Broken |\n"
        + "| | r5 | protection | abuse | high | ${cg_meals} < 1 and ${tc_q} = 'yes' | Mixed |\n"
        + "| | r6 | protection | abuse | high | ${tc_q} = 'yes' | |\n"
    )
    found = problems_of(text)
    assert "scoring row 3, column rule: the rule code 'r1' is used twice" in found
    assert "scoring row 4, column level: 'severe' is not one of: moderate, high" in found
    assert "scoring row 5, column when: ${nothing} is not a question or value here" in found
    assert any(
        p.startswith("scoring row 6, column when: the expression '${cg_meals} <' cannot be read")
        for p in found
    )
    assert any(
        p.startswith("scoring row 7, column when: the condition mixes respondents") for p in found
    )
    assert "scoring row 8, column reason: the rule has no plain-language reason" in found


def test_a_measure_with_a_missing_input_is_reported():
    text = (
        SURVEY_HEAD
        + "| | integer | q1 | Q | nutrition | food_security | caregiver | |\n"
        + "| measures |\n| | name | measure | respondent | inputs |\n"
        + "| | hf | hfias | caregiver | q1=${q1} |\n"
        + "| | zz | bmi | caregiver | q1=${q1} |\n"
    )
    found = problems_of(text)
    assert any(
        p.startswith("measures row 2, column inputs: hfias needs inputs for q2") for p in found
    )
    assert any(
        p.startswith("measures row 3, column measure: 'bmi' is not a known measure") for p in found
    )


def test_an_xlsx_file_reads_like_its_markdown_twin(tmp_path):
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(["type", "name", "label", "domain", "indicator", "respondent"])
    survey.append(["integer", "cg_meals", "Meals", "nutrition", "food_quantity", "caregiver"])
    scoring = workbook.create_sheet("scoring")
    scoring.append(["rule", "domain", "indicator", "level", "when", "reason"])
    scoring.append(["r1", "nutrition", "food_quantity", "high", "${cg_meals} < 2", "Few meals"])
    scoring.append(["r2", "nutrition", "food_quantity", "mid", "${cg_meals} < 1", "Bad"])
    path = tmp_path / "form.xlsx"
    workbook.save(path)
    result = read_instrument(path)
    assert [str(p) for p in result.problems] == [
        "scoring row 3, column level: 'mid' is not one of: moderate, high"
    ]


def test_a_file_that_is_not_a_spreadsheet_is_refused_plainly(tmp_path):
    path = tmp_path / "notes.xlsx"
    path.write_text("hello")
    result = read_instrument(path)
    assert not result.ok
    assert "is not an Excel workbook" in str(result.problems[0])
    result = read_instrument(tmp_path / "missing.xlsx")
    assert "cannot read file" in str(result.problems[0])


def test_unsupported_file_types_are_named():
    result = read_instrument(b"x", "form.txt")
    assert "is not an instrument file" in str(result.problems[0])


def test_a_csv_file_that_is_not_an_xlsform_is_refused_plainly():
    # pyxform reads XLSForms in CSV (issue #12); a CSV that is not one gets pyxform's words.
    result = read_instrument(b"x", "form.csv")
    assert str(result.problems[0]) == (
        "form.csv: the file could not be read as an XLSForm (Error reading .csv file: "
        "The input data does not appear to be a valid XLSForm.)"
    )


def test_a_pyxform_problem_on_a_survey_row_names_the_survey_sheet_not_choices():
    result = read_instrument(
        md("| survey |\n| | type | name | label |\n| | select_one nope | q | Q |\n" + CHOICES),
        "form.md",
    )
    from_pyxform = [p for p in result.problems if p.message.startswith("XLSForm")]
    assert from_pyxform and all(p.sheet == "survey" for p in from_pyxform), result.problems
    assert "List name not in choices sheet: nope" in from_pyxform[0].message
    assert from_pyxform[0].row == 2


def test_when_pyxform_refuses_the_survey_the_scoring_sheet_is_still_checked():
    found = problems_of(
        SURVEY_HEAD
        + "| | number | cg_meals | Meals | nutrition | food_quantity | caregiver | |\n"
        + "| scoring |\n| | rule | domain | indicator | level | when | reason |\n"
        + "| | r1 | nutrition | food_quantity | severe | ${cg_meals} < 2 | Few meals |\n"
    )
    assert found == [
        "survey row 2, column type: XLSForm: Unknown question type 'number'.",
        "scoring row 2, column level: 'severe' is not one of: moderate, high",
    ]


def test_a_select_in_a_file_without_choices_names_its_row():
    found = problems_of("| survey |\n| | type | name | label |\n| | select_one yn | q | Q |\n")
    assert found == [
        "survey row 2, column type: XLSForm: List name not in choices sheet: yn "
        "(the file has no choices sheet)"
    ]
