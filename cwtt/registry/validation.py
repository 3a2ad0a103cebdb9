"""Checks on registry data that give a plain message rather than a crash.

Plain Python (no Django import) so imports, forms and the API share one set of rules.
"""

from __future__ import annotations

import datetime as dt

from cwtt.instruments.engine.definition import gettext_noop, marked

# Foundation Phase is Grade R (about 5) to Grade 3 (about 9). Children a little outside that
# band are common (late starters, repeaters); far outside it is probably a typing mistake.
FOUNDATION_PHASE_AGE_YEARS = (4, 11)


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def sa_id_problems(
    number: str, date_of_birth: dt.date | None = None, sex: str | None = None
) -> list[str]:
    """Problems with a South African ID number (YYMMDD SSSS C A Z), each a plain sentence.

    The 13th digit is a Luhn check digit; digits 7-10 are 0000-4999 for females and 5000-9999
    for males; the 11th is 0 (citizen) or 1 (permanent resident).
    """
    number = number.strip().replace(" ", "")
    if len(number) != 13 or not number.isdigit():
        return [
            marked(
                gettext_noop("An SA ID number has exactly 13 digits."),
            )
        ]
    problems: list[str] = []
    try:
        encoded_birth = dt.datetime.strptime(number[:6], "%y%m%d").date()
    except ValueError:
        problems.append(
            marked(
                gettext_noop(
                    "The first six digits of the ID number are not a valid date (YYMMDD)."
                ),
            )
        )
        encoded_birth = None
    if number[10] not in "01":
        problems.append(
            marked(
                gettext_noop("The 11th digit of an ID number must be 0 (citizen) or 1 (resident)."),
            )
        )
    if not luhn_ok(number):
        problems.append(
            marked(
                gettext_noop(
                    "The ID number's check digit is wrong; please check it was typed correctly."
                ),
            )
        )
    if (
        encoded_birth
        and date_of_birth
        and (
            encoded_birth.month,
            encoded_birth.day,
            encoded_birth.year % 100,
        )
        != (date_of_birth.month, date_of_birth.day, date_of_birth.year % 100)
    ):
        problems.append(
            marked(
                gettext_noop("The ID number does not match the date of birth."),
            )
        )
    if sex in {"M", "F"} and not problems:
        encoded_sex = "F" if int(number[6:10]) < 5000 else "M"
        if encoded_sex != sex:
            problems.append(
                marked(
                    gettext_noop("The ID number does not match the child's sex."),
                )
            )
    return problems


def date_of_birth_problems(date_of_birth: dt.date, today: dt.date | None = None) -> list[str]:
    today = today or dt.date.today()
    if date_of_birth > today:
        return [
            marked(
                gettext_noop("The date of birth is in the future."),
            )
        ]
    if date_of_birth.year < today.year - 25:
        return [
            marked(
                gettext_noop("The date of birth is more than 25 years ago; please check the year."),
            )
        ]
    return []


def age_in_years(date_of_birth: dt.date, on: dt.date) -> int:
    return (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )


def age_warnings(date_of_birth: dt.date, on: dt.date | None = None) -> list[str]:
    """Warnings (not errors) for a child far outside Foundation Phase age."""
    on = on or dt.date.today()
    years = age_in_years(date_of_birth, on)
    low, high = FOUNDATION_PHASE_AGE_YEARS
    if years < low or years > high:
        return [
            marked(
                gettext_noop(
                    "The child is %(years)s years old, far outside Foundation Phase age (about 5 to 9); please check the date of birth."
                ),
                years=years,
            )
        ]
    return []


def emis_problems(number: str) -> list[str]:
    number = number.strip()
    if not number.isdigit() or not 6 <= len(number) <= 12:
        return [marked(gettext_noop("An EMIS number is 6 to 12 digits."))]
    return []
