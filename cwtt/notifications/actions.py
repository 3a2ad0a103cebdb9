"""Telling people things: in the app always, and by e-mail through Django's configured backend
(the console in the demo). Messages that leave the app never carry a child's name: they say
what happened and link back, so the details stay behind the sign-in."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail

from .models import Notification


def notify(user, subject: str, body: str = "", link: str = "") -> Notification:
    note = Notification.objects.create(user=user, subject=subject, body=body, link=link)
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
