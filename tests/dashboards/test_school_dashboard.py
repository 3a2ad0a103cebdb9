"""A school's dashboard: for its team and data managers only, figures from the live records,
charts drawn from the same numbers as the tables, and no child named."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment

from ..conftest import sign_in  # noqa: TID252 - shared test helper
from .conftest import give_service, make_case, make_referral, plant_children, plant_profile

pytestmark = pytest.mark.django_db


def chart_data(page: str, chart_id: str) -> dict:
    found = re.search(
        rf'<script id="{chart_id}" type="application/json">(.*?)</script>', page, re.S
    )
    assert found, f"no data for {chart_id}"
    return json.loads(found.group(1))


@pytest.fixture
def planted(people, sunrise, wave, second_wave, food):
    """Sunrise: 10 children in Wave 1 (4 high in nutrition), the same 10 in Wave 2 (2 of the 4
    left high risk, 1 came in: 3 high). One case with an agreed plan, one service delivered,
    three referrals (sent; accepted; delivered)."""
    children = plant_children(sunrise, 10, "Planted")
    for number, found in enumerate(children):
        plant_profile(found, wave, nutrition="high" if number < 4 else "low")
        now_high = number in (0, 1, 9)
        plant_profile(found, second_wave, nutrition="high" if now_high else "moderate")
    make_case(children[0], lead=people["sam"].staff)
    give_service(children[1], people["sam"], food, timezone.localdate())
    make_referral(children[0], people["sam"], food, ["sent"])
    make_referral(children[1], people["sam"], food, ["sent", "accepted"])
    make_referral(children[9], people["sam"], food, ["sent", "delivered"])
    return children


def test_the_coordinator_reads_the_school_dashboard(client, people, sunrise, planted):
    sign_in(client, people["cora"])
    response = client.get(reverse("school_dashboard", args=[sunrise.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dashboard: Sunrise Primary" in page
    # High risk by wave, with n: 4 of 10, then 3 of 10.
    risk = chart_data(page, "chart-by-wave")
    assert [s["label"] for s in risk["series"]] == ["Wave 1 (n = 10)", "Wave 2 (n = 10)"]
    assert [s["values"][1] for s in risk["series"]] == [40, 30]
    assert '4 <span class="muted">(40%)</span>' in page
    # The change: -10 points; 2 moved out of high risk, 1 into it.
    change = chart_data(page, "chart-change")
    assert change["series"][0]["values"][1] == -10
    row = re.search(
        r"<th scope=\"row\">Food and nutrition</th>(.*?)</tr>", page.split('id="change"')[1]
    )
    cells = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td>(.*?)</td>", row.group(1))]
    assert cells == ["40%", "30%", "-10", "2", "1"]
    # The funnel: 3 sent, 2 accepted, 1 delivered.
    assert chart_data(page, "chart-funnel")["series"][0]["values"] == [3, 2, 1]
    # Coverage in Wave 2: 3 at high risk, 1 with a plan, 2 with a service (one referral).
    assert chart_data(page, "chart-coverage")["series"][0]["values"] == [33, 67]
    # Caseloads: Sam leads one open case.
    caseload = chart_data(page, "chart-caseload")
    assert "Sam" in caseload["labels"]
    # The charts are drawn by the app's own copy of Chart.js, after the page has loaded.
    assert '<script src="/static/vendor/chartjs/chart.umd.min.js" defer></script>' in page
    assert '<script src="/static/dashboards/charts.js" defer></script>' in page
    for found in planted:
        assert found.first_name not in page
    assert "Planted" not in page


def test_each_chart_has_a_caption_a_label_and_a_table(client, people, sunrise, planted):
    sign_in(client, people["cora"])
    page = client.get(reverse("school_dashboard", args=[sunrise.pk])).content.decode()
    canvases = re.findall(r"<canvas ([^>]*)>", page)
    assert len(canvases) == 5
    for attributes in canvases:
        assert 'role="img"' in attributes and "aria-label=" in attributes
    assert page.count("<figcaption") == 5
    assert page.count("<table") >= 5


def test_three_assessments_show_on_the_dashboard_at_once(client, people, child, sunrise, wave):
    """The issue's "done means": a field worker's assessments reach the server and the
    coordinator's dashboard counts them on the next page it opens."""
    others = plant_children(sunrise, 2, "Field")
    for found in [child, *others]:
        assessment_save(
            child=found,
            wave=wave,
            respondent="caregiver",
            answers={"cg_meals": 1, "cg_hungry": "yes"},
            assessed_on=dt.date(2026, 3, 2),
            assessor=people["fiona"],
        )
    sign_in(client, people["cora"])
    response = client.get(reverse("school_dashboard", args=[sunrise.pk]))
    page = response.content.decode()
    last = Assessment.objects.latest("submitted_at").submitted_at
    assert re.search(r'<span class="stat">3</span> assessments in Wave 1 so far', page)
    assert f"the last received today at {timezone.localtime(last):%H:%M}" in page
    assert "3 children have a risk profile in this wave." in page
    # Never kept by a browser or a proxy: the next visit counts again.
    assert "no-cache" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_a_school_outside_ones_own_is_not_found(client, people, hilltop, sunrise):
    sign_in(client, people["cora"])
    assert client.get(reverse("school_dashboard", args=[hilltop.pk])).status_code == 404
    assert client.get(reverse("school_dashboard", args=[999999])).status_code == 404


@pytest.mark.parametrize("name", ["dumi", "nobody"])
def test_area_roles_and_people_without_a_role_get_no_school_dashboard(
    client, people, sunrise, name
):
    sign_in(client, people[name])
    assert client.get(reverse("school_dashboard", args=[sunrise.pk])).status_code == 404


def test_signing_in_comes_first(client, sunrise):
    response = client.get(reverse("school_dashboard", args=[sunrise.pk]))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_a_data_manager_sees_any_schools_dashboard(client, people, hilltop):
    sign_in(client, people["dora"])
    assert client.get(reverse("school_dashboard", args=[hilltop.pk])).status_code == 200


def test_a_teacher_sees_the_figures_but_not_the_caseloads(client, people, sunrise, planted):
    sign_in(client, people["tumi"])
    page = client.get(reverse("school_dashboard", args=[sunrise.pk])).content.decode()
    assert "chart-by-wave" in page
    assert "chart-caseload" not in page
    assert "Caseloads are shown to the school's coordinator and to supervisors." in page


def test_the_school_page_links_to_its_dashboard(client, people, sunrise):
    sign_in(client, people["cora"])
    page = client.get(reverse("school", args=[sunrise.pk])).content.decode()
    assert f'href="{reverse("school_dashboard", args=[sunrise.pk])}"' in page


def test_an_empty_school_says_so_without_charts(client, people, sunrise):
    sign_in(client, people["cora"])
    page = client.get(reverse("school_dashboard", args=[sunrise.pk])).content.decode()
    assert "No assessments have been scored for this school yet." in page
    assert "No referrals were sent in the past 12 months." in page
    assert "<canvas" not in page


def test_a_case_without_a_lead_is_counted_for_the_coordinator(client, people, sunrise, planted):
    make_case(planted[5], status="proposed", plan_approved=None)
    sign_in(client, people["cora"])
    page = client.get(reverse("school_dashboard", args=[sunrise.pk])).content.decode()
    assert "1 open case here has no lead yet." in page
