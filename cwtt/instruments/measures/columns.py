"""HFIAS, PSC-17 and PHQ-9 over many questionnaires at once, for bulk scoring.

Each function takes a matrix of checked answer codes (one row per questionnaire, one column per
item q1..qN, every code already within range) and returns the measure's outputs as lists of
plain Python values, one per row: exactly what `hfias`, `psc17` and `phq9` return for the same
codes (a property test compares them: tests/measures/test_measure_columns.py). Rows whose
answers are missing, not codes or out of range are left to the per-questionnaire functions,
which raise the error that the scoring engine reports; so the sources and cut-offs stay in the
modules named after each measure, and this module only restates their arithmetic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import hfias as hfias_module
from . import phq9 as phq9_module
from . import psc17 as psc17_module

Outputs = dict[str, list[Any]]


@dataclass(frozen=True)
class ColumnMeasure:
    inputs: tuple[str, ...]  # q1..qN, the columns of the codes matrix in this order
    highest: int  # the highest valid code
    compute: Callable[[np.ndarray], Outputs]


def _names(labels: tuple[str, ...], index: np.ndarray) -> list[str]:
    return np.array(labels, dtype=object)[index].tolist()


def hfias_columns(codes: np.ndarray) -> Outputs:
    q = codes.T
    severe = (q[4] == 3) | (q[5] == 3) | (q[6] > 0) | (q[7] > 0) | (q[8] > 0)
    moderate = (q[2] >= 2) | (q[3] >= 2) | np.isin(q[4], (1, 2)) | np.isin(q[5], (1, 2))
    mild = (q[0] >= 2) | (q[1] > 0) | (q[2] == 1) | (q[3] == 1)
    category = np.select([severe, moderate, mild], [3, 2, 1], default=0)
    points = np.array(hfias_module._HHS_POINTS)
    hhs = points[q[6]] + points[q[7]] + points[q[8]]
    hhs_category = np.where(hhs <= 1, 0, np.where(hhs <= 3, 1, 2))
    return {
        "hfias_score": codes.sum(axis=1).tolist(),
        "hfias_category": _names(
            ("food_secure", "mildly_insecure", "moderately_insecure", "severely_insecure"),
            category,
        ),
        "hhs_score": hhs.tolist(),
        "hhs_category": _names(("none_or_little", "moderate", "severe"), hhs_category),
    }


def _subscale(codes: np.ndarray, items: tuple[int, ...]) -> np.ndarray:
    return codes[:, [item - 1 for item in items]].sum(axis=1)


def psc17_columns(codes: np.ndarray) -> Outputs:
    m = psc17_module
    attention = _subscale(codes, m.ATTENTION_ITEMS)
    internalising = _subscale(codes, m.INTERNALISING_ITEMS)
    externalising = _subscale(codes, m.EXTERNALISING_ITEMS)
    total = attention + internalising + externalising
    return {
        "psc17_attention": attention.tolist(),
        "psc17_attention_positive": (attention >= m.ATTENTION_CUTOFF).tolist(),
        "psc17_internalising": internalising.tolist(),
        "psc17_internalising_positive": (internalising >= m.INTERNALISING_CUTOFF).tolist(),
        "psc17_externalising": externalising.tolist(),
        "psc17_externalising_positive": (externalising >= m.EXTERNALISING_CUTOFF).tolist(),
        "psc17_total": total.tolist(),
        "psc17_total_positive": (total >= m.TOTAL_CUTOFF).tolist(),
    }


def phq9_columns(codes: np.ndarray) -> Outputs:
    score = codes.sum(axis=1)
    # phq9_band: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20+ severe
    band = np.searchsorted(np.array([4, 9, 14, 19]), score, side="left")
    return {
        "phq9_score": score.tolist(),
        "phq9_band": _names(("minimal", "mild", "moderate", "moderately_severe", "severe"), band),
        "phq9_urgent": (codes[:, 8] > 0).tolist(),
    }


COLUMN_MEASURES: dict[str, ColumnMeasure] = {
    "hfias": ColumnMeasure(hfias_module.INPUT_COLUMNS, hfias_module.HIGHEST_CODE, hfias_columns),
    "psc17": ColumnMeasure(psc17_module.INPUT_COLUMNS, psc17_module.HIGHEST_CODE, psc17_columns),
    "phq9": ColumnMeasure(phq9_module.INPUT_COLUMNS, phq9_module.HIGHEST_CODE, phq9_columns),
}
