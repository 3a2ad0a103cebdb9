"""A 360-pixel phone (issue #13, found when tried, item 7): each page's main action is inside the
screen's width and within the first screen's height (740 px: no scrolling needed to see it; the
case page's approval form, whose decision is on the first screen, ends within 1.5 screens), and
nothing on the page is wider than the screen, so the page never scrolls sideways. Table captions
wrap rather than being cut."""

import pytest

from cwtt.access.roles import Role
from cwtt.cases.actions import approval_request
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import ServiceType

from ..cases.conftest import case_at
from ..conftest import _person
from .conftest import (
    PHONE,
    caregiver_says_hungry,
    sign_in,
    sign_in_fully,
    teacher_concerned_about_abuse,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Anything whose right edge passes the screen's edge by more than this is cut off.
SLACK = 1


def assert_on_first_screen(page, locator, screens=1.0):
    box = locator.bounding_box()
    assert box is not None, "the main action is not shown"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + SLACK, box
    assert box["y"] + box["height"] <= screens * PHONE["height"], (
        f"the main action is {box['y']:.0f} px down a {PHONE['height']} px screen"
    )


def assert_nothing_wider_than_the_screen(page):
    """No element sticks out past the right edge, and the page does not scroll sideways.
    Content inside a box that scrolls sideways on its own (a wide table) is clipped by that box,
    so it is measured by the box, not by its cells."""
    too_wide = page.evaluate(
        """(width) => {
        const out = [];
        for (const el of document.body.querySelectorAll('*')) {
            if (el.closest('.table-wrap') && !el.matches('.table-wrap')
                && !el.matches('caption') && !el.closest('caption')) continue;
            if (el.closest('details:not([open])') || el.closest('[hidden]')) continue;
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            if (r.right > width + 1) out.push(`${el.tagName.toLowerCase()}.${el.className} ` +
                `${(el.textContent || '').trim().slice(0, 40)} right=${Math.round(r.right)}`);
        }
        return out;
    }""",
        PHONE["width"],
    )
    assert too_wide == []
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_the_new_assessment_buttons_are_under_the_childs_name(
    browser, live_server, people, child, wave
):
    caregiver_says_hungry(child, wave)  # a child with a risk profile: a long page
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "fiona")
    page.goto(f"{live_server.url}/children/{child.pk}/")
    page.get_by_role("heading", name="Lwazi Mokoena", level=1).wait_for()
    buttons = page.get_by_role("link", name="assessment", exact=False).filter(has_text="New")
    assert buttons.count() >= 1
    for i in range(buttons.count()):
        assert_on_first_screen(page, buttons.nth(i))
    assert page.evaluate("document.documentElement.scrollHeight") > 2 * PHONE["height"]
    assert_nothing_wider_than_the_screen(page)
    page.close()


def test_the_refer_buttons_are_inside_the_screen(browser, live_server, people, child, wave):
    ensure_service_types(ServiceType)  # a transactional test flushes the migrated rows
    caregiver_says_hungry(child, wave)
    teacher_concerned_about_abuse(child, wave)  # urgent proposals, with longer reasons
    page = browser.new_page(viewport=PHONE)
    sign_in_fully(page, live_server.url, people["sam"])
    page.goto(f"{live_server.url}/children/{child.pk}/referrals/new/")
    page.get_by_role("heading", name="Refer Lwazi Mokoena to a service").wait_for()
    refer = page.get_by_role("link", name="Refer", exact=True)
    assert refer.count() >= 1
    box = refer.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + SLACK, box
    # The first proposal's button is on the first screen; the rest follow, each inside the width.
    assert_on_first_screen(page, refer.first)
    for i in range(refer.count()):
        b = refer.nth(i).bounding_box()
        assert b["x"] + b["width"] <= PHONE["width"] + SLACK, b
    assert_nothing_wider_than_the_screen(page)
    page.close()


def test_the_approval_decision_is_under_the_case_title(browser, live_server, people, child):
    people["sue"] = _person("sue", Role.SOCIAL_WORKER, child.school, sector="social_development")
    people["sam"].staff.supervisor = people["sue"].staff
    people["sam"].staff.save()
    # A case team with many people makes the team card long, as at a real school.
    for n in range(12):
        _person(f"helper{n}", Role.TEACHER, child.school)
    case = case_at(child, "case_plan", lead=people["sam"].staff)
    approval_request(case=case, kind="plan", by=people["sam"])
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "cora")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.get_by_role("heading", name="Approvals").wait_for()
    # The choice is on the first screen; its comment box and button follow within 1.5 screens
    # (they were 1,860 to 2,240 px down, under the case's facts and the school's staff list).
    assert_on_first_screen(page, page.get_by_label("Approve"))
    assert_on_first_screen(page, page.get_by_role("button", name="Record decision"), screens=1.5)
    page.screenshot(path="/tmp/phone-case.png", full_page=False)
    assert_nothing_wider_than_the_screen(page)
    page.close()


def test_data_quality_captions_wrap_inside_the_screen(browser, live_server, people, child, wave):
    caregiver_says_hungry(child, wave)
    page = browser.new_page(viewport=PHONE)
    sign_in_fully(page, live_server.url, people["dora"])
    page.goto(f"{live_server.url}/quality/?wave={wave.pk}")
    page.get_by_role("heading", name="Questionnaires submitted").wait_for()
    captions = page.locator("caption")
    assert captions.count() >= 1
    for i in range(captions.count()):
        box = captions.nth(i).bounding_box()
        if box is None:
            continue
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + SLACK, (
            captions.nth(i).inner_text(),
            box,
        )
    assert_nothing_wider_than_the_screen(page)
    page.close()
