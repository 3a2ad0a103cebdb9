"""Journeys in a real browser: sign in, read a child's risk, capture an assessment."""

import pytest

from cwtt.assessments.models import Assessment

from .conftest import (
    DESKTOP,
    PHONE,
    caregiver_says_hungry,
    open_school,
    sign_in,
    teacher_concerned_about_abuse,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_coordinator_signs_in_and_reads_a_childs_risk_with_reasons(
    browser, live_server, people, child, wave, screenshot, viewport
):
    caregiver_says_hungry(child, wave)
    teacher_concerned_about_abuse(child, wave)
    page = browser.new_page(viewport=viewport)
    sign_in(page, live_server.url, "cora")
    # Cora's home page shows her work first, then her school.
    open_school(page)
    screenshot(page, f"school-{viewport['width']}")
    page.get_by_role("link", name="2A").click()
    page.get_by_role("link", name="Mokoena, Lwazi").click()
    page.get_by_role("heading", name="Lwazi Mokoena").wait_for()
    chart = page.get_by_role("img", name="Risk level in each of the six areas, by wave")
    assert chart.is_visible()
    assert page.get_by_text("Fewer than two meals yesterday").is_visible()
    # Abuse details are for the social worker; the coordinator sees that a concern exists.
    assert page.get_by_text("Teacher is concerned about abuse").count() == 0
    assert page.get_by_text("A concern was recorded here").first.is_visible()
    screenshot(page, f"child-{viewport['width']}")
    page.close()


def test_a_wrong_password_is_explained(browser, live_server, people):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{live_server.url}/")
    page.get_by_label("Username").fill("cora")
    page.get_by_label("Password").fill("not-her-password")
    page.get_by_role("button", name="Sign in").click()
    assert (
        page.get_by_role("alert")
        .inner_text()
        .startswith("Your username and password did not match")
    )
    page.close()


def test_a_field_worker_captures_a_caregiver_assessment_on_a_phone(
    browser, live_server, people, child, wave, screenshot
):
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "fiona")
    page.goto(f"{live_server.url}/children/{child.pk}/")
    page.get_by_role("link", name="New caregiver assessment").click()
    page.wait_for_load_state()  # the form's script is attached before anything is typed
    page.get_by_label("Meals yesterday").fill("9")
    page.get_by_label("Meals yesterday").press("Tab")
    # Marked as soon as it is typed, before anything is sent...
    assert page.get_by_text("Between 0 and 6 meals").is_visible()
    page.get_by_role("button", name="Submit assessment").click()
    # The constraint message appears at the question, and nothing is stored.
    page.get_by_text("Some answers need attention").wait_for()
    assert page.get_by_text("Between 0 and 6 meals").is_visible()
    assert not Assessment.objects.exists()
    screenshot(page, "capture-error-360")
    page.get_by_label("Meals yesterday").fill("1")
    page.get_by_role("group", name="Went to bed hungry?").get_by_label("Yes").check()
    page.get_by_role("button", name="Submit assessment").click()
    page.get_by_text("The child's risk profile has been updated").wait_for()
    assert page.get_by_text("Fewer than two meals yesterday").is_visible()
    assert Assessment.objects.get().answers == {"cg_meals": 1, "cg_hungry": "yes"}
    page.close()


def test_follow_up_questions_appear_only_when_they_apply(browser, live_server, people, child, wave):
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "fiona")
    page.goto(f"{live_server.url}/children/{child.pk}/assess/caregiver/")
    hungry = page.get_by_role("group", name="Went to bed hungry?")
    # Asked only when fewer than 3 meals were eaten.
    assert not hungry.is_visible()
    page.get_by_label("Meals yesterday").fill("2")
    assert hungry.is_visible()
    page.get_by_label("Meals yesterday").fill("5")
    assert not hungry.is_visible()
    page.close()
