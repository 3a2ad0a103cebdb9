"""Growth measures against WHO's own published examples and the WHO LMS tables.

Reference values come from the test suites of WHO's R packages: `anthroplus` (WHO 2007,
5-19 years) and `anthro` (WHO 2006, under 5). Table-based checks read the TSV files here,
independently of the code under test, and build measurements at known z-scores.
"""

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from cwtt.instruments.measures.errors import MeasureInputError
from cwtt.instruments.measures.growth import age_in_months, growth, growth_from_inputs

TABLES = Path(__file__).resolve().parents[2] / "cwtt/instruments/measures/growth_tables"


def lms(table: str, sex: int, age: int) -> tuple[float, float, float]:
    with (TABLES / f"{table}.tsv").open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if int(row["sex"]) == sex and int(row["age"]) == age:
                return float(row["l"]), float(row["m"]), float(row["s"])
    raise LookupError(f"{table} has no row for sex {sex} age {age}")


def at_sd(table: str, sex: int, age: int, n: float) -> float:
    """The measurement n standard deviations from the median, by the LMS formula."""
    lam, mu, sigma = lms(table, sex, age)
    return mu * (1 + lam * sigma * n) ** (1 / lam)


def months(days: int) -> float:
    return days / 30.4375


# --- WHO published examples ------------------------------------------------------------------


def test_girl_of_60_32_months_matches_the_who_anthroplus_example():
    result = growth("F", 60.32, 113.8, 18.7)
    assert (result["haz"], result["waz"], result["baz"]) == (0.96, 0.21, -0.58)
    assert result["bmi"] == 14.44


def test_girl_of_60_91_months_matches_the_second_who_anthroplus_example():
    result = growth("F", 60.911701, 113.6, 20.5)
    assert (result["haz"], result["waz"], result["baz"]) == (0.85, 0.79, 0.42)


def test_girl_of_1522_days_weighing_17_kg_has_the_who_anthro_weight_for_age_of_0_24():
    assert growth("F", months(1522), None, 17)["waz"] == 0.24


def test_boy_of_44_days_measuring_50_cm_matches_the_who_anthro_length_for_age_example():
    expected = round(((50 / 56.4833) - 1) / 0.03492, 2)
    assert growth("M", months(44), 50, None)["haz"] == expected == -3.29


def test_age_of_24_months_rounds_half_up_to_day_731_and_uses_the_height_table_as_who_does():
    # 24 x 30.4375 = 730.5 days. WHO anthro rounds half up to 731 (standing height row);
    # Python's round() would give 730 (length row) and -2.76.
    assert growth("F", 24, 77.5, None)["haz"] == -2.55


def test_boy_of_987_days_measuring_72_16_cm_is_minus_6_09_and_flagged_as_in_who_anthro():
    # WHO's example gives 72.86 cm lying down; anthro subtracts 0.7 cm, we take height as given.
    result = growth("M", months(987), 72.16, None)
    assert result["haz"] == -6.09
    assert result["flag_haz"] is True


def test_infants_of_8_and_9_months_match_the_who_anthro_length_examples():
    assert growth("M", 9, 60.7, None)["haz"] == -5.02
    assert growth("M", 8, 60, None)["haz"] == -4.81


def test_girl_of_one_day_weighing_10_37_kg_is_flagged_but_keeps_her_z_score():
    result = growth("F", months(1), None, 10.37)
    assert result["flag_waz"] is True
    assert result["waz"] is not None and result["waz"] > 5
    assert result["underweight"] is None and result["severely_underweight"] is None


# --- Checks built from the tables ---------------------------------------------------------------


@pytest.mark.parametrize("sex, code", [(1, "M"), (2, "F")])
@pytest.mark.parametrize("age_days", [0, 100, 730, 731, 1200, 1826])
def test_the_who_2006_median_gives_z_scores_of_zero(sex, code, age_days):
    height = lms("lenanthro", sex, age_days)[1]
    weight = lms("weianthro", sex, age_days)[1]
    result = growth(code, months(age_days), height, weight)
    assert result["haz"] == 0.0
    assert result["waz"] == 0.0


@pytest.mark.parametrize("sex, code", [(1, "M"), (2, "F")])
@pytest.mark.parametrize("age", [60, 61, 100, 120, 180, 228])
def test_the_who_2007_median_at_a_whole_month_gives_z_scores_of_zero(sex, code, age):
    height = lms("hfawho2007", sex, age)[1]
    result = growth(code, age, height, None)
    assert result["haz"] == 0.0
    if age <= 120:
        assert growth(code, age, None, lms("wfawho2007", sex, age)[1])["waz"] == 0.0


