"""Pediatric Symptom Checklist-17 (PSC-17): attention, internalising and externalising.

Sources: Gardner W, Murphy M, Childs G, et al. The PSC-17: a brief pediatric symptom
checklist including psychosocial problem subscales. Ambulatory Child Health 1999;5:225-236;
based on the PSC of Jellinek M, Murphy JM, et al., J Pediatr 1988;112:201-209. Item order
is that of the Massachusetts General Hospital PSC-17 form: 1 fidgety, 2 feels sad, 3
daydreams, 4 refuses to share, 5 does not understand others' feelings, 6 feels hopeless,
7 trouble concentrating, 8 fights, 9 down on self, 10 blames others, 11 less fun, 12 does
not listen to rules, 13 driven by a motor, 14 teases, 15 worries, 16 takes things, 17
distracted easily. Each item 0 (never), 1 (sometimes), 2 (often).

Subscales and the form's screening cut-offs (a score at the cut-off is positive):
attention items 1 3 7 13 17 (>= 7), internalising 2 6 9 11 15 (>= 5), externalising
4 5 8 10 12 14 16 (>= 7), total of all 17 (>= 15).

The published scoring sheet ignores up to three blank items; here every item is required,
so a partly blank form is reported rather than scored low.
"""

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import TypedDict

from .errors import answer_codes

ITEMS = 17
HIGHEST_CODE = 2
INPUT_COLUMNS: tuple[str, ...] = tuple(f"q{i}" for i in range(1, ITEMS + 1))
OUTPUT_COLUMNS: tuple[str, ...] = (
    "psc17_attention",
    "psc17_attention_positive",
    "psc17_internalising",
    "psc17_internalising_positive",
    "psc17_externalising",
    "psc17_externalising_positive",
    "psc17_total",
    "psc17_total_positive",
)

# Item numbers as printed on the form (1-based).
ATTENTION_ITEMS = (1, 3, 7, 13, 17)
INTERNALISING_ITEMS = (2, 6, 9, 11, 15)
EXTERNALISING_ITEMS = (4, 5, 8, 10, 12, 14, 16)
ATTENTION_CUTOFF = 7
INTERNALISING_CUTOFF = 5
EXTERNALISING_CUTOFF = 7
TOTAL_CUTOFF = 15

# Pick a subscale's answers from the 0-based list of 17 codes.
_attention = itemgetter(*(item - 1 for item in ATTENTION_ITEMS))
_internalising = itemgetter(*(item - 1 for item in INTERNALISING_ITEMS))
_externalising = itemgetter(*(item - 1 for item in EXTERNALISING_ITEMS))


class Psc17Result(TypedDict):
    psc17_attention: int
    psc17_attention_positive: bool
    psc17_internalising: int
    psc17_internalising_positive: bool
    psc17_externalising: int
    psc17_externalising_positive: bool
    psc17_total: int
    psc17_total_positive: bool


def psc17(answers: Sequence[object]) -> Psc17Result:
    """PSC-17 subscale and total scores with their screening results, from q1..q17 (0-2).

    Raises MeasureInputError naming the item for a missing, non-numeric or out-of-range
    answer, or for a wrong number of answers.
    """
    codes = answer_codes(answers, ITEMS, HIGHEST_CODE)
    attention = sum(_attention(codes))
    internalising = sum(_internalising(codes))
    externalising = sum(_externalising(codes))
    total = attention + internalising + externalising
    return {
        "psc17_attention": attention,
        "psc17_attention_positive": attention >= ATTENTION_CUTOFF,
        "psc17_internalising": internalising,
        "psc17_internalising_positive": internalising >= INTERNALISING_CUTOFF,
        "psc17_externalising": externalising,
        "psc17_externalising_positive": externalising >= EXTERNALISING_CUTOFF,
        "psc17_total": total,
        "psc17_total_positive": total >= TOTAL_CUTOFF,
    }


def psc17_from_inputs(inputs: Mapping[str, object]) -> Psc17Result:
    """`psc17` from named inputs q1..q17, as the scoring engine and the CSV tool hold them."""
    get = inputs.get
    return psc17([get(key) for key in INPUT_COLUMNS])
