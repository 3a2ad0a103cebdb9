"""A form from ODK Collect with a repeat group (issue #12, decision 0053): each element named
like the repeat is one row, and the rows are kept as a list under the repeat's name, checked
per row with the capture page's rules."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest

from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.actions import instrument_publish
from tests.interop.collect import XFORMS, Collect, fill
from tests.web.test_capture_repeats import FORM

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
    return version


def xform(collect: Collect) -> str:
    listed = {f["formID"]: f for f in collect.form_list()}
    return collect.get(listed["household_caregiver"]["downloadUrl"]).content.decode()


def test_the_xform_has_the_repeat_as_pyxform_builds_it(client, household):
    root = ET.fromstring(xform(Collect(client, "fiona")))
    assert root.find(f".//{XFORMS}repeat[@nodeset='/data/cg/household_members']") is not None


def test_a_form_with_rows_becomes_an_assessment_with_a_list_of_rows(client, household, child):
    collect = Collect(client, "fiona")
    xml = fill(
        xform(collect),
        {"child_id": str(child.pk), "adults": "2"},
        repeats={
            "household_members": [
                {"hm_name": "Thandi", "hm_age": "34"},
                {"hm_name": "Sipho", "hm_age": "7", "hm_school": "yes"},
            ]
        },
    )
    assert xml.count(b"<household_members>") == 2 and b"template" not in xml
    response = collect.send(xml)
    assert response.status_code == 201, response.content
    answers = Assessment.objects.get().answers
    assert answers["household_members"] == [
        {"hm_name": "Thandi", "hm_age": 34},
        {"hm_name": "Sipho", "hm_age": 7, "hm_school": "yes"},
    ]
    assert answers["adults"] == 2
    # The same form again is recognised as a retry, rows and all.
    assert collect.send(xml).status_code == 202


def test_a_row_that_breaks_a_rule_is_refused_naming_the_row(client, household, child):
    collect = Collect(client, "fiona")
    xml = fill(
        xform(collect),
        {"child_id": str(child.pk), "adults": "2"},
        repeats={"household_members": [{"hm_name": "Thandi", "hm_age": "34"}, {"hm_name": "B"}]},
    )
    response = collect.send(xml)
    assert response.status_code == 400
    assert "Household member 2, Age: This question needs an answer." in response.content.decode()
    assert not Assessment.objects.exists()


def test_more_rows_than_a_form_takes_are_refused(client, household, child):
    collect = Collect(client, "fiona")
    rows = [{"hm_name": f"P{i}", "hm_age": "9"} for i in range(51)]
    xml = fill(
        xform(collect),
        {"child_id": str(child.pk), "adults": "2"},
        repeats={"household_members": rows},
    )
    response = collect.send(xml)
    assert response.status_code == 400
    assert "there are 51 rows; a form takes at most 50" in response.content.decode()
    assert not Assessment.objects.exists()
