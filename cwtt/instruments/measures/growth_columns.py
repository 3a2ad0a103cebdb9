"""The WHO growth measure over many children at once, for bulk scoring.

`growth_many` returns, for every row it marks done, exactly what `growth.growth_from_inputs`
returns for that row's sex, age, height and weight: the same keys, plain Python values, and
floats equal to the last bit, because a z-score one digit off can cross a cut-off (decision
0039). Rows it cannot compute that way (no sex or age, numbers as text, values out of range,
anything the per-child function refuses) are left undone for the caller to compute one by one,
so the errors and their messages stay in growth.py. The sources, tables and conventions are growth.py's;
this module restates its arithmetic over arrays, operation by operation in the same order.

Only operations that NumPy performs exactly as Python does run on arrays: +, -, *, / and
comparisons on float64 (IEEE operations, correctly rounded whatever SIMD unit runs them).
Powers do not: on a CPU with AVX-512, `np.power` uses Intel's SVML routines, which differ
from the C library's `pow` (what Python's `**` calls) in the last bit for about 5% of inputs,
and `np.power(x, 2.0)` is `x * x`, which differs from `pow(x, 2.0)` for about 0.1% (`np.log`
and `np.exp` differ from `math.log` and `math.exp` too; nothing here uses them). So each power
is taken with Python's `pow`, one value at a time (~40 ns each). Rounding to 2 decimals
is vectorised with a proof rather than copied (see `_round_many`), and the rare z-scores
beyond +/-3 SD call growth.py's own `_z_restricted`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from itertools import repeat
from typing import Any

import numpy as np

from . import growth
from .errors import is_blank

Outputs = dict[str, list[Any]]

_SEX_INDEX = {"M": 0, "F": 1}
_BAD = -math.inf  # a measurement given but refused; NaN stands for one not given


def _sex_index(value: object) -> int:
    """0 for male, 1 for female, as growth reads them; -1 for anything else, which growth
    refuses or which is not text (left to growth to judge)."""
    if type(value) is not str:
        return -1
    return _SEX_INDEX.get(value.strip().upper(), -1)


def _plain_number(value: object) -> float:
    """An int as a float; NaN for anything that is not a plain int (bool, text, None...), so
    that the range checks leave the row undone."""
    if type(value) is int and -(2**53) <= value <= 2**53:
        return float(value)
    return math.nan


def _measurement(value: object) -> float:
    """A height or weight as growth reads it: NaN when not given (None or blank text), the
    number for a plain int, and _BAD for anything else (NaN, bool, numeric text...). Plain
    floats other than NaN never come here."""
    if is_blank(value):
        return math.nan
    if type(value) is int and -(2**53) <= value <= 2**53:
        return float(value)
    return _BAD


@cache
def _lms_array(name: str) -> tuple[np.ndarray, int]:
    """One WHO table from growth's lists, as three rows L, M and S (boys' ages, then girls'),
    and the number of ages for each sex. Rows of one value each make NumPy's `take` fast."""
    by_sex = np.array(growth._table(name), dtype=np.float64)  # sex, age - first age, L/M/S
    return np.ascontiguousarray(by_sex.reshape(-1, 3).T), by_sex.shape[1]


def _take(name: str, sex: np.ndarray, index: np.ndarray) -> np.ndarray:
    """L, M and S (three rows) for each child from table `name`, at its sex and row `index`."""
    table, per_sex = _lms_array(name)
    return table.take(sex * per_sex + index, axis=1)


def _by_month(name: str, sex: np.ndarray, month: np.ndarray, fraction: np.ndarray) -> np.ndarray:
    """growth._lms_by_month: L, M and S at `month` (whole months since 60, the table's row)
    plus `fraction` of the way to the next month."""
    whole = fraction == 0.0
    below = _take(name, sex, month)
    # At a whole month _lms_by_month takes that month's row as it is and reads no next row
    # (which the table may not have): so read `below` twice there.
    above = _take(name, sex, np.where(whole, month, month + 1))
    interpolated = below + fraction * (above - below)
    return np.where(whole, below, interpolated)


