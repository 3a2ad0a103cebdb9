"""Decision 0065 in Chromium at 360 px: the coordinator sets the classes a teacher teaches from
*Staff*, and the teacher's *My class* then shows that class."""

import pytest

from cwtt.access.models import AuditEntry

from .conftest import PHONE, menu, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_the_coordinator_sets_a_teachers_class_and_it_is_her_my_class(
    browser, live_server, people, child, wave, screenshot
):
    klass = child.school_class
    problems = []
    page = browser.new_page(viewport=PHONE)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    sign_in(page, live_server.url, "cora")
    page.get_by_role("heading", name="Your work today").wait_for()
    menu(page, "Staff")
    page.get_by_role("heading", name="Staff at your schools").wait_for()
    page.get_by_role("link", name="Classes Tumi teaches").click()
    page.get_by_role("heading", name="Classes Tumi teaches").wait_for()
    box = page.get_by_role("checkbox", name=klass.name).first
    box.check()
    save = page.get_by_role("button", name="Save the classes")
    top = save.bounding_box()
    assert top is not None and top["y"] + top["height"] <= PHONE["height"], top  # no scrolling
    assert page.evaluate(OVERFLOW) <= 0
    screenshot(page, "teacher-classes-360")
    save.click()
    page.get_by_text("My class page shows the classes ticked").wait_for()
    assert list(people["tumi"].staff.classes_taught.all()) == [klass]
    assert AuditEntry.objects.filter(object_type="class_teachers", actor=people["cora"]).exists()
    assert problems == []
    page.context.close()

    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "tumi")
    page.get_by_role("link", name=f"My class: {klass.name}").first.click()
    page.get_by_role("heading", name="My class").wait_for()
    assert page.get_by_text(child.first_name).first.is_visible()
    page.context.close()
