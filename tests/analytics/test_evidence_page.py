"""The Evidence page: area roles (and data managers) only, their area only, small cells hidden,
plain-language readings, a server-drawn chart, no child named, and the same number of queries
at two sizes of data."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cwtt.registry.models import School

from ..conftest import sign_in  # noqa: TID252 - shared test helper
from .conftest import children, plant

pytestmark = pytest.mark.django_db

URL = "/evidence/"


@pytest.fixture
def exact(settings):
    settings.CWTT_ROUNDING_BASE = 1
    settings.CWTT_SMALL_CELL = 5


def fill(waves, school, count, name):
    """`count` children at `school`: half high in protection at baseline (even numbers), two in
    five at follow-up (multiples of 4, 8k + 1, and the fourth child); every third exposed to
    violence. With 40: 10 high both times, 10 only before, 6 only after, 14 neither."""
    first, second = waves
    kids = children(school, count, name)
    for i, kid in enumerate(kids):
        violence = ["pro_violence_home_often_cg"] if i % 3 == 0 else []
        plant(kid, first, high=("protection",) if i % 2 == 0 else (), rules=violence)
        later = i % 4 == 0 or i % 8 == 1 or i == 3
        plant(kid, second, high=("protection",) if later else (), rules=violence)
    return kids


def test_district_official_sees_shares_intervals_and_change_in_words(
    client, exact, people, waves, sunrise
):
    kids = fill(waves, sunrise, 40, "Mthembu")
    sign_in(client, people["dumi"])
    response = client.get(URL, {"wave": waves[1].pk, "since": waves[0].pk, "by": "circuit"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Circuit 1" in page
    # Protection at follow-up: 16 of 40 high; Wilson 26.5% to 55.2%.
    assert "Between 26% and 55% of children, most likely 40% (40 children counted)." in page
    # Newcombe's interval -28.5 to +9.7 points; McNemar exact p = 0.45.
    assert (
        "Went down from 50% to 40%, by 10 points; the true change is most likely between -29 and +10 points. This could be chance."
        in page
    )
    assert '<svg class="interval-chart"' in page and "style=" not in page.split("<main")[1]
    # Nobody is high in health: "none" is a small cell, shown as not shown.
    assert "Not shown: too few children to show safely." in page
    for kid in kids[:5]:
        assert kid.last_name not in page and kid.first_name + " " not in page


def test_the_page_is_in_the_menu_of_area_roles_only(client, people, waves):
    sign_in(client, people["dumi"])
    assert 'href="/evidence/"' in client.get(reverse("home")).content.decode()
    client.logout()
    sign_in(client, people["cora"])
    assert 'href="/evidence/"' not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("who", ["cora", "tumi", "sam", "nobody"])
def test_school_roles_and_people_without_a_role_do_not_get_the_page(client, people, waves, who):
    sign_in(client, people[who])
    assert client.get(URL).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, waves):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_a_district_official_cannot_split_by_province_or_see_another_district(
    client, exact, people, waves, district
):
    from cwtt.registry.models import Location

    elsewhere = Location.objects.create(
        code="GP-OD", name="Other District", level="district", parent=district["province"]
    )
    other = School.objects.create(
        emis_number="700999999", name="Faraway Primary", quintile=1, location=elsewhere
    )
    fill(waves, other, 20, "Far")
    sign_in(client, people["dumi"])
    page = client.get(URL, {"wave": waves[1].pk, "by": "school"}).content.decode()
    assert "Faraway Primary" not in page and "Other District" not in page
    refused = client.get(URL, {"wave": waves[1].pk, "by": "province"})
    assert "Select a valid choice" in refused.content.decode()


def test_the_same_wave_twice_is_refused_in_plain_words(client, people, waves):
    sign_in(client, people["dumi"])
    page = client.get(URL, {"wave": waves[1].pk, "since": waves[1].pk, "by": "circuit"})
    assert "Choose an earlier wave to compare with, not the same one." in page.content.decode()


def test_the_page_costs_the_same_queries_at_two_sizes(
    client, exact, people, waves, sunrise, hilltop, district
):
    sign_in(client, people["dumi"])
    query = {"wave": waves[1].pk, "since": waves[0].pk, "by": "school"}

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, query).status_code == 200
        return len(captured)

    fill(waves, sunrise, 10, "Small")
    fill(waves, hilltop, 6, "Hill")
    small = count()
    fill(waves, sunrise, 30, "Large")
    fill(waves, hilltop, 30, "Larger")
    assert count() == small


def test_a_provincial_official_may_split_by_province_and_a_researcher_sees_their_area(
    client, exact, people, waves, sunrise, district
):
    from ..conftest import _person  # noqa: TID252 - shared test helper

    fill(waves, sunrise, 20, "Mokoena")
    pat = _person("pat", "provincial_official", location=district["province"])
    sign_in(client, pat)
    page = client.get(URL, {"wave": waves[1].pk, "by": "province"}).content.decode()
    assert "Gauteng (test) · Follow-up" in page
    client.logout()
    rhoda = _person("rhoda", "researcher", location=district["district"])
    sign_in(client, rhoda)
    page = client.get(URL, {"wave": waves[1].pk, "by": "district"}).content.decode()
    assert "Test District · Follow-up" in page
    assert "Mokoena" not in page


def test_an_area_reader_with_no_place_is_told_so(client, people, waves):
    staff = people["dumi"].staff
    staff.location = None
    staff.save(update_fields=["location"])
    sign_in(client, people["dumi"])
    page = client.get(URL).content.decode()
    assert "Your account has no area to show figures for." in page


def test_a_wave_still_running_is_not_offered(client, exact, people, waves, sunrise):
    """Figures of a running wave move as assessments arrive; two looks could give away one
    child's levels, so the page offers only waves that are over (today is 23 November 2026)."""
    from cwtt.assessments.models import Wave

    running = Wave.objects.create(
        name="Still running",
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=waves[0].instrument_version,
    )
    fill(waves, sunrise, 20, "Mokoena")
    sign_in(client, people["dumi"])
    page = client.get(URL).content.decode()
    assert "Still running" not in page
    assert "Circuit 1 · Follow-up" in page  # the latest wave that is over, by default
    refused = client.get(URL, {"wave": running.pk, "by": "circuit"}).content.decode()
    assert "Select a valid choice" in refused
