"""Bad registry input gets a clear message, never a crash."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cwtt.registry.models import Child, Location, School
from cwtt.registry.validation import age_warnings, luhn_ok, sa_id_problems

# Generated, not a real person's: 2018-03-14, female sequence 0123, citizen, check digit by Luhn.
VALID_GIRL_ID = "1803140123080"


def test_the_generated_id_is_valid():
    assert luhn_ok(VALID_GIRL_ID)
    assert sa_id_problems(VALID_GIRL_ID, dt.date(2018, 3, 14), "F") == []


def test_a_wrong_check_digit_is_reported():
    wrong = VALID_GIRL_ID[:-1] + str((int(VALID_GIRL_ID[-1]) + 1) % 10)
    assert sa_id_problems(wrong) == [
        "The ID number's check digit is wrong; please check it was typed correctly."
    ]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("12345", "An SA ID number has exactly 13 digits."),
        ("18031401230AB", "An SA ID number has exactly 13 digits."),
        ("1813140123080", "The first six digits of the ID number are not a valid date (YYMMDD)."),
    ],
)
def test_malformed_ids_are_explained(number, message):
    assert message in sa_id_problems(number)


def test_an_id_that_contradicts_the_birth_date_or_sex_is_reported():
    assert "The ID number does not match the date of birth." in sa_id_problems(
        VALID_GIRL_ID, dt.date(2018, 3, 15)
    )
    assert sa_id_problems(VALID_GIRL_ID, dt.date(2018, 3, 14), "M") == [
        "The ID number does not match the child's sex."
    ]


def test_a_child_far_outside_foundation_phase_age_gets_a_warning_not_an_error():
    assert age_warnings(dt.date(2019, 1, 1), on=dt.date(2026, 6, 1)) == []
    warning = age_warnings(dt.date(2023, 1, 1), on=dt.date(2026, 6, 1))
    assert warning and "far outside Foundation Phase age" in warning[0]


@pytest.mark.django_db
def test_a_birth_date_in_the_future_is_refused(sunrise):
    child = Child(
        first_name="A",
        last_name="B",
        date_of_birth=dt.date.today() + dt.timedelta(days=3),
        sex="F",
        school=sunrise,
    )
    with pytest.raises(ValidationError) as raised:
        child.full_clean()
    assert raised.value.message_dict["date_of_birth"] == ["The date of birth is in the future."]


@pytest.mark.django_db
def test_a_wrong_id_on_a_child_is_refused_on_its_field(sunrise):
    child = Child(
        first_name="A",
        last_name="B",
        date_of_birth=dt.date(2018, 3, 14),
        sex="F",
        school=sunrise,
        sa_id_number="1803140123081",
    )
    with pytest.raises(ValidationError) as raised:
        child.full_clean()
    assert "check digit" in raised.value.message_dict["sa_id_number"][0]


@pytest.mark.django_db
def test_a_duplicate_emis_number_is_refused_plainly(sunrise):
    twin = School(
        emis_number=sunrise.emis_number, name="Twin", quintile=1, location=sunrise.location
    )
    with pytest.raises(ValidationError) as raised:
        twin.full_clean()
    assert raised.value.message_dict["emis_number"] == [
        "Another school already has this EMIS number."
    ]


@pytest.mark.django_db
def test_a_circuit_must_sit_under_a_district(district):
    bad = Location(code="X", name="Loose circuit", level="circuit", parent=district["province"])
    with pytest.raises(ValidationError) as raised:
        bad.full_clean()
    assert raised.value.message_dict["parent"] == ["A circuit must belong to a district."]
