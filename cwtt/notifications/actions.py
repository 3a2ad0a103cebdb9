"""Telling people things: in the app always, and by e-mail and text message through the task
queue once the action has committed (cwtt/notifications/tasks.py). Messages that leave the app
never carry a child's name: they say what happened and link back, so the details stay behind the
sign-in."""

from __future__ import annotations

from functools import partial

from django.db import transaction

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


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
