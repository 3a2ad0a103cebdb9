"""Notifications: in the app always, by e-mail when there is an address, by text message for
what cannot wait; never a child's name outside the app."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from cwtt.jobs.worker import run_queued
from cwtt.notifications.actions import notify, unread_count
from cwtt.notifications.models import Notification
from cwtt.notifications.sms import ConsoleSMSBackend, MemorySMSBackend

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db


@pytest.fixture
def outbox(settings):
    settings.CWTT_SMS_BACKEND = "cwtt.notifications.sms.MemorySMSBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MemorySMSBackend.outbox.clear()
    yield MemorySMSBackend.outbox
    MemorySMSBackend.outbox.clear()


def test_a_notification_is_kept_in_the_app_and_mailed_when_there_is_an_address(
    people, outbox, django_capture_on_commit_callbacks
):
    cora = people["cora"]
    cora.email = "cora@example.org"
    cora.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(
            cora, "A referral was accepted", "The clinic accepted a referral.", "/notifications/"
        )
    run_queued()  # the worker sends it (tests/notifications/test_delivery.py)
    assert Notification.objects.get(user=cora).subject == "A referral was accepted"
    assert mail.outbox[0].to == ["cora@example.org"]
    assert mail.outbox[0].subject == "CWTT: A referral was accepted"
    assert outbox == []  # no text message unless asked for


def test_an_urgent_notification_is_also_sent_by_text_message(
    people, outbox, django_capture_on_commit_callbacks
):
    sam = people["sam"].staff
    sam.phone = "+27 82 555 0100"
    sam.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(people["sam"], "Emergency access opened", sms=True)
        notify(people["tumi"], "No phone on record", sms=True)  # nothing to send to
    run_queued()
    assert outbox == [("+27 82 555 0100", "CWTT: Emergency access opened. Sign in to see more.")]
    assert len(outbox) == 1


def test_the_console_backend_prints_the_message():
    import io

    stream = io.StringIO()
    ConsoleSMSBackend(stream).send("+27 82 555 0100", "CWTT: hello")
    assert stream.getvalue() == "SMS to +27 82 555 0100: CWTT: hello\n"


def test_the_inbox_shows_only_ones_own_notifications_and_marks_them_read(client, people):
    notify(people["cora"], "For Cora")
    notify(people["tumi"], "For Tumi")
    assert unread_count(people["cora"]) == 1
    sign_in(client, people["cora"])
    page = client.get(reverse("notifications")).content.decode()
    assert "For Cora" in page and "For Tumi" not in page
    assert unread_count(people["cora"]) == 0
    assert unread_count(people["tumi"]) == 1


def test_the_header_counts_unread_notifications(client, people):
    notify(people["cora"], "One")
    notify(people["cora"], "Two")
    sign_in(client, people["cora"])
    page = client.get(reverse("home"), follow=True).content.decode()
    assert re.search(
        r'<span class="count">2<span class="visually-hidden"> unread</span></span>', page
    )
