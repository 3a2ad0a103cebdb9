"""My work that is mine, on a phone (issue #13): a social worker opens My work from her home
page, finds the case she was just made lead of and its next step; a teacher opens My class and
sees whose questionnaire is still to capture. Each page's primary action is on the first
screen (no scrolling) and the console stays free of errors."""

from __future__ import annotations

import pytest

from cwtt.cases.actions import case_team_set
from cwtt.cases.models import Case

from .conftest import PHONE, caregiver_says_hungry, sign_in, sign_in_fully

pytestmark = pytest.mark.django_db(transaction=True)


def on_first_screen(locator) -> bool:
    """Inside the 360 × 740 screen as the page opens: no scrolling needed to reach it."""
    box = locator.bounding_box()
    return (
        box is not None
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= PHONE["width"]
        and box["y"] + box["height"] <= PHONE["height"]
    )


def watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_a_social_worker_finds_her_new_case_and_its_next_step_on_a_phone(
    browser, live_server, people, child, wave, screenshot
):
    caregiver_says_hungry(child, wave)
    case = Case.objects.get(child=child)  # proposed from the profile
    Case.objects.filter(pk=case.pk).update(status="identified")  # confirmed (tested elsewhere)
    case_team_set(case=case, by=people["cora"], lead=people["sam"].staff)

    page = browser.new_page(viewport=PHONE)
    problems = watch_console(page)
    sign_in_fully(page, live_server.url, people["sam"])
    page.get_by_role("heading", name="Your work today").wait_for()
    yours = page.get_by_role("link", name="Your case (1)")
    assert yours.is_visible() and on_first_screen(yours)
    screenshot(page, "my-work-home-socialworker-360")
    yours.click()

    page.get_by_role("heading", name="My cases").wait_for()
    item = page.locator("li.my-case").filter(has_text="Lwazi Mokoena")
    link = item.get_by_role("link", name="Lwazi Mokoena")
    assert item.get_by_text("New", exact=True).is_visible()
    assert item.get_by_text("Next: Register the case").is_visible()
    assert on_first_screen(link)
    screenshot(page, "my-work-my-cases-360")
    link.click()
    page.get_by_role("heading", name="Case: Lwazi Mokoena").wait_for()

    page.goto(f"{live_server.url}/my-work/")
    item = page.locator("li.my-case").filter(has_text="Lwazi Mokoena")
    item.wait_for()
    assert item.get_by_text("New", exact=True).count() == 0  # opened: no longer new
    assert problems == []
    page.close()


def test_a_teacher_sees_what_is_still_to_capture_in_her_class_on_a_phone(
    browser, live_server, people, child, child_factory, sunrise, wave, screenshot
):
    child.school_class.teachers.add(people["tumi"].staff)
    child_factory(sunrise, first="Thandi", last="Zwane", sex="F")

    page = browser.new_page(viewport=PHONE)
    problems = watch_console(page)
    sign_in(page, live_server.url, "tumi")
    page.get_by_role("heading", name="Your work today").wait_for()
    mine = page.get_by_role("link", name="My class: 2A")
    assert on_first_screen(mine)
    mine.click()

    page.get_by_role("heading", name="Still to capture (2)").wait_for()
    assert page.get_by_text("your questionnaire is done for 0 of 2 learners").is_visible()
    capture = page.get_by_role("link", name="Capture: Lwazi Mokoena")
    assert on_first_screen(capture)
    screenshot(page, "my-class-360")
    capture.click()
    page.wait_for_url("**/children/*/assess/teacher/**")
    page.get_by_role("heading", name="Teacher questions for Lwazi").wait_for()
    assert problems == []
    page.close()
