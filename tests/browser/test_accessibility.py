"""Accessibility in a real browser (issue #5, item 1): axe-core, the maintained rule engine from
npm (package-lock.json pins it; it is a devDependency used by these tests only, never served),
checks the pages each kind of person touches, at phone width and, for a few, on a desktop.

A violation of impact "serious" or "critical" fails the test, with the rule, its help text and
the elements at fault. No rule is switched off. Keyboard use is checked separately below: the
phone menu opens from the keyboard and focus is always visible. What axe cannot judge (whether a
label makes sense, whether a screen reader reads the page in a sensible order) is not covered:
docs/decisions/0024-accessibility-checks.md.
"""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.cases.models import Case
from cwtt.meetings.actions import action_add, attendee_add, meeting_create
from cwtt.meetings.models import AgendaItem, Meeting
from cwtt.referrals.models import Referral
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import Provider, ServiceType

from ..conftest import PASSWORD  # noqa: TID252 - shared test constant
from ..dashboards.conftest import (  # noqa: TID252 - shared planting helpers
    make_case,
    make_referral,
)
from .conftest import (
    DESKTOP,
    PHONE,
    caregiver_says_hungry,
    current_code,
    sign_in,
    teacher_concerned_about_abuse,
)

pytestmark = pytest.mark.django_db(transaction=True)

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING = {"serious", "critical"}
RUN = "() => axe.run(document, {resultTypes: ['violations']})"
CHARTS_DRAWN = """() => {
  const canvases = [...document.querySelectorAll("canvas[data-chart]")];
  return window.Chart !== undefined
    && canvases.every((canvas) => Chart.getChart(canvas) !== undefined);
}"""


class Audit:
    """Runs axe on each page visited and keeps the serious and critical violations, so one test
    reports every page's problems at once."""

    def __init__(self):
        self.found: list[str] = []
        self.pages: list[str] = []

    def check(self, page, name: str) -> None:
        page.wait_for_load_state("load")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(RUN)
        self.pages.append(name)
        for violation in result["violations"]:
            if violation["impact"] not in FAILING:
                continue
            targets = "; ".join(
                " ".join(str(part) for part in node["target"]) for node in violation["nodes"][:8]
            )
            more = len(violation["nodes"]) - 8
            first = violation["nodes"][0]
            self.found.append(
                f"{name}: [{violation['impact']}] {violation['id']}: {violation['help']}\n"
                f"    at {targets}{f' (and {more} more)' if more > 0 else ''}\n"
                f"    e.g. {first['html'][:160]}\n"
                f"    {(first.get('failureSummary') or '').splitlines()[-1:]}"
            )

    def assert_clean(self) -> None:
        assert self.pages, "no page was checked"
        assert not self.found, "Accessibility violations (axe-core):\n" + "\n".join(self.found)


@pytest.fixture
def audit():
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run 'npm ci' (scripts/_setup.sh does it).")
    return Audit()


def new_page(browser, viewport):
    # The app's Content-Security-Policy (rightly) refuses injected scripts; axe is injected by
    # the test, so the test's browser context does not apply the policy.
    context = browser.new_context(viewport=viewport, bypass_csp=True)
    return context, context.new_page()


@pytest.fixture
def world(people, child, wave, sunrise, district):
    """A child scored by two informants, a sent referral with a provider's answer (so the sender
    has notifications), a case, a provider in the directory and a planned meeting whose agenda
    has items, an attendee and an action."""
    caregiver_says_hungry(child, wave)
    teacher_concerned_about_abuse(child, wave)
    ensure_service_types(ServiceType)  # a transactional test flushes the migrated rows
    food = ServiceType.objects.get(code="food_support")
    kitchen = Provider.objects.create(
        name="Ikhaya Soup Kitchen", sector="ngo", address="3 Church Street", phone="011 555 0101"
    )
    kitchen.service_types.add(food)
    kitchen.catchment.add(district["circuit"])
    sam = people["sam"]
    referral = make_referral(child, sam, food, ["sent", "accepted"])
    # A high risk proposes a case for the child; without one, the test opens a case itself.
    case = Case.objects.filter(child=child).first() or make_case(child, lead=sam.staff)
    today = timezone.localdate()
    meeting = meeting_create(
        school=sunrise, held_on=today, kind=Meeting.Kind.SBST, by=people["cora"]
    )
    attendee_add(meeting=meeting, staff=sam.staff)
    attendee_add(meeting=meeting, name="Thandi Dlamini", sector="ngo")
    item = AgendaItem.objects.filter(meeting=meeting, child=child).first()
    action_add(
        meeting=meeting,
        description="Refer Lwazi to a food parcel programme",
        owner=sam.staff,
        due_on=today + dt.timedelta(days=7),
        by=people["cora"],
        item=item,
    )
    return {"child": child, "referral": referral, "case": case, "meeting": meeting}


