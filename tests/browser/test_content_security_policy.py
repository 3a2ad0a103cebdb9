"""The pages that once carried inline styles, in Chromium under the real policy (decision 0011:
`style-src 'self'`, no inline styles): nothing is refused, and the classes and scripts that took
the place of the style attributes still lay the pages out."""

import pytest

from .conftest import PHONE, caregiver_says_hungry, open_school, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def watch(page):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_the_school_and_child_pages_need_no_inline_style(browser, live_server, people, child, wave):
    caregiver_says_hungry(child, wave)
    page = browser.new_page(viewport=PHONE)
    problems = watch(page)
    sign_in(page, live_server.url, "cora")
    open_school(page)
    class_card = page.get_by_role("link", name="2A")
    assert class_card.evaluate("a => getComputedStyle(a).textDecorationLine") == "none"
    class_card.click()
    page.get_by_role("link", name="Mokoena, Lwazi").click()
    page.get_by_role("heading", name="Lwazi Mokoena").wait_for()
    chart = page.locator("svg.chart")
    box = chart.bounding_box()
    # No wider than the phone's card, and as tall as its drawing's proportions make it.
    assert 0 < box["width"] <= PHONE["width"] and box["height"] > 50, box
    assert page.locator("p.chart-note").evaluate("p => getComputedStyle(p).fontSize") != (
        page.locator("body").evaluate("b => getComputedStyle(b).fontSize")
    )
    assert problems == []
    # The policy really is in force: an inline style attribute is refused, and said so.
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    page.wait_for_timeout(200)
    assert any("inline style" in problem for problem in problems), problems
    page.close()


def test_the_capture_page_needs_no_inline_style(browser, live_server, people, child, wave):
    page = browser.new_page(viewport=PHONE)
    problems = watch(page)
    sign_in(page, live_server.url, "fiona")
    page.goto(f"{live_server.url}/children/{child.pk}/assess/caregiver/")
    bar = page.locator("#progress-bar")
    assert bar.evaluate("b => b.getBoundingClientRect().width") == 0  # nothing answered yet
    page.get_by_label("Meals yesterday").fill("2")
    page.wait_for_function("document.getElementById('progress-bar').offsetWidth > 0")
    choices = page.get_by_role("group", name="Went to bed hungry?")
    assert choices.evaluate("f => getComputedStyle(f).borderTopStyle") == "none"
    cancel = page.get_by_role("link", name="Cancel")
    assert cancel.evaluate("a => getComputedStyle(a).alignSelf") == "center"
    assert problems == []
    page.close()
