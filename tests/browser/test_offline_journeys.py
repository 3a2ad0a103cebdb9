"""Offline work in a real browser: capture with no signal, send when it returns, resolve a
conflict. The network is cut with Playwright's offline mode; the page must then open from the
service worker's cache and keep everything in the encrypted store."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, RiskProfile
from tests.conftest import PASSWORD, make_child

from .conftest import DESKTOP, PHONE, get_ready, go_offline_and_reopen, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def changed_at_the_office(child, wave, draft, by):
    """The same draft, changed on a computer while the phone had no signal."""
    assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 2, "cg_hit": "no"},
        assessed_on=dt.date(2026, 3, 5),
        status="draft",
        uuid=draft.uuid,
        assessor=by,
    )


def open_questionnaire(page, child, respondent="Caregiver"):
    page.get_by_role("link", name="2A").click()
    page.locator("li.task", has_text=child.full_name).get_by_role("link", name=respondent).click()
    page.get_by_role("heading", name=f"{respondent} questions for {child.first_name}").wait_for()


def test_three_assessments_captured_with_no_signal_are_sent_when_it_returns(
    browser, live_server, people, sunrise, wave, screenshot
):
    children = [
        make_child(sunrise, first=first, last="Dube") for first in ("Lwazi", "Zanele", "Sipho")
    ]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    get_ready(page, live_server.url)
    go_offline_and_reopen(context, page)
    screenshot(page, "offline-home-360")

    for child in children:
        open_questionnaire(page, child)
        if child is children[0]:
            # An answer outside the instrument's limits is marked at once, and not kept.
            page.get_by_label("Meals yesterday").fill("9")
            page.get_by_label("Meals yesterday").press("Tab")
            assert page.get_by_text("Between 0 and 6 meals").is_visible()
            page.get_by_role("button", name="Finish and send").click()
            assert page.get_by_text("Some answers need attention").is_visible()
        page.get_by_label("Meals yesterday").fill("1")
        page.get_by_role("group", name="Went to bed hungry?").get_by_label("Yes").check()
        if child is children[0]:
            screenshot(page, "offline-capture-360")
        page.get_by_role("button", name="Finish and send").click()
        page.get_by_text("Saved on this phone. It will be sent when there is signal.").wait_for()
        page.get_by_role("link", name="Offline work").first.click()

    # The home view is drawn when the address changes, just after the click: wait for it.
    expect(page.locator("[data-outbox] li")).to_have_count(3)
    assert page.get_by_text("Finished, waiting to be sent").count() == 3
    assert not Assessment.objects.exists()  # nothing reached the server without a network
    # What the phone keeps is locked: no name or answer is readable in its store.
    stored = page.evaluate(
        """new Promise(function (resolve) {
             var req = indexedDB.open('cwtt-offline');
             req.onsuccess = function () {
               var t = req.result.transaction(['records', 'meta']);
               var out = [];
               t.objectStore('records').getAll().onsuccess = function (e) { out.push(e.target.result); };
               t.objectStore('meta').getAll().onsuccess = function (e) { out.push(e.target.result); };
               t.oncomplete = function () { resolve(JSON.stringify(out)); };
             };
           })"""
    )
    assert "Zanele" not in stored and "cg_meals" not in stored and "Dube" not in stored
    screenshot(page, "offline-waiting-360")

    # Meanwhile the coordinator has the school's dashboard open on a laptop.
    office = browser.new_context(viewport=DESKTOP)
    dashboard = office.new_page()
    dashboard.clock.install()
    sign_in(dashboard, live_server.url, "cora")
    dashboard.goto(f"{live_server.url}/schools/{sunrise.pk}/dashboard/")
    activity = dashboard.locator("#activity")
    assert dashboard.get_by_text(
        "No assessments have been scored for this school yet."
    ).is_visible()
    assert "0 assessments in Wave 1 so far" in activity.inner_text()

    context.set_offline(False)  # the signal comes back
    page.get_by_text("3 assessments were sent.").wait_for(timeout=20000)
    assert Assessment.objects.filter(status="submitted", assessor=people["fiona"]).count() == 3
    assert RiskProfile.objects.filter(child__in=children, nutrition="high").count() == 3
    screenshot(page, "offline-sent-360")

    # A minute later the dashboard, still open, shows them without being reloaded.
    dashboard.clock.run_for(61_000)
    dashboard.locator("#activity", has_text="3 assessments in Wave 1 so far").wait_for()
    # The rest of the page follows: the chart of children at high risk is drawn afresh
    # (once htmx settles the new content, a moment later on the page's paused clock).
    dashboard.locator("canvas[data-chart]").first.wait_for()
    dashboard.clock.run_for(1000)
    assert dashboard.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')].every(c => Chart.getChart(c))"
    )
    screenshot(dashboard, "offline-dashboard-after-sync-1280")
    office.close()

    # Online again, the child's page shows the new risk and its reason.
    page.goto(f"{live_server.url}/children/{children[1].pk}/")
    assert page.get_by_text("Fewer than two meals yesterday").first.is_visible()
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_conflict_is_shown_and_the_person_decides(
    browser, live_server, people, child, wave, screenshot, viewport
):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    get_ready(page, live_server.url)
    # A draft started on the phone reaches the server while there is signal.
    open_questionnaire(page, child)
    page.get_by_label("Meals yesterday").fill("3")
    page.get_by_role("button", name="Save on this phone and finish later").click()
    page.get_by_text("1 assessment was sent.").wait_for(timeout=20000)
    draft = Assessment.objects.get()
    assert draft.status == "draft" and draft.answers == {"cg_meals": 3}

    go_offline_and_reopen(context, page)
    # Meanwhile the same draft is changed on a computer at the office.
    changed_at_the_office(child, wave, draft, people["fiona"])
    open_questionnaire(page, child)
    assert page.get_by_label("Meals yesterday").input_value() == "3"  # the phone's draft
    page.get_by_label("Meals yesterday").fill("5")
    page.get_by_role("button", name="Finish and send").click()
    page.get_by_text("It will be sent when there is signal").wait_for()
    page.get_by_role("link", name="Offline work").first.click()

    context.set_offline(False)
    page.get_by_role("alert").filter(has_text="changed somewhere else").wait_for(timeout=20000)
    assert Assessment.objects.get().answers == {"cg_meals": 2, "cg_hit": "no"}  # not overwritten
    page.get_by_role("link", name=f"{child.full_name} — Caregiver").click()
    page.get_by_role(
        "heading", name=f"{child.first_name}'s Caregiver questions were changed somewhere else"
    ).wait_for()
    meals = page.get_by_role("row", name="Meals yesterday")
    assert "5" in meals.inner_text() and "2" in meals.inner_text()
    screenshot(page, f"offline-conflict-{viewport['width']}")
    # Keeping nothing chosen is refused with a message.
    # Whether the child is hit at home is a protection answer a field worker may not read: it
    # is not shown, and the server keeps it.
    assert page.get_by_role("row", name="Is the child hit at home?").count() == 0
    page.get_by_role("button", name="Keep the answers I chose").click()
    assert page.get_by_text("Choose which answer to keep for 1 more question.").is_visible()
    meals.get_by_label("5").check()  # this phone's answer for meals
    page.get_by_role("button", name="Keep the answers I chose").click()
    page.get_by_text("1 assessment was sent.").wait_for(timeout=20000)
    saved = Assessment.objects.get()
    assert saved.status == "submitted" and saved.answers == {"cg_meals": 5, "cg_hit": "no"}
    context.close()


STORED = """new Promise(function (resolve) {
  indexedDB.databases().then(function (dbs) {
    caches.keys().then(function (names) {
      resolve({stores: dbs.map(function (d) { return d.name; }), caches: names});
    });
  });
})"""


def test_signing_out_forgets_the_phones_data_after_warning_about_unsent_work(
    browser, live_server, people, child, wave
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    get_ready(page, live_server.url)
    go_offline_and_reopen(context, page)
    open_questionnaire(page, child)
    page.get_by_label("Meals yesterday").fill("4")
    page.get_by_role("button", name="Save on this phone and finish later").click()
    page.get_by_text("Saved on this phone as a draft").wait_for()
    # Still without signal, so the draft waits in the store.
    before = page.evaluate(STORED)
    assert "cwtt-offline" in before["stores"] and before["caches"]
    warnings = []

    def refuse(dialog):
        warnings.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", refuse)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_timeout(500)
    assert "not been sent yet" in warnings[0]
    assert "cwtt-offline" in page.evaluate(STORED)["stores"]  # refusing keeps everything

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("Everything kept on this phone has been deleted").wait_for()
    after = page.evaluate(STORED)
    assert "cwtt-offline" not in after["stores"] and after["caches"] == []

    # Back online, signing out from a fresh page also reaches the server.
    context.set_offline(False)
    page.goto(f"{live_server.url}/")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username").wait_for()
    context.close()


def test_the_app_can_be_installed_on_a_phone(browser, live_server, people, child, wave):
    """Chromium's own check: a manifest with a name, icons and a start page, and a service
    worker that answers requests."""
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server.url, "fiona")
    page.get_by_role("heading", name="Your work today").wait_for()
    # The offline helper is registered on every page; once it is active, a fresh load of the
    # page is answered through it.
    assert page.evaluate("() => navigator.serviceWorker.ready.then(r => Boolean(r.active))")
    page.reload()
    assert page.evaluate("() => Boolean(navigator.serviceWorker.controller)")
    cdp = context.new_cdp_session(page)
    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    # Playwright's contexts are incognito windows, where Chromium never offers to install;
    # that is about the test's browser, not the app. Anything else is the app's fault.
    assert [e for e in errors if e["errorId"] != "in-incognito"] == [], errors
    manifest = cdp.send("Page.getAppManifest")
    assert not manifest["errors"], manifest["errors"]
    context.close()


def test_a_sign_in_that_ends_while_the_phone_has_no_signal_loses_no_work(
    browser, live_server, people, sunrise, wave, clock
):
    """The idle time runs out while the field worker has no signal (issue #10, hole 5): the
    page's own check does not keep the sign-in alive, the page says plainly to sign in again,
    and the assessment waits on the phone until she has."""
    child = make_child(sunrise, first="Thandi", last="Dube")
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    get_ready(page, live_server.url)
    go_offline_and_reopen(context, page)
    open_questionnaire(page, child)
    page.get_by_label("Meals yesterday").fill("1")
    page.get_by_role("group", name="Went to bed hungry?").get_by_label("Yes").check()
    page.get_by_role("button", name="Finish and send").click()
    page.get_by_text("Saved on this phone. It will be sent when there is signal.").wait_for()

    clock.shift(dt.timedelta(minutes=40))  # on the server: she has done nothing it could see
    context.set_offline(False)  # the signal comes back
    page.get_by_text("You are online, but your sign-in has ended.").wait_for()
    page.get_by_role("link", name="Offline work").first.click()
    expect(page.get_by_text("Finished, waiting to be sent")).to_have_count(1)
    assert not Assessment.objects.exists()

    page.get_by_role("link", name="Sign in again to send your work.").click()
    page.get_by_label("Username").fill("fiona")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Your password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Open").click()
    page.get_by_text("1 assessment was sent.").wait_for(timeout=20000)
    assert Assessment.objects.filter(child=child, status="submitted").count() == 1
    context.close()
