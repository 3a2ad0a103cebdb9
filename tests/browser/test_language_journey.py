"""A teacher reads CWTT in isiZulu on a phone (issue #13, decision 0062): she picks isiZulu from
the switch in the header, and the choice stays with her — after signing out, and when she signs
in on another phone. The home page, the menu, the buttons, the questionnaire's own words and
the dates are in isiZulu; no page breaks the content security policy."""

import datetime as dt

import pytest

from cwtt.assessments.models import Wave
from cwtt.registry.models import Staff

from ..conftest import PASSWORD  # noqa: TID252 - shared test constant
from .conftest import PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


@pytest.fixture
def isizulu_wave(default_version, sunrise):
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=default_version,
    )
    wave.schools.set([sunrise])
    return wave


def phone(browser):
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(WATCH)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return context, page, problems


def no_problems(page, problems):
    assert page.evaluate("window.__violations") == [] and problems == [], problems


def test_a_teacher_switches_to_isizulu_and_it_stays_with_her(
    browser, live_server, people, child, isizulu_wave, screenshot
):
    context, page, problems = phone(browser)
    sign_in(page, live_server.url, "tumi")
    page.get_by_role("heading", name="Your work today").wait_for()

    # The switch in the header, at 360 px: a plain form, one button per language.
    switch = page.locator("header details.language")
    switch.locator("summary").click()
    buttons = switch.get_by_role("button")
    assert buttons.all_inner_texts() == ["English", "isiZulu"]
    box = switch.locator("form").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    screenshot(page, "language-switch-360")
    switch.get_by_role("button", name="isiZulu").click()

    # Home, menu and buttons in isiZulu.
    page.get_by_role("heading", name="Umsebenzi wakho wanamuhla").wait_for()
    assert page.locator("html").get_attribute("lang") == "zu"
    assert page.get_by_role("button", name="Phuma").is_visible()
    page.locator("details.menu summary", has_text="Imenyu").click()
    assert page.locator("details.menu nav").get_by_role("link", name="Ekhaya").is_visible()
    assert page.locator("details.language summary").inner_text().endswith("isiZulu")
    screenshot(page, "language-home-isizulu-360")
    assert Staff.objects.get(user=people["tumi"]).language == "zu"
    no_problems(page, problems)

    # The child's page: the date of birth in isiZulu, numbers as they are.
    page.goto(f"{live_server.url}/children/{child.pk}/")
    about = page.locator("dl").filter(has_text="Iminyaka").first
    assert "(wazalwa ngo-14 Mashi 2018)" in about.inner_text()
    no_problems(page, problems)

    # The questionnaire: the questions and the page's own words in isiZulu.
    page.goto(f"{live_server.url}/children/{child.pk}/assess/teacher/")
    assert page.get_by_text("(kuyadingeka)").first.is_visible()
    submit = page.get_by_role("button", name="Thumela ukuhlola").last
    assert page.get_by_role("button", name="Gcina kungakaqedwa").is_visible()
    assert "imibuzo iphenduliwe" in page.locator("main").inner_text()
    submit.click()
    page.get_by_text("Ezinye izimpendulo zidinga ukunakwa; zimakiwe ngezansi.").first.wait_for()
    assert page.get_by_text("Lo mbuzo udinga impendulo.").count() > 0
    assert page.get_by_text("This question needs an answer.").count() == 0
    screenshot(page, "language-capture-isizulu-360")
    no_problems(page, problems)

    # Signed out, the sign-in page stays in isiZulu (the cookie).
    page.get_by_role("button", name="Phuma").click()
    page.get_by_role("button", name="Ngena").wait_for()
    assert page.locator("html").get_attribute("lang") == "zu"
    page.get_by_label("Igama lokungena").fill("tumi")
    page.get_by_label("Iphasiwedi").fill(PASSWORD)
    page.get_by_role("button", name="Ngena").click()
    page.get_by_role("heading", name="Umsebenzi wakho wanamuhla").wait_for()
    context.close()

    # Another phone, with no cookie and a browser in English: isiZulu after sign-in.
    context, page, problems = phone(browser)
    sign_in(page, live_server.url, "tumi")
    page.get_by_role("heading", name="Umsebenzi wakho wanamuhla").wait_for()
    assert page.locator("html").get_attribute("lang") == "zu"
    no_problems(page, problems)

    # And back to English with the same switch.
    page.locator("details.language summary").click()
    page.locator("details.language").get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Your work today").wait_for()
    assert Staff.objects.get(user=people["tumi"]).language == "en"
    context.close()
