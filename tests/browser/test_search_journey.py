"""Finding a child on a phone (360 px wide), in Chromium: from the home page's search box, and
from the search box in the menu, to the child's page, typing the name as it sounds. The search
box and the first result are on screen without scrolling; the address never holds the words
typed; the console stays free of errors."""

import pytest

from .conftest import PHONE, menu, sign_in_fully

pytestmark = pytest.mark.django_db(transaction=True)


def visible_without_scrolling(page, locator) -> bool:
    box = locator.bounding_box()
    return (
        box is not None
        and box["y"] >= 0
        and box["y"] + box["height"] <= PHONE["height"]
        and box["x"] >= 0
        and box["x"] + box["width"] <= PHONE["width"]
    )


@pytest.fixture
def learners(child, child_factory, sunrise, hilltop):
    for first, last in (("Lindiwe", "Mokoena"), ("Thabo", "Nkosi"), ("Zanele", "Dube")):
        child_factory(sunrise, first=first, last=last, consent=False)
    child_factory(hilltop, first="Lwazi", last="Mokoena", consent=False)  # another school's
    return child


def test_a_teacher_finds_a_learner_from_her_home_page_on_a_phone(
    browser, live_server, people, learners, screenshot
):
    page = browser.new_page(viewport=PHONE)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in_fully(page, live_server.url, people["tumi"])
    page.get_by_role("heading", name="Your work today").wait_for()
    box = page.get_by_role("searchbox", name="Find a child").first
    assert visible_without_scrolling(page, box)
    assert visible_without_scrolling(page, page.get_by_role("button", name="Search").first)
    screenshot(page, "search-home-360")
    box.fill("Lwazie Mokwena")  # as it sounds, not as it is written
    page.get_by_role("button", name="Search").first.click()
    # Lwazi first, then Lindiwe, who shares the surname; never Hilltop's Lwazi Mokoena.
    page.get_by_role("heading", name="2 children found").wait_for()
    results = page.locator(".search-results a")
    assert results.all_inner_texts() == ["Mokoena, Lwazi", "Mokoena, Lindiwe"]
    first = page.get_by_role("link", name="Mokoena, Lwazi")
    assert visible_without_scrolling(page, first)
    assert "Lwazi" not in page.url and "Mokwena" not in page.url
    assert page.get_by_text("Sunrise Primary · class 2A · 8 years old").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "search-results-360")
    first.click()
    page.get_by_role("heading", name="Lwazi Mokoena").wait_for()
    assert page.url.endswith(f"/children/{learners.pk}/")
    assert problems == []
    page.close()


def test_the_search_in_the_phone_menu_finds_a_learner_from_any_page(
    browser, live_server, people, learners, screenshot
):
    page = browser.new_page(viewport=PHONE)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    sign_in_fully(page, live_server.url, people["cora"])
    menu(page, "Referrals")
    page.locator("details.menu summary").click()
    box = page.locator("details.menu").get_by_role("searchbox", name="Find a child")
    assert visible_without_scrolling(page, box)
    screenshot(page, "search-menu-360")
    box.fill("Mokoena Lwazi")  # surname first
    box.press("Enter")
    page.get_by_role("heading", name="2 children found").wait_for()
    page.get_by_role("link", name="Mokoena, Lwazi").click()
    page.get_by_role("heading", name="Lwazi Mokoena").wait_for()
    assert problems == []
    page.close()


def test_no_match_on_a_phone_says_what_to_try(browser, live_server, people, learners, screenshot):
    page = browser.new_page(viewport=PHONE)
    sign_in_fully(page, live_server.url, people["tumi"])
    page.get_by_role("searchbox", name="Find a child").first.fill("Xolile")
    page.get_by_role("button", name="Search").first.click()
    page.get_by_role("heading", name="No child found").wait_for()
    assert page.get_by_text("the class, for example 2A").is_visible()
    screenshot(page, "search-no-match-360")
    page.close()
