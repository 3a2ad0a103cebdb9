"""Demo caregivers have mobile numbers, so the contact features can be tried, and no number
can reach a real phone (decision 0055)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

from cwtt.registry.duplicates import phone_key
from cwtt.registry.models import Caregiver
from cwtt.synthetic.accounts import DEMO_ACCOUNTS, ensure_demo_accounts
from cwtt.synthetic.generate import fictitious_phone, generate_district
from cwtt.synthetic.near_duplicates import near_duplicate_set

pytestmark = pytest.mark.django_db

# +27, then "00" where a network code (60-84) would be: no phone has such a number.
UNREACHABLE = re.compile(r"\+27 00 \d{3} \d{4}")


def test_most_demo_caregivers_have_an_unreachable_south_african_layout_number(default_version):
    generate_district(schools=1, learners_per_school=30, waves=1, seed=3)
    phones = list(Caregiver.objects.values_list("phone", flat=True))
    given = [p for p in phones if p]
    assert 0.7 <= len(given) / len(phones) <= 0.9  # four in five; some left without, to try
    assert all(UNREACHABLE.fullmatch(p) for p in given)
    assert len({phone_key(p) for p in given}) == len(given)  # never two caregivers' alike


def test_a_second_district_continues_the_numbers(default_version):
    generate_district(schools=1, learners_per_school=10, waves=1, seed=3)
    generate_district(schools=1, learners_per_school=10, waves=1, seed=4)
    given = [p for p in Caregiver.objects.values_list("phone", flat=True) if p]
    assert len(set(given)) == len(given)


def test_the_numbers_are_laid_out_as_a_mobile_number_and_bounded():
    assert fictitious_phone(1) == "+27 00 000 0001"
    assert fictitious_phone(1234567) == "+27 00 123 4567"
    for wrong in (0, 10**7):
        with pytest.raises(ValueError):
            fictitious_phone(wrong)


def test_demo_accounts_have_example_addresses_to_try_a_reset(default_version):
    generate_district(schools=1, learners_per_school=5, waves=1, seed=3)
    ensure_demo_accounts()
    emails = dict(get_user_model().objects.values_list("username", "email"))
    for account in DEMO_ACCOUNTS:
        assert emails[account.username] == f"{account.username}@example.org"


def test_the_near_duplicate_generator_makes_only_unreachable_numbers_too():
    generated = near_duplicate_set(children=600, seed=5)
    phones = [p for r in generated.records for p in r.caregiver_phones]
    assert phones  # most households have a phone
    assert all(UNREACHABLE.fullmatch(p) for p in phones)
