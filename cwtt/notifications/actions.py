"""Telling people things: in the app always, and by e-mail and text message through the task
queue once the action has committed (cwtt/notifications/tasks.py). Messages that leave the app
never carry a child's name: they say what happened and link back, so the details stay behind the
sign-in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone

from .models import Delivery, Notification
from .tasks import deliver


def _phone_of(user) -> str:
    from cwtt.access.policy import staff_of

    staff = staff_of(user)
    return staff.phone if staff is not None else ""


def notify(
    user, subject: str, body: str = "", link: str = "", *, sms: bool = False
) -> Notification:
    """Tell a person something: always in the app; by e-mail when they have an address; by SMS
    too when `sms` (for what cannot wait) and their staff record has a phone number.

    The notification is written in the caller's transaction, so it exists exactly when the action
    does. The e-mail and text message are queued only after that transaction commits: a mail
    server or SMS gateway that fails never rolls the action back."""
    note = Notification.objects.create(user=user, subject=subject, body=body, link=link)
    channels = []
    if sms and _phone_of(user):
        channels.append(Delivery.Channel.SMS)
    if user.email:
        channels.append(Delivery.Channel.EMAIL)
    for channel in channels:
        delivery = Delivery.objects.create(notification=note, channel=channel)
        # robust: a queue that cannot be reached is logged, not raised into a committed action.
        transaction.on_commit(partial(deliver.enqueue, delivery.pk), robust=True)
    return note


# Longer than the last retry's pause (tasks.RETRY_DELAYS): a delivery still waiting after this
# lost its place in the queue (the queue could not be reached when the action committed).
STUCK_AFTER = dt.timedelta(minutes=30)


def stuck_deliveries_requeue(now: dt.datetime | None = None) -> int:
    """Queue again every e-mail or text message still waiting long after it was made (the
    worker runs this every 15 minutes). Sending stays safe to repeat: `deliver` leaves a
    delivery already sent alone. Returns how many were queued."""
    since = (now or timezone.now()) - STUCK_AFTER
    stuck = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, created_at__lt=since).values_list(
            "pk", flat=True
        )
    )
    for delivery_id in stuck:
        deliver.enqueue(delivery_id)
    return len(stuck)


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def unread_about(user, links: Iterable[str]) -> dict[str, Notification]:
    """The person's newest unread notification about each of these pages (by link): what is
    "new" on their worklist until they open the page. One query."""
    found: dict[str, Notification] = {}
    for note in Notification.objects.filter(user=user, read_at__isnull=True, link__in=list(links)):
        found.setdefault(note.link, note)  # newest first (Meta.ordering)
    return found


def notifications_read_about(*, user, link: str) -> int:
    """Mark the person's own unread notifications about a page as read, when they open it.
    Only ever their own: the filter is on the signed-in user. Returns how many."""
    if not getattr(user, "is_authenticated", False) or not link:
        return 0
    return Notification.objects.filter(user=user, link=link, read_at__isnull=True).update(
        read_at=timezone.now()
    )
