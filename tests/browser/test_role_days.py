"""A day's work for every role, on a 360-pixel phone, at a demo school of 400 learners
(issue #13, "Tests" and "Done means").

The school is built once for the module, as `cwtt demo` builds it: the synthetic generator's
district (a 400-learner school in two waves, and smaller schools in two more circuits), the demo
accounts and the demo casework (cases in every state, referrals, a held and a planned meeting).
A server of its own serves it to Chromium for the whole module, so the 400 learners are made
once, not once per journey; the database is emptied when the module ends.

Each journey signs in and starts from the role's home page, and reaches everything by taps
(no address typed after signing in). On every page it opens, the page's primary action is on
the first screen (inside the 360 x 740 screen without scrolling); the console stays free of
errors (console errors and uncaught exceptions, Content-Security-Policy refusals included); and
each step's screenshot is kept in test-artifacts/screenshots/role-day-*.png.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

from ..conftest import NOW, TODAY  # noqa: TID252 - shared test constants
from .conftest import PHONE, SCREENSHOTS

LEARNERS = 400
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- the demo school, built once --------------------------------------------------------------


@dataclass
class DemoSchool:
    url: str  # the module's own server
    school: object  # the 400-learner school (the demo coordinator's)
    seconds: float  # to build it: about 5 on SQLite


def build_demo_school():
    """What `cwtt demo` makes, with a 400-learner school and two more circuits."""
    from cwtt.consent.models import ConsentText
    from cwtt.consent.texts import ensure_first_texts
    from cwtt.instruments.actions import instrument_publish
    from cwtt.registry.models import Child, Location, School
    from cwtt.services.catalogue import ensure_service_types
    from cwtt.services.demo import ensure_demo_providers
    from cwtt.services.models import ServiceType
    from cwtt.synthetic.accounts import ensure_demo_accounts
    from cwtt.synthetic.casework import demo_school, ensure_demo_casework
    from cwtt.synthetic.generate import generate_district

    # What the migrations put in: an earlier test that emptied the database took it out.
    ensure_first_texts(ConsentText)
    ensure_service_types(ServiceType)
    path = Path(settings.CWTT_DEFAULT_INSTRUMENT)
    version = instrument_publish(data=path.read_bytes(), filename=path.name).version
    generate_district(
        schools=1,
        learners_per_school=LEARNERS,
        waves=2,
        seed=13,
        instrument_version=version,
        today=TODAY,
    )
    # Smaller schools in two more circuits of the same district, for the district official.
    district = Location.objects.get(level="district")
    generate_district(
        schools=4,
        learners_per_school=40,
        waves=2,
        seed=14,
        instrument_version=version,
        today=TODAY,
    )
    other = Location.objects.filter(level="district").exclude(pk=district.pk).get()
    circuits = [
        Location.objects.create(
            code=f"{district.code}-C{n:02d}", name=name, level="circuit", parent=district
        )
        for n, name in ((2, "Riverbend Circuit"), (3, "Hillcrest Circuit"))
    ]
    for n, school in enumerate(School.objects.filter(location__parent=other).order_by("pk")):
        school.location = circuits[n % 2]
        school.save(update_fields=["location"])
    ensure_demo_accounts()
    ensure_demo_providers()
    ensure_demo_casework(today=TODAY)
    school = demo_school()
    assert Child.objects.filter(school=school, status="active").count() == LEARNERS
    return school


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    from pytest_django.live_server_helper import LiveServer

    started = time.monotonic()
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=True),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
    ):
        school = build_demo_school()
    seconds = time.monotonic() - started
    server = LiveServer("localhost")
    try:
        with server._live_server_modified_settings:
            yield DemoSchool(server.url, school, seconds)
    finally:
        server.stop()
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


# The mark has the test database made; the fixture below stands in for pytest-django's own,
# which would empty the database after each journey. The module's database is open to the
# server's thread (and the journeys' few checks) while the journeys run, and emptied once at
# the end (the `demo` fixture).
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def _django_db_helper(django_db_blocker, demo):
    with django_db_blocker.unblock():
        yield


# --- helpers ----------------------------------------------------------------------------------


_journeys = iter(range(1, 1000))


@pytest.fixture(autouse=True)
def _a_later_minute(clock):
    """Each journey a few minutes after the last (the clock restarts at NOW for each test), so
    no sign-in code is offered twice."""
    clock.shift(dt.timedelta(minutes=3 * next(_journeys)))


def sign_in(page, base, username):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cwtt.access.two_factor import code_now
    from cwtt.synthetic.accounts import DEMO_PASSWORD

    page.goto(f"{base}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.get_by_label("6-digit code").count():
        device = TOTPDevice.objects.get(user__username=username)
        page.get_by_label("6-digit code").fill(code_now(device))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()


class Phone:
    """One person's phone: a 360 x 740 Chromium page that notes every console error and uncaught
    exception, and checks what the first screen shows."""

    def __init__(self, browser, role):
        self.role = role
        self.context = browser.new_context(viewport=PHONE)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.page.url}: {error}"))
        self.shots = 0
        self.opened: list[str] = []

    def sign_in(self, demo, username):
        """Sign in: the one address typed. After it every page is reached by tapping."""
        sign_in(self.page, demo.url, username)
        self.page.get_by_role("link", name="Notifications").first.wait_for()
        self.page.goto = self._no_typing
        self.page.on("load", lambda page: self.opened.append(page.url))
        self.opened: list[str] = []

    def _no_typing(self, *args, **kwargs):
        raise AssertionError("A journey reaches its pages by tapping, never by typing an address")

    def home(self):
        """Back to the home page, by the title at the top of every page."""
        self.page.locator("header").get_by_role(
            "link", name="Child Wellbeing Tracking Tool"
        ).click()
        self.page.wait_for_load_state()
        self.opened = []

    def few_taps(self, most=3):
        """What the person came for is at most `most` pages from their home page."""
        assert len(self.opened) <= most, f"{len(self.opened)} pages from home: {self.opened}"

    def _console(self, message):
        if message.type == "error":
            where = message.location.get("url", "")
            line = message.location.get("lineNumber", "")
            self.problems.append(f"{self.page.url} ({where}:{line}): {message.text}")

    def on_first_screen(self, locator, what):
        """The page opens at its top, and `locator` is inside the screen: no scrolling needed."""
        page = self.page
        locator.first.wait_for()
        assert page.evaluate("window.scrollY") == 0, f"{what}: the page opened scrolled down"
        box = locator.first.bounding_box()
        assert box is not None, f"{what} is not shown"
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 1, (what, box)
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (
            f"{what} is {box['y']:.0f} px down a {PHONE['height']} px screen ({self.page.url})"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], (
            f"{self.page.url} scrolls sideways"
        )

    def shot(self, step):
        self.shots += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"role-day-{self.role}-{self.shots}-{step}.png"
        self.page.screenshot(path=str(path), full_page=True, caret="initial")

    def close(self):
        self.context.close()
        assert self.problems == [], self.problems


def menu(page, name):
    page.locator("details.menu summary").click()
    page.locator("details.menu nav").get_by_role("link", name=name, exact=True).click()


# --- the journeys ---------------------------------------------------------------------------


def test_a_field_worker_finds_a_child_by_name_and_opens_her_page(browser, demo):
    from cwtt.registry.models import Child

    # A learner of the demo school whose name no other child in the district shares.
    children = Child.objects.filter(school=demo.school, status="active").order_by("pk")
    names = [(c.first_name, c.last_name) for c in Child.objects.all()]
    child = next(c for c in children if names.count((c.first_name, c.last_name)) == 1)

    phone = Phone(browser, "fieldworker")
    page = phone.page
    phone.sign_in(demo, "fieldworker")
    page.get_by_role("heading", name="Your work today").wait_for()
    search = page.locator("main").get_by_role("searchbox", name="Find a child")
    phone.on_first_screen(search, "the search box")
    phone.shot("home")
    search.fill(f"{child.first_name} {child.last_name}")
    search.press("Enter")
    page.get_by_role("heading", name="found").first.wait_for()
    found = page.locator(".search-results a").first
    assert found.inner_text() == f"{child.last_name}, {child.first_name}"
    phone.on_first_screen(found, "the first child found")
    assert child.last_name not in page.url  # the words typed never go in the address
    phone.shot("found")
    found.click()
    page.get_by_role("heading", name=child.full_name, level=1).wait_for()
    phone.few_taps(2)
    phone.on_first_screen(
        page.get_by_role("link", name="New caregiver assessment"), "New caregiver assessment"
    )
    phone.shot("child")
    phone.close()


def test_a_social_worker_finds_her_case_and_records_a_review(browser, demo):
    from cwtt.cases.models import Case, Review

    phone = Phone(browser, "socialworker")
    page = phone.page
    phone.sign_in(demo, "socialworker")
    yours = page.get_by_role("link", name="Your cases (7)")
    phone.on_first_screen(yours, "Your cases")
    phone.shot("home")
    yours.click()
    page.get_by_role("heading", name="My cases").wait_for()
    # The case whose next step is its review with the team.
    item = page.locator("li.my-case").filter(has_text="Next: Case review with the team").first
    link = item.locator("a[href^='/cases/']").first
    case = Case.objects.select_related("child").get(
        pk=int(link.get_attribute("href").strip("/").split("/")[-1])
    )
    assert case.lead.user.username == "socialworker" and case.status == "review"
    reviews = Review.objects.filter(case=case).count()
    phone.shot("my-cases")
    link.click()
    page.get_by_role("heading", name=f"Case: {case.child.full_name}").wait_for()
    phone.few_taps(2)
    record = page.get_by_role("link", name="Record a review")
    phone.on_first_screen(record, "Record a review")
    phone.shot("case")
    record.click()
    form = page.locator("form").filter(has=page.get_by_role("button", name="Save review"))
    for legend in form.locator("fieldset").all():
        legend.get_by_label("Some progress").check()
    form.get_by_label("Review notes (case notes)").fill(
        "Home visit done; the caregiver has applied for the grant."
    )
    form.get_by_role("button", name="Save review").click()
    page.get_by_text("The review is recorded.").wait_for()
    phone.shot("reviewed")
    assert Review.objects.filter(case=case).count() == reviews + 1
    phone.close()


ANSWER_EVERY_QUESTION = """(form) => {
  let changed = 0;
  for (const field of form.querySelectorAll('[data-question]')) {
    if (field.closest('[hidden]')) continue;
    const radios = [...field.querySelectorAll('input[type=radio]')];
    if (radios.length && !radios.some((r) => r.checked)) { radios[0].click(); changed++; }
    const boxes = [...field.querySelectorAll('input[type=checkbox]')];
    if (boxes.length && !boxes.some((b) => b.checked)) { boxes[boxes.length - 1].click(); changed++; }
    for (const input of field.querySelectorAll('input[type=number], input[type=text]')) {
      if (!input.value) { input.value = '0'; input.dispatchEvent(new Event('input', {bubbles: true})); changed++; }
    }
  }
  return changed;
}"""


def test_a_teacher_finishes_her_class(browser, demo):
    from cwtt.assessments.models import Assessment
    from cwtt.registry.models import Staff
    from cwtt.worklists.my_class import my_classes

    teacher = Staff.objects.get(user__username="teacher").user
    (mine,) = my_classes(teacher)
    todo = [learner.child for learner in mine.to_capture]
    assert 1 <= len(todo) <= 3, todo  # the demo teacher is nearly done
    total = len(mine.learners)

    phone = Phone(browser, "teacher")
    page = phone.page
    phone.sign_in(demo, "teacher")
    my_class = page.get_by_role("link", name=f"My class: {mine.school_class.name}")
    phone.on_first_screen(my_class, "My class")
    phone.shot("home")
    my_class.click()
    for n, child in enumerate(todo):
        page.get_by_role("heading", name="My class").wait_for()
        capture = page.get_by_role("link", name=f"Capture: {child.full_name}")
        phone.on_first_screen(capture, f"Capture: {child.full_name}")
        phone.shot("my-class")
        capture.click()
        page.get_by_role("heading", name=f"Teacher questions for {child.first_name}").wait_for()
        if n == 0:
            phone.few_taps(2)
        submit = page.get_by_role("button", name="Submit assessment")
        phone.on_first_screen(submit, "Submit assessment")  # kept at the foot of the screen
        form = page.locator("form[data-capture]")
        for _ in range(10):  # questions appear as earlier answers make them relevant
            if not form.evaluate(ANSWER_EVERY_QUESTION):
                break
        phone.shot("questionnaire")
        submit.click()
        page.get_by_text("Assessment saved").wait_for()
        assert Assessment.objects.filter(
            child=child, wave=mine.wave, respondent="teacher", status="submitted"
        ).exists()
        menu(page, "My class")
    page.get_by_role("heading", name="My class").wait_for()
    assert page.get_by_text(
        f"your questionnaire is done for {total} of {total} learners"
    ).is_visible()
    assert page.get_by_text("Every learner's teacher questionnaire is captured").is_visible()
    phone.shot("class-done")
    phone.close()


def test_a_nurse_sees_the_z_scores_and_the_growth_chart(browser, demo):
    from django.db.models import Count

    from cwtt.assessments.models import Assessment
    from cwtt.registry.models import Child

    measured = (
        Assessment.objects.filter(
            child__school=demo.school,
            child__status="active",
            respondent="nurse",
            status__in=["submitted", "verified"],
        )
        .values("child")
        .annotate(waves=Count("wave", distinct=True))
        .filter(waves=2)
        .order_by("child")
    )
    names = [(c.first_name, c.last_name) for c in Child.objects.all()]
    child = next(
        c
        for c in Child.objects.filter(pk__in=measured.values("child")).order_by("pk")
        if names.count((c.first_name, c.last_name)) == 1
    )

    phone = Phone(browser, "nurse")
    page = phone.page
    phone.sign_in(demo, "nurse")
    search = page.locator("main").get_by_role("searchbox", name="Find a child")
    phone.on_first_screen(search, "the search box")
    search.fill(child.full_name)
    search.press("Enter")
    page.locator(".search-results a").first.click()
    page.get_by_role("heading", name=child.full_name, level=1).wait_for()
    phone.few_taps(2)
    phone.on_first_screen(
        page.get_by_role("link", name="New nurse assessment"), "New nurse assessment"
    )
    phone.shot("child")
    growth = page.get_by_role("heading", name="Growth", exact=True)
    growth.scroll_into_view_if_needed()
    table = page.get_by_role("table", name="Growth measurements, oldest first")
    assert table.locator("tbody tr").count() == 2  # both waves' measurements
    # Each measurement's three z-scores (height-, weight- and BMI-for-age), each with its WHO
    # category.
    scores = table.locator("td.z-score")
    assert scores.count() == 6, table.inner_text()
    for cell in scores.all():
        z = cell.locator(".z").inner_text()
        assert re.fullmatch(r"[+\u2212]?\d+\.\d+", z), z
        assert cell.locator(".badge").inner_text().strip(), cell.inner_text()
    box = table.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    chart = page.get_by_role(
        "img", name=f"{child.first_name}'s height for age, against WHO's lines"
    )
    chart.scroll_into_view_if_needed()
    assert chart.locator("circle.child-point").count() == 2
    chart_box = chart.bounding_box()
    assert chart_box["x"] >= 0 and chart_box["x"] + chart_box["width"] <= PHONE["width"]
    phone.shot("growth")
    page.locator("section.growth").screenshot(
        path=str(SCREENSHOTS / "role-day-nurse-growth-section.png")
    )
    phone.close()


def test_a_coordinator_triages_a_proposal_and_runs_the_meeting(browser, demo):
    from cwtt.cases.models import Case
    from cwtt.meetings.models import AgendaItem, Meeting

    phone = Phone(browser, "coordinator")
    page = phone.page
    phone.sign_in(demo, "coordinator")
    page.get_by_role("heading", name="Your work today").wait_for()
    # The day starts with today's urgent children, most pressing first.
    urgent = page.locator("main").get_by_text("children need action today").first
    phone.on_first_screen(urgent, "the children who need action today")
    phone.shot("home")

    # Triage: the queue, most pressing first; the first proposal is confirmed.
    page.get_by_role("link", name="proposed cases at").click()
    page.get_by_role("heading", name="Action queue this month").wait_for()
    first = page.locator("#now-h ~ * a[href*='/cases/']").first
    phone.on_first_screen(first, "the first child of this month's queue")
    phone.shot("queue")
    name = first.inner_text()
    first.click()
    page.get_by_role("heading", name=f"Case: {name}").wait_for()
    phone.few_taps(2)
    confirm = page.get_by_role("button", name="Confirm the case")
    phone.on_first_screen(confirm, "Confirm the case")
    phone.shot("proposal")
    confirm.click()
    page.get_by_text("Done: confirm the case.").wait_for()
    case = Case.objects.get(pk=int(page.url.rstrip("/").split("/")[-1]))
    assert case.status == "identified"

    # The meeting: from home, the school's page, then the planned meeting and its agenda.
    phone.home()
    page.locator("a.card", has_text=demo.school.name).click()
    page.get_by_role("heading", name=demo.school.name).wait_for()
    meetings = page.get_by_role("link", name="Team meetings")
    phone.on_first_screen(meetings, "Team meetings")
    page.locator(".page-links a[href^='/meetings/']").click()
    page.get_by_role("heading", name="Agenda").wait_for()
    phone.few_taps(2)
    meeting = Meeting.objects.get(pk=int(page.url.rstrip("/").split("/")[-1]))
    assert meeting.status == "planned"
    item = page.locator("section.agenda-item").first
    phone.on_first_screen(item.get_by_role("button", name="Save decision"), "Save decision")
    phone.shot("meeting")
    item.get_by_label("Decision").fill("The social worker visits the family this week.")
    item.get_by_role("button", name="Save decision").click()
    page.locator("section.agenda-item").first.get_by_text("Decision saved.").wait_for()
    page.get_by_text("Add who came").click()
    page.get_by_label("Colleague").select_option(
        label="Lerato Social — Social worker or case worker"
    )
    page.get_by_role("button", name="Add to the list").click()
    page.get_by_role("region", name="Who came").get_by_role("listitem").filter(
        has_text="Lerato Social"
    ).wait_for()
    page.get_by_role("button", name="Mark the meeting as held").click()
    page.get_by_text("Marked as held. The minutes are ready to download.").wait_for()
    phone.shot("meeting-held")
    meeting.refresh_from_db()
    assert meeting.status == "held"
    assert AgendaItem.objects.filter(
        meeting=meeting, decision="The social worker visits the family this week."
    ).exists()
    phone.close()


def test_a_data_manager_corrects_an_assessment(browser, demo):
    from cwtt.assessments.models import AssessmentCorrection as Correction

    phone = Phone(browser, "datamanager")
    page = phone.page
    phone.sign_in(demo, "datamanager")
    page.get_by_role("heading", name="Your work today").wait_for()
    phone.on_first_screen(page.locator("details.menu summary"), "the menu")
    phone.shot("home")
    menu(page, "Data quality")
    page.get_by_role("heading", name="Data quality").wait_for()
    # The work first (issue #13): the counts link to each list, and the first answer to check
    # with its questionnaire is on the first screen, above the completeness tables.
    phone.on_first_screen(page.get_by_role("link", name="answers to check"), "the counts")
    first = page.locator("ul.problem-list li.task").first
    phone.on_first_screen(first.locator("a.button").first, "the first answer to check")
    phone.shot("quality")
    first.locator("a.button").first.click()
    page.get_by_role("heading", name="questions for").wait_for()
    phone.few_taps(2)
    ask = page.get_by_role("link", name="Ask for a correction")
    phone.on_first_screen(ask, "Ask for a correction")
    phone.shot("questionnaire")
    ask.click()
    form = page.locator("form[data-capture]")
    days = form.locator("input[type=number]").first
    before = days.input_value()
    days.fill(str(int(before or 0) + 1 if int(before or 0) < 7 else 6))
    form.get_by_label("Why are these answers wrong?").fill(
        "The paper form says one day more; it was typed wrongly."
    )
    form.get_by_role("button", name="Ask for this correction").click()
    page.get_by_text("waits for a second person's review").wait_for()
    assert page.get_by_text("Waiting for review").first.is_visible()
    phone.shot("correction-asked")
    assert Correction.objects.filter(
        requested_by__username="datamanager", status="pending"
    ).exists()
    phone.close()


def test_a_district_official_compares_circuits(browser, demo):
    phone = Phone(browser, "district")
    page = phone.page
    phone.sign_in(demo, "district")
    page.get_by_role("heading", name="What needs your attention").wait_for()
    compare = page.get_by_role("link", name="Compare circuits and schools")
    phone.on_first_screen(compare, "Compare circuits and schools")
    phone.shot("home")
    compare.click()
    page.get_by_role("heading", name="Compare circuits and schools").wait_for()
    phone.on_first_screen(page.get_by_role("button", name="Show"), "Show")
    page.get_by_label("Area of wellbeing", exact=True).select_option(label="Food and nutrition")
    page.get_by_label("Wave", exact=True).select_option(label="Wave 2 (2026)")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**domain=nutrition**")
    phone.few_taps(2)
    circuits = page.locator("table[aria-labelledby=compare-parts]")
    circuits.wait_for()
    assert "At high risk in Food and nutrition" in circuits.inner_text()
    rows = circuits.locator("tbody tr")
    assert rows.count() == 3  # Eikenhof (the demo school), Riverbend and Hillcrest
    names = {row.locator("th, td").first.inner_text().strip() for row in rows.all()}
    assert names == {"Eikenhof Circuit", "Riverbend Circuit", "Hillcrest Circuit"}, names
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.shot("circuits")
    phone.close()
