"""Dashboards in a real browser (issue #5, item 2): a district official reads the district
dashboard, whose charts Chart.js draws from the app's own copy, with no child's name anywhere on
the page; a coordinator reads the school dashboard. Screenshots at phone and desktop width."""

import datetime as dt

import pytest
from django.utils import timezone

from cwtt.assessments.models import Wave
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import ServiceType

from ..dashboards.conftest import (  # noqa: TID252 - shared planting helpers
    add_circuit_school,
    give_service,
    make_case,
    make_referral,
    plant_children,
    plant_profile,
)
from .conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

DRAWN = """() => {
  const canvases = [...document.querySelectorAll("canvas[data-chart]")];
  return canvases.length > 0 && window.Chart !== undefined
    && canvases.every((canvas) => Chart.getChart(canvas) !== undefined);
}"""
CHARTS = """() => [...document.querySelectorAll("canvas[data-chart]")].map((canvas) => {
  const chart = Chart.getChart(canvas);
  return {id: canvas.dataset.chart, bars: chart.getDatasetMeta(0).data.length,
          width: canvas.clientWidth, height: canvas.clientHeight};
})"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def district_planted(people, district, sunrise, hilltop, wave):
    """Two waves at four schools in three circuits, with referrals, cases and a service."""
    ensure_service_types(ServiceType)
    food = ServiceType.objects.get(code="food_support")
    today = timezone.localdate()
    later = Wave.objects.create(
        name="Wave 2",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=60),
        instrument_version=wave.instrument_version,
    )
    riverside = add_circuit_school(district, wave, 2, "700333333", "Riverside Primary")
    valley = add_circuit_school(district, wave, 3, "700444444", "Valley Primary")
    later.schools.set([sunrise, hilltop, riverside, valley])
    made = []
    for school, size, surname in [
        (sunrise, 12, "Mokoena"),
        (hilltop, 6, "Zwane"),
        (riverside, 14, "Dlamini"),
        (valley, 12, "Nkosi"),
    ]:
        children = plant_children(school, size, surname, first=f"Name{surname[:2]}")
        made.extend(children)
        for number, found in enumerate(children):
            plant_profile(
                found, wave, nutrition="high" if number % 2 else "low", protection="moderate"
            )
            plant_profile(
                found,
                later,
                nutrition="high" if number % 3 == 0 else "moderate",
                education="high" if number < 6 else "low",
            )
    sam = people["sam"]
    for number, found in enumerate(made[:18]):
        make_referral(found, sam, food, ["sent", "accepted", "delivered"][: 1 + number % 3])
    for found in made[:8]:
        make_case(found, lead=sam.staff)
    give_service(made[0], sam, food, today)
    return made


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_district_official_reads_the_district_dashboard(
    browser, live_server, people, district_planted, screenshot, viewport
):
    page = browser.new_page(viewport=viewport)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server.url, "dumi")
    page.get_by_role("link", name="Compare circuits and schools").click()
    page.get_by_role("heading", name="Test District overview").wait_for()
    page.wait_for_function(DRAWN)
    charts = page.evaluate(CHARTS)
    assert {c["id"] for c in charts} >= {"chart-by-wave", "chart-change", "chart-funnel"}
    for chart in charts:
        assert chart["bars"] > 0 and chart["width"] > 100 and chart["height"] > 50, chart
    # Each chart sits over a table with the same numbers, and says when a bar is left out.
    assert page.get_by_role("table").count() >= 6
    assert page.get_by_text("not shown").first.is_visible()
    text = page.inner_text("body")
    for found in district_planted:
        assert found.first_name not in text and found.last_name not in text
    # Schools are named only in the comparison of schools (decision 0052).
    schools = page.locator("table[aria-labelledby=compare-schools]").inner_text()
    assert "Sunrise" in schools and text.count("Sunrise") == schools.count("Sunrise")
    assert "700111111" not in text and "Sam " not in text
    assert page.evaluate(OVERFLOW) <= 0  # tables scroll inside their own box on a phone
    assert problems == []  # no script refused by the page's security policy, no error
    screenshot(page, f"dashboard-district-{viewport['width']}")
    page.close()


def test_a_district_official_compares_circuits_on_a_phone(
    browser, live_server, people, district_planted, screenshot
):
    """Issue #13, item 9: from his home page, Dumi compares the circuits on nutrition in Wave 2
    and narrows the schools to one circuit, at 360 px, without typing an address."""
    page = browser.new_page(viewport=PHONE)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server.url, "dumi")
    page.get_by_role("heading", name="What needs your attention").wait_for()
    assert page.get_by_text("are at high risk in at least one area of wellbeing").is_visible()
    screenshot(page, "area-home-360")
    page.get_by_role("link", name="Compare circuits and schools").click()
    page.get_by_role("heading", name="Compare circuits and schools").wait_for()
    page.get_by_label("Area of wellbeing", exact=True).select_option(label="Food and nutrition")
    page.get_by_label("Wave", exact=True).select_option(label="Wave 2")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**domain=nutrition**")
    circuits = page.locator("table[aria-labelledby=compare-parts]")
    circuits.wait_for()
    # The comparison is near the top: the circuits' table starts within two screens.
    box = circuits.bounding_box()
    assert box is not None and box["y"] < 2 * PHONE["height"], box
    assert "At high risk in Food and nutrition" in circuits.inner_text()
    rows = circuits.locator("tbody tr")
    assert rows.count() == 3  # three circuits, and no row repeating the district's total
    assert "Whole Test District" not in circuits.inner_text()
    # Narrow the schools to Circuit 2.
    page.get_by_label("Circuit", exact=True).select_option(label="Circuit 2")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**circuit=**")
    schools = page.locator("table[aria-labelledby=compare-schools]").inner_text()
    assert "Riverside Primary" in schools and "Sunrise Primary" not in schools
    assert page.evaluate(OVERFLOW) <= 0  # the page itself never scrolls sideways
    # A wide table scrolls inside its box with its first column kept in view.
    sticky = page.evaluate(
        """() => getComputedStyle(document.querySelector(
            "table[aria-labelledby=by-wave] th[scope=row]")).position"""
    )
    assert sticky == "sticky"
    assert problems == []
    screenshot(page, "area-compare-circuits-360")
    page.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_coordinator_reads_the_school_dashboard(
    browser, live_server, people, district_planted, sunrise, screenshot, viewport
):
    page = browser.new_page(viewport=viewport)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server.url, "cora")
    page.goto(f"{live_server.url}/schools/{sunrise.pk}/")
    page.get_by_role("heading", name="Sunrise Primary").wait_for()
    page.locator(".page-links").get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", name="Dashboard: Sunrise Primary").wait_for()
    page.wait_for_function(DRAWN)
    charts = {c["id"]: c for c in page.evaluate(CHARTS)}
    assert set(charts) == {
        "chart-by-wave",
        "chart-change",
        "chart-funnel",
        "chart-coverage",
        "chart-caseload",
    }
    assert charts["chart-funnel"]["bars"] == 3
    assert page.get_by_text("assessments in Wave 2 so far").is_visible()
    assert page.get_by_role("img", name="Share of children at high risk, by area").count() == 1
    assert page.evaluate(OVERFLOW) <= 0
    assert problems == []
    screenshot(page, f"dashboard-school-{viewport['width']}")
    page.close()


def test_a_dashboard_left_open_does_not_keep_the_sign_in_alive(
    browser, live_server, people, sunrise, clock
):
    """Its refresh every minute is not the coordinator using CWTT (issue #10, hole 5): once the
    idle time has passed, the next refresh sends the whole page to the sign-in page."""
    page = browser.new_page(viewport=DESKTOP)
    page.clock.install()
    sign_in(page, live_server.url, "cora")
    url = f"{live_server.url}/schools/{sunrise.pk}/dashboard/"
    page.goto(url)
    # A refresh within the idle time swaps in the figures, as before.
    with page.expect_response(url) as refreshed:
        page.clock.run_for(61_000)
    assert refreshed.value.status == 200
    page.wait_for_function("() => !document.querySelector('#dashboard.htmx-request')")
    page.clock.run_for(1000)  # htmx settles the new content and starts its next minute
    page.get_by_role("heading", name="Dashboard: Sunrise Primary").wait_for()

    clock.shift(dt.timedelta(minutes=31))  # on the server: nothing Cora did for 31 minutes
    page.clock.run_for(61_000)
    page.get_by_text("Your sign-in ended after 30 minutes without activity.").wait_for()
    assert "/sign-in/?next=" in page.url and "dashboard" in page.url
    assert page.get_by_label("Username").is_visible()
    page.close()
