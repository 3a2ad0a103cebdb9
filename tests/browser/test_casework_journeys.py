"""Casework journeys in a real browser (issue #4, "Done means"): a coordinator runs a team
meeting from its generated agenda; a social worker refers a hungry child to food support, the
provider confirms delivery through the feedback link without an account, and the sender, the
referral and the child's page show the outcome."""

import datetime as dt

import pytest
from django.utils import timezone

from cwtt.meetings.models import ActionItem, AgendaItem, Meeting
from cwtt.notifications.models import Notification
from cwtt.referrals.models import Referral
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import Provider, ServiceType

from .conftest import (
    DESKTOP,
    PHONE,
    caregiver_says_hungry,
    current_code,
    menu,
    open_school,
    sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in_with_code(page, base, username, user):
    """A social worker's first sign-in: password, then setting up the authenticator code."""
    sign_in(page, base, username)
    page.get_by_role("heading", name="Set up your code").wait_for()
    page.get_by_label("6-digit code").fill(current_code(user))
    page.get_by_role("button", name="Finish setting up").click()
    open_school(page)


def a_hungry_child(child, wave):
    """Fewer than two meals and hungry at night: nutrition high, so overall high."""
    return caregiver_says_hungry(child, wave)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_coordinator_runs_a_meeting_from_its_generated_agenda(
    browser, live_server, people, child, wave, screenshot, viewport
):
    a_hungry_child(child, wave)
    today = timezone.localdate()
    width = viewport["width"]
    page = browser.new_page(viewport=viewport)
    sign_in(page, live_server.url, "cora")
    open_school(page)
    page.get_by_role("link", name="Team meetings").click()
    page.get_by_role("heading", name="Team meetings").wait_for()
    page.get_by_label("Date").fill(today.isoformat())
    page.get_by_label("Kind of meeting").select_option(label="School Based Support Team meeting")
    page.get_by_role("button", name="Plan the meeting").click()
    page.get_by_text("Meeting planned; its agenda has been drawn up.").wait_for()
    page.get_by_role("heading", name="School Based Support Team meeting").wait_for()

    # The generated agenda lists the hungry child, newly at high risk in nutrition.
    item = page.locator("section.agenda-item").filter(has_text="Lwazi Mokoena")
    assert item.get_by_text("Newly at high risk").is_visible()
    topic = item.get_by_role("link", name="Lwazi Mokoena (2A): high risk in Food and nutrition")
    assert topic.is_visible()
    screenshot(page, f"casework-meeting-agenda-{width}")

    # Who came: a colleague with an account, and the NGO's volunteer without one.
    page.get_by_text("Add who came").click()
    page.get_by_label("Colleague").select_option(label="Sam — Social worker or case worker")
    page.get_by_role("button", name="Add to the list").click()
    page.get_by_label("Name (no account)").fill("Thandi Dlamini")
    page.get_by_label("Sector (no account)").select_option(label="Non-governmental organisation")
    page.get_by_role("button", name="Add to the list").click()
    who_came = page.get_by_role("region", name="Who came")
    assert who_came.get_by_role("listitem").filter(has_text="Sam").is_visible()
    assert who_came.get_by_role("listitem").filter(has_text="Thandi Dlamini").is_visible()

    item.get_by_label("Decision").fill("Refer the family to food support this week.")
    item.get_by_role("button", name="Save decision").click()
    # Saved in place: only this item's card comes back, and says so.
    item = page.locator("section.agenda-item").filter(has_text="Lwazi Mokoena")
    item.get_by_text("Decision saved.").wait_for()
    assert item.get_by_label("Decision").input_value() == (
        "Refer the family to food support this week."
    )

    item.get_by_text("Add an action for this item").click()
    item.get_by_label("What is to be done").fill("Refer Lwazi to a food parcel programme")
    item.get_by_label("Who", exact=True).select_option(label="Sam")
    item.get_by_label("Due").fill((today + dt.timedelta(days=7)).isoformat())
    item.get_by_role("button", name="Add action").click()
    actions = page.get_by_role("table").filter(has_text="Refer Lwazi to a food parcel programme")
    row = actions.get_by_role("row").filter(has_text="Refer Lwazi to a food parcel programme")
    assert row.get_by_role("cell", name="Sam", exact=True).is_visible()

    page.get_by_role("button", name="Mark the meeting as held").click()
    page.get_by_text("Marked as held. The minutes are ready to download.").wait_for()
    assert page.get_by_text("Held").first.is_visible()
    screenshot(page, f"casework-meeting-held-{width}")

    href = page.get_by_role("link", name="Minutes (PDF)").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    meeting = Meeting.objects.get()
    assert meeting.status == Meeting.Status.HELD and meeting.held_on == today
    agenda = AgendaItem.objects.get(meeting=meeting, child=child)
    assert agenda.decision == "Refer the family to food support this week."
    action = ActionItem.objects.get(meeting=meeting)
    assert action.owner.user == people["sam"] and action.item == agenda
    page.close()


def test_a_social_worker_refers_a_hungry_child_and_the_provider_confirms_delivery(
    browser, live_server, people, child, wave, district, screenshot
):
    ensure_service_types(ServiceType)  # a transactional test flushes the migrated rows
    kitchen = Provider.objects.create(
        name="Ikhaya Soup Kitchen",
        sector="ngo",
        address="3 Church Street",
        phone="011 555 0101",
    )
    kitchen.service_types.add(ServiceType.objects.get(code="food_support"))
    kitchen.catchment.add(district["circuit"])
    a_hungry_child(child, wave)
    sam = people["sam"]

    page = browser.new_page(viewport=PHONE)
    sign_in_with_code(page, live_server.url, "sam", sam)
    page.goto(f"{live_server.url}/children/{child.pk}/")
    page.get_by_role("heading", name="Lwazi Mokoena").wait_for()
    page.get_by_role("link", name="Make a referral").click()
    page.get_by_role("heading", name="Refer Lwazi Mokoena to a service").wait_for()
    screenshot(page, "casework-referral-proposals-360")

    # Food support is proposed from the risk profile.
    proposal = page.get_by_role("row").filter(has_text="Food support")
    assert proposal.get_by_text("The family needs food support").first.is_visible()
    proposal.get_by_role("link", name="Refer").first.click()
    page.get_by_label("Provider from the directory").select_option(
        label="Ikhaya Soup Kitchen — 3 Church Street"
    )
    screenshot(page, "casework-referral-provider-360")
    page.get_by_role("button", name="Save the referral").click()
    page.get_by_text("The referral is saved as a draft. Send it when ready.").wait_for()
    page.get_by_role("heading", name="Referral to Food support").wait_for()

    page.get_by_role("button", name="Send to the provider").click()
    page.get_by_text("The referral is now: Sent.").wait_for()
    link_box = page.get_by_role("status").filter(has_text="The provider's feedback link")
    feedback_url = link_box.get_by_role("link").get_attribute("href")
    assert "/referral-feedback/" in feedback_url
    assert page.get_by_role("button", name="Download the referral letter (PDF)").is_visible()
    screenshot(page, "casework-referral-sent-360")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the referral letter (PDF)").click()
    with open(download.value.path(), "rb") as letter:
        assert letter.read(4) == b"%PDF"
    referral = Referral.objects.get()
    assert referral.status == "sent" and referral.provider == kitchen

    # The provider, with no account, answers through the link.
    provider_context = browser.new_context(viewport=PHONE)
    provider = provider_context.new_page()
    provider.goto(feedback_url)
    provider.get_by_role("heading", name="Referral: Food support").wait_for()
    assert provider.get_by_text("For Lwazi M.").is_visible()
    assert "Mokoena" not in provider.content()
    screenshot(provider, "casework-provider-link-360")
    delivered_on = timezone.localdate()
    provider.get_by_role("radio", name="The service was given").check()
    provider.get_by_label("If the service was given: on what date").fill(delivered_on.isoformat())
    provider.get_by_label("What was done, and the result").fill(
        "Food parcel for the household of four; the family joined the soup kitchen list."
    )
    provider.get_by_label("Anything the referring person should know (optional)").fill(
        "Mother will collect a parcel every second Friday."
    )
    provider.get_by_role("button", name="Send the answer").click()
    provider.get_by_text("Thank you. Recorded: The service was given.").wait_for()
    screenshot(provider, "casework-provider-confirmed-360")
    provider.goto(feedback_url)  # the link served its purpose
    provider.get_by_text("This referral has already been answered").wait_for()
    provider_context.close()

    # Back as the social worker: the referral shows the outcome and the feedback.
    page.reload()
    assert page.locator(".badge", has_text="Service delivered").is_visible()
    assert page.get_by_text("Food parcel for the household of four").is_visible()
    assert page.get_by_text("Mother will collect a parcel every second Friday.").is_visible()
    screenshot(page, "casework-referral-delivered-360")

    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("heading", name="Notifications", exact=True).wait_for()
    delivered = f"Referral {referral.pk} to Food support (food parcels, soup kitchen, garden)"
    assert page.get_by_role("heading", name=f"{delivered}: service delivered").is_visible()
    assert Notification.objects.filter(user=sam, subject__endswith="service delivered").exists()
    screenshot(page, "casework-notifications-360")

    menu(page, "Referrals")
    page.get_by_role("heading", name="My referrals").wait_for()
    assert (
        page.get_by_role("row")
        .filter(has_text="Lwazi Mokoena")
        .filter(has_text="Service delivered")
        .is_visible()
    )

    # The child's page shows the referral and its outcome.
    page.goto(f"{live_server.url}/children/{child.pk}/")
    page.get_by_role("heading", name="Lwazi Mokoena").wait_for()
    on_child = page.get_by_role("region", name="Referrals")
    entry = on_child.get_by_role("listitem").filter(has_text="Ikhaya Soup Kitchen")
    assert "service delivered" in entry.inner_text()
    assert "Food parcel for the household of four" in entry.inner_text()
    on_child.scroll_into_view_if_needed()
    screenshot(page, "casework-child-after-delivery-360")
    page.locator(".page-links").get_by_role("link", name="Referrals").click()
    page.get_by_role("heading", name="Referrals for Lwazi Mokoena").wait_for()
    assert (
        page.get_by_role("row")
        .filter(has_text="Ikhaya Soup Kitchen")
        .filter(has_text="Service delivered")
        .is_visible()
    )
    page.close()

    # The coordinator's school page counts the delivered referral in its funnel.
    coordinator = browser.new_page(viewport=PHONE)
    sign_in(coordinator, live_server.url, "cora")
    open_school(coordinator)
    casework = coordinator.get_by_role("region", name="Cases and referrals")
    funnel = casework.get_by_text("Referrals in the past year").inner_text()
    assert "1 sent → 1 accepted → 1 delivered" in funnel
    screenshot(coordinator, "casework-school-after-delivery-360")
    coordinator.close()
