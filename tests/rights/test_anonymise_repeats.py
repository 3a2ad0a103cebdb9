"""A repeat's rows in the rights tools (decision 0053): the subject access record shows each row
in words; anonymisation reaches into the rows: a household member's name is free text, and
goes; the rest of the row stays, so the counts made from it do not change."""

import datetime as dt
import json

import pytest

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.actions import instrument_publish
from cwtt.rights.actions import child_anonymise
from cwtt.rights.subject_access import child_record
from tests.web.test_capture_repeats import FORM

pytestmark = pytest.mark.django_db


def test_free_text_inside_rows_is_removed_and_the_rest_kept(child, sunrise):
    version = instrument_publish(data=FORM.encode(), filename="household.md").version
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=version,
    )
    wave.schools.set([sunrise])
    assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={
            "adults": 2,
            "household_members": [
                {"hm_name": "Thandi", "hm_age": 34},
                {"hm_name": "Sipho", "hm_age": 7, "hm_school": "yes"},
            ],
        },
        assessed_on=dt.date(2026, 3, 2),
    )
    text = json.dumps(child_record(child), ensure_ascii=False)
    assert "1. Name: Thandi; Age: 34 | 2. Name: Sipho; Age: 7; Goes to school?: Yes" in text
    removed = child_anonymise(child=child, rule="test", actor_name="command line")
    assert removed["free_text_answers"] == 2
    assert Assessment.objects.get().answers == {
        "adults": 2,
        "household_members": [{"hm_age": 34}, {"hm_age": 7, "hm_school": "yes"}],
    }
