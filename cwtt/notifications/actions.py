"""Telling people things: in the app always, and by e-mail through Django's configured backend
(the console in the demo). Messages that leave the app never carry a child's name: they say
what happened and link back, so the details stay behind the sign-in."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from .models import Notification
from .sms import send_sms


def _phone_of(user) -> str:
    from cwtt.access.policy import staff_of

    staff = staff_of(user)
    return staff.phone if staff is not None else ""


def notify(
    user, subject: str, body: str = "", link: str = "", *, sms: bool = False
) -> Notification:
    """Tell a person something: always in the app; by e-mail when they have an address; by SMS
    too when `sms` (for what cannot wait) and their staff record has a phone number."""
    note = Notification.objects.create(user=user, subject=subject, body=body, link=link)
    phone = _phone_of(user) if sms else ""
    if phone:
        send_sms(phone, f"CWTT: {subject}. Sign in to see more.")
    if user.email:
        send_mail(
            subject=f"CWTT: {subject}",
            message=f"{body}\n\nSign in to CWTT to see more.".strip(),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[user.email],
            fail_silently=True,  # the in-app notification is the record; mail is a courtesy
        )
    return note


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
