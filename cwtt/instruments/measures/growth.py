"""Child growth: BMI and height-, weight- and BMI-for-age z-scores with WHO classifications.

Sources
-------
- Under 60 months: WHO Child Growth Standards (WHO Multicentre Growth Reference Study Group,
  2006), tables `lenanthro`, `weianthro`, `bmianthro` indexed by age in days, as used by
  WHO's `anthro` R package. Age in days is months x 30.4375 rounded half up, as `anthro` does.
- From 60 to 228 months: WHO Growth Reference for 5-19 years (de Onis et al., Bull WHO 2007;
  85:660-667), tables `hfawho2007`, `wfawho2007`, `bfawho2007` indexed by whole months, with
  L, M and S interpolated linearly between whole months, as WHO's `anthroplus` R package does.
  Weight-for-age stops at 120 months: the reference has none beyond (BMI-for-age is preferred
  for older children).
- Z-scores use the LMS method (WHO 2006, chapter 7): z = ((y/M)^L - 1) / (L*S). For
  weight-for-age and BMI-for-age, beyond +/-3 SD the WHO "restricted" adjustment measures the
  distance in units of the 2-to-3 SD gap, because the fitted skewed curve stretches that tail.
  Height-for-age is not adjusted (WHO does not adjust it either).

Conventions (all as in WHO anthro / anthroplus)
----------------------------------------------
- Z-scores are rounded to 2 decimals, and flags and classes are decided on the rounded value,
  so a child shown as HAZ -2.00 is not stunted.
- Plausibility flags (`flag_*`): HAZ < -6 or > 6; WAZ < -6 or > 5; BAZ < -5 or > 5. A flagged
  z-score is kept so a person can check the measurement, but its classes are None (unknown),
  because WHO leaves flagged values out of prevalence estimates; a likely typo must not be
  reported as "severely stunted".
- Classes: stunted HAZ < -2, severely stunted < -3; underweight WAZ < -2, severely < -3; thin
  BAZ < -2, severely < -3; overweight and obese from BAZ: > 2 and > 3 under 60 months
  (WHO 2006), > 1 and > 2 from 60 months (WHO 2007).
- Height is taken as measured: recumbent length under 731 days and standing height from 731
  days, matching the `loh` column of the 2006 tables. No 0.7 cm length/height conversion is made.
- Oedema is not recorded, so weight-based z-scores are always computed.

Every value in a result is None where it cannot be defined (no height given, weight-for-age
after 120 months, a flagged z-score's classes).
"""

import math
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import TypedDict

from .errors import MeasureInputError, is_blank, number, optional_number, show, show_number

# 365.25 / 12: WHO's length of a month, used to turn days into months and back.
DAYS_PER_MONTH = 30.4375
WHO_2007_FROM_MONTHS = 60
OLDEST_MONTHS = 228
WEIGHT_FOR_AGE_2007_UNTIL_MONTHS = 120
HEIGHT_RANGE_CM = (38.0, 200.0)
WEIGHT_RANGE_KG = (0.9, 150.0)

OUTPUT_COLUMNS: tuple[str, ...] = (
    "bmi",
    "haz",
    "waz",
    "baz",
    "flag_haz",
    "flag_waz",
    "flag_baz",
    "stunted",
    "severely_stunted",
    "underweight",
    "severely_underweight",
    "thin",
    "severely_thin",
    "overweight",
    "obese",
)


class GrowthResult(TypedDict):
    """One child's growth measures; None wherever a value is undefined (see module docstring)."""

    bmi: float | None
    haz: float | None
    waz: float | None
    baz: float | None
    flag_haz: bool | None
    flag_waz: bool | None
    flag_baz: bool | None
    stunted: bool | None
    severely_stunted: bool | None
    underweight: bool | None
    severely_underweight: bool | None
    thin: bool | None
    severely_thin: bool | None
    overweight: bool | None
    obese: bool | None


_TABLES_DIR = Path(__file__).with_name("growth_tables")

Lms = tuple[float, float, float]
# One list of (L, M, S) per sex, male first, indexed by age minus the table's first age.
LmsTable = tuple[list[Lms], list[Lms]]


@cache
def _table(name: str) -> LmsTable:
    """Load one WHO table from growth_tables/ once; later calls return the cached lists."""
    text = (_TABLES_DIR / f"{name}.tsv").read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split("\t")
    columns = [header.index(column) for column in ("sex", "age", "l", "m", "s")]
    by_sex: tuple[list[Lms], list[Lms]] = ([], [])
    first_age: list[int | None] = [None, None]
    for line in lines[1:]:
        if not line.strip():
            continue
        cells = line.split("\t")
        sex, age, lam, mu, sigma = (cells[i] for i in columns)
        index = int(sex) - 1
        rows = by_sex[index]
        start = first_age[index]
        if start is None:
            start = first_age[index] = int(age)
        # Lookups index the list by age, so a gap or a reordering would silently shift
        # every later row; refuse to load such a table instead.
        if int(age) != start + len(rows):
            raise RuntimeError(f"growth table {name}: sex {sex} age {age} is out of sequence")
        rows.append((float(lam), float(mu), float(sigma)))
    return by_sex


