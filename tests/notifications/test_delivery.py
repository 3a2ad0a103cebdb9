"""E-mails and text messages leave after the action commits, through the task queue, with
retries; a failing gateway never undoes the action."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from cwtt.jobs.worker import run_queued
from cwtt.notifications.actions import notify
from cwtt.notifications.models import Delivery, Notification
from cwtt.notifications.sms import MemorySMSBackend

pytestmark = pytest.mark.django_db


class GatewayDown:
    """An SMS gateway that is down."""

    def send(self, to: str, text: str) -> None:
        raise ConnectionError("SMS gateway did not answer")


@pytest.fixture
def outbox(settings):
    settings.CWTT_SMS_BACKEND = "cwtt.notifications.sms.MemorySMSBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MemorySMSBackend.outbox.clear()
    yield MemorySMSBackend.outbox
    MemorySMSBackend.outbox.clear()


@pytest.fixture
def sam(people):
    people["sam"].email = "sam@example.org"
    people["sam"].save()
    people["sam"].staff.phone = "+27 82 555 0100"
    people["sam"].staff.save()
    return people["sam"]


def test_mail_and_sms_wait_for_the_commit_and_leave_through_the_queue(
    sam, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        notify(sam, "A referral is overdue", "Open it to follow up.", sms=True)
        assert mail.outbox == [] and outbox == []  # nothing leaves inside the transaction
    assert len(callbacks) == 2
    assert not DBTaskResult.objects.exists()
    for callback in callbacks:
        callback()  # the commit
    assert DBTaskResult.objects.count() == 2
    assert mail.outbox == [] and outbox == []  # queued, not sent yet
    assert run_queued().succeeded == 2
    assert mail.outbox[0].subject == "CWTT: A referral is overdue"
    assert outbox == [("+27 82 555 0100", "CWTT: A referral is overdue. Sign in to see more.")]
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert run_queued().succeeded == 0  # nothing is sent twice


def test_a_failing_sms_gateway_never_undoes_the_action_and_is_tried_three_times(
    clock, sam, outbox, settings, django_capture_on_commit_callbacks
):
    settings.CWTT_SMS_BACKEND = f"{__name__}.GatewayDown"
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(sam, "Emergency access opened", sms=True)
    first = run_queued()
    assert (first.succeeded, first.failed) == (1, 1)  # the e-mail went; the SMS did not
    assert Notification.objects.filter(pk=note.pk).exists()  # the in-app notification stays
    assert mail.outbox[0].to == ["sam@example.org"]
    sms = Delivery.objects.get(channel="sms")
    assert (sms.status, sms.attempts) == ("pending", 1)
    assert sms.last_error == "ConnectionError: SMS gateway did not answer"
    failed = DBTaskResult.objects.filter(status="FAILED")
    assert failed.count() == 1  # the task engine records the failure too

    assert run_queued().failed == 0  # the retry waits a minute
    clock.shift(dt.timedelta(minutes=2))
    assert run_queued().failed == 1
    clock.shift(dt.timedelta(minutes=11))
    assert run_queued().failed == 1
    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == ("failed", 3)
    clock.shift(dt.timedelta(hours=1))
    assert run_queued().failed == 0  # given up: no fourth try
    assert Delivery.objects.get(channel="email").status == "sent"


def test_a_failing_sms_after_a_real_action_leaves_the_action_done(
    clock, child, sam, outbox, settings, django_capture_on_commit_callbacks
):
    from cwtt.referrals.actions import overdue_referrals_notify, referral_create
    from cwtt.referrals.models import Referral
    from cwtt.services.catalogue import ensure_service_types
    from cwtt.services.models import Provider, ServiceType

    settings.CWTT_SMS_BACKEND = f"{__name__}.GatewayDown"
    ensure_service_types(ServiceType)
    sbst = Provider.objects.create(name="Sunrise SBST", sector="education")
    sbst.service_types.set(ServiceType.objects.filter(code="educational_assessment"))
    referral = referral_create(
        child=child,
        service_type=sbst.service_types.get(),
        by=sam,
        urgency="urgent",
        reason="Cannot see the board",
        provider=sbst,
        deadline=dt.timedelta(days=1),
    )
    clock.shift(dt.timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert overdue_referrals_notify() == 1
    assert run_queued().failed == 1
    referral.refresh_from_db()
    assert referral.overdue_notified_at is not None  # the action stands
    assert Notification.objects.filter(user=sam, subject__contains="overdue").count() == 1
    assert Referral.objects.filter(pk=referral.pk, status="draft").exists()


def test_a_message_that_lost_its_place_in_the_queue_is_sent_by_the_worker_once(
    sam, outbox, clock, django_capture_on_commit_callbacks
):
    """The queue could not be reached when the action committed (Redis down): the delivery
    waits. Half an hour later the worker's round queues it again, and it is sent once."""
    import io

    from django.core.management import call_command

    with django_capture_on_commit_callbacks():  # the commit's enqueue is lost: never run
        notify(sam, "A referral is overdue", "Open it to follow up.")
    assert Delivery.objects.get().status == "pending" and not DBTaskResult.objects.exists()
    call_command("worker", "--once", stdout=io.StringIO())
    assert mail.outbox == []  # not yet: it may still be on its way
    clock.shift(dt.timedelta(minutes=31))
    call_command("worker", "--once", stdout=io.StringIO())
    assert [m.subject for m in mail.outbox] == ["CWTT: A referral is overdue"]
    assert Delivery.objects.get().status == "sent"
    clock.shift(dt.timedelta(minutes=16))
    call_command("worker", "--once", stdout=io.StringIO())
    assert len(mail.outbox) == 1
