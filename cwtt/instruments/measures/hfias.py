"""Household Food Insecurity Access Scale (HFIAS) and the Household Hunger Scale (HHS).

Sources
-------
- Coates J, Swindale A, Bilinsky P. Household Food Insecurity Access Scale (HFIAS) for
  Measurement of Food Access: Indicator Guide, version 3. Washington DC: FANTA, August 2007.
  Score: sum of the nine frequency codes (0-27). Category: the guide's four conditions
  (its Table 4), quoted in `hfias_category`; the most severe condition that matches wins.
- Ballard T, Coates J, Swindale A, Deitchler M. Household Hunger Scale: Indicator Definition
  and Measurement Guide. Washington DC: FANTA-2, 2011. Built from HFIAS items 7, 8 and 9
  (no food of any kind, went to sleep hungry, a whole day and night without eating): each
  recoded never 0, rarely 1, sometimes 1, often 2; score 0-6; 0-1 little to no hunger,
  2-3 moderate, 4-6 severe.

Input: nine codes, one per question, each combining the guide's occurrence question (Qn) and
frequency question (Qna): 0 = did not happen, 1 = rarely (once or twice in the past four
weeks), 2 = sometimes (three to ten times), 3 = often (more than ten times).
"""

from collections.abc import Mapping, Sequence
from typing import Literal, TypedDict

from .errors import answer_codes

QUESTIONS = 9
HIGHEST_CODE = 3
INPUT_COLUMNS: tuple[str, ...] = tuple(f"q{i}" for i in range(1, QUESTIONS + 1))
OUTPUT_COLUMNS: tuple[str, ...] = ("hfias_score", "hfias_category", "hhs_score", "hhs_category")

HfiasCategory = Literal[
    "food_secure", "mildly_insecure", "moderately_insecure", "severely_insecure"
]
HhsCategory = Literal["none_or_little", "moderate", "severe"]

# HHS recode of an HFIAS frequency code: rarely and sometimes both count 1 (Ballard 2011).
_HHS_POINTS = (0, 1, 1, 2)


class HfiasResult(TypedDict):
    hfias_score: int
    hfias_category: HfiasCategory
    hhs_score: int
    hhs_category: HhsCategory


def hfias_category(codes: Sequence[int]) -> HfiasCategory:
    """The HFIAS category (FANTA guide v3, Table 4) from nine checked codes 0-3.

    The guide's conditions, with Qn = 0 meaning "did not happen":
      food secure:  (Q1a=0 or 1) and Q2..Q9 = 0
      mildly:       (Q1a=2 or 3 or Q2a=1,2,3 or Q3a=1 or Q4a=1) and Q5..Q9 = 0
      moderately:   (Q3a=2 or 3 or Q4a=2 or 3 or Q5a=1 or 2 or Q6a=1 or 2) and Q7..Q9 = 0
      severely:     Q5a=3 or Q6a=3 or Q7a=1,2,3 or Q8a=1,2,3 or Q9a=1,2,3
    Tested from the most severe down, so the most severe matching condition wins.
    """
    q1, q2, q3, q4, q5, q6, q7, q8, q9 = codes
    if q5 == 3 or q6 == 3 or q7 or q8 or q9:
        return "severely_insecure"
    # From here Q7 = Q8 = Q9 = 0, so the moderately condition's tail always holds.
    if q3 >= 2 or q4 >= 2 or q5 in (1, 2) or q6 in (1, 2):
        return "moderately_insecure"
    # From here Q5 = Q6 = 0 as well, and Q3, Q4 are 0 or 1.
    if q1 >= 2 or q2 or q3 == 1 or q4 == 1:
        return "mildly_insecure"
    # Only Q1 = 0 or 1 remains, with Q2..Q9 = 0: the guide's food-secure pattern.
    return "food_secure"


def hhs_category(score: int) -> HhsCategory:
    """Household Hunger Scale category from its 0-6 score (Ballard et al. 2011)."""
    if score <= 1:
        return "none_or_little"
    if score <= 3:
        return "moderate"
    return "severe"


def hfias(answers: Sequence[object]) -> HfiasResult:
    """HFIAS score and category, and HHS score and category, from answers q1..q9 (codes 0-3).

    Raises MeasureInputError naming the question for a missing, non-numeric or
    out-of-range answer, or for a wrong number of answers.
    """
    codes = answer_codes(answers, QUESTIONS, HIGHEST_CODE)
    hhs = _HHS_POINTS[codes[6]] + _HHS_POINTS[codes[7]] + _HHS_POINTS[codes[8]]
    return {
        "hfias_score": sum(codes),
        "hfias_category": hfias_category(codes),
        "hhs_score": hhs,
        "hhs_category": hhs_category(hhs),
    }


def hfias_from_inputs(inputs: Mapping[str, object]) -> HfiasResult:
    """`hfias` from named inputs q1..q9, as the scoring engine and the CSV tool hold them."""
    get = inputs.get
    return hfias([get(key) for key in INPUT_COLUMNS])
