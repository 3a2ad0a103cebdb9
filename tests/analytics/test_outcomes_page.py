"""The Evidence page's "Did help work?": for area roles, their area only, with a chart, small
cells hidden, the caveats in plain words, no child named, and the same queries at two sizes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cwtt.registry.models import Child, Location, School

from ..conftest import sign_in  # noqa: TID252 - shared test helper
from .conftest import follow, pupils, serve

pytestmark = pytest.mark.django_db

URL = "/evidence/"


def served_and_not(waves, school, recorder, surname, served=20, controls=20):
    """`served` children high in protection at baseline, served by a family programme (three
    in five went down a level), and `controls` not served (one in four went down)."""
    kids = pupils(school, served, f"{surname}Served")
    follow(kids, waves, "high", (["moderate", "low", "moderate", "high", "high"] * served)[:served])
    for kid in kids:
        serve(kid, "family_strengthening", dt.date(2025, 8, 1), recorder)
    others = pupils(school, controls, f"{surname}Control")
    follow(others, waves, "high", (["low", "high", "high", "high"] * controls)[:controls])


@pytest.fixture
def exact(settings):
    settings.CWTT_ROUNDING_BASE = 1
    settings.CWTT_SMALL_CELL = 5


def test_a_district_official_sees_whether_help_worked_without_a_name(
    client, exact, people, waves, sunrise, recorder
):
    served_and_not(waves, sunrise, recorder, "Dlamini")
    sign_in(client, people["dumi"])
    response = client.get(URL, {"wave": waves[1].pk, "since": waves[0].pk, "by": "district"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Did help work?" in page
    # 12 of 20 served went down a level, against 5 of 20 not served: +35 points.
    assert (
        "60% of the children who got help went down a level, against 25% of comparable "
        "children who did not; a difference of +35 points" in page
    )
    assert "5 areas of wellbeing are not shown" in page
    assert "This is unlikely to be chance." in page
    assert 'id="helped-chart-1"' in page
    assert "This is not a randomised trial." in page
    assert "regression to the mean" in page
    assert "Only services recorded as delivered count." in page
    main = page.split("<main")[1]
    assert "style=" not in main
    for kid in Child.objects.all():
        assert kid.last_name not in main and f"{kid.first_name} " not in main


def test_small_cells_are_not_shown(client, settings, people, waves, sunrise, recorder):
    settings.CWTT_SMALL_CELL = 5
    served_and_not(waves, sunrise, recorder, "Few", served=5, controls=5)
    sign_in(client, people["dumi"])
    page = client.get(
        URL, {"wave": waves[1].pk, "since": waves[0].pk, "by": "school"}
    ).content.decode()
    assert "Did help work?" in page
    assert "went down a level, against" not in page
    assert "6 areas of wellbeing are not shown: too few children were served" in page
    assert 'id="helped-chart-1"' not in page


def test_another_districts_children_are_not_in_it(client, exact, people, waves, district, recorder):
    elsewhere = Location.objects.create(
        code="GP-OD", name="Other District", level="district", parent=district["province"]
    )
    far = School.objects.create(
        emis_number="700999999", name="Faraway Primary", quintile=1, location=elsewhere
    )
    served_and_not(waves, far, recorder, "Far")
    sign_in(client, people["dumi"])
    page = client.get(
        URL, {"wave": waves[1].pk, "since": waves[0].pk, "by": "district"}
    ).content.decode()
    assert "went down a level, against" not in page and "Faraway" not in page


def test_the_waves_the_wrong_way_round_are_refused_in_plain_words(client, people, waves):
    sign_in(client, people["dumi"])
    page = client.get(URL, {"wave": waves[0].pk, "since": waves[1].pk, "by": "district"})
    text = page.content.decode()
    assert "Help is followed forwards in time: choose an earlier wave" in text
    assert "Test District · Baseline" in text  # the rest of the page is still there
    assert "went down a level, against" not in text


def test_the_page_costs_the_same_queries_at_two_sizes(
    client, exact, people, waves, sunrise, hilltop, recorder
):
    sign_in(client, people["dumi"])
    query = {"wave": waves[1].pk, "since": waves[0].pk, "by": "school"}

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, query).status_code == 200
        return len(captured)

    served_and_not(waves, sunrise, recorder, "Small", served=5, controls=5)
    small = count()
    served_and_not(waves, sunrise, recorder, "Large", served=30, controls=20)
    served_and_not(waves, hilltop, recorder, "Hill", served=20, controls=40)
    assert count() == small
