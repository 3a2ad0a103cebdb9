"""PHQ-9 score, Kroenke 2001 severity bands, and the item-9 safety check."""

import pytest

from cwtt.instruments.measures.errors import MeasureInputError
from cwtt.instruments.measures.phq9 import phq9, phq9_from_inputs


def answers_scoring(total: int, item9: int = 0) -> list[int]:
    """Nine answers adding up to `total`, with item 9 fixed and items 1-8 filled in order."""
    remaining = total - item9
    codes = []
    for _ in range(8):
        codes.append(min(3, remaining))
        remaining -= codes[-1]
    assert remaining == 0
    return [*codes, item9]


@pytest.mark.parametrize(
    "score, band",
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (24, "severe"),
    ],
)
def test_band_edges_follow_kroenke_2001(score, band):
    result = phq9(answers_scoring(score))
    assert result["phq9_score"] == score
    assert result["phq9_band"] == band


def test_the_highest_score_is_27_and_severe():
    assert phq9([3] * 9) == {"phq9_score": 27, "phq9_band": "severe", "phq9_urgent": True}


def test_any_answer_above_zero_on_item_9_is_urgent_even_with_a_minimal_score():
    result = phq9(answers_scoring(1, item9=1))
    assert result["phq9_band"] == "minimal"
    assert result["phq9_urgent"] is True


def test_a_high_score_without_item_9_is_not_urgent():
    result = phq9(answers_scoring(24, item9=0))
    assert result["phq9_band"] == "severe"
    assert result["phq9_urgent"] is False


def test_named_inputs_are_read_as_q1_to_q9():
    inputs = {f"q{i}": code for i, code in enumerate(answers_scoring(12, item9=2), 1)}
    assert phq9_from_inputs(inputs) == {
        "phq9_score": 12,
        "phq9_band": "moderate",
        "phq9_urgent": True,
    }


def test_an_answer_of_4_is_rejected_naming_the_item():
    with pytest.raises(
        MeasureInputError, match=r"^q2: 4 is not a valid answer code \(expected 0-3\)$"
    ):
        phq9([0, 4, 0, 0, 0, 0, 0, 0, 0])


def test_a_blank_answer_is_rejected_not_counted_as_zero():
    with pytest.raises(MeasureInputError, match="q9: no answer given"):
        phq9([0, 0, 0, 0, 0, 0, 0, 0, ""])


def test_ten_answers_are_rejected():
    with pytest.raises(MeasureInputError, match="expected 9 answers"):
        phq9([0] * 10)
