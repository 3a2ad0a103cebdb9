"""Answer codes as select_one questions store them (text) read the same as numbers."""

import pytest

from cwtt.instruments.measures.errors import MeasureInputError, answer_code, answer_codes


def test_text_codes_give_the_same_numbers_as_int_codes():
    assert answer_codes(["0", "2", "1"], 3, 2) == answer_codes([0, 2, 1], 3, 2) == [0, 2, 1]
    assert answer_code("q1", "3", 3) == 3


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (["0", "3"], "q2: 3 is not a valid answer code (expected 0-2)"),
        (["0", " "], "q2: no answer given (expected 0-2)"),
        (["0", "-1"], "q2: -1 is not a valid answer code (expected 0-2)"),
        ("01", "answers: expected 2 answers (q1-q2), got text"),
    ],
)
def test_text_codes_out_of_range_or_blank_are_still_refused_by_name(answers, message):
    with pytest.raises(MeasureInputError) as refused:
        answer_codes(answers, 2, 2)
    assert str(refused.value) == message


def test_text_that_is_not_the_plain_code_takes_the_checked_path():
    # " 1" and "1.0" are what a spreadsheet gives: accepted, by the careful path.
    assert answer_codes([" 1", "1.0"], 2, 2) == [1, 1]
