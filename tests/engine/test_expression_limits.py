"""Expressions of any size or depth get a plain answer, never a RecursionError (issue #10).

An expression may be at most MAX_LENGTH characters long and nested at most MAX_DEPTH levels
deep; long sums and chains of `and`/`or` within that length work, and what goes beyond the
limits is refused with a message naming sheet, row and column, so `check` fails and nothing
is published. A syntax error is always an error, in every expression column (issue #12).
"""

from io import BytesIO

import pytest
from openpyxl import Workbook

from cwtt.instruments.engine.expressions import (
    MAX_DEPTH,
    MAX_LENGTH,
    ExpressionError,
    check_xpath,
    compile_condition,
    compile_expression,
    parse,
    references,
    to_json,
)
from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.engine.scoring import Scorer
from cwtt.instruments.engine.validation import AnswerValidator

DEEP = "(" * 200 + "${a}" + ")" * 200
HUGE_SUM = " + ".join(["${a}"] * 50_000)


def test_two_hundred_nested_brackets_are_refused_with_a_message():
    with pytest.raises(ExpressionError, match=f"nested more than {MAX_DEPTH} levels deep"):
        parse(DEEP + " > 1")


def test_a_fifty_thousand_term_sum_is_refused_for_its_length():
    with pytest.raises(ExpressionError, match="longer than 10,000 characters"):
        parse(HUGE_SUM)


def test_a_long_sum_within_the_length_limit_parses_compiles_and_evaluates():
    terms = MAX_LENGTH // 8  # "${a} + " is 7 characters
    text = " + ".join(["${a}"] * terms)
    assert len(text) <= MAX_LENGTH
    assert compile_expression(text)({"a": 1}) == terms
    assert references(parse(text)) == {"a"}
    chain = " and ".join(["${a} = 1"] * (MAX_LENGTH // 14))
    assert compile_condition(chain)({"a": 1}) is True
    assert compile_condition(chain)({"a": 2}) is False


def test_a_long_mixed_sum_keeps_its_arithmetic():
    text = " - ".join(["${a}"] * 1000) + " + 5"
    assert compile_expression(text)({"a": 1}) == 1 - 999 + 5
    assert compile_expression(text)({}) is None


def test_the_tree_sent_to_the_browser_is_never_deeper_than_the_limit():
    def depth(tree) -> int:
        children = [c for c in tree[2:] if isinstance(c, list)] if tree[0] != "lit" else []
        return 1 + max((depth(c) for c in children), default=0)

    text = " + ".join(["${a}"] * 1200)
    assert depth(to_json(parse(text))) <= MAX_DEPTH


def test_the_deepest_allowed_expression_still_compiles_and_runs():
    text = "not(" * (MAX_DEPTH - 1) + "${a} = 1" + ")" * (MAX_DEPTH - 1)
    assert compile_condition(text)({"a": 1}) is ((MAX_DEPTH - 1) % 2 == 0)
    deeper = "not(" * (MAX_DEPTH + 1) + "${a} = 1" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(ExpressionError, match="nested more than"):
        compile_condition(deeper)


def test_a_long_run_of_minus_signs_is_refused_not_a_crash():
    with pytest.raises(ExpressionError, match="nested more than"):
        parse("-" * 5000 + "1")


def test_a_number_too_large_to_hold_is_refused():
    with pytest.raises(ExpressionError, match="too large"):
        parse("${a} > " + "9" * 400)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("int(${x})", {"x": "inf"}, None),
        ("${x} mod 2", {"x": float("inf")}, None),
        ("round(${x}, ${d})", {"x": 1.5, "d": 10**30}, None),  # JavaRosa: NaN past 30 places
        ("regex(${x}, ${p})", {"x": "a", "p": "["}, False),
        ("regex(${x}, ${p})", {"x": "a", "p": ["a", "b"]}, False),
        ("int(${x})", {"x": float("nan")}, None),
        ("round(${x}, 30)", {"x": 1e300}, 1e300),  # more digits than decimal's usual 28
        ("round(${x}, -30)", {"x": 10**40}, 1e40),
        ("string(${x})", {"x": 10**400}, "Infinity"),
        ("${x} = 1", {"x": 10**400}, False),
    ],
)
def test_odd_values_give_a_value_or_none_rather_than_an_exception(text, values, expected):
    assert compile_expression(text)(values) == expected


@pytest.mark.parametrize(
    "text",
    [
        ". >= 80 and and . <= 170",
        "${a} > ",
        "(${a} = 1",
        "${a} = 1)",
        "${a} =",
        ". and",
        "'open string",
        "${a} + * 2",
        "count(${a}",
    ],
)
def test_the_general_xpath_check_refuses_syntax_errors(text):
    with pytest.raises(ExpressionError):
        check_xpath(text)


