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

from cwtt.access.emergency import emergency_open
from cwtt.assessments.models import Assessment, Wave
from cwtt.cases.models import Case
from cwtt.meetings.actions import action_add, attendee_add, meeting_create
from cwtt.meetings.models import AgendaItem, Meeting
from cwtt.referrals.actions import feedback_link_issue
from cwtt.referrals.models import Referral
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import Provider, ServiceType

from ..conftest import PASSWORD, make_child  # noqa: TID252 - shared test helpers
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
        page.get_by_role("link", name="Forgot your password?").click()
        page.get_by_role("button", name="Send me a link").click()  # no address: an error
        page.get_by_role("alert").wait_for()
        audit.check(page, f"forgotten password with an error {viewport['width']}")
        page.get_by_label("Your e-mail address").fill("cora@example.org")
        page.get_by_role("button", name="Send me a link").click()
        page.get_by_role("heading", name="Check your e-mail").wait_for()
        audit.check(page, f"forgotten password sent {viewport['width']}")
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
        page.goto(f"{base}/search/")
        page.get_by_role("searchbox", name="Find a child").first.fill("Mokoena")
        page.get_by_role("button", name="Search").first.click()
        page.get_by_role("heading", name="1 child found").wait_for()
        audit.check(page, "search results 360")
        page.get_by_role("searchbox", name="Find a child").first.fill("Xolile")
        page.get_by_role("button", name="Search").first.click()
        page.get_by_role("heading", name="No child found").wait_for()
        audit.check(page, "search with no match 360")

        page.goto(f"{base}/school-staff/")
        audit.check(page, "staff at her schools 360")
        page.get_by_role("button", name="Reset the password of Tumi").click()
        page.get_by_role("heading", name="A one-time password for Tumi").wait_for()
        audit.check(page, "one-time password 360")
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


def test_a_teachers_pages_pass_axe(browser, live_server, people, world, audit):
    """Her home, with My class on it, and My class: who is still to capture."""
    base, child = live_server.url, world["child"]
    child.school_class.teachers.add(people["tumi"].staff)
    context, page = new_page(browser, PHONE)
    sign_in(page, base, "tumi")
    page.get_by_role("heading", name="Your work today").wait_for()
    audit.check(page, "home (teacher) 360")
    page.get_by_role("link", name="My class: 2A").click()
    page.get_by_role("heading", name="My class", exact=True).wait_for()
    audit.check(page, "my class 360")
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
    page.get_by_role("heading", name="What needs your attention").wait_for()
    audit.check(page, f"area home {viewport['width']}")
    page.goto(f"{live_server.url}/dashboards/area/")
    page.get_by_role("heading", name="Test District overview").wait_for()
    page.wait_for_function(CHARTS_DRAWN)
    audit.check(page, f"area dashboard {viewport['width']}")
    page.goto(f"{live_server.url}/dashboards/area/?domain=nutrition&wave=nonsense")
    page.get_by_role("alert").wait_for()
    audit.check(page, f"area dashboard, a bad filter {viewport['width']}")
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
    # The style sheet applied (the load event), or a focused link shows the browser's own ring.
    page.wait_for_load_state("load")
    seen = []
    # Skip link, site name, the language switch, notifications, then the menu button.
    for _ in range(8):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        seen.append(focus)
        assert focus["outline"] != "none" and focus["width"] >= 2, focus  # focus is visible
        if focus["tag"] == "summary" and focus["text"] == "Menu":
            break
    assert seen[0]["text"] == "Skip to the page"
    # Its text: "Language: " for screen readers, the code shown on a phone (hidden from screen
    # readers), then the language's name (hidden on a phone but read).
    assert {"tag": "summary", "text": "Language: ENEnglish"}.items() <= seen[2].items(), seen
    assert seen[-1]["tag"] == "summary" and seen[-1]["text"] == "Menu", seen
    page.keyboard.press("Enter")
    menu = page.locator("details.menu nav")
    menu.wait_for()
    # The search box comes first in the menu, then its button, then the links.
    for expected_tag in ("input", "button"):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_STYLE)
        assert focus["tag"] == expected_tag, focus
        assert focus["outline"] != "none" and focus["width"] >= 2, focus
    for expected in ("Home", "Find a child", "My work"):
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
    for _ in range(5):  # the search box, its button, Home, Find a child, My work
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # follows the link
    page.wait_for_url(f"{live_server.url}/my-work/")
    context.close()


