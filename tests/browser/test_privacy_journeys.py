"""Privacy journeys in a real browser: a social worker sets up the sign-in code, reads a child's
protection details, writes a confidential note and records consent; a district official reads
the district overview and finds no names."""

import datetime as dt

import pytest

from cwtt.assessments.actions import assessment_save
from cwtt.notes.models import ChildNote

from .conftest import (
    DESKTOP,
    PHONE,
    current_code,
    open_school,
    sign_in,
    teacher_concerned_about_abuse,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_social_worker_sets_up_the_code_reads_protection_and_writes_a_note(
    browser, live_server, people, child, wave, screenshot, viewport
):
    teacher_concerned_about_abuse(child, wave)
    page = browser.new_page(viewport=viewport)
    sign_in(page, live_server.url, "sam")
    page.get_by_role("heading", name="Set up your code").wait_for()
    assert page.locator("svg").first.is_visible()  # the QR code, drawn by the app itself
    screenshot(page, f"privacy-set-up-code-{viewport['width']}")
    page.get_by_label("6-digit code").fill(current_code(people["sam"]))
    page.get_by_role("button", name="Finish setting up").click()
    open_school(page)

    page.goto(f"{live_server.url}/children/{child.pk}/")
    page.get_by_role("heading", name="Lwazi Mokoena").wait_for()
    # The social worker reads the protection detail the coordinator may not.
    assert page.get_by_text("Teacher is concerned about abuse").first.is_visible()
    page.get_by_label("New note").fill("Home visit arranged with the family for Thursday.")
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Home visit arranged with the family for Thursday.").wait_for()
    assert ChildNote.objects.filter(child=child).count() == 1
    screenshot(page, f"privacy-child-social-worker-{viewport['width']}")

    page.get_by_role("link", name="Consent history and recording a decision").click()
    page.get_by_role("heading", name="Consent for Lwazi Mokoena").wait_for()
    page.get_by_label("What was asked").select_option("research")
    page.get_by_label("Decision").select_option("withdrawn")
    page.get_by_label("Who decided").select_option(label="Grace Mokoena")
    page.get_by_role("button", name="Record decision").click()
    page.get_by_text("The decision has been recorded.").wait_for()
    screenshot(page, f"privacy-consent-{viewport['width']}")
    page.close()


def test_a_district_official_reads_aggregates_without_names(
    browser, live_server, people, child_factory, sunrise, hilltop, wave, screenshot
):
    made = []
    for number in range(12):
        school = sunrise if number % 2 else hilltop
        found = child_factory(school, first=f"Name{number}", last=f"Surname{number}")
        assessment_save(
            child=found,
            wave=wave,
            respondent="caregiver",
            answers={"cg_meals": 1 if number % 3 else 4, "cg_hungry": "yes"}
            if number % 3
            else {"cg_meals": 4},
            assessed_on=dt.date(2026, 3, 2),
        )
        made.append(found)
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "dumi")
    page.get_by_role("heading", name="What needs your attention").wait_for()
    home = page.content()
    page.goto(f"{live_server.url}/dashboards/area/")
    page.get_by_text("not shown").first.wait_for()
    text = page.content()
    for found in made:
        assert found.last_name not in text and found.last_name not in home
    assert "700111111" not in text and "700111111" not in home
    # The school is named only where schools are compared (decision 0052).
    schools = page.locator("table[aria-labelledby=compare-schools]").inner_html()
    assert "Sunrise Primary" not in text.replace(schools, "")
    screenshot(page, "privacy-district-overview-360")
    page.close()
