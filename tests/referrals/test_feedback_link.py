"""The provider's single-purpose, expiring link: valid, expired, reused after a final answer,
wrong token; the page shows only the service, a first name and initial, and the date; every
use of a working link is audited (issue #4, item 7). A link that no longer works shows a plain
page with no part of the child's name, and its views are not audited: anyone holding an old
letter could otherwise fill the child's audit trail (issue #10, hole 9)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cwtt.access.models import AuditEntry
from cwtt.notifications.models import Notification
from cwtt.referrals.actions import (
    ReferralRefused,
    feedback_link_issue,
    referral_create,
    referral_move,
    token_hash,
)
from cwtt.referrals.models import FeedbackLink, Referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(child, people, providers):
    child.sa_id_number = "1803145800086"
    child.save()
    referral = referral_create(
        child=child,
        service_type=providers["soup"].service_types.get(),
        by=people["sam"],
        urgency="high",
        reason="The child goes hungry",
        provider=providers["soup"],
    )
    return referral_move(referral, "sent", people["sam"])


@pytest.fixture
def link(sent, people):
    return feedback_link_issue(referral=sent, by=people["sam"])


def url(token):
    return reverse("referral_feedback", args=[token])


def test_only_a_hash_of_the_token_is_stored_and_the_link_expires_in_14_days(link):
    row, token = link
    assert row.token_hash == token_hash(token) and token not in row.token_hash
    assert len(token) >= 40
    assert FeedbackLink.objects.filter(token_hash=token).count() == 0
    assert (
        dt.timedelta(days=13, hours=23) < row.expires_at - row.created_at <= dt.timedelta(days=14)
    )


def test_the_link_lifetime_is_configurable(sent, people, settings):
    settings.CWTT_FEEDBACK_LINK_DAYS = 3
    row, _token = feedback_link_issue(referral=sent, by=people["sam"])
    assert row.expires_at - row.created_at == dt.timedelta(days=3)


def test_a_draft_has_no_feedback_link(child, people, providers):
    draft = referral_create(
        child=child,
        service_type=providers["soup"].service_types.get(),
        by=people["sam"],
        urgency="high",
        reason="x",
        provider=providers["soup"],
    )
    with pytest.raises(ReferralRefused, match="Send the referral first"):
        feedback_link_issue(referral=draft)


def test_the_page_shows_only_the_service_a_first_name_and_initial_and_the_date(client, link, sent):
    _row, token = link
    page = client.get(url(token))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Food support" in text and "Lwazi M." in text
    assert timezone.localtime(sent.sent_at).strftime("%-d %B %Y") in text
    for secret in (
        "Mokoena",
        "1803145800086",
        "12 Test Street",
        "2018",
        "Sunrise Primary",
        "hungry",
        "Grace",
    ):
        assert secret not in text, secret


def test_a_provider_confirms_delivery_in_one_visit_and_the_sender_is_told(
    client, link, sent, people
):
    _row, token = link
    page = client.post(
        url(token),
        {
            "answer": "delivered",
            "delivered_on": "2026-03-01",
            "outcome": "Food parcel given",
            "feedback": "Monthly parcels from now on",
        },
    )
    assert page.status_code == 200 and "Thank you" in page.content.decode()
    referral = Referral.objects.get(pk=sent.pk)
    assert referral.status == "delivered" and referral.outcome == "Food parcel given"
    events = list(referral.events.values_list("to_status", "by_name"))
    assert events[-3:] == [
        ("acknowledged", "provider link"),
        ("accepted", "provider link"),
        ("delivered", "provider link"),
    ]
    assert Notification.objects.filter(user=people["sam"]).count() == 1  # one answer, one message
    changes = AuditEntry.objects.filter(
        object_type="referral", action="change", actor_name="provider link"
    )
    assert changes.count() == 3 and all(e.actor is None for e in changes)
    assert AuditEntry.objects.filter(actor_name="provider link", action="view").exists()


def test_a_provider_may_answer_in_steps_until_the_final_answer(client, link, sent):
    _row, token = link
    client.post(url(token), {"answer": "acknowledged"})
    assert Referral.objects.get(pk=sent.pk).status == "acknowledged"
    page = client.get(url(token)).content.decode()
    assert "We have received the referral" not in page  # no longer a choice
    client.post(url(token), {"answer": "declined", "reason": "No capacity this month"})
    referral = Referral.objects.get(pk=sent.pk)
    assert referral.status == "declined" and referral.decline_reason == "No capacity this month"


def test_declining_without_a_reason_records_nothing(client, link, sent):
    _row, token = link
    page = client.post(url(token), {"answer": "declined"})
    assert "Nothing was recorded" in page.content.decode()
    assert Referral.objects.get(pk=sent.pk).status == "sent"


def test_the_link_cannot_be_reused_after_a_final_answer(client, link, sent):
    row, token = link
    client.post(url(token), {"answer": "declined", "reason": "Not our area"})
    row.refresh_from_db()
    assert row.used_at is not None
    again = client.get(url(token))
    assert again.status_code == 410
    assert "already been answered" in again.content.decode()
    assert "Lwazi" not in again.content.decode() and "Food support" not in again.content.decode()
    audited = AuditEntry.objects.count()
    posted = client.post(
        url(token), {"answer": "delivered", "delivered_on": "2026-03-01", "outcome": "x"}
    )
    assert posted.status_code == 410
    assert Referral.objects.get(pk=sent.pk).status == "declined"
    assert AuditEntry.objects.count() == audited


def test_an_expired_link_says_so_plainly_and_records_nothing(client, clock, link, sent):
    _row, token = link
    clock.shift(dt.timedelta(days=15))
    audited = AuditEntry.objects.count()
    page = client.post(url(token), {"answer": "acknowledged"})
    assert page.status_code == 410 and "This link has expired" in page.content.decode()
    assert Referral.objects.get(pk=sent.pk).status == "sent"
    for _ in range(3):  # however often it is opened
        assert client.get(url(token)).status_code == 410
    assert AuditEntry.objects.count() == audited


def test_an_expired_link_shows_no_part_of_the_childs_name(client, clock, link, sent):
    _row, token = link
    clock.shift(dt.timedelta(days=15))
    text = client.get(url(token)).content.decode()
    assert "This link has expired" in text
    for part in ("Lwazi", "Mokoena", "M.", "Food support"):
        assert part not in text, part


def test_the_providers_page_is_never_kept_by_the_browser(client, link):
    _row, token = link
    page = client.get(url(token))
    assert page.status_code == 200
    assert {"no-store", "private"} <= set(page["Cache-Control"].replace(" ", "").split(","))


def test_a_wrong_token_is_not_found_with_no_detail(client, link):
    page = client.get(url("not-a-real-token-" + "x" * 30))
    assert page.status_code == 404
    assert "Food support" not in page.content.decode()
    assert "Lwazi" not in page.content.decode()


def test_a_cancelled_referral_needs_no_answer(client, link, sent, people):
    _row, token = link
    referral_move(sent, "cancelled", people["sam"], reason="Family moved")
    assert client.get(url(token)).status_code == 410
