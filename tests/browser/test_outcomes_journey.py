"""Did help work? in Chromium: a district official opens the Evidence page from the home page,
finds "Did help work?" for their district with its chart and readings, and sees no child's
name anywhere; axe finds nothing serious in the section at phone width."""

import datetime as dt

import pytest

from cwtt.assessments.models import Wave
from cwtt.registry.models import Child
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import ServiceType

from ..analytics.conftest import follow, pupils, serve  # noqa: TID252 - shared planting helpers
from .conftest import PHONE, sign_in
from .test_accessibility import AXE, Audit, new_page

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def helped(default_version, sunrise, people):
    ensure_service_types(ServiceType)  # a transactional test flushes the migrated catalogue
    waves = [
        Wave.objects.create(
            name=name,
            starts_on=dt.date(year, 2, 1),
            ends_on=dt.date(year, 11, 20),
            instrument_version=default_version,
        )
        for name, year in (("Baseline", 2025), ("Follow-up", 2026))
    ]
    served = pupils(sunrise, 20, "Helped")
    follow(served, waves, "high", ["moderate", "low", "moderate", "high", "high"] * 4)
    for kid in served:
        serve(kid, "family_strengthening", dt.date(2025, 8, 1), people["cora"])
    follow(pupils(sunrise, 20, "Waiting"), waves, "high", ["low", "high", "high", "high"] * 5)
    return waves


def test_a_district_official_sees_whether_help_worked(
    browser, live_server, people, helped, screenshot
):
    page = browser.new_page(viewport=PHONE)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server.url, "dumi")
    page.get_by_text("Menu").click()
    page.get_by_role("link", name="Evidence").click()
    page.get_by_role("heading", name="Evidence: how many children, and is it changing?").wait_for()
    page.get_by_label("One table per").select_option("district")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("heading", name="Did help work?", exact=True).wait_for()
    # 12 of 20 served went down a level (shown as 10, rounded to 5) against 5 of 20.
    page.get_by_text(
        "50% of the children who got help went down a level, against 25% of comparable"
    ).first.wait_for()
    chart = page.locator("#helped-chart-1").locator("xpath=..")
    assert chart.locator("circle.share").count() == 1  # protection only; the rest too few
    box = chart.bounding_box()
    assert 0 < box["width"] <= PHONE["width"], box
    page.get_by_text("This is not a randomised trial.").wait_for()
    screenshot(page, "evidence-did-help-work")
    content = page.content()
    for kid in Child.objects.all():
        assert kid.last_name not in content
    assert problems == []
    page.close()


def test_did_help_work_passes_axe(browser, live_server, people, helped):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run 'npm ci' (scripts/_setup.sh does it).")
    audit = Audit()
    context, page = new_page(browser, PHONE)
    sign_in(page, live_server.url, "dumi")
    page.goto(f"{live_server.url}/evidence/?by=district")
    page.get_by_role("heading", name="Did help work?", exact=True).wait_for()
    audit.check(page, "evidence page, did help work")
    context.close()
    audit.assert_clean()
