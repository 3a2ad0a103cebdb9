"""The Evidence page in Chromium: a district official finds it in the menu, sees the chart and
the readings for their district, under the real Content-Security-Policy (no inline style: the
SVG chart is positioned by attributes and coloured by its stylesheet), and axe finds nothing
serious at phone width."""

import datetime as dt

import pytest

from cwtt.assessments.models import Wave

from ..analytics.conftest import children, plant  # noqa: TID252 - shared planting helpers
from .conftest import PHONE, sign_in
from .test_accessibility import AXE, Audit, new_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def evidence(default_version, sunrise):
    waves = [
        Wave.objects.create(
            name=name,
            starts_on=dt.date(year, 2, 1),
            ends_on=dt.date(year, 11, 20),
            instrument_version=default_version,
        )
        for name, year in (("Baseline", 2025), ("Follow-up", 2026))
    ]
    for i, kid in enumerate(children(sunrise, 30, "Journey")):
        violence = ["pro_violence_home_often_cg"] if i % 2 else []
        plant(kid, waves[0], high=("protection",) if i % 2 else (), rules=violence)
        plant(kid, waves[1], high=("protection",) if i % 3 == 0 else (), rules=violence)
    return waves


def test_a_district_official_reads_the_evidence_page(browser, live_server, people, evidence):
    page = browser.new_page(viewport=PHONE)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server.url, "dumi")
    page.get_by_text("Menu").click()
    page.get_by_role("link", name="Evidence").click()
    page.get_by_role("heading", name="Evidence: how many children, and is it changing?").wait_for()
    page.get_by_label("One table per").select_option("school")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("heading", name="Sunrise Primary · Follow-up").wait_for()
    chart = page.locator("svg.interval-chart").first
    box = chart.bounding_box()
    assert 0 < box["width"] <= PHONE["width"], box
    # Protection (10 of 30) and violence (15 of 30); the rest are none, a small cell, not drawn.
    assert page.locator("svg.interval-chart circle.share").count() == 2
    colour = page.locator("svg.interval-chart line.interval").first.evaluate(
        "l => getComputedStyle(l).stroke"
    )
    assert colour == "rgb(31, 95, 139)"  # from static/analytics/evidence.css
    assert page.get_by_text("most likely 50%").count() >= 1  # violence: 15 of 30
    assert "Journey" not in page.content()
    assert problems == []
    page.close()


def test_the_evidence_page_passes_axe(browser, live_server, people, evidence):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run 'npm ci' (scripts/_setup.sh does it).")
    audit = Audit()
    context, page = new_page(browser, PHONE)
    sign_in(page, live_server.url, "dumi")
    page.goto(f"{live_server.url}/evidence/")
    page.get_by_role("heading", name="Circuit 1 · Follow-up").wait_for()
    audit.check(page, "evidence page")
    context.close()
    audit.assert_clean()