@pytest.mark.parametrize(
    "text",
    [
        "today()",
        "concat(${a}, ' ', ${b})",
        "county = ${county}",
        "instance('x')/root/item[name = current()/../y]/label",
        "${a}[position() = 1] | /data/b",
        "count(*) > 2 and @id != ''",
        "1 < 2 < 3",
        "-${a} * 2 div 3 mod 4",
        "jr:choice-name(${a}, '${a}')",
        "../sibling + ./x + //y",
    ],
)
def test_the_general_xpath_check_accepts_what_odk_accepts(text):
    check_xpath(text)


# --- in an instrument file -------------------------------------------------------------------


def survey(column: str, expression: str, extra_type: str = "integer") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    sheet.append(["type", "name", "label", column])
    sheet.append(["integer", "a", "A", ""])
    sheet.append([extra_type, "b", "B", expression])
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    choices.append(["yn", "yes", "Yes"])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("column", ["relevant", "constraint", "calculation", "choice_filter"])
@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (DEEP + " > 1", "nested more than 50 levels deep"),
        (HUGE_SUM + " > 1", "longer than 10,000 characters"),
        (". >= 80 and and . <= 170", "cannot be read"),
    ],
    ids=["200 brackets", "50,000-term sum", "and and"],
)
def test_a_bad_expression_in_any_survey_column_is_a_problem_naming_sheet_row_and_column(
    column, expression, message
):
    kind = {"calculation": "calculate", "choice_filter": "select_one yn"}.get(column, "integer")
    data = survey(column, expression, kind)
    result = read_instrument(data, "form.xlsx")
    assert not result.ok
    found = [str(p) for p in result.problems if p.column == column]
    assert found and found[0].startswith(f"survey row 3, column {column}: "), result.problems
    assert message in found[0]


def test_a_required_expression_with_a_syntax_error_is_a_problem():
    result = read_instrument(survey("required", "${a} > > 1"), "form.xlsx")
    assert any(str(p).startswith("survey row 3, column required: ") for p in result.problems), (
        result.problems
    )


def test_an_expression_the_server_does_not_evaluate_is_still_only_a_warning():
    result = read_instrument(survey("relevant", "jr:choice-name(${a}, '${a}') = 'x'"), "form.xlsx")
    assert result.ok, result.problems
    assert any("cannot evaluate" in w for w in result.warnings)


SCORED = """| survey |
| | type | name | label | domain | indicator | respondent |
| | integer | a | A | nutrition | meals | caregiver |
| measures |
| | name | measure | respondent | inputs |
| | growth | growth | caregiver | sex='m'; age_months={age}; height_cm=${{a}}; weight_kg=${{a}} |
| scoring |
| | rule | domain | indicator | level | when | reason |
| | r1 | nutrition | meals | high | {when} | Few meals |
"""


@pytest.mark.parametrize(
    ("column", "row", "when", "age", "message"),
    [
        ("when", 2, DEEP + " > 1", "1", "nested more than 50 levels deep"),
        ("when", 2, HUGE_SUM + " > 1", "1", "longer than 10,000 characters"),
        ("inputs", 2, "${a} < 2", DEEP, "nested more than 50 levels deep"),
        ("inputs", 2, "${a} < 2", HUGE_SUM, "longer than 10,000 characters"),
    ],
    ids=["when 200 brackets", "when 50,000 terms", "inputs 200 brackets", "inputs 50,000 terms"],
)
def test_a_bad_expression_in_a_scoring_column_is_a_problem(column, row, when, age, message):
    text = SCORED.format(when=when, age=age)
    result = read_instrument(text.encode(), "form.md")
    found = [str(p) for p in result.problems if p.column == column]
    assert found and message in found[0], result.problems
    assert found[0].startswith(("scoring row", "measures row"))


def test_a_long_sum_within_the_limit_loads_scores_and_validates():
    total = " + ".join(["${a}"] * 600)
    text = SCORED.format(when=f"{total} < 1200", age="60")
    text = text.replace("| A | nutrition", "| A | nutrition").replace(
        "| | type | name | label | domain | indicator | respondent |",
        "| | type | name | label | domain | indicator | respondent | constraint |",
    )
    text = text.replace("| caregiver |\n| measures", f"| caregiver | {total} < 6000 |\n| measures")
    result = read_instrument(text.encode(), "form.md")
    assert result.ok, result.problems
    scorer = Scorer(result.definition, compute=lambda kind, inputs: {})
    assert [f.rule for f in scorer.score("caregiver", {"a": 1}).findings] == ["r1"]
    validator = AnswerValidator(result.definition)
    assert validator.validate("caregiver", {"a": 20}).errors["a"]
    assert validator.validate("caregiver", {"a": 2}).ok


def test_a_huge_label_is_a_problem_and_the_file_is_read_quickly():
    import time

    text = " ".join(["${a}"] * 50_000)
    started = time.monotonic()
    result = read_instrument(survey("label::isiZulu (zu)", text), "form.xlsx")
    assert time.monotonic() - started < 10  # pyxform alone takes a minute over such a cell
    assert [str(p) for p in result.problems] == [
        "survey row 3, column label::isiZulu (zu): the cell is longer than 10,000 characters"
    ]
