"""growth_many gives, for every child it marks done, exactly what growth_from_inputs gives.

Exactly means the same keys, the same kinds of value (a float is not a NumPy float) and floats
equal to the last bit, -0.0 told from 0.0: compared by `repr`, which writes each float so that
it reads back as the same double. The common case (sex M or F, a plain numeric age and
measurements in range) must be done, so a growth_many that leaves everything to the one-by-one
path fails here too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from cwtt.instruments.measures import growth, growth_columns
from cwtt.instruments.measures.errors import is_blank
from cwtt.instruments.measures.growth import growth_from_inputs, reference_value
from cwtt.instruments.measures.growth_columns import growth_many

Row = tuple[object, object, object, object]  # sex, age_months, height_cm, weight_kg


def one_by_one(row: Row) -> dict[str, object] | None:
    """growth_from_inputs for one row; None where it refuses the row (raises anything)."""
    sex, age, height, weight = row
    inputs = {"sex": sex, "age_months": age, "height_cm": height, "weight_kg": weight}
    try:
        return dict(growth_from_inputs(inputs))
    except Exception:
        return None


def is_common(row: Row) -> bool:
    """Inputs growth_many promises to compute: sex M or F as growth reads text, a plain int or
    float age from 0 to 228, each measurement a plain int or float in range or not given."""
    sex, age, height, weight = row

    def measurement(value: object, bounds: tuple[float, float]) -> bool:
        return is_blank(value) or (
            type(value) in (int, float) and bounds[0] <= value <= bounds[1]  # type: ignore[operator]
        )

    return (
        type(sex) is str
        and sex.strip().upper() in ("M", "F")
        and type(age) in (int, float)
        and 0 <= age <= growth.OLDEST_MONTHS  # type: ignore[operator]
        and measurement(height, growth.HEIGHT_RANGE_CM)
        and measurement(weight, growth.WEIGHT_RANGE_KG)
        and not (is_blank(height) and is_blank(weight))
    )


def check(rows: list[Row], common_done: bool = True) -> np.ndarray:
    """Run growth_many over the rows and hold every row it does to the one-by-one result, and
    (unless `common_done` is False) every common row to be done; return done."""
    outputs, done = growth_many(*zip(*rows, strict=True)) if rows else growth_many([], [], [], [])
    assert isinstance(done, np.ndarray) and done.dtype == bool and done.shape == (len(rows),)
    assert list(outputs) == list(growth.OUTPUT_COLUMNS)
    assert all(len(values) == len(rows) for values in outputs.values())
    for number, row in enumerate(rows):
        expected = one_by_one(row)
        if expected is None:
            assert not done[number], f"row {row} is refused one by one but done"
            continue
        if common_done and is_common(row):
            assert done[number], f"row {row} is a common case but left undone"
        if done[number]:
            got = {key: values[number] for key, values in outputs.items()}
            assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}
            assert repr(got) == repr(expected), f"row {row}"
    return done


# --- generated rows ----------------------------------------------------------------------------

SEXES = st.one_of(
    st.sampled_from(["M", "F"]),
    st.sampled_from([" m", "f ", "\tF\n", "x", "", " ", "MF", "male", None, 0, 1, True, b"M"]),
)
BAD_NUMBERS = st.sampled_from(
    [None, "", "  ", "60", " 84.5 ", "abc", True, False, math.nan, math.inf, -math.inf, [], 10**400]
)
AGES = st.one_of(
    st.floats(0, 228),
    st.integers(0, 228),
    st.integers(0, 228).map(float),  # whole months, read from the table as they are
    st.integers(0, 1826).map(lambda days: days / growth.DAYS_PER_MONTH),  # by-day ages
    st.sampled_from([-0.0, 59.99999, 60.0, 119.99999, 120.0, 120.00001, 227.99999, 228.0]),
    st.floats(-10, 240),
    BAD_NUMBERS,
)


def measurements(low: float, high: float) -> st.SearchStrategy[object]:
    return st.one_of(
        st.floats(low, high),
        st.floats(low * 0.8, high * 1.1),
        st.integers(int(low) - 2, int(high) + 2),
        st.sampled_from([low, high, math.nextafter(low, 0), math.nextafter(high, math.inf)]),
        BAD_NUMBERS,
    )


def on_curve(indicator: str, sex: str, age: float, z: float) -> float | None:
    """reference_value where WHO's curve has a value: none for weight after 120 months, nor for
    BMI-for-age far above +4.8 SD, where the LMS curve has no real value (1 + L*S*z < 0)."""
    value = reference_value(indicator, sex, age, z)
    return value if isinstance(value, float) else None


@st.composite
def near_the_curves(draw: st.DrawFn) -> Row:
    """A child measured at given z-scores on WHO's curves, so that classes and cut-offs are met
    (uniform heights and weights are mostly far out and flagged)."""
    sex = draw(st.sampled_from(["M", "F"]))
    age = draw(st.one_of(st.floats(0, 228), st.integers(0, 228).map(float)))
    z_height, z_weight = draw(st.floats(-7, 7)), draw(st.floats(-7, 7))
    height = on_curve("height", sex, age, z_height)
    weight = on_curve("weight", sex, age, z_weight)
    bmi = on_curve("bmi", sex, age, z_weight)
    if bmi is not None and height is not None and (weight is None or draw(st.booleans())):
        weight = bmi * (height / 100.0) ** 2
    missing = draw(st.sampled_from(["nothing", "height", "weight"]))
    return (
        sex,
        age,
        None if missing == "height" else height,
        None if missing == "weight" else weight,
    )


ROWS = st.one_of(
    st.tuples(SEXES, AGES, measurements(38.0, 200.0), measurements(0.9, 150.0)),
    near_the_curves(),
)


@settings(max_examples=400, deadline=None)
@given(rows=st.lists(ROWS, max_size=40))
@example(rows=[("M", 84.0, 87.1, 11.2)])
@example(rows=[("F", 0, 49.0, None), ("M", 228, None, 60.0), ("M", 150, 150, 40)])
def test_every_row_done_is_what_growth_gives_one_by_one(rows):
    check(rows)


def test_the_common_case_is_done_for_a_large_batch():
    rng = np.random.default_rng(7)
    size = 5_000
    sexes = rng.choice(["M", "F"], size).tolist()
    ages = rng.uniform(60, 160, size).tolist()
    z = rng.normal(0, 1.5, (size, 2)).tolist()
    rows: list[Row] = []
    for sex, age, (z_height, z_bmi) in zip(sexes, ages, z, strict=True):
        height = reference_value("height", sex, age, z_height)
        bmi = reference_value("bmi", sex, age, z_bmi)
        rows.append((sex, age, height, bmi * (height / 100.0) ** 2))  # type: ignore[operator]
    done = check(rows)  # every row growth accepts is done
    assert done.mean() > 0.99  # and growth accepts nearly all (a few are beyond 150 kg)


# --- cut-offs ----------------------------------------------------------------------------------

# z-scores at and either side of every cut-off (classes at -3, -2, +1, +2, +3; flags at -6, -5,
# +5, +6), and where rounding to 2 decimals meets a half (-2.005): the last bit decides there.
CUTOFF_ZS = [
    z + offset
    for z in (-6.0, -5.0, -3.0, -2.0, 1.0, 2.0, 3.0, 5.0, 6.0)
    + (-6.005, -5.005, -3.005, -2.005, 1.005, 2.005, 3.005, 5.005, 6.005)
    for offset in (-1e-9, 0.0, 1e-9)
]
# Ages: by day (under 60 months, 2006 tables), both sides of 60 and 120 months, whole and
# interpolated months, and the oldest age.
CUTOFF_AGES = [0.0, 23.99, 24.0, 59.99, 60.0, 60.5, 84.25, 119.5, 120.0, 120.5, 180.0, 228.0]


def at_z(indicator: str, sex: str, age: float, z: float) -> float | None:
    """The measurement growth shows as z: on WHO's curve within +/-3 SD, and beyond that (for
    weight and BMI) at z - 3 times the 2-to-3 SD gap past the 3 SD curve, WHO's restricted
    distance. None where the curve has no value."""
    if indicator == "height" or abs(z) <= 3.0:
        return on_curve(indicator, sex, age, z)
    side = math.copysign(1.0, z)
    sd2, sd3 = (on_curve(indicator, sex, age, side * n) for n in (2.0, 3.0))
    if sd2 is None or sd3 is None:
        return None
    return sd3 + (z - side * 3.0) * abs(sd3 - sd2)


def cutoff_rows() -> list[Row]:
    rows: list[Row] = []
    for sex in ("M", "F"):
        for age in CUTOFF_AGES:
            median_height = on_curve("height", sex, age, 0.0)
            assert median_height is not None
            for z in CUTOFF_ZS:
                rows.append((sex, age, at_z("height", sex, age, z), None))
                weight = at_z("weight", sex, age, z)
                if weight is not None:
                    rows.append((sex, age, None, weight))
                bmi = at_z("bmi", sex, age, z)
                if bmi is not None:
                    rows.append((sex, age, median_height, bmi * (median_height / 100.0) ** 2))
    return rows


def test_rows_at_the_z_score_cut_offs_are_what_growth_gives():
    rows = cutoff_rows()
    outputs, done = growth_many(*zip(*rows, strict=True))
    check(rows)
    # The rows do meet the cut-offs: a z-score shown as exactly -2.00 that is not a class,
    # and -2.01 that is, for each of the three z-scores.
    for key, below in (("haz", "stunted"), ("waz", "underweight"), ("baz", "thin")):
        values = list(zip(outputs[key], outputs[below], done, strict=True))
        assert (-2.0, False, True) in values
        assert (-2.01, True, True) in values
    # And the flags' cut-offs: weight-for-age shown as 5.00 is not flagged, 5.01 is.
    flags = set(zip(outputs["waz"], outputs["flag_waz"], done, strict=True))
    assert {
        (5.0, False, True),
        (5.01, True, True),
        (-6.0, False, True),
        (-6.01, True, True),
    } <= flags


def test_weight_and_bmi_beyond_3_sd_use_the_restricted_distance_like_growth():
    rows: list[Row] = []
    curve_z: list[tuple[str, float]] = []  # per row: the z-score it shows, and its z on the curve
    for sex in ("M", "F"):
        for age in (12.0, 36.5, 84.0, 110.25, 150.0):
            height = on_curve("height", sex, age, 0.0)
            assert height is not None
            for z in (-5.5, -4.0, -3.5, -3.0001, 3.0001, 3.5, 4.0, 4.5):
                weight = on_curve("weight", sex, age, z)
                if weight is not None:
                    rows.append((sex, age, None, weight))
                    curve_z.append(("waz", z))
                bmi = on_curve("bmi", sex, age, z)
                assert bmi is not None
                rows.append((sex, age, height, bmi * (height / 100.0) ** 2))
                curve_z.append(("baz", z))
    done = check(rows)
    outputs, _done = growth_many(*zip(*rows, strict=True))
    assert done.mean() > 0.9
    # The adjustment did change these z-scores: most are not their distance on the curve.
    adjusted = [
        outputs[key][row] != round(z, 2)
        for row, (key, z) in enumerate(curve_z)
        if done[row] and abs(z) > 3.4
    ]
    assert len(adjusted) > 40 and sum(adjusted) > 0.8 * len(adjusted)


# --- refused rows ------------------------------------------------------------------------------

REFUSED: list[Row] = [
    (None, 84.0, 120.0, 22.0),
    ("", 84.0, 120.0, 22.0),
    ("X", 84.0, 120.0, 22.0),
    (1, 84.0, 120.0, 22.0),
    (True, 84.0, 120.0, 22.0),
    ("M", None, 120.0, 22.0),
    ("M", "", 120.0, 22.0),
    ("M", "abc", 120.0, 22.0),
    ("M", -0.5, 120.0, 22.0),
    ("M", 228.01, 120.0, 22.0),
    ("M", math.nan, 120.0, 22.0),
    ("M", math.inf, 120.0, 22.0),
    ("M", [84.0], 120.0, 22.0),
    ("M", 84.0, 37.99, 22.0),
    ("M", 84.0, 200.01, 22.0),
    ("M", 84.0, math.nan, 22.0),
    ("M", 84.0, math.inf, 22.0),
    ("M", 84.0, "tall", 22.0),
    ("M", 84.0, True, 22.0),
    ("M", 84.0, 10**400, 22.0),  # OverflowError one by one, not even MeasureInputError
    ("M", 84.0, 120.0, 0.5),
    ("M", 84.0, 120.0, 150.5),
    ("M", 84.0, 120.0, math.nan),
    ("M", 84.0, 120.0, -math.inf),
    ("M", 84.0, 120.0, {"kg": 22}),
    ("M", 84.0, None, None),
    ("M", 84.0, "", "  "),
]


@pytest.mark.parametrize("row", REFUSED, ids=repr)
def test_a_row_growth_refuses_is_never_done(row):
    assert one_by_one(row) is None  # the case is really refused one by one
    good = ("F", 84.0, 120.0, 22.0)
    assert check([good, row, good]).tolist() == [True, False, True]
    outputs, _done = growth_many(*zip(good, row, good, strict=True))
    assert all(values[1] is None for values in outputs.values())


def test_numbers_as_text_and_bools_are_left_to_growth_even_where_it_accepts_them():
    rows: list[Row] = [
        ("M", "84", 120.0, 22.0),
        ("M", 84.0, "120.5", 22.0),
        ("M", 84.0, 120.0, " 22 "),
        ("M", 84.0, 120.0, True),  # refused one by one
    ]
    outputs, done = growth_many(*zip(*rows, strict=True))
    assert not done.any()
    assert [one_by_one(row) is None for row in rows] == [False, False, False, True]


def test_the_four_inputs_must_have_the_same_length():
    with pytest.raises(ValueError, match="same length"):
        growth_many(["M", "F"], [84.0], [120.0, 121.0], [22.0, 23.0])


def test_an_l_of_zero_is_left_to_growth_with_the_tables_it_reads(monkeypatch):
    """No WHO table has L == 0 (growth's z is then a logarithm); if one did, growth_many would
    leave the row undone, and would read the same tables as growth."""
    real = growth._table

    def table_with_a_zero_l(name: str) -> growth.LmsTable:
        boys, girls = real(name)
        if name == "wfawho2007":
            boys = list(boys)
            lam, mu, sigma = boys[100 - growth.WHO_2007_FROM_MONTHS]
            boys[100 - growth.WHO_2007_FROM_MONTHS] = (0.0, mu, sigma)
        return boys, girls

    monkeypatch.setattr(growth, "_table", table_with_a_zero_l)
    growth_columns._lms_array.cache_clear()
    try:
        rows: list[Row] = [
            ("M", 100.0, None, 30.0),  # L is 0: undone
            ("M", 99.5, None, 30.0),  # interpolated with that 0, not 0 itself: done
            ("F", 100.0, None, 30.0),
        ]
        done = check(rows, common_done=False)
        assert done.tolist() == [False, True, True]
        assert one_by_one(rows[0]) is not None  # growth computes it, with its logarithm
    finally:
        growth_columns._lms_array.cache_clear()


# --- the arithmetic before rounding -------------------------------------------------------------
# Rounding to 2 decimals hides most last-bit differences, so the steps before it are compared
# unrounded: a power taken with NumPy, or x * x for a square, differs from Python's in the last
# bit for 5% and 0.1% of values on a CPU with AVX-512, and fails these.


@settings(max_examples=200, deadline=None)
@given(
    children=st.lists(
        st.tuples(
            st.sampled_from([0, 1]),
            st.one_of(
                st.floats(0, 228),
                st.integers(0, 228).map(float),
                st.integers(0, 1826).map(lambda days: days / growth.DAYS_PER_MONTH),
                st.integers(0, 1826).map(lambda days: (days + 0.5) / growth.DAYS_PER_MONTH),
            ),
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_l_m_s_over_an_array_are_growths_to_the_bit(children):
    sexes, ages = (np.array(column) for column in zip(*children, strict=True))
    all_lms = growth_columns._lms_many(sexes, ages.astype(np.float64))
    for indicator, lms in zip(growth.INDICATORS, all_lms, strict=True):
        for row, (sex, age) in enumerate(children):
            expected = growth._lms(indicator, sex, age)
            if expected is None:
                assert np.isnan(lms[:, row]).all()
            else:
                assert repr(tuple(lms[:, row].tolist())) == repr(expected)


def test_unrounded_bmi_and_z_scores_are_growths_to_the_bit():
    rng = np.random.default_rng(11)
    size = 20_000
    sexes = rng.integers(0, 2, size)
    ages = np.concatenate([rng.uniform(0, 228, size - 229), np.arange(229.0)])
    heights = rng.uniform(*growth.HEIGHT_RANGE_CM, size)
    weights = rng.uniform(2.0, 80.0, size)

    bmi = growth_columns._bmi_many(heights, weights)
    expected_bmi = [
        w / (h / 100.0) ** 2 for h, w in zip(heights.tolist(), weights.tolist(), strict=True)
    ]
    assert repr(bmi.tolist()) == repr(expected_bmi)

    for indicator, values, z_many, z_one in (
        ("height", heights, growth_columns._z_many, growth._z),
        ("weight", weights, growth_columns._z_restricted_many, growth._z_restricted),
        ("bmi", bmi, growth_columns._z_restricted_many, growth._z_restricted),
    ):
        lms = growth_columns._lms_many(sexes, ages)[growth.INDICATORS.index(indicator)]
        defined = ~np.isnan(lms[0])
        got = z_many(values[defined], lms[:, defined])
        expected = [
            z_one(y, (lam, mu, sigma))
            for y, (lam, mu, sigma) in zip(
                values[defined].tolist(), lms[:, defined].T.tolist(), strict=True
            )
        ]
        assert repr(got.tolist()) == repr(expected), indicator


# --- rounding ----------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(-1e4, 1e4),
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(-(10**7), 10**7).map(lambda k: (k + 0.5) / 100),  # ties, or next to one
            st.integers(-(10**7), 10**7).map(lambda k: k / 1000),
        ),
        max_size=50,
    )
)
@example(values=[2.675, 0.125, -0.125, 0.375, -0.001, -0.0, 1.005, -2.005, 1e300])
def test_rounding_over_an_array_is_pythons_round_to_the_bit(values):
    got = growth_columns._round_many(np.array(values, dtype=np.float64)).tolist()
    assert repr(got) == repr([round(value, 2) + 0.0 for value in values])
