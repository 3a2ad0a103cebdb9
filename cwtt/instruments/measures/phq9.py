"""Patient Health Questionnaire-9 (PHQ-9) depression severity.

Source: Kroenke K, Spitzer RL, Williams JBW. The PHQ-9: validity of a brief depression
severity measure. J Gen Intern Med 2001;16(9):606-613. Nine items, each 0 (not at all) to
3 (nearly every day); score 0-27; severity bands 0-4 minimal, 5-9 mild, 10-14 moderate,
15-19 moderately severe, 20-27 severe.

`phq9_urgent` is true when item 9 (thoughts of being better off dead or of self-harm) is
answered above 0, whatever the total: any such answer needs a same-day safety check by a
person, so it must never be hidden behind a low score.
"""

from collections.abc import Mapping, Sequence
from typing import Literal, TypedDict

from .errors import answer_codes

ITEMS = 9
HIGHEST_CODE = 3
INPUT_COLUMNS: tuple[str, ...] = tuple(f"q{i}" for i in range(1, ITEMS + 1))
OUTPUT_COLUMNS: tuple[str, ...] = ("phq9_score", "phq9_band", "phq9_urgent")

Phq9Band = Literal["minimal", "mild", "moderate", "moderately_severe", "severe"]


class Phq9Result(TypedDict):
    phq9_score: int
    phq9_band: Phq9Band
    phq9_urgent: bool


def phq9_band(score: int) -> Phq9Band:
    """Kroenke 2001 severity band for a 0-27 PHQ-9 score."""
    if score <= 4:
        return "minimal"
    if score <= 9:
        return "mild"
    if score <= 14:
        return "moderate"
    if score <= 19:
        return "moderately_severe"
    return "severe"


def phq9(answers: Sequence[object]) -> Phq9Result:
    """PHQ-9 score, band and item-9 urgency from answers q1..q9 (codes 0-3).

    Raises MeasureInputError naming the item for a missing, non-numeric or out-of-range
    answer, or for a wrong number of answers.
    """
    codes = answer_codes(answers, ITEMS, HIGHEST_CODE)
    score = sum(codes)
    return {"phq9_score": score, "phq9_band": phq9_band(score), "phq9_urgent": codes[8] > 0}


def phq9_from_inputs(inputs: Mapping[str, object]) -> Phq9Result:
    """`phq9` from named inputs q1..q9, as the scoring engine and the CSV tool hold them."""
    get = inputs.get
    return phq9([get(key) for key in INPUT_COLUMNS])
