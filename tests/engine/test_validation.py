"""Answers are checked against the instrument with one message per question."""

from pathlib import Path

import pytest

from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.engine.validation import AnswerValidator

FIXTURES = Path(__file__).parent.parent / "fixtures"


@pytest.fixture(scope="module")
def validator():
    return AnswerValidator(read_instrument(FIXTURES / "mini.md").definition)


def test_good_answers_are_cleaned_to_their_types(validator):
    result = validator.validate(
        "caregiver", {"cg_meals": "2", "cg_hungry": "no", "cg_worries": "dark school"}
    )
    assert result.ok, result.errors
    assert result.answers == {"cg_meals": 2, "cg_hungry": "no", "cg_worries": ["dark", "school"]}


def test_each_wrong_answer_gets_its_own_message(validator):
    result = validator.validate(
        "caregiver", {"cg_meals": "two", "cg_hit": "maybe", "cg_worries": ["ghosts"]}
    )
    assert result.errors["cg_meals"] == "'two' is not a whole number."
    assert result.errors["cg_hit"].startswith(
        "'maybe' is not one of the answers: yes (Yes), no (No)"
    )
    assert result.errors["cg_worries"].startswith("'ghosts' is not one of the answers")


def test_constraints_use_the_instruments_message(validator):
    result = validator.validate("caregiver", {"cg_meals": 9})
    assert result.errors == {"cg_meals": "Between 0 and 6 meals"}


def test_required_questions_need_an_answer_unless_saving_a_draft(validator):
    assert validator.validate("caregiver", {}).errors == {
        "cg_meals": "This question needs an answer."
    }
    assert validator.validate("caregiver", {}, partial=True).ok


def test_a_required_question_that_does_not_apply_is_not_needed(validator):
    # cg_hungry is required but only asked when fewer than 3 meals were eaten.
    assert validator.validate("caregiver", {"cg_meals": 3}).ok
    assert validator.validate("caregiver", {"cg_meals": 1}).errors == {
        "cg_hungry": "This question needs an answer."
    }


def test_an_answer_to_a_question_that_does_not_apply_is_refused(validator):
    result = validator.validate("caregiver", {"cg_meals": 4, "cg_hungry": "yes"})
    assert "does not apply" in result.errors["cg_hungry"]


def test_another_respondents_question_is_refused(validator):
    result = validator.validate("teacher", {"tc_abuse": "no", "cg_meals": 2})
    assert result.errors == {"cg_meals": "'cg_meals' is not a question for the teacher."}


def test_a_decimal_accepts_a_comma(validator):
    result = validator.validate("nurse", {"ns_height": "110,5"})
    assert result.answers["ns_height"] == 110.5


@pytest.mark.parametrize("typed", ["inf", "-Infinity", "nan", "1e999"])
def test_a_number_that_is_not_finite_is_refused_with_a_message(validator, typed):
    result = validator.validate("nurse", {"ns_height": typed, "ns_weight": "20"})
    assert result.errors == {"ns_height": f"{typed!r} is not a number."}
    assert "ns_height" not in result.answers
