"""A mistake in a sent questionnaire, corrected in a real browser on a phone: the field worker
opens what she captured from the child's page, asks for a correction with a reason, and the
coordinator approves it from her work list. Screenshots go to test-artifacts/screenshots/."""

import datetime as dt

import pytest

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, RiskProfile

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_field_worker_asks_for_a_correction_and_the_coordinator_approves_it(
    browser, live_server, people, child, wave, screenshot
):
    sent = assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "no"},
        assessed_on=dt.date(2026, 3, 2),
        assessor=people["fiona"],
    ).assessment
    assert RiskProfile.objects.get(child=child, wave=wave).nutrition == "high"

    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "fiona")
    page.goto(f"{live_server.url}/children/{child.pk}/")
    page.get_by_role("link", name="2 Mar 2026").click()
    page.get_by_role("heading", name="Caregiver questions for Lwazi").wait_for()
    assert page.get_by_role("row", name="Meals yesterday 1").is_visible()
    # The protection answer she captured is not hers to read back.
    assert page.get_by_text("1 answer is not shown to your role").is_visible()
    page.get_by_label("Meals yesterday").fill("3")
    page.get_by_label("Why are these answers wrong?").fill("She said three meals; I typed 1.")
    page.get_by_role("button", name="Ask for this correction").click()
    page.get_by_text("waits for a second person's review").wait_for()
    assert page.get_by_text("Waiting for review").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "correction-asked-360")
    assert Assessment.objects.get(pk=sent.pk).answers["cg_meals"] == 1
    page.context.close()

    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "cora")
    page.get_by_role("link", name="A correction of a caregiver questionnaire").first.click()
    page.get_by_text("Meals yesterday: 1 → 3").wait_for()
    screenshot(page, "correction-review-360")
    page.get_by_role("button", name="Approve and change the answers").click()
    page.get_by_text("Correction approved").first.wait_for()
    assert Assessment.objects.get(pk=sent.pk).answers["cg_meals"] == 3
    assert RiskProfile.objects.get(child=child, wave=wave).nutrition != "high"
    page.context.close()


def test_a_nurse_corrects_a_height_and_another_nurse_approves_it(
    browser, live_server, people, child, wave, sunrise, screenshot
):
    """Decision 0064: a correction of a health answer goes to a second health reader at the
    school, not to the coordinator, who may not read health answers."""
    from cwtt.access.roles import Role
    from tests.conftest import _person

    from .conftest import sign_in_fully

    nomsa = _person("nomsa", Role.NURSE, sunrise, sector="health")
    sent = assessment_save(
        child=child,
        wave=wave,
        respondent="nurse",
        answers={"ns_height": 111.0, "ns_weight": 19.2, "ns_abuse": "no"},
        assessed_on=dt.date(2026, 3, 2),
        assessor=people["nandi"],
    ).assessment
    problems = []

    def watch(page):
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        return page

    page = watch(browser.new_page(viewport=PHONE))
    sign_in_fully(page, live_server.url, people["nandi"])
    page.goto(f"{live_server.url}/children/{child.pk}/")
    page.get_by_role("link", name="2 Mar 2026").click()
    page.get_by_role("heading", name="Nurse questions for Lwazi").wait_for()
    page.get_by_label("Height (cm)").fill("101")
    page.get_by_label("Why are these answers wrong?").fill("Measured again on the new board")
    page.get_by_role("button", name="Ask for this correction").click()
    page.get_by_text("waits for a second person's review").wait_for()
    page.context.close()

    # The coordinator sees that a correction waits, not what it changes or why; it is not in
    # her work, and she cannot decide it.
    page = watch(browser.new_page(viewport=PHONE))
    sign_in_fully(page, live_server.url, people["cora"])
    page.get_by_role("heading", name="Your work today").wait_for()
    assert page.get_by_role("link", name="A correction of a nurse questionnaire").count() == 0
    page.goto(f"{live_server.url}/assessments/{sent.uuid}/")
    page.get_by_text("Waiting for review").wait_for()
    body = page.inner_text("body")
    assert "111" not in body and "101" not in body and "new board" not in body
    assert page.get_by_role("button", name="Approve and change the answers").count() == 0
    page.context.close()

    page = watch(browser.new_page(viewport=PHONE))
    sign_in_fully(page, live_server.url, nomsa)
    page.get_by_role("link", name="A correction of a nurse questionnaire").first.click()
    page.get_by_text("Height (cm): 111.0 → 101.0").wait_for()
    assert page.get_by_text("Measured again on the new board").first.is_visible()
    approve = page.get_by_role("button", name="Approve and change the answers")
    approve.scroll_into_view_if_needed()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "correction-health-review-360")
    approve.click()
    page.get_by_text("Correction approved").first.wait_for()
    assert Assessment.objects.get(pk=sent.pk).answers["ns_height"] == 101.0
    assert problems == []
    page.context.close()
