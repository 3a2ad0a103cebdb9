"""A teacher who forgot her password gets back in on her phone: she asks for a link, opens it
from the e-mail (the test reads the outbox), chooses a new password and signs in. No console
errors on the way. Screenshots go to test-artifacts/screenshots/."""

import re

import pytest
from django.core import mail

from cwtt.jobs.worker import run_queued

from .conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "kettle-Horizon-1997-apple"


def test_a_teacher_resets_her_forgotten_password_from_the_mailed_link(
    browser, live_server, people, settings, screenshot
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tumi = people["tumi"]
    tumi.email = "tumi@example.org"
    tumi.save()
    page = browser.new_page(viewport=PHONE)
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Your e-mail address").fill("tumi@example.org")
    screenshot(page, "password-reset-ask-360")
    page.get_by_role("button", name="Send me a link").click()
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    run_queued()  # the worker sends the mail, after the request committed
    assert [m.to for m in mail.outbox] == [["tumi@example.org"]]
    link = re.search(r"https?://\S+/sign-in/forgotten/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("heading", name="Choose a new password").wait_for()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    screenshot(page, "password-reset-choose-360")
    page.get_by_role("button", name="Save my new password").click()
    page.get_by_text("Your new password is saved").wait_for()

    page.get_by_label("Username").fill("tumi")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")  # her home page, signed in
    assert page.get_by_role("button", name="Sign out").count() >= 1
    screenshot(page, "password-reset-signed-in-360")
    assert problems == []
    page.context.close()