def _z(y: float, lms: Lms) -> float:
    """LMS z-score (WHO 2006, chapter 7)."""
    lam, mu, sigma = lms
    if lam == 0.0:
        return math.log(y / mu) / sigma
    return ((y / mu) ** lam - 1.0) / (lam * sigma)


def _sd(lms: Lms, n: float) -> float:
    """The measurement at n standard deviations from the median."""
    lam, mu, sigma = lms
    if lam == 0.0:
        return mu * math.exp(sigma * n)
    return mu * (1.0 + lam * sigma * n) ** (1.0 / lam)


def _z_restricted(y: float, lms: Lms) -> float:
    """LMS z-score with WHO's restricted adjustment beyond +/-3 SD (weight and BMI only)."""
    z = _z(y, lms)
    if z > 3.0:
        sd3 = _sd(lms, 3.0)
        return 3.0 + (y - sd3) / (sd3 - _sd(lms, 2.0))
    if z < -3.0:
        sd3 = _sd(lms, -3.0)
        return -3.0 + (y - sd3) / (_sd(lms, -2.0) - sd3)
    return z


def _lms_by_month(name: str, sex_index: int, age_months: float) -> Lms:
    """WHO 2007 L, M, S at an exact age, interpolated between whole months (anthroplus)."""
    rows = _table(name)[sex_index]
    low = int(age_months)
    below = rows[low - WHO_2007_FROM_MONTHS]
    fraction = age_months - low
    if fraction == 0.0:
        return below
    above = rows[low - WHO_2007_FROM_MONTHS + 1]
    return (
        below[0] + fraction * (above[0] - below[0]),
        below[1] + fraction * (above[1] - below[1]),
        below[2] + fraction * (above[2] - below[2]),
    )


# Each indicator's WHO table: under 60 months (2006 standards, by day), then 5-19 years (2007).
_TABLES: dict[str, tuple[str, str]] = {
    "height": ("lenanthro", "hfawho2007"),
    "weight": ("weianthro", "wfawho2007"),
    "bmi": ("bmianthro", "bfawho2007"),
}
INDICATORS: tuple[str, ...] = tuple(_TABLES)


def _lms(indicator: str, sex_index: int, age_months: float) -> Lms | None:
    """WHO's L, M, S for an indicator at an exact age; None for weight-for-age after 120 months,
    where the 2007 reference has none."""
    under_five, from_five = _TABLES[indicator]
    if age_months < WHO_2007_FROM_MONTHS:
        days = int(age_months * DAYS_PER_MONTH + 0.5)  # rounded half up, as WHO anthro does
        return _table(under_five)[sex_index][days]
    if indicator == "weight" and age_months > WEIGHT_FOR_AGE_2007_UNTIL_MONTHS:
        return None
    return _lms_by_month(from_five, sex_index, age_months)


def overweight_cutoffs(age_months: float) -> tuple[float, float]:
    """The BMI-for-age z-scores above which a child is overweight, and obese: +2 and +3 under
    60 months (WHO 2006), +1 and +2 from 60 months (WHO 2007)."""
    return (2.0, 3.0) if age_months < WHO_2007_FROM_MONTHS else (1.0, 2.0)


def reference_value(indicator: str, sex: str, age_months: float, z: float) -> float | None:
    """The height (cm), weight (kg) or BMI that is `z` standard deviations from WHO's median
    for a child of this sex and exact age: a point on WHO's z-score curves, as its published
    SD tables give it. None where WHO defines none (weight-for-age after 120 months).
    `indicator` is "height", "weight" or "bmi"."""
    if indicator not in _TABLES:
        raise ValueError(f"{indicator!r} is not one of {', '.join(INDICATORS)}")
    lms = _lms(indicator, _sex_index(sex), _age(age_months))
    return None if lms is None else _sd(lms, z)


def _below(z: float | None, flagged: bool | None, cutoff: float) -> bool | None:
    return None if z is None or flagged else z < cutoff


def _above(z: float | None, flagged: bool | None, cutoff: float) -> bool | None:
    return None if z is None or flagged else z > cutoff


def _round(value: float | None) -> float | None:
    # `+ 0.0` turns -0.0 into 0.0 so a CSV never shows "-0.00".
    return None if value is None else round(value, 2) + 0.0


def _sex_index(value: object) -> int:
    if is_blank(value):
        raise MeasureInputError("sex", "value is missing (expected M or F)")
    code = value.strip().upper() if isinstance(value, str) else value
    if code == "M":
        return 0
    if code == "F":
        return 1
    raise MeasureInputError("sex", f"{show(value)} is not M or F")


