"""Sending e-mails and text messages from the task queue, after the action has committed.

An action writes its rows and the in-app notification in one transaction; the e-mail and the
text message leave afterwards, here. A mail server or SMS gateway that is down therefore never
undoes the action and never holds a lock while it waits: the delivery is tried again later, and
after the last try it is marked failed (the in-app notification is still there).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone
from django_tasks import task

from .models import Delivery
from .sms import send_sms

logger = logging.getLogger(__name__)

# Three tries in all: now, a minute later, ten minutes after that.
RETRY_DELAYS = (dt.timedelta(minutes=1), dt.timedelta(minutes=10))
MAX_TRIES = len(RETRY_DELAYS) + 1


def sms_text(subject: str) -> str:
    return f"CWTT: {subject}. Sign in to see more."


def _send(delivery: Delivery) -> bool:
    """Send one delivery; False when there is no longer anywhere to send it."""
    from cwtt.access.policy import staff_of

    note = delivery.notification
    user = note.user
    if delivery.channel == Delivery.Channel.SMS:
        staff = staff_of(user)
        if staff is None or not staff.phone:
            return False
        send_sms(staff.phone, sms_text(note.subject))
        return True
    if not user.email:
        return False
    send_mail(
        subject=f"CWTT: {note.subject}",
        message=f"{note.body}\n\nSign in to CWTT to see more.".strip(),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
    return True


@task()
def deliver(delivery_id: int) -> str:
    """Send one e-mail or text message. Safe to run twice: a delivery already sent (or given up)
    is left alone. A failure is recorded on the delivery and tried again after a pause, up to
    MAX_TRIES; the error is raised so the task's own result shows it failed."""
    delivery = Delivery.objects.select_related("notification__user").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != Delivery.Status.PENDING:
        return "nothing to send"
    Delivery.objects.filter(pk=delivery.pk).update(attempts=F("attempts") + 1)
    delivery.attempts += 1
    try:
        sent = _send(delivery)
    except Exception as error:
        last = delivery.attempts >= MAX_TRIES
        Delivery.objects.filter(pk=delivery.pk).update(
            last_error=f"{type(error).__name__}: {error}"[:300],
            status=Delivery.Status.FAILED if last else Delivery.Status.PENDING,
        )
        if not last:
            retry_at = timezone.now() + RETRY_DELAYS[delivery.attempts - 1]
            deliver.using(run_after=retry_at).enqueue(delivery.pk)
        logger.warning(
            "%s for notification %s failed (try %s of %s)%s",
            delivery.get_channel_display(),
            delivery.notification_id,
            delivery.attempts,
            MAX_TRIES,
            "; giving up" if last else "; will try again",
        )
        raise
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENT if sent else Delivery.Status.FAILED,
        sent_at=timezone.now() if sent else None,
        last_error="" if sent else "No address to send to any more.",
    )
    return "sent" if sent else "no address"
