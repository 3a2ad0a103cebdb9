"""Repeat groups in a real browser at phone width (issue #12, decision 0053): "Add another"
adds a row without sending the form, "Remove" takes one away and the others are numbered again,
a question in a row shows by that row's own answer, a wrong answer in a row is marked at once,
`repeat_count` makes as many rows as an earlier answer says, and what is sent is a list of
rows. No errors in the console."""

import datetime as dt

import pytest

from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.actions import instrument_publish

from ..web.test_capture_repeats import FORM  # noqa: TID252 - the same instrument
from .conftest import PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_rows_are_added_removed_checked_and_sent_at_phone_width(
    browser, live_server, people, child, sunrise, screenshot
):
    version = instrument_publish(data=FORM.encode(), filename="household.md").version
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=version,
    )
    wave.schools.set([sunrise])
    page = browser.new_page(viewport=PHONE)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in(page, live_server.url, "fiona")
    page.goto(f"{live_server.url}/children/{child.pk}/assess/caregiver/")
    page.get_by_label("Adults at home").fill("2")

    rows = page.locator("[data-repeat='household_members'] [data-repeat-row]")
    assert rows.count() == 1
    rows.nth(0).get_by_label("Name").fill("Thandi")
    rows.nth(0).get_by_label("Age").fill("34")
    school = rows.nth(0).locator("[data-question='hm_school']")
    assert not school.is_visible()  # an adult: not asked

    add = page.get_by_role("button", name="Add another: Household member")
    add.click()
    add.click()
    assert rows.count() == 3
    assert page.url.endswith("/assess/caregiver/")  # nothing was sent
    rows.nth(1).get_by_label("Name").fill("Nobody")
    rows.nth(2).get_by_label("Name").fill("Sipho")
    rows.nth(2).get_by_label("Age").fill("7")
    assert rows.nth(2).locator("[data-question='hm_school']").is_visible()  # this row's child
    assert not school.is_visible()  # the first row still reads its own age
    rows.nth(2).get_by_label("Yes").check()

    # A wrong age in a row is marked in the row at once.
    age = rows.nth(1).get_by_label("Age")
    age.fill("130")
    age.dispatch_event("change")
    assert rows.nth(1).locator(".error").inner_text() == (
        "This answer is outside what is allowed here."
    )
    rows.nth(1).get_by_role("button", name="Remove this row").click()
    assert rows.count() == 2
    assert [rows.nth(i).locator("legend").first.inner_text() for i in range(2)] == [
        "Household member 1",
        "Household member 2",
    ]

    # `repeat_count`: as many rooms as the answer says.
    rooms = page.locator("[data-repeat='room_use'] [data-repeat-row]")
    assert rooms.count() == 0
    page.get_by_label("Rooms", exact=True).fill("3")
    assert rooms.count() == 3
    page.get_by_label("Rooms", exact=True).fill("1")
    assert rooms.count() == 1
    rooms.nth(0).get_by_label("Used for").fill("Everything")

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the page scrolls sideways at phone width"
    screenshot(page, "repeat-capture-phone")
    page.get_by_role("button", name="Submit assessment").click()
    page.wait_for_url(f"**/children/{child.pk}/")
    assert Assessment.objects.get().answers == {
        "adults": 2,
        "rooms": 1,
        "household_members": [
            {"hm_name": "Thandi", "hm_age": 34},
            {"hm_name": "Sipho", "hm_age": 7, "hm_school": "yes"},
        ],
        "room_use": [{"room_for": "Everything"}],
    }
    assert problems == []
    page.close()


def test_a_repeat_with_rows_and_errors_passes_axe(browser, live_server, people, child, sunrise):
    from .test_accessibility import AXE, Audit

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run 'npm ci' (scripts/_setup.sh does it).")
    version = instrument_publish(data=FORM.encode(), filename="household.md").version
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=version,
    )
    wave.schools.set([sunrise])
    # axe is injected by the test, so this context does not apply the page's CSP.
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()
    sign_in(page, live_server.url, "fiona")
    page.goto(f"{live_server.url}/children/{child.pk}/assess/caregiver/")
    page.get_by_label("Adults at home").fill("2")
    rows = page.locator("[data-repeat='household_members'] [data-repeat-row]")
    rows.nth(0).get_by_label("Name").fill("Thandi")
    page.get_by_role("button", name="Add another: Household member").click()
    rows.nth(1).get_by_label("Name").fill("Sipho")
    page.get_by_role("button", name="Submit assessment").click()  # ages missing: errors per row
    page.locator("#household_members-1-hm_age-error").wait_for()
    audit = Audit()
    audit.check(page, "capture with a repeat's rows and errors")
    audit.assert_clean()
    context.close()
