"""A real headless Chromium (Debian's package; no browser download) driven by Playwright.

Screenshots are written to test-artifacts/screenshots/ so a person can look at the pages.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from ..conftest import NOW  # noqa: TID252 - the controlled clock

# Playwright's sync API runs an event loop in this thread; the Django ORM calls our tests make
# around it are ordinary synchronous calls, so Django's async guard does not apply.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CWTT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium was not found at {CHROMIUM}; scripts/test installs Debian's 'chromium' "
            "package (or set CWTT_CHROMIUM)."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield OnTheTestClock(browser)
        browser.close()


class OnTheTestClock:
    """Chromium whose pages keep the tests' clock (tests/conftest.py `NOW`, ticking), as the
    server does: a date a page fills in itself, such as today's interview date, or the age of
    the class lists kept on the phone, then agrees with the server's on any real day."""

    def __init__(self, browser):
        self._browser = browser

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        context.clock.install(time=NOW)
        return context

    def new_page(self, **options):
        page = self._browser.new_page(**options)
        page.context.clock.install(time=NOW)
        return page

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        # caret="initial": hiding the caret leaves an empty style attribute on the page's
        # inputs, which htmx then copies when it swaps a form in, and the page's
        # Content-Security-Policy refuses (an error in the console that is not the app's).
        page.screenshot(path=str(path), full_page=True, caret="initial")
        return path

    return take


# --- helpers for the journeys ---------------------------------------------------------------


def sign_in(page, base, username):
    """The sign-in form, as a person fills it in (password only)."""
    from ..conftest import PASSWORD  # noqa: TID252 - shared test constant

    page.goto(f"{base}/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def current_code(user) -> str:
    """The code the user's authenticator app shows now."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cwtt.access.two_factor import code_now

    return code_now(TOTPDevice.objects.get(user=user))


def sign_in_fully(page, base, user):
    """Sign in, with the code from the authenticator app for the roles that need one."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cwtt.access.two_factor import needs_second_factor

    if not needs_second_factor(user):
        sign_in(page, base, user.username)
        return
    TOTPDevice.objects.get_or_create(user=user, name="phone", defaults={"confirmed": True})
    sign_in(page, base, user.username)
    page.get_by_label("6-digit code").fill(current_code(user))
    page.get_by_role("button", name="Continue").click()


def get_ready(page, base, user="fiona", timeout=30000):
    """Sign in and open offline work, then put the class lists on the phone ("Get ready")."""
    from ..conftest import PASSWORD  # noqa: TID252 - shared test constant

    if isinstance(user, str):
        sign_in(page, base, user)
    else:
        sign_in_fully(page, base, user)
    page.get_by_role("link", name="Open offline work").click()
    page.get_by_label("Your password (the one you sign in with)").fill(PASSWORD)
    page.get_by_role("button", name="Get ready").click()
    ready = page.get_by_text("Ready. The class lists are on this phone.")
    refused = page.locator("#setup-error").filter(has_text=re.compile(r"\S"))
    ready.or_(refused).first.wait_for(timeout=timeout)
    assert not refused.count(), f"Get ready failed: {refused.inner_text()}"
    # The offline helper controls the page and has kept the offline page for later.
    if wait_until_controlled(page, timeout):  # reloaded: the store is locked again
        page.get_by_label("Your password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Open").click()
        page.get_by_role("heading", name="Offline work").wait_for(timeout=timeout)
    page.wait_for_function("() => caches.match('/offline/').then(Boolean)", timeout=timeout * 2)


def wait_until_controlled(page, timeout=30000) -> bool:
    """Until the offline helper (service worker) controls the page. Asked from here rather than
    by polling inside the page, whose timers run on the tests' installed clock. If it has not
    taken the page over after a while, the page is reloaded once, as a person would: a page
    opened while the helper was still installing is taken over on its next load. Says whether
    it reloaded."""
    import time

    controlled = "() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)"
    deadline = time.monotonic() + 2 * timeout / 1000
    reloaded = False
    while not page.evaluate(controlled):
        if not reloaded and time.monotonic() > deadline - timeout / 1000:
            page.reload()
            reloaded = True
        assert time.monotonic() < deadline, "The offline helper never took control of the page"
        time.sleep(0.25)
    return reloaded


def go_offline_and_reopen(context, page, timeout=30000):
    """Cut the network, reload the offline page and open the encrypted store."""
    from ..conftest import PASSWORD  # noqa: TID252 - shared test constant

    context.set_offline(True)
    assert page.evaluate("navigator.onLine") is False
    # With no network, the service worker answers from its cache.
    page.goto(page.url.split("#")[0])
    page.get_by_role("heading", name="Open your offline work").wait_for()
    page.get_by_label("Your password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Open").click()
    page.get_by_role("heading", name="Offline work").wait_for(timeout=timeout)
    assert page.get_by_text("No signal: you can keep working").is_visible()


def open_school(page, name="Sunrise Primary"):
    """From the home page (the person's work first), open one of their schools."""
    page.get_by_role("heading", name="Your work today").wait_for()
    page.locator("a.card", has_text=name).click()
    page.get_by_role("heading", name=name, exact=True).wait_for()


def menu(page, name):
    """Follow a link of the main menu: a row of links on a wide screen, a Menu button on a
    phone."""
    button = page.locator("details.menu summary")
    if button.is_visible():
        button.click()
        page.locator("details.menu nav").get_by_role("link", name=name, exact=True).click()
    else:
        page.locator("nav.primary").get_by_role("link", name=name, exact=True).click()


# --- answers the journeys start from ---------------------------------------------------------

ASSESSED_ON = "2026-03-02"


def caregiver_says_hungry(child, wave):
    """Fewer than two meals and hungry at night: nutrition high, so overall high."""
    import datetime as dt

    from cwtt.assessments.actions import assessment_save

    return assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes"},
        assessed_on=dt.date.fromisoformat(ASSESSED_ON),
    )


def teacher_concerned_about_abuse(child, wave):
    """The teacher is concerned about abuse: a protection detail only some roles may read."""
    import datetime as dt

    from cwtt.assessments.actions import assessment_save

    return assessment_save(
        child=child,
        wave=wave,
        respondent="teacher",
        answers={"tc_abuse": "yes", "tc_absent": 2},
        assessed_on=dt.date.fromisoformat(ASSESSED_ON),
    )
