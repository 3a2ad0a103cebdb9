"""The data manager's journey in a real browser, on a phone: sign in with the code, add a
person (a mistake is shown next to its field), pass on the set-password link; the new person
opens it and chooses a password. Screenshots go to test-artifacts/screenshots/."""

import pytest
from django.contrib.auth import get_user_model
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import PHONE, current_code, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_data_manager_adds_a_teacher_who_then_chooses_a_password(
    browser, live_server, people, sunrise, screenshot
):
    TOTPDevice.objects.create(user=people["dora"], name="phone", confirmed=True)
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "dora")
    page.get_by_label("6-digit code").fill(current_code(people["dora"]))
    page.get_by_role("button", name="Continue").click()
    page.goto(f"{live_server.url}/administration/")
    page.get_by_role("heading", name="Administration").wait_for()
    screenshot(page, "administration-index-360")

    page.get_by_role("link", name="Add a person").first.click()
    page.get_by_label("First name").fill("Thabo")
    page.get_by_label("Last name").fill("Mokoena")
    page.get_by_label("Username").fill("thabo")
    page.get_by_label("Role").select_option("teacher")
    page.get_by_label("Schools (EMIS numbers)").fill("700999999")
    page.get_by_role("button", name="Make the account").click()
    page.get_by_text("Nothing was saved").wait_for()
    assert page.locator("#id_schools_error").inner_text() == "No school with EMIS number 700999999."
    screenshot(page, "administration-add-person-error-360")
    assert not get_user_model().objects.filter(username="thabo").exists()

    page.get_by_label("Schools (EMIS numbers)").fill(sunrise.emis_number)
    page.get_by_role("button", name="Make the account").click()
    page.get_by_role("heading", name="Send them this link").wait_for()
    screenshot(page, "administration-link-360")
    link = page.locator(".link-once code").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    elsewhere = browser.new_context(viewport=PHONE)  # another phone, not signed in
    newcomer = elsewhere.new_page()
    newcomer.goto(link)
    newcomer.get_by_role("heading", name="Choose your password").wait_for()
    newcomer.get_by_label("New password", exact=True).fill("sunrise-teacher-2027")
    newcomer.get_by_label("New password confirmation").fill("sunrise-teacher-2027")
    newcomer.get_by_role("button", name="Save my password").click()
    newcomer.get_by_text("Your password is set").wait_for()
    newcomer.get_by_label("Username").fill("thabo")
    newcomer.get_by_label("Password").fill("sunrise-teacher-2027")
    newcomer.get_by_role("button", name="Sign in").click()
    newcomer.get_by_role("heading", name="Hello, Thabo").wait_for()

    for name in ("users", "schools", "waves", "instruments"):
        page.goto(f"{live_server.url}/administration/{name}/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
        screenshot(page, f"administration-{name}-360")
    elsewhere.close()
    page.close()


def test_a_data_manager_sees_a_broken_instrument_and_a_broken_school_list_on_a_phone(
    browser, live_server, people, screenshot
):
    from pathlib import Path

    from cwtt.instruments.models import InstrumentVersion
    from cwtt.registry.models import School

    mini = (Path(__file__).resolve().parents[1] / "fixtures" / "mini.md").read_bytes()
    broken = mini.replace(
        b"| food_quantity | high | ${cg_meals} < 2", b"| food_quantity | severe | ${cg_meals} < 2"
    )
    TOTPDevice.objects.create(user=people["dora"], name="phone", confirmed=True)
    page = browser.new_page(viewport=PHONE)
    sign_in(page, live_server.url, "dora")
    page.get_by_label("6-digit code").fill(current_code(people["dora"]))
    page.get_by_role("button", name="Continue").click()

    page.goto(f"{live_server.url}/administration/instruments/upload/")
    page.get_by_label("Instrument file").set_input_files(
        {"name": "mini.md", "mimeType": "text/markdown", "buffer": broken}
    )
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_text("nothing was published").wait_for()
    assert "'severe' is not one of: moderate, high" in page.locator("table.problems").inner_text()
    screenshot(page, "administration-instrument-problems-360")
    page.get_by_label("Instrument file").set_input_files(
        {"name": "mini.md", "mimeType": "text/markdown", "buffer": mini}
    )
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_text("No problems found.").wait_for()
    screenshot(page, "administration-instrument-checked-360")
    page.get_by_role("button", name="Publish this file").click()
    page.get_by_text("Published Mini test instrument version 1").wait_for()
    assert InstrumentVersion.objects.count() == 1

    schools = School.objects.count()
    page.goto(f"{live_server.url}/administration/imports/")
    page.get_by_label("File (.csv or .xlsx)").set_input_files(
        {
            "name": "schools.csv",
            "mimeType": "text/csv",
            "buffer": b"emis_number,name,quintile,province,district,circuit\n"
            b"70033,Valley Primary,3,Gauteng,Test District,Circuit 1\n",
        }
    )
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_text("1 error in 1 row", exact=False).first.wait_for()
    screenshot(page, "administration-schools-import-errors-360")
    assert School.objects.count() == schools
    # A good file: checked, then imported from the copy kept on the server.
    page.get_by_label("File (.csv or .xlsx)").set_input_files(
        {
            "name": "schools.csv",
            "mimeType": "text/csv",
            "buffer": b"emis_number,name,quintile,province,district,circuit\n"
            b"700333333,Valley Primary,3,Gauteng,Test District,Circuit 1\n",
        }
    )
    page.get_by_role("button", name="Check", exact=True).click()
    page.get_by_text("1 would be created").wait_for()
    assert School.objects.count() == schools
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Imported: 1 row checked, 1 created").first.wait_for()
    screenshot(page, "administration-schools-imported-360")
    assert School.objects.count() == schools + 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.close()
