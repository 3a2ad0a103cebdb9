"""A repeat group on the offline page (issue #12, decision 0053): the same fragment and script
as the capture page, so rows are added and removed with no signal, kept on the phone as a list
of rows (a draft opens again with its rows), a required question missing in a row is marked
in that row, and the rows reach the server when the signal returns."""

import datetime as dt

import pytest

from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.actions import instrument_publish

from ..web.test_capture_repeats import FORM  # noqa: TID252 - the same instrument
from .conftest import PHONE, get_ready, go_offline_and_reopen
from .test_offline_journeys import open_questionnaire

pytestmark = pytest.mark.django_db(transaction=True)


def test_rows_captured_with_no_signal_are_kept_and_sent(
    browser, live_server, people, child, sunrise
):
    version = instrument_publish(data=FORM.encode(), filename="household.md").version
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=version,
    )
    wave.schools.set([sunrise])
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    get_ready(page, live_server.url)
    go_offline_and_reopen(context, page)

    open_questionnaire(page, child)
    page.get_by_label("Adults at home").fill("2")
    rows = page.locator("[data-repeat='household_members'] [data-repeat-row]")
    rows.nth(0).get_by_label("Name").fill("Thandi")
    rows.nth(0).get_by_label("Age").fill("34")
    page.get_by_role("button", name="Add another: Household member").click()
    rows.nth(1).get_by_label("Name").fill("Sipho")
    page.get_by_role("button", name="Save on this phone and finish later").click()
    page.get_by_text("Saved on this phone as a draft.").wait_for()

    # Back on the class list: the draft opens again with its two rows.
    page.locator("li.task", has_text=child.full_name).get_by_role("link", name="Caregiver").click()
    page.get_by_role("heading", name=f"Caregiver questions for {child.first_name}").wait_for()
    assert rows.count() == 2
    assert rows.nth(1).get_by_label("Name").input_value() == "Sipho"
    page.get_by_role("button", name="Finish and send").click()
    assert page.get_by_text("Some answers need attention").is_visible()
    assert rows.nth(1).locator(".error").inner_text() == "This question needs an answer."
    assert rows.nth(0).locator(".error").count() == 0
    rows.nth(1).get_by_label("Age").fill("7")
    page.get_by_role("button", name="Finish and send").click()
    page.get_by_text("Saved on this phone. It will be sent when there is signal.").wait_for()
    assert not Assessment.objects.exists()

    context.set_offline(False)
    page.get_by_text("1 assessment was sent.").wait_for(timeout=20000)
    assert Assessment.objects.get().answers == {
        "adults": 2,
        "household_members": [
            {"hm_name": "Thandi", "hm_age": 34},
            {"hm_name": "Sipho", "hm_age": 7},
        ],
    }
    assert problems == []
    context.close()