def _lms_many(sex: np.ndarray, age: np.ndarray) -> list[np.ndarray]:
    """growth._lms for each child, for each of growth.INDICATORS in order: three rows L, M and
    S, one column per child, NaN where growth gives None (weight-for-age after 120 months)."""
    young = np.flatnonzero(age < growth.WHO_2007_FROM_MONTHS)
    days = (age[young] * growth.DAYS_PER_MONTH + 0.5).astype(np.int64)  # int() of a positive
    older = np.flatnonzero(age >= growth.WHO_2007_FROM_MONTHS)
    low = age[older].astype(np.int64)
    fraction = age[older] - low
    month = low - growth.WHO_2007_FROM_MONTHS
    # Weight-for-age only up to 120 months: the children within, among the older ones.
    weighed = np.flatnonzero(~(age[older] > growth.WEIGHT_FOR_AGE_2007_UNTIL_MONTHS))

    all_lms = []
    for indicator in growth.INDICATORS:
        under_five, from_five = growth._TABLES[indicator]
        lms = np.full((3, len(age)), np.nan)
        lms[:, young] = _take(under_five, sex[young], days)
        by_month = older if indicator != "weight" else older[weighed]
        within = slice(None) if indicator != "weight" else weighed
        lms[:, by_month] = _by_month(from_five, sex[by_month], month[within], fraction[within])
        all_lms.append(lms)
    return all_lms