# --- the pages added later: offline conflict, isiZulu, consent, emergency access, the provider's
# link, the rest of administration and one school's data quality -------------------------------


def test_the_offline_conflict_screen_passes_axe(browser, live_server, people, child, wave, audit):
    """The conflict screen is drawn by the offline script, from the service worker's cache. The
    bypass_csp context does not get in the way of the service worker: it registers, keeps the
    offline page and answers with no network, as in test_offline_journeys.py."""
    from .test_offline_journeys import (
        changed_at_the_office,
        get_ready,
        go_offline_and_reopen,
        open_questionnaire,
    )

    context, page = new_page(browser, PHONE)
    get_ready(page, live_server.url)
    open_questionnaire(page, child)
    page.get_by_label("Meals yesterday").fill("3")
    page.get_by_role("button", name="Save on this phone and finish later").click()
    page.get_by_text("1 assessment was sent.").wait_for(timeout=20000)
    draft = Assessment.objects.get()
    go_offline_and_reopen(context, page)
    audit.check(page, "offline work, no signal 360")
    changed_at_the_office(child, wave, draft, people["fiona"])
    open_questionnaire(page, child)
    page.get_by_label("Meals yesterday").fill("5")
    page.get_by_role("button", name="Finish and send").click()
    page.get_by_text("It will be sent when there is signal").wait_for()
    page.get_by_role("link", name="Offline work").first.click()
    context.set_offline(False)
    page.get_by_role("alert").filter(has_text="changed somewhere else").wait_for(timeout=20000)
    audit.check(page, "offline work with a conflict 360")
    page.get_by_role("link", name=f"{child.full_name} — Caregiver").click()
    page.get_by_role(
        "heading", name=f"{child.first_name}'s Caregiver questions were changed somewhere else"
    ).wait_for()
    audit.check(page, "offline conflict 360")
    page.get_by_role("button", name="Keep the answers I chose").click()
    page.get_by_text("Choose which answer to keep for 1 more question.").wait_for()
    audit.check(page, "offline conflict with an error 360")
    # The service worker served the pages: the page is controlled by it.
    assert page.evaluate("() => Boolean(navigator.serviceWorker.controller)")
    context.close()
    audit.assert_clean()


@pytest.fixture
def default_wave(default_version, sunrise):
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=default_version,
    )
    wave.schools.set([sunrise])
    return wave


def test_the_capture_page_in_isizulu_passes_axe(
    browser, live_server, people, child, default_wave, audit
):
    base = live_server.url
    context, page = new_page(browser, PHONE)
    sign_in(page, base, "fiona")
    page.get_by_role("heading", name="Your work today").wait_for()
    page.goto(f"{base}/children/{child.pk}/assess/caregiver/")
    page.get_by_role("button", name="isiZulu").wait_for()
    audit.check(page, "capture, default instrument (English) 360")
    page.get_by_role("button", name="isiZulu").click()
    page.locator('div[lang="zu"]').wait_for()
    audit.check(page, "capture in isiZulu 360")
    context.close()
    audit.assert_clean()


def signed_in_with_code(browser, base, user, viewport=PHONE):
    TOTPDevice.objects.get_or_create(user=user, name="phone", defaults={"confirmed": True})
    context, page = new_page(browser, viewport)
    sign_in(page, base, user.username)
    page.get_by_label("6-digit code").fill(current_code(user))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("heading", name="Your work today").wait_for()
    return context, page


