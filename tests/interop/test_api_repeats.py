"""A repeat group through the REST API (decision 0053): rows are sent and read back as a list
under the repeat's name, a row's problem is keyed and named by its row, and too many rows are
refused with the database unchanged."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.actions import instrument_publish
from tests.web.test_capture_repeats import FORM

from ..attacks import unchanged

pytestmark = pytest.mark.django_db


@pytest.fixture
def household(people, sunrise):
    version = instrument_publish(data=FORM.encode(), filename="household.md").version
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=version,
    )
    wave.schools.set([sunrise])
    return wave


def body(child, rows) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "child": child.pk,
        "respondent": "caregiver",
        "answers": {"adults": 2, "household_members": rows},
        "assessed_on": "2026-03-02",
        "status": "submitted",
    }


def test_rows_are_saved_and_read_back_as_a_list(api, child, household):
    client = api("fiona")
    rows = [{"hm_name": "Thandi", "hm_age": 34}, {"hm_name": "Sipho", "hm_age": "7"}]
    response = client.post("assessments/", body(child, rows))
    assert response.status_code == 201, response.json()
    uid = response.json()["uuid"]
    assert Assessment.objects.get(uuid=uid).answers["household_members"][1] == {
        "hm_name": "Sipho",
        "hm_age": 7,
    }
    read = client.get(f"assessments/{uid}/").json()
    assert read["answers"]["household_members"] == [
        {"hm_name": "Thandi", "hm_age": 34},
        {"hm_name": "Sipho", "hm_age": 7},
    ]


def test_a_problem_in_a_row_is_keyed_by_its_row(api, child, household):
    client = api("fiona")
    with unchanged():
        response = client.post("assessments/", body(child, [{"hm_name": "A"}]))
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "household_members-0-hm_age": "Household member 1, Age: This question needs an answer."
    }


def test_too_many_rows_are_refused(api, child, household):
    rows = [{"hm_name": "A", "hm_age": 1}] * 51
    client = api("fiona")
    with unchanged():
        response = client.post("assessments/", body(child, rows))
    assert response.status_code == 400
    assert "a form takes at most 50" in response.json()["errors"]["household_members"]