def test_signing_in_pages_pass_axe(browser, live_server, people, audit):
    base = live_server.url
    for viewport in (PHONE, DESKTOP):
        context, page = new_page(browser, viewport)
        page.goto(f"{base}/")
        page.get_by_label("Username").wait_for()
        audit.check(page, f"sign-in {viewport['width']}")
        page.get_by_label("Username").fill("cora")
        page.get_by_label("Password").fill("not-her-password")
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("alert").wait_for()
        audit.check(page, f"sign-in with an error {viewport['width']}")
        context.close()

    # A social worker's first sign-in: setting up the code; a data manager's: typing it.
    context, page = new_page(browser, PHONE)
    sign_in(page, base, "sam")
    page.get_by_role("heading", name="Set up your code").wait_for()
    audit.check(page, "two-factor set-up 360")
    context.close()
    TOTPDevice.objects.create(user=people["dora"], name="phone", confirmed=True)
    context, page = new_page(browser, PHONE)
    sign_in(page, base, "dora")
    page.get_by_label("6-digit code").wait_for()
    audit.check(page, "two-factor code 360")
    context.close()
    audit.assert_clean()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_coordinators_pages_pass_axe(browser, live_server, people, world, audit, viewport):
    base, child, width = live_server.url, world["child"], viewport["width"]
    context, page = new_page(browser, viewport)
    sign_in(page, base, "cora")
    page.get_by_role("heading", name="Your work today").wait_for()
    audit.check(page, f"home (coordinator) {width}")
    if viewport is PHONE:
        page.locator("details.menu summary").click()
        page.locator("details.menu nav").wait_for()
        audit.check(page, "home with the phone menu open 360")
    page.goto(f"{base}/schools/{child.school_id}/")
    audit.check(page, f"school {width}")
    page.goto(f"{base}/schools/{child.school_id}/dashboard/")
    page.wait_for_function(CHARTS_DRAWN)
    audit.check(page, f"school dashboard {width}")
    page.goto(f"{base}/children/{child.pk}/")
    page.get_by_role("heading", name="Lwazi Mokoena").wait_for()
    audit.check(page, f"child (coordinator) {width}")
    page.goto(f"{base}/meetings/{world['meeting'].pk}/")
    audit.check(page, f"meeting {width}")
    if viewport is PHONE:
        page.goto(f"{base}/classes/{child.school_class_id}/")
        audit.check(page, "class 360")
        page.goto(f"{base}/schools/{child.school_id}/meetings/")
        audit.check(page, "team meetings 360")
        page.goto(f"{base}/my-work/")
        audit.check(page, "my work (coordinator) 360")
        page.goto(f"{base}/quality/")
        audit.check(page, "data quality (coordinator) 360")
        page.goto(f"{base}/caseloads/")
        audit.check(page, "caseloads 360")
    context.close()
    audit.assert_clean()


def test_a_field_workers_pages_pass_axe(browser, live_server, people, world, audit):
    base, child = live_server.url, world["child"]
    context, page = new_page(browser, PHONE)
    sign_in(page, base, "fiona")
    page.get_by_role("heading", name="Your work today").wait_for()
    audit.check(page, "home (field worker) 360")
    page.goto(f"{base}/children/{child.pk}/assess/caregiver/")
    page.get_by_label("Meals yesterday").wait_for()
    audit.check(page, "capture (caregiver) 360")
    page.get_by_label("Meals yesterday").fill("9")
    page.get_by_role("button", name="Submit assessment").click()
    page.get_by_text("Between 0 and 6 meals").wait_for()
    audit.check(page, "capture with an error 360")
    page.goto(f"{base}/offline/")
    page.get_by_role("button", name="Get ready").wait_for()
    audit.check(page, "offline work set-up 360")
    # The pages the offline script draws itself: the offline home, a class, a questionnaire.
    page.get_by_label("Your password (the one you sign in with)").fill(PASSWORD)
    page.get_by_role("button", name="Get ready").click()
    page.get_by_text("Ready. The class lists are on this phone.").wait_for()
    audit.check(page, "offline work, ready 360")
    page.get_by_role("link", name="2A").click()
    task = page.locator("li.task", has_text=child.full_name)
    task.wait_for()
    audit.check(page, "offline class 360")
    task.get_by_role("link", name="Caregiver").click()
    page.get_by_role("heading", name=f"Caregiver questions for {child.first_name}").wait_for()
    audit.check(page, "offline questionnaire 360")
    context.close()
    audit.assert_clean()


