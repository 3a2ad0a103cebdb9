"""WHO's z-score lines (`reference_value`), drawn on the child's growth charts: the same values
as WHO's tables give, read here independently of the code under test."""

import csv
from pathlib import Path

import pytest

from cwtt.instruments.measures.errors import MeasureInputError
from cwtt.instruments.measures.growth import growth, overweight_cutoffs, reference_value

TABLES = Path(__file__).resolve().parents[2] / "cwtt/instruments/measures/growth_tables"


def at_sd(table: str, sex: int, age: int, n: float) -> float:
    with (TABLES / f"{table}.tsv").open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if int(row["sex"]) == sex and int(row["age"]) == age:
                lam, mu, sigma = float(row["l"]), float(row["m"]), float(row["s"])
                return mu * (1 + lam * sigma * n) ** (1 / lam)
    raise LookupError(f"{table} has no row for sex {sex} age {age}")


@pytest.mark.parametrize(
    ("indicator", "table", "sex", "months", "z"),
    [
        ("height", "hfawho2007", "M", 96, -2),
        ("height", "hfawho2007", "F", 61, 3),
        ("bmi", "bfawho2007", "F", 120, 1),
        ("bmi", "bfawho2007", "M", 200, -3),
        ("weight", "wfawho2007", "M", 84, 0),
    ],
)
def test_from_five_years_a_line_is_whos_value_at_the_whole_month(indicator, table, sex, months, z):
    expected = at_sd(table, 1 if sex == "M" else 2, months, z)
    assert reference_value(indicator, sex, months, z) == pytest.approx(expected, rel=1e-12)


def test_under_five_a_line_is_whos_value_at_the_day():
    days = 1000
    expected = at_sd("lenanthro", 2, days, -2)
    assert reference_value("height", "F", days / 30.4375, -2) == pytest.approx(expected)
    assert reference_value("bmi", "M", days / 30.4375, 2) == pytest.approx(
        at_sd("bmianthro", 1, days, 2)
    )


def test_between_whole_months_the_line_is_interpolated_as_the_z_scores_are():
    # A child measured exactly on the line has exactly that z-score, at any age.
    for months in (62.4, 75.75, 101.1, 130.9):
        for z in (-3.0, -2.0, 0.0, 2.0):
            height = reference_value("height", "F", months, z)
            assert growth("F", months, height, None)["haz"] == z


def test_weight_for_age_has_no_line_after_ten_years():
    assert reference_value("weight", "M", 121, 0) is None
    assert reference_value("weight", "M", 120, 0) is not None


def test_a_wrong_indicator_sex_or_age_is_refused():
    with pytest.raises(ValueError, match="is not one of height, weight, bmi"):
        reference_value("arm", "M", 80, 0)
    with pytest.raises(MeasureInputError):
        reference_value("height", "X", 80, 0)
    with pytest.raises(MeasureInputError):
        reference_value("height", "M", 229, 0)


def test_overweight_starts_at_plus_two_under_five_and_plus_one_from_five():
    assert overweight_cutoffs(59.9) == (2.0, 3.0)
    assert overweight_cutoffs(60) == (1.0, 2.0)
    assert growth("F", 59.9, 100, 20.5)["overweight"] is (growth("F", 59.9, 100, 20.5)["baz"] > 2)