def _bmi_many(height: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """growth's `weight / (height / 100.0) ** 2`, squaring with Python's pow (not x * x)."""
    metres = height / 100.0
    squared = np.fromiter(map(pow, metres.tolist(), repeat(2.0)), np.float64, len(metres))
    return weight / squared


def _z_many(y: np.ndarray, lms: np.ndarray) -> np.ndarray:
    """growth._z where L is not 0 (rows with L == 0 are left undone by the caller)."""
    lam, mu, sigma = lms
    powered = np.fromiter(map(pow, (y / mu).tolist(), lam.tolist()), np.float64, len(y))
    return (powered - 1.0) / (lam * sigma)


def _z_restricted_many(y: np.ndarray, lms: np.ndarray) -> np.ndarray:
    """growth._z_restricted: beyond +/-3 SD (a few rows) growth's own function, value by value."""
    z = _z_many(y, lms)
    for row in np.flatnonzero((z > 3.0) | (z < -3.0)).tolist():
        lam, mu, sigma = lms[:, row].tolist()
        z[row] = growth._z_restricted(float(y[row]), (lam, mu, sigma))
    return z


def _round_many(values: np.ndarray) -> np.ndarray:
    """growth._round over an array: Python's `round(x, 2) + 0.0`, to the last bit.

    Python rounds the exact value of x to k hundredths (half to even) and returns the double
    nearest to k/100, which is what `k / 100.0` gives (one correctly rounded division of exact
    numbers). `x * 100.0` is within half a unit in the last place of the exact product, which is
    under 2**-23 while it is below 2**30; so unless it lies within 1e-6 of a half, its nearest
    whole number is k. The rest (ties such as 0.125, or values that near) go to Python's round.
    """
    with np.errstate(over="ignore", invalid="ignore"):  # huge values: left to Python's round
        scaled = values * 100.0
        nearest = np.rint(scaled)
        clear = (np.abs(scaled) < 2.0**30) & (np.abs(np.abs(scaled - nearest) - 0.5) > 1e-6)
    rounded = nearest / 100.0
    for row in np.flatnonzero(~clear).tolist():
        rounded[row] = round(float(values[row]), 2)
    return rounded + 0.0  # as growth._round: -0.0 becomes 0.0


def _column(size: int, rows: np.ndarray, values: np.ndarray) -> list[Any]:
    """A list of `size` plain Python values: `values` at `rows`, None elsewhere."""
    if len(rows) == size:
        return values.tolist()
    column = np.full(size, None, dtype=object)
    column[rows] = values  # NumPy floats and bools become Python's here
    return column.tolist()


def growth_many(
    sex: Sequence[object],
    age_months: Sequence[object],
    height_cm: Sequence[object],
    weight_kg: Sequence[object],
) -> tuple[Outputs, np.ndarray]:
    """growth_from_inputs for many children: (outputs by key, done).

    The four sequences hold one child each, at the same positions, as growth_from_inputs
    reads them (`sex`, `age_months`, `height_cm`, `weight_kg`). `outputs` has the keys of
    growth's result, each a list with one value per child; `done` is a NumPy bool array.
    Where `done[i]` is True, `{key: outputs[key][i]}` is exactly growth_from_inputs' result
    for child i. Where it is False the outputs are None and the caller computes that child
    one by one. Done are the children with sex "M" or "F" (as growth normalises text), an
    age that is a plain int or float from 0 to 228, and a height and a weight each a plain
    int or float within growth's ranges or not given (None or blank text), not both missing.
    Everything else is left undone: numbers as text, bools, NumPy scalars, NaN, out-of-range
    values, and whatever growth refuses. Age is `age_months` only: a child whose age growth
    would work out from `date_of_birth` and `measured_on` has a blank age here, so is undone.
    """
    size = len(sex)
    if not len(age_months) == len(height_cm) == len(weight_kg) == size:
        raise ValueError("sex, age_months, height_cm and weight_kg must have the same length")
    sexes = np.array(
        [_SEX_INDEX[v] if type(v) is str and v in _SEX_INDEX else _sex_index(v) for v in sex],
        dtype=np.int64,
    )
    ages = np.array(
        [v if type(v) is float else _plain_number(v) for v in age_months], dtype=np.float64
    )
    heights, weights = (
        np.array(
            [v if type(v) is float and v == v else _measurement(v) for v in values],
            dtype=np.float64,
        )
        for values in (height_cm, weight_kg)
    )
    no_height, no_weight = np.isnan(heights), np.isnan(weights)
    low_height, high_height = growth.HEIGHT_RANGE_CM
    low_weight, high_weight = growth.WEIGHT_RANGE_KG
    done = (
        (sexes >= 0)
        & (ages >= 0.0)
        & (ages <= growth.OLDEST_MONTHS)
        & (no_height | ((heights >= low_height) & (heights <= high_height)))
        & (no_weight | ((weights >= low_weight) & (weights <= high_weight)))
        & ~(no_height & no_weight)
    )

    candidates = np.flatnonzero(done)
    lms_by_indicator = _lms_many(sexes[candidates], ages[candidates])
    # growth's z is log(y / M) / S where L is 0: left to it. No WHO table has such an L, nor
    # changes L's sign between two months, so no row is left undone by this today.
    l_zero = np.logical_or.reduce([lms[0] == 0.0 for lms in lms_by_indicator])
    done[candidates[l_zero]] = False

    # From here on, only the rows done, packed together.
    rows = np.flatnonzero(done)
    height_lms, weight_lms, bmi_lms = (lms[:, ~l_zero] for lms in lms_by_indicator)
    age, height, weight = ages[rows], heights[rows], weights[rows]
    has_height, has_weight = ~no_height[rows], ~no_weight[rows]

    with_bmi = np.flatnonzero(has_height & has_weight)
    bmi = _bmi_many(height[with_bmi], weight[with_bmi])

    with_haz = np.flatnonzero(has_height)
    haz = _z_many(height[with_haz], height_lms[:, with_haz])
    with_waz = np.flatnonzero(has_weight & ~np.isnan(weight_lms[0]))
    waz = _z_restricted_many(weight[with_waz], weight_lms[:, with_waz])
    baz = _z_restricted_many(bmi, bmi_lms[:, with_bmi])
    bmi, haz, waz, baz = (_round_many(values) for values in (bmi, haz, waz, baz))

    flag_haz = (haz < -6.0) | (haz > 6.0)
    flag_waz = (waz < -6.0) | (waz > 5.0)
    flag_baz = (baz < -5.0) | (baz > 5.0)
    # Classes exist only where the z-score does and is not flagged.
    classed_haz, classed_waz, classed_baz = (
        with_z[~flag]
        for with_z, flag in ((with_haz, flag_haz), (with_waz, flag_waz), (with_bmi, flag_baz))
    )
    haz_, waz_, baz_ = haz[~flag_haz], waz[~flag_waz], baz[~flag_baz]
    # growth.overweight_cutoffs steps once, at 60 months: its two pairs, chosen by age.
    under_five = growth.overweight_cutoffs(0.0)
    from_five = growth.overweight_cutoffs(float(growth.WHO_2007_FROM_MONTHS))
    young = age[classed_baz] < growth.WHO_2007_FROM_MONTHS
    overweight_above = np.where(young, under_five[0], from_five[0])
    obese_above = np.where(young, under_five[1], from_five[1])

    def column(at: np.ndarray, values: np.ndarray) -> list[Any]:
        return _column(size, rows[at], values)

    outputs: Outputs = {
        "bmi": column(with_bmi, bmi),
        "haz": column(with_haz, haz),
        "waz": column(with_waz, waz),
        "baz": column(with_bmi, baz),
        "flag_haz": column(with_haz, flag_haz),
        "flag_waz": column(with_waz, flag_waz),
        "flag_baz": column(with_bmi, flag_baz),
        "stunted": column(classed_haz, haz_ < -2.0),
        "severely_stunted": column(classed_haz, haz_ < -3.0),
        "underweight": column(classed_waz, waz_ < -2.0),
        "severely_underweight": column(classed_waz, waz_ < -3.0),
        "thin": column(classed_baz, baz_ < -2.0),
        "severely_thin": column(classed_baz, baz_ < -3.0),
        "overweight": column(classed_baz, baz_ > overweight_above),
        "obese": column(classed_baz, baz_ > obese_above),
    }
    return outputs, done
