"""The Planning page in Chromium, as Dumi (district official) uses it: the ranking and the
projection chart show under the app's own Content-Security-Policy (no inline style needed),
the scenario form changes the figures, and axe finds no serious problem at phone and desktop
width."""

from __future__ import annotations

import pytest

from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import ServiceType

from ..planning.conftest import plant_district  # noqa: TID252 - shared planting helper
from .conftest import DESKTOP, PHONE, sign_in
from .test_accessibility import AXE, Audit, new_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def planted(people, district, wave):
    ensure_service_types(ServiceType)  # a transactional test flushes the migrated rows
    return plant_district(district, wave)


def test_dumi_reads_the_ranking_and_changes_the_caseload(
    browser, live_server, people, planted, screenshot
):
    page = browser.new_page(viewport=DESKTOP)
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    sign_in(page, live_server.url, "dumi")
    page.get_by_role("link", name="Planning").click()
    page.get_by_role("heading", name="Planning for Test District").wait_for()
    first = page.locator("#ranking tbody tr").first
    assert first.locator("th").inner_text() == "Big Need Primary"
    assert page.locator("svg.projection-chart polyline").count() == 2  # 2 of 4 not shown
    whole = page.locator("#workforce tr.total")
    assert "0.7 needed" in whole.inner_text()
    page.get_by_label("Cases per worker").fill("20")
    page.get_by_role("button", name="Work it out").click()
    page.get_by_label("Cases per worker").and_(page.locator("[value='20']")).wait_for()
    assert "40 cases: 2.0 needed" in page.locator("#workforce tr.total").inner_text()
    # The page's own stylesheet applies under the CSP: the chart's lines have no fill.
    fill = page.locator("svg.projection-chart polyline").first.evaluate(
        "(el) => getComputedStyle(el).fill"
    )
    assert fill == "none"
    assert refused == []
    screenshot(page, "planning-desktop")
    page.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_planning_page_passes_axe(browser, live_server, people, planted, viewport):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run 'npm ci' (scripts/_setup.sh does it).")
    audit = Audit()
    context, page = new_page(browser, viewport)
    sign_in(page, live_server.url, "dumi")
    page.goto(f"{live_server.url}/planning/?caseload=bad")
    page.get_by_role("heading", name="Planning for Test District").wait_for()
    audit.check(page, f"planning {viewport['width']}")
    context.close()
    audit.assert_clean()
