"""HFIAS and Household Hunger Scale against the FANTA guides' rules (Coates 2007, Ballard 2011)."""

import itertools

import pytest

from cwtt.instruments.measures.errors import MeasureInputError
from cwtt.instruments.measures.hfias import hfias, hfias_from_inputs


def answers(**codes: int) -> list[int]:
    """Nine codes, 0 unless given as q1=..., q9=..."""
    return [codes.get(f"q{i}", 0) for i in range(1, 10)]


@pytest.mark.parametrize(
    "codes, category",
    [
        ({}, "food_secure"),
        ({"q1": 1}, "food_secure"),
        ({"q1": 2}, "mildly_insecure"),
        ({"q1": 3}, "mildly_insecure"),
        ({"q2": 1}, "mildly_insecure"),
        ({"q2": 3}, "mildly_insecure"),
        ({"q3": 1}, "mildly_insecure"),
        ({"q4": 1}, "mildly_insecure"),
        ({"q1": 3, "q2": 3, "q3": 1, "q4": 1}, "mildly_insecure"),
        ({"q3": 2}, "moderately_insecure"),
        ({"q3": 3}, "moderately_insecure"),
        ({"q4": 2}, "moderately_insecure"),
        ({"q5": 1}, "moderately_insecure"),
        ({"q5": 2}, "moderately_insecure"),
        ({"q6": 1}, "moderately_insecure"),
        ({"q6": 2}, "moderately_insecure"),
        ({"q1": 3, "q2": 3, "q3": 3, "q4": 3, "q5": 2, "q6": 2}, "moderately_insecure"),
        ({"q5": 3}, "severely_insecure"),
        ({"q6": 3}, "severely_insecure"),
        ({"q7": 1}, "severely_insecure"),
        ({"q8": 1}, "severely_insecure"),
        ({"q9": 1}, "severely_insecure"),
        ({"q3": 2, "q7": 1}, "severely_insecure"),
        ({"q1": 1, "q9": 1}, "severely_insecure"),
    ],
)
def test_each_category_boundary_of_the_fanta_guide(codes, category):
    assert hfias(answers(**codes))["hfias_category"] == category


def guide_conditions(q: list[int]) -> list[str]:
    """The guide's Table 4 conditions transcribed literally; all that hold, mildest first."""
    q1, q2, q3, q4, q5, q6, q7, q8, q9 = q
    holding = []
    if q1 in (0, 1) and q2 == q3 == q4 == q5 == q6 == q7 == q8 == q9 == 0:
        holding.append("food_secure")
    if (q1 in (2, 3) or q2 in (1, 2, 3) or q3 == 1 or q4 == 1) and q5 == q6 == q7 == q8 == q9 == 0:
        holding.append("mildly_insecure")
    if (q3 in (2, 3) or q4 in (2, 3) or q5 in (1, 2) or q6 in (1, 2)) and q7 == q8 == q9 == 0:
        holding.append("moderately_insecure")
    if q5 == 3 or q6 == 3 or q7 in (1, 2, 3) or q8 in (1, 2, 3) or q9 in (1, 2, 3):
        holding.append("severely_insecure")
    return holding


def test_every_possible_answer_pattern_gets_the_most_severe_matching_guide_category():
    for pattern in itertools.product(range(4), repeat=9):
        codes = list(pattern)
        holding = guide_conditions(codes)
        assert holding, f"no guide condition holds for {codes}"
        assert hfias(codes)["hfias_category"] == holding[-1], codes


def test_the_score_is_the_sum_of_the_nine_codes():
    assert hfias(answers())["hfias_score"] == 0
    assert hfias([3] * 9)["hfias_score"] == 27
    assert hfias([1, 2, 3, 0, 1, 2, 3, 0, 1])["hfias_score"] == 13


@pytest.mark.parametrize(
    "q7, q8, q9, score, category",
    [
        (0, 0, 0, 0, "none_or_little"),
        (1, 0, 0, 1, "none_or_little"),
        (2, 0, 0, 1, "none_or_little"),
        (3, 0, 0, 2, "moderate"),
        (1, 1, 0, 2, "moderate"),
        (3, 1, 0, 3, "moderate"),
        (3, 3, 0, 4, "severe"),
        (2, 2, 3, 4, "severe"),
        (3, 3, 3, 6, "severe"),
    ],
)
def test_household_hunger_recodes_items_7_to_9_and_bands_the_score(q7, q8, q9, score, category):
    result = hfias(answers(q7=q7, q8=q8, q9=q9))
    assert (result["hhs_score"], result["hhs_category"]) == (score, category)


def test_items_1_to_6_do_not_count_towards_household_hunger():
    assert hfias([3, 3, 3, 3, 3, 3, 0, 0, 0])["hhs_score"] == 0


def test_named_inputs_and_text_codes_are_scored_like_a_list():
    inputs = {f"q{i}": str(code) for i, code in enumerate([1, 2, 0, 0, 1, 0, 0, 0, 0], 1)}
    assert hfias_from_inputs(inputs) == hfias([1, 2, 0, 0, 1, 0, 0, 0, 0])


@pytest.mark.parametrize(
    "position, value, message",
    [
        (3, 7, "q3: 7 is not a valid answer code (expected 0-3)"),
        (3, "7", "q3: 7 is not a valid answer code (expected 0-3)"),
        (1, -1, "q1: -1 is not a valid answer code (expected 0-3)"),
        (2, 1.5, "q2: 1.5 is not a valid answer code (expected 0-3)"),
        (9, None, "q9: no answer given (expected 0-3)"),
        (5, " ", "q5: no answer given (expected 0-3)"),
        (4, "often", "q4: 'often' is not a number (expected an answer code 0-3)"),
        (6, True, "q6: True is not a number (expected an answer code 0-3)"),
    ],
)
def test_a_bad_answer_raises_a_plain_message_naming_the_question(position, value, message):
    codes: list[object] = list(answers())
    codes[position - 1] = value
    with pytest.raises(MeasureInputError) as raised:
        hfias(codes)
    assert str(raised.value) == message
    assert raised.value.field == f"q{position}"


def test_a_spreadsheet_style_whole_number_is_accepted():
    assert hfias(["2.0", 0, 0, 0, 0, 0, 0, 0, 0])["hfias_score"] == 2


def test_the_wrong_number_of_answers_is_an_error():
    with pytest.raises(MeasureInputError, match="expected 9 answers"):
        hfias([0] * 8)


def test_a_missing_named_input_is_an_error_naming_it():
    inputs = {f"q{i}": 0 for i in range(1, 9)}
    with pytest.raises(MeasureInputError, match="q9: no answer given"):
        hfias_from_inputs(inputs)