def _age(value: object) -> float:
    if is_blank(value):
        raise MeasureInputError(
            "age_months", "no age given (give age_months, or date_of_birth and measured_on)"
        )
    age = number("age_months", value)
    if age < 0:
        raise MeasureInputError("age_months", f"{show_number(value, age)} is negative")
    if age > OLDEST_MONTHS:
        raise MeasureInputError(
            "age_months",
            f"{show_number(value, age)} is beyond {OLDEST_MONTHS} months, the oldest age "
            "the WHO 2007 growth reference covers",
        )
    return age


def _in_range(field: str, value: object, bounds: tuple[float, float], what: str) -> float | None:
    measured = optional_number(field, value)
    if measured is not None and not bounds[0] <= measured <= bounds[1]:
        raise MeasureInputError(
            field,
            f"{show_number(value, measured)} is not a plausible {what} "
            f"(expected {bounds[0]:g}-{bounds[1]:g})",
        )
    return measured


def _growth(sex: object, age_months: object, height_cm: object, weight_kg: object) -> GrowthResult:
    """The whole computation; inputs may be numbers or CSV text, and are checked here."""
    sex_index = _sex_index(sex)
    age = _age(age_months)
    height = _in_range("height_cm", height_cm, HEIGHT_RANGE_CM, "height in centimetres")
    weight = _in_range("weight_kg", weight_kg, WEIGHT_RANGE_KG, "weight in kilograms")
    if height is None and weight is None:
        raise MeasureInputError("height_cm", "no height or weight given; at least one is needed")

    bmi = None if height is None or weight is None else weight / (height / 100.0) ** 2
    haz = waz = baz = None
    height_lms, weight_lms, bmi_lms = (_lms(i, sex_index, age) for i in INDICATORS)
    if height is not None and height_lms is not None:
        haz = _z(height, height_lms)
    if weight is not None and weight_lms is not None:
        waz = _z_restricted(weight, weight_lms)
    if bmi is not None and bmi_lms is not None:
        baz = _z_restricted(bmi, bmi_lms)
    overweight_above, obese_above = overweight_cutoffs(age)

    haz, waz, baz = _round(haz), _round(waz), _round(baz)
    flag_haz = None if haz is None else (haz < -6.0 or haz > 6.0)
    flag_waz = None if waz is None else (waz < -6.0 or waz > 5.0)
    flag_baz = None if baz is None else (baz < -5.0 or baz > 5.0)
    return {
        "bmi": _round(bmi),
        "haz": haz,
        "waz": waz,
        "baz": baz,
        "flag_haz": flag_haz,
        "flag_waz": flag_waz,
        "flag_baz": flag_baz,
        "stunted": _below(haz, flag_haz, -2.0),
        "severely_stunted": _below(haz, flag_haz, -3.0),
        "underweight": _below(waz, flag_waz, -2.0),
        "severely_underweight": _below(waz, flag_waz, -3.0),
        "thin": _below(baz, flag_baz, -2.0),
        "severely_thin": _below(baz, flag_baz, -3.0),
        "overweight": _above(baz, flag_baz, overweight_above),
        "obese": _above(baz, flag_baz, obese_above),
    }


def growth(
    sex: str, age_months: float | None, height_cm: float | None, weight_kg: float | None
) -> GrowthResult:
    """Growth measures for one child measured once.

    `sex` is "M" or "F"; `age_months` is exact (decimal) age, 0 to 228; at least one of
    `height_cm` (38-200) and `weight_kg` (0.9-150) is needed. Raises MeasureInputError for a
    missing sex or age, a non-number, or an implausible value.
    """
    return _growth(sex, age_months, height_cm, weight_kg)


def age_in_months(date_of_birth: date, measured_on: date) -> float:
    """Exact age in months (days / 30.4375, WHO's convention) on the day of measurement."""
    days = (_as_date(measured_on) - _as_date(date_of_birth)).days
    if days < 0:
        raise MeasureInputError(
            "measured_on", f"{measured_on} is before date_of_birth {date_of_birth}"
        )
    return days / DAYS_PER_MONTH


def _as_date(value: date) -> date:
    # A datetime is a date too, but subtracting a date from it raises TypeError.
    return value.date() if isinstance(value, datetime) else value


def _parse_date(field: str, value: object) -> date:
    if isinstance(value, date):
        return value
    if is_blank(value):
        raise MeasureInputError(field, "value is missing (expected a date YYYY-MM-DD)")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise MeasureInputError(field, f"{show(value)} is not a date (expected YYYY-MM-DD)")


def growth_from_inputs(inputs: Mapping[str, object]) -> GrowthResult:
    """Growth measures from named inputs, as the scoring engine and the CSV tool hold them.

    Keys: `sex`, `height_cm`, `weight_kg`, and either `age_months` or both `date_of_birth`
    and `measured_on` (dates or ISO text). A non-blank `age_months` wins over the dates.
    """
    get = inputs.get
    age = get("age_months")
    if is_blank(age) and not (is_blank(get("date_of_birth")) and is_blank(get("measured_on"))):
        age = age_in_months(
            _parse_date("date_of_birth", get("date_of_birth")),
            _parse_date("measured_on", get("measured_on")),
        )
    return _growth(get("sex"), age, get("height_cm"), get("weight_kg"))