def test_who_2007_parameters_are_interpolated_between_whole_months():
    # Height-for-age has L = 1, so a height at the mid-point of the two medians is z = 0
    # exactly when L, M and S are all interpolated to the half month.
    low, high = lms("hfawho2007", 2, 150), lms("hfawho2007", 2, 151)
    assert low[0] == high[0] == 1
    assert growth("F", 150.5, (low[1] + high[1]) / 2, None)["haz"] == 0.0
    # The lower month's median falls short at the half month, by the interpolated M and S.
    mid_m, mid_s = (low[1] + high[1]) / 2, (low[2] + high[2]) / 2
    expected = round((low[1] / mid_m - 1) / mid_s, 2)
    assert expected < 0
    assert growth("F", 150.5, low[1], None)["haz"] == expected


def test_a_weight_at_plus_two_sd_gives_a_weight_for_age_of_two():
    weight = at_sd("weianthro", 1, 500, 2)
    assert growth("M", months(500), None, weight)["waz"] == 2.0


def test_a_bmi_at_minus_two_sd_gives_a_bmi_for_age_of_minus_two_and_is_not_yet_thin():
    bmi = at_sd("bfawho2007", 2, 100, -2)
    height = 130.0
    result = growth("F", 100, height, bmi * (height / 100) ** 2)
    assert result["baz"] == -2.0
    assert result["thin"] is False


def test_weight_beyond_plus_three_sd_uses_the_who_restricted_adjustment():
    sd2, sd3 = at_sd("weianthro", 2, 1000, 2), at_sd("weianthro", 2, 1000, 3)
    weight = sd3 + 0.5 * (sd3 - sd2)
    assert growth("F", months(1000), None, weight)["waz"] == 3.5


def test_bmi_beyond_minus_three_sd_uses_the_who_restricted_adjustment():
    sd2, sd3 = at_sd("bfawho2007", 1, 150, -2), at_sd("bfawho2007", 1, 150, -3)
    bmi = sd3 - 0.5 * (sd2 - sd3)
    height = 150.0
    result = growth("M", 150, height, bmi * (height / 100) ** 2)
    assert result["baz"] == -3.5
    assert result["severely_thin"] is True


def test_height_beyond_three_sd_is_not_adjusted():
    lam, mu, sigma = lms("hfawho2007", 1, 200)
    assert lam == 1
    assert growth("M", 200, mu * (1 - 4 * sigma), None)["haz"] == -4.0


# --- Classes, flags and undefined values --------------------------------------------------------


def height_at(z: float, age: int = 120, sex: int = 1) -> float:
    lam, mu, sigma = lms("hfawho2007", sex, age)
    return mu * (1 + lam * sigma * z)


def test_a_height_for_age_of_exactly_minus_two_is_not_stunted():
    result = growth("M", 120, height_at(-2.0), None)
    assert result["haz"] == -2.0
    assert result["stunted"] is False


def test_a_height_for_age_just_below_minus_two_is_stunted_but_not_severely():
    result = growth("M", 120, height_at(-2.01), None)
    assert result["stunted"] is True
    assert result["severely_stunted"] is False


def test_a_height_for_age_below_minus_three_is_severely_stunted():
    result = growth("M", 120, height_at(-3.2), None)
    assert result["stunted"] is True
    assert result["severely_stunted"] is True


def test_a_height_for_age_beyond_six_is_flagged_and_left_unclassified():
    result = growth("M", 120, height_at(-6.5), None)
    assert result["haz"] == -6.5
    assert result["flag_haz"] is True
    assert result["stunted"] is None and result["severely_stunted"] is None


def bmi_growth(code: str, sex: int, age_months: float, table: str, age_row: int, z: float):
    height = 100.0 if table == "bmianthro" else 140.0
    bmi = at_sd(table, sex, age_row, z)
    return growth(code, age_months, height, bmi * (height / 100) ** 2)


def test_under_60_months_a_bmi_for_age_of_1_5_is_not_overweight():
    result = bmi_growth("F", 2, months(1500), "bmianthro", 1500, 1.5)
    assert result["baz"] == 1.5
    assert result["overweight"] is False


def test_under_60_months_overweight_is_above_two_and_obese_above_three():
    over = bmi_growth("F", 2, months(1500), "bmianthro", 1500, 2.5)
    obese = bmi_growth("F", 2, months(1500), "bmianthro", 1500, 3.4)
    assert (over["overweight"], over["obese"]) == (True, False)
    assert (obese["overweight"], obese["obese"]) == (True, True)


def test_from_60_months_overweight_is_above_one_and_obese_above_two():
    over = bmi_growth("M", 1, 130, "bfawho2007", 130, 1.5)
    obese = bmi_growth("M", 1, 130, "bfawho2007", 130, 2.5)
    assert (over["overweight"], over["obese"]) == (True, False)
    assert (obese["overweight"], obese["obese"]) == (True, True)


def test_weight_for_age_is_undefined_after_120_months_but_defined_at_120():
    assert growth("M", 120, 140, 33)["waz"] is not None
    older = growth("M", 120.5, 140, 33)
    assert older["waz"] is None
    assert older["flag_waz"] is None and older["underweight"] is None
    assert older["baz"] is not None


