import re

import pytest

from cwtt.instruments.engine.expressions import (
    ExpressionError,
    compile_condition,
    compile_expression,
    parse,
    references,
)


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("${a} = 'yes'", {"a": "yes"}, True),
        ("${a} = 'yes'", {"a": "no"}, False),
        ("${a} != 'yes'", {"a": "no"}, True),
        ("${n} >= 3 and ${n} < 5", {"n": 4}, True),
        ("${n} >= 3 and ${n} < 5", {"n": 5}, False),
        ("${n} > 2 or selected(${m}, 'x')", {"n": 1, "m": ["x", "y"]}, True),
        ("not(selected(${m}, 'x'))", {"m": ["y"]}, True),
        ("count-selected(${m}) >= 2", {"m": ["x", "y"]}, True),
        ("${code} > 0", {"code": "2"}, True),  # select codes are strings; compared as numbers
        ("${flag} = true()", {"flag": True}, True),
        ("${flag} = true()", {"flag": False}, False),
        ("${a} + ${b} * 2 = 7", {"a": 1, "b": 3}, True),
        ("${a} div 2 = 1.5", {"a": 3}, True),
        ("${a} mod 2 = 1", {"a": 3}, True),
        ("-${a} < 0", {"a": 3}, True),
        ("if(${a} > 1, 'big', 'small') = 'big'", {"a": 2}, True),
        ("coalesce(${missing}, 0) = 0", {}, True),
        ("regex(${s}, '^[0-9]{3}$')", {"s": "123"}, True),
        ("string-length(${s}) = 3", {"s": "abc"}, True),
        ("round(${x}, 1) = 2.3", {"x": 2.34}, True),
        ("max(${a}, ${b}) = 4", {"a": 4, "b": 1}, True),
    ],
)
def test_expressions_evaluate_like_xlsform(text, values, expected):
    assert compile_condition(text)(values) is expected


@pytest.mark.parametrize(
    "text",
    ["${a} = 'yes'", "${a} < 3", "${a} > 3", "${a} = 0", "selected(${a}, 'x')", "${a} + 1 > 0"],
)
def test_a_missing_answer_makes_no_comparison_with_a_value_true(text):
    assert compile_condition(text)({}) is False


@pytest.mark.parametrize("text", ["${a} != 'no'", "${a} = ''", "${a} != 3", "not(${a} > 3)"])
def test_a_missing_answer_is_blank_as_in_odk_collect(text):
    # An unanswered question is the empty text '' (ODK's blank node): it differs from 'no'.
    assert compile_condition(text)({}) is True


def test_arithmetic_with_a_missing_answer_has_no_value():
    # NaN (and '') is kept as no value, as ODK keeps a calculation's NaN.
    assert compile_expression("${a} + 1")({}) is None
    assert compile_expression("0 div ${a}")({"a": 0}) is None
    assert compile_expression("${a} div 0")({"a": 1}) == float("inf")


def test_constraint_reads_the_current_answer_as_dot():
    check = compile_condition(". >= 0 and . <= 31")
    assert check({".": 5}) is True
    assert check({".": 40}) is False


def test_references_lists_every_name_read():
    assert references(parse("${a} = 1 and selected(${b}, 'x') or . > 2")) == {"a", "b", "."}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("${a} =", "ends too early"),
        ("frobnicate(${a})", "frobnicate() is not supported"),
        ("${a} = 1 = 2", "join them with 'and'"),
        ("abc = 1", "refer to a question as ${name}"),
        ("${a} ? 1", "unexpected character '?'"),
        ("selected(${a})", "takes 2 argument(s), got 1"),
        ("(${a} = 1", "expected ')'"),
    ],
)
def test_bad_expressions_are_refused_with_a_clear_message(text, message):
    with pytest.raises(ExpressionError, match=re.escape(message)):
        parse(text)


def test_author_text_cannot_run_python():
    # Strings are literals, never code: this compares to a string rather than importing os.
    assert compile_condition("${a} = '__import__(\"os\")'")({"a": "x"}) is False


VALUES = [None, 0, 1, 2.5, -1, "0", "1", "2.5", "yes", "no", "", ["yes"], ["a", "b"], True, False]
LITERALS = ["'yes'", "'1'", "1", "2.5", "0", "'no'"]


@pytest.mark.parametrize("op", ["=", "!=", "<", "<=", ">", ">="])
@pytest.mark.parametrize("literal", LITERALS)
def test_the_fast_comparison_path_agrees_with_the_general_rules(op, literal):
    # `${a} op literal` compiles to a fast path; `${a} op ${b}` always takes the general helper.
    fast = compile_condition(f"${{a}} {op} {literal}")
    flipped = compile_condition(f"{literal} {op} ${{a}}")
    general = compile_condition(f"${{a}} {op} ${{b}}")
    general_flipped = compile_condition(f"${{b}} {op} ${{a}}")
    literal_value = compile_expression(literal)({})
    for value in VALUES:
        expected = general({"a": value, "b": literal_value})
        assert fast({"a": value}) is expected, (value, op, literal)
        assert flipped({"a": value}) is general_flipped({"a": value, "b": literal_value}), (
            value,
            op,
            literal,
        )