def test_consent_and_emergency_access_pass_axe(
    browser, live_server, people, child, other_child, audit
):
    base = live_server.url
    context, page = new_page(browser, PHONE)
    sign_in(page, base, "cora")
    page.get_by_role("heading", name="Your work today").wait_for()
    page.goto(f"{base}/children/{child.pk}/consent/")
    page.get_by_role("heading", name=f"Consent for {child.full_name}").wait_for()
    audit.check(page, "consent 360")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("The decision was not recorded").wait_for()
    audit.check(page, "consent with an error 360")
    context.close()

    sam = people["sam"]
    context, page = signed_in_with_code(browser, base, sam)
    page.goto(f"{base}/emergency-access/")
    page.get_by_role("heading", name="Open a child's record in an emergency").wait_for()
    audit.check(page, "emergency access request 360")
    page.get_by_role("button", name="Open the record").click()
    page.get_by_role("alert").filter(has_text="Choose the child's school").wait_for()
    audit.check(page, "emergency access request with errors 360")
    context.close()

    grant = emergency_open(
        user=sam,
        school=other_child.school,
        first_name=other_child.first_name,
        last_name=other_child.last_name,
        date_of_birth=other_child.date_of_birth,
        reason="The child told a neighbour she is afraid to go home.",
    )
    context, page = signed_in_with_code(browser, base, people["dora"])
    page.goto(f"{base}/emergency-access/{grant.pk}/")
    page.get_by_text("afraid to go home").wait_for()
    audit.check(page, "emergency access review (data manager) 360")
    context.close()
    audit.assert_clean()


def test_the_providers_feedback_page_passes_axe(browser, live_server, people, world, audit):
    _link, token = feedback_link_issue(referral=world["referral"], by=people["sam"])
    context, page = new_page(browser, PHONE)
    page.goto(f"{live_server.url}/referral-feedback/{token}/")
    page.get_by_role("heading", name="Referral: Food support").wait_for()
    audit.check(page, "provider's feedback link 360")
    page.get_by_role("radio", name="The service was given").check()
    page.get_by_role("button", name="Send the answer").click()  # without saying what was done
    page.get_by_role("alert").filter(has_text="Nothing was recorded").wait_for()
    audit.check(page, "provider's feedback link with an error 360")
    page.get_by_label("If the service was given: on what date").fill(
        timezone.localdate().isoformat()
    )
    page.get_by_label("What was done, and the result").fill("Food parcel for the household.")
    page.get_by_role("button", name="Send the answer").click()
    page.get_by_text("Thank you. Recorded: The service was given.").wait_for()
    audit.check(page, "provider's feedback link, answered 360")
    context.close()
    audit.assert_clean()


def test_the_rest_of_administration_passes_axe(browser, live_server, people, wave, audit):
    base = live_server.url
    mini = (Path(__file__).resolve().parents[1] / "fixtures" / "mini.md").read_bytes()
    broken = mini.replace(
        b"| food_quantity | high | ${cg_meals} < 2", b"| food_quantity | severe | ${cg_meals} < 2"
    )
    context, page = signed_in_with_code(browser, base, people["dora"])
    for path, name in (
        ("schools/", "schools"),
        ("waves/", "waves"),
        (f"waves/{wave.pk}/", "a wave"),
        ("instruments/", "instruments"),
    ):
        page.goto(f"{base}/administration/{path}")
        audit.check(page, f"administration: {name} 360")
    page.goto(f"{base}/administration/waves/new/")
    page.get_by_role("button", name="Open the wave").click()
    page.get_by_text("Nothing was saved").wait_for()
    audit.check(page, "administration: open a wave, with errors 360")

    page.goto(f"{base}/administration/instruments/upload/")
    audit.check(page, "administration: instrument upload 360")
    page.get_by_label("Instrument file").set_input_files(
        {"name": "mini.md", "mimeType": "text/markdown", "buffer": broken}
    )
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_text("nothing was published").wait_for()
    audit.check(page, "administration: instrument upload with problems 360")

    page.goto(f"{base}/administration/imports/")
    audit.check(page, "administration: import a file 360")
    page.get_by_label("File (.csv or .xlsx)").set_input_files(
        {
            "name": "schools.csv",
            "mimeType": "text/csv",
            "buffer": b"emis_number,name,quintile,province,district,circuit\n"
            b"70033,Valley Primary,3,Gauteng,Test District,Circuit 1\n"
            b",,9,Gauteng,Nowhere,\n",
        }
    )
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_text("errors in 2 rows", exact=False).first.wait_for()
    audit.check(page, "administration: import a file, with errors 360")
    context.close()
    audit.assert_clean()


