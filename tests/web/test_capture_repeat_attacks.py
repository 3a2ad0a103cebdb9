"""Attacks on the capture page's repeats (decision 0053, the limits of decision 0030): too many
rows, too many boxes, a body too big, row numbers that are not numbers or are absurd, an
answer smuggled into a row: refused with a message, or read as nothing, and the database does
not change."""

import re

import pytest
from django.test import Client

from cwtt.assessments.models import Assessment

from ..attacks import ONE_MEGABYTE, unchanged
from .test_capture_repeats import send, url  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_more_rows_than_a_form_takes_are_refused_naming_the_repeat(client, url):  # noqa: F811
    rows = {}
    for i in range(51):
        rows[f"household_members-{i}-hm_name"] = f"P{i}"
        rows[f"household_members-{i}-hm_age"] = "9"
    with unchanged():
        response = send(client, url, adults="2", **rows)
    assert response.status_code == 200
    assert (
        "Household member: there are 51 rows; a form takes at most 50. Split them over more "
        "than one assessment."
    ) in response.content.decode()


def test_add_another_stops_at_the_limit(client, url):  # noqa: F811
    rows = {f"household_members-{i}-hm_name": f"P{i}" for i in range(50)}
    with unchanged():
        response = send(client, url, adults="2", add_row="household_members", **rows)
    page = response.content.decode().split("<template data-repeat-template>")[0]
    assert len(re.findall(r'name="household_members-\d+-hm_name"', page)) == 50
    assert 'value="household_members" data-add-row disabled' in response.content.decode()


def test_a_body_with_too_many_boxes_is_refused(client, url):  # noqa: F811
    rows = {f"household_members-{i}-hm_name": "x" for i in range(1200)}
    with unchanged():
        response = send(client, url, adults="2", **rows)
    assert response.status_code == 400


def test_a_body_too_big_is_refused(client, url):  # noqa: F811
    rows = {f"household_members-{i}-hm_name": ONE_MEGABYTE for i in range(3)}
    with unchanged():
        response = send(client, url, adults="2", **rows)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "key",
    [
        "household_members-99999999999999999999-hm_name",
        "household_members-1e9-hm_name",
        "household_members--1-hm_name",
        "household_members-0-adults",  # an answer asked once, smuggled into a row
    ],
)
def test_odd_row_names_are_read_as_nothing(client, url, key):  # noqa: F811
    response = send(client, url, adults="2", **{key: "Thandi"})
    assert response.status_code == 302
    assert Assessment.objects.get().answers == {"adults": 2}


def test_another_persons_browser_cannot_add_rows_without_signing_in(url):  # noqa: F811
    with unchanged():
        response = Client().post(url[0], {"household_members-0-hm_name": "Thandi"})
    assert response.status_code in (302, 403)
    assert not Assessment.objects.exists()
