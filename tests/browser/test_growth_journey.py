"""A nurse on a 360-pixel phone opens a child from her home page and sees the growth she
measured: the z-scores with their WHO category and the growth charts, legible, under the real
Content-Security-Policy with nothing in the console, and passing axe (issue #13, item 5)."""

import datetime as dt

import pytest

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Wave

from .conftest import PHONE, SCREENSHOTS, open_school, sign_in_fully
from .test_accessibility import AXE, Audit

pytestmark = pytest.mark.django_db(transaction=True)

MINUS = "\u2212"


def measured(child, wave, height, weight, on):
    assessment_save(
        child=child,
        wave=wave,
        respondent="nurse",
        answers={"ns_height": height, "ns_weight": weight, "ns_abuse": "no"},
        assessed_on=on,
    )


@pytest.fixture
def measured_twice(child, wave):
    """Lwazi (a boy born 14 March 2018) measured in 2025 and 2026: short for his age."""
    earlier = Wave.objects.create(
        name="Wave 2025",
        starts_on=dt.date(2025, 2, 1),
        ends_on=dt.date(2025, 11, 30),
        instrument_version=wave.instrument_version,
    )
    earlier.schools.set(wave.schools.all())
    measured(child, earlier, 107.5, 17.9, dt.date(2025, 3, 3))
    measured(child, wave, 111.0, 19.2, dt.date(2026, 3, 2))
    return child


def watch(page):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_a_nurse_sees_the_z_scores_and_the_growth_chart_on_a_phone(
    browser, live_server, people, measured_twice, screenshot
):
    page = browser.new_page(viewport=PHONE)
    problems = watch(page)
    sign_in_fully(page, live_server.url, people["nandi"])
    open_school(page)
    page.get_by_role("link", name="2A").click()
    page.get_by_role("link", name="Mokoena, Lwazi").click()
    page.get_by_role("heading", name="Lwazi Mokoena").wait_for()
    growth = page.get_by_role("heading", name="Growth", exact=True)
    growth.scroll_into_view_if_needed()
    assert growth.is_visible()
    table = page.get_by_role("table", name="Growth measurements, oldest first")
    assert table.get_by_text(f"stunted (height-for-age below {MINUS}2 SD)").first.is_visible()
    assert table.get_by_text("normal").first.is_visible()
    # Each measurement is a card on the phone: no sideways scrolling to reach the z-scores.
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    chart = page.get_by_role("img", name="Lwazi's height for age, against WHO's lines")
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    assert chart.locator("circle.child-point").count() == 2
    assert chart.locator("polyline.who-line").count() == 5
    assert page.get_by_role("img", name="Lwazi's BMI for age, against WHO's lines").is_visible()
    # Legible on the phone: the chart's smallest text is drawn at 11 pixels or more, and the
    # chart fits the screen.
    chart_box = chart.bounding_box()
    assert chart_box["x"] >= 0 and chart_box["x"] + chart_box["width"] <= PHONE["width"]
    smallest = chart.evaluate(
        """svg => Math.min(...[...svg.querySelectorAll('text')].map(
             t => t.getBoundingClientRect().height))"""
    )
    scale = chart.evaluate("svg => svg.getBoundingClientRect().width / svg.viewBox.baseVal.width")
    font = chart.evaluate("svg => parseFloat(getComputedStyle(svg.querySelector('text')).fontSize)")
    assert font * scale >= 11, (font, scale)
    assert smallest >= 11, smallest
    # The chart's numbers, for a screen reader or anyone, one tap away.
    page.get_by_text("The chart's numbers").first.click()
    numbers = page.get_by_role("region", name="Lwazi's height for age, against WHO's lines")
    assert numbers.get_by_role("cell", name="111.0").first.is_visible()
    screenshot(page, "growth-nurse-360")
    page.locator("section.growth").screenshot(path=str(SCREENSHOTS / "growth-section-360.png"))
    assert problems == [], problems
    page.close()


def test_the_child_page_with_growth_passes_axe_on_a_phone(
    browser, live_server, people, measured_twice
):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run 'npm ci' (scripts/_setup.sh does it).")
    audit = Audit()
    # axe is injected by the test, so this context does not apply the page's policy.
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    sign_in_fully(page, live_server.url, people["nandi"])
    page.goto(f"{live_server.url}/children/{measured_twice.pk}/")
    page.get_by_role("heading", name="Growth", exact=True).wait_for()
    page.get_by_text("The chart's numbers").first.click()
    audit.check(page, "child with growth (nurse) 360")
    context.close()
    audit.assert_clean()