@pytest.fixture
def quality_findings(default_version, sunrise, people):
    """A wave of the default instrument at Sunrise with a child whose informants disagree and
    whose answers contradict each other, a child registered twice and one still waiting."""
    from ..quality.conftest import plant, submit, valid_answers  # noqa: TID252 - shared helpers

    today = timezone.localdate()
    wave = Wave.objects.create(
        name="Quality wave",
        starts_on=today - dt.timedelta(days=60),
        ends_on=today + dt.timedelta(days=60),
        instrument_version=default_version,
    )
    wave.schools.set([sunrise])
    sipho = make_child(sunrise, first="Sipho", last="Khumalo")
    submit(
        sipho,
        wave,
        "caregiver",
        valid_answers(
            default_version,
            "caregiver",
            cg_days_missed=0,
            cg_csg_child="yes",
            cg_income_source=["none"],
        ),
        by=people["fiona"],
    )
    submit(sipho, wave, "teacher", valid_answers(default_version, "teacher", tc_days_absent=9))
    born = dt.date(2018, 9, 9)
    make_child(sunrise, first="Naledi", last="Moloi", dob=born)
    twin = make_child(sunrise, first="NALEDI", last="Moloi ", dob=born, consent=False)
    plant(twin, wave, "caregiver", {"cg_activity_days": 12})
    make_child(sunrise, first="Zola", last="Waiting")
    return wave


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_one_schools_data_quality_passes_axe(
    browser, live_server, people, sunrise, quality_findings, audit, viewport
):
    base = live_server.url
    context, page = new_page(browser, viewport)
    sign_in(page, base, "cora")
    page.get_by_role("heading", name="Your work today").wait_for()
    page.goto(f"{base}/quality/schools/{sunrise.pk}/")
    page.get_by_role("heading", name="Answers to check").wait_for()
    assert page.get_by_role("link", name="Sipho Khumalo").count()
    audit.check(page, f"data quality for one school {viewport['width']}")
    # The children still waiting are folded away; axe passes over what is hidden.
    page.locator("details.card summary").first.click()
    audit.check(page, f"data quality for one school, opened {viewport['width']}")
    context.close()
    audit.assert_clean()


HIDDEN_BY_THE_BAR = """() => {
  const el = document.activeElement;
  const bar = el.closest("form") && el.closest("form").querySelector(".actions");
  if (!bar || bar.contains(el) || getComputedStyle(bar).position !== "sticky") return null;
  const box = el.getBoundingClientRect(), cover = bar.getBoundingClientRect();
  const hidden = Math.min(box.bottom, cover.bottom) - Math.max(box.top, cover.top);
  return hidden > 0 ? `${el.outerHTML.slice(0, 100)} (${Math.round(hidden)} px hidden)` : null;
}"""


def test_focus_is_never_hidden_behind_the_sticky_buttons_on_a_phone(
    browser, live_server, people, child, default_wave
):
    """WCAG 2.2 "focus not obscured": a long form keeps its buttons in a bar stuck to the bottom
    of the screen, and the browser scrolls a field that takes the focus only just into view, so
    without room kept for the bar the field (or its label) sits behind it. axe cannot see this:
    it reports the text behind the bar as "incomplete"."""
    base = live_server.url
    context, page = new_page(browser, PHONE)
    sign_in(page, base, "fiona")
    page.get_by_role("heading", name="Your work today").wait_for()
    hidden = []
    page.goto(f"{base}/children/{child.pk}/assess/caregiver/")
    page.get_by_role("button", name="isiZulu").wait_for()
    for _ in range(30):
        page.keyboard.press("Tab")
        if problem := page.evaluate(HIDDEN_BY_THE_BAR):
            hidden.append(f"capture: {problem}")
    context.close()
    context, page = signed_in_with_code(browser, base, people["dora"])
    page.goto(f"{base}/administration/waves/new/")
    page.get_by_label("Name").focus()
    for _ in range(6):
        page.keyboard.press("Tab")
        if problem := page.evaluate(HIDDEN_BY_THE_BAR):
            hidden.append(f"new wave: {problem}")
    context.close()
    assert not hidden, "Focused fields behind the sticky buttons:\n" + "\n".join(hidden)