def test_a_social_workers_pages_pass_axe(browser, live_server, people, world, audit):
    base, child, sam = live_server.url, world["child"], people["sam"]
    context, page = new_page(browser, PHONE)
    sign_in(page, base, "sam")
    page.get_by_label("6-digit code").fill(current_code(sam))
    page.get_by_role("button", name="Finish setting up").click()
    page.get_by_role("heading", name="Your work today").wait_for()
    audit.check(page, "home (social worker) 360")
    page.goto(f"{base}/children/{child.pk}/")
    page.get_by_role("heading", name="Lwazi Mokoena").wait_for()
    audit.check(page, "child (social worker) 360")
    page.goto(f"{base}/my-work/")
    audit.check(page, "my work (social worker) 360")
    page.goto(f"{base}/referrals/")
    audit.check(page, "referrals 360")
    page.goto(f"{base}/referrals/{world['referral'].pk}/")
    audit.check(page, "a referral 360")
    page.goto(f"{base}/children/{child.pk}/referrals/new/")
    audit.check(page, "new referral 360")
    page.goto(f"{base}/cases/{world['case'].pk}/")
    audit.check(page, "a case 360")
    page.goto(f"{base}/services/")
    audit.check(page, "services directory 360")
    page.goto(f"{base}/notifications/")
    page.get_by_role("heading", name="Notifications", exact=True).wait_for()
    audit.check(page, "notifications 360")
    context.close()
    assert Referral.objects.filter(pk=world["referral"].pk).exists()
    assert Case.objects.filter(pk=world["case"].pk).exists()
    audit.assert_clean()


def test_a_data_managers_pages_pass_axe(browser, live_server, people, world, audit):
    base, dora = live_server.url, people["dora"]
    TOTPDevice.objects.create(user=dora, name="phone", confirmed=True)
    context, page = new_page(browser, PHONE)
    sign_in(page, base, "dora")
    page.get_by_label("6-digit code").fill(current_code(dora))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Your work today").wait_for()
    page.goto(f"{base}/quality/")
    audit.check(page, "data quality 360")
    page.goto(f"{base}/administration/")
    page.get_by_role("heading", name="Administration").wait_for()
    audit.check(page, "administration 360")
    page.goto(f"{base}/administration/users/")
    audit.check(page, "administration: people 360")
    page.goto(f"{base}/administration/users/new/")
    page.get_by_role("button", name="Make the account").click()
    page.get_by_text("Nothing was saved").wait_for()
    audit.check(page, "administration: add a person, with errors 360")
    page.goto(f"{base}/administration/users/{people['tumi'].pk}/")
    audit.check(page, "administration: a person 360")
    context.close()
    audit.assert_clean()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_area_dashboard_passes_axe(browser, live_server, people, world, audit, viewport):
    context, page = new_page(browser, viewport)
    sign_in(page, live_server.url, "dumi")
    page.get_by_role("heading", name="Test District overview").wait_for()
    page.wait_for_function(CHARTS_DRAWN)
    audit.check(page, f"area dashboard {viewport['width']}")
    context.close()
    audit.assert_clean()


FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {tag: el.tagName.toLowerCase(), text: el.textContent.trim().slice(0, 40),
          outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def test_the_phone_menu_works_from_the_keyboard_with_focus_visible(
    browser, live_server, people, child, wave
):
    context, page = new_page(browser, PHONE)
    sign_in(page, live_server.url, "cora")
    page.get_by_role("heading", name="Your work today").wait_for()
    seen = []
    for _ in range(8):  # skip link, site name, notifications, then the menu button
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        seen.append(focus)
        assert focus["outline"] != "none" and focus["width"] >= 2, focus  # focus is visible
        if focus["tag"] == "summary":
            break
    assert seen[0]["text"] == "Skip to the page"
    assert seen[-1]["tag"] == "summary", seen
    page.keyboard.press("Enter")
    menu = page.locator("details.menu nav")
    menu.wait_for()
    for expected in ("Home", "My work"):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        assert focus["tag"] == "a" and focus["text"] == expected, focus
        assert focus["outline"] != "none" and focus["width"] >= 2, focus
        assert page.evaluate("() => document.activeElement.closest('details.menu') !== null")
    # Escape closes the menu and gives the focus back to its button; Enter opens it again.
    page.keyboard.press("Escape")
    assert page.evaluate("() => !document.querySelector('details.menu').open")
    assert page.evaluate(FOCUS_STYLE)["tag"] == "summary"
    page.keyboard.press("Enter")
    menu.wait_for()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # follows the link
    page.wait_for_url(f"{live_server.url}/my-work/")
    context.close()