def test_only_a_weight_gives_weight_for_age_and_nothing_that_needs_height():
    result = growth("F", 30, None, 12)
    assert result["waz"] is not None
    assert result["bmi"] is None and result["haz"] is None and result["baz"] is None
    assert result["thin"] is None and result["stunted"] is None


def test_sex_is_read_without_regard_to_case_or_spaces():
    assert growth(" f ", 60.32, 113.8, 18.7) == growth("F", 60.32, 113.8, 18.7)


def test_text_numbers_are_scored_like_numbers():
    assert growth("F", "60.32", "113.8", "18.7") == growth("F", 60.32, 113.8, 18.7)  # type: ignore[arg-type]


def test_the_extreme_plausible_values_are_accepted():
    assert growth("M", 0, 38, 0.9)["haz"] is not None
    assert growth("M", 228, 200, 150)["baz"] is not None


# --- Age from dates -----------------------------------------------------------------------------


def test_age_in_months_is_days_divided_by_30_4375():
    born = date(2019, 3, 1)
    assert age_in_months(born, born + timedelta(days=1826)) == pytest.approx(1826 / 30.4375)
    assert age_in_months(born, born) == 0.0


def test_age_in_months_accepts_datetimes():
    assert age_in_months(datetime(2020, 1, 1, 15), date(2020, 1, 31)) == 30 / 30.4375


def test_a_measurement_before_birth_is_an_error():
    with pytest.raises(MeasureInputError, match="measured_on: 2020-01-01 is before date_of_birth"):
        age_in_months(date(2021, 1, 1), date(2020, 1, 1))


def test_growth_from_inputs_computes_age_from_iso_dates():
    from_dates = growth_from_inputs(
        {
            "sex": "F",
            "date_of_birth": "2015-01-01",
            "measured_on": "2020-01-11",
            "height_cm": "113.8",
            "weight_kg": "18.7",
        }
    )
    days = (date(2020, 1, 11) - date(2015, 1, 1)).days
    assert from_dates == growth("F", days / 30.4375, 113.8, 18.7)


def test_growth_from_inputs_prefers_age_months_over_dates():
    result = growth_from_inputs(
        {
            "sex": "F",
            "age_months": "60.32",
            "date_of_birth": "2000-01-01",
            "measured_on": "2001-01-01",
            "height_cm": 113.8,
            "weight_kg": 18.7,
        }
    )
    assert result["haz"] == 0.96


def test_a_date_that_is_not_iso_is_an_error_naming_the_column():
    with pytest.raises(MeasureInputError, match=r"date_of_birth: '01/02/2015' is not a date"):
        growth_from_inputs(
            {
                "sex": "F",
                "date_of_birth": "01/02/2015",
                "measured_on": "2020-01-01",
                "height_cm": 110,
                "weight_kg": 18,
            }
        )


def test_a_missing_measured_on_date_is_an_error():
    with pytest.raises(MeasureInputError, match="measured_on: value is missing"):
        growth_from_inputs({"sex": "F", "date_of_birth": "2015-01-01", "height_cm": 110})


# --- Bad inputs ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"height_cm": 2500},
            "height_cm: 2500 is not a plausible height in centimetres (expected 38-200)",
        ),
        ({"height_cm": 37.9}, "height_cm: 37.9 is not a plausible height in centimetres"),
        ({"height_cm": 200.5}, "height_cm: 200.5 is not a plausible height"),
        (
            {"weight_kg": 0.5},
            "weight_kg: 0.5 is not a plausible weight in kilograms (expected 0.9-150)",
        ),
        ({"weight_kg": 151}, "weight_kg: 151 is not a plausible weight in kilograms"),
        ({"sex": "X"}, "sex: 'X' is not M or F"),
        ({"sex": None}, "sex: value is missing"),
        ({"sex": ""}, "sex: value is missing"),
        ({"age_months": -1}, "age_months: -1 is negative"),
        ({"age_months": 228.5}, "age_months: 228.5 is beyond 228 months"),
        ({"age_months": None}, "age_months: no age given"),
        ({"age_months": "five"}, "age_months: 'five' is not a number"),
        ({"height_cm": "tall"}, "height_cm: 'tall' is not a number"),
        ({"height_cm": float("nan")}, "height_cm: nan is not a number"),
        ({"weight_kg": True}, "weight_kg: True is not a number"),
        ({"height_cm": None, "weight_kg": None}, "height_cm: no height or weight given"),
    ],
)
def test_bad_growth_input_raises_a_plain_message_naming_the_field(kwargs, message):
    arguments = {"sex": "F", "age_months": 70.0, "height_cm": 115.0, "weight_kg": 20.0}
    arguments.update(kwargs)
    with pytest.raises(MeasureInputError) as raised:
        growth(**arguments)
    assert str(raised.value).startswith(message)
    assert raised.value.field == message.split(":")[0]
