"""The sender's referral tasks for their worklist (cwtt/worklists/tasks.py SOURCES): drafts to
send, referrals waiting for the provider (by their deadline), and answered ones to close."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone

from .models import OPEN_STATES, Referral, Status

NEXT_WORDS = {
    Status.DRAFT: "send it",
    Status.SENT: "waiting for the provider to answer",
    Status.ACKNOWLEDGED: "waiting for the provider to accept",
    Status.ACCEPTED: "waiting for the service to be given",
    Status.DELIVERED: "delivered: read the feedback and close it",
    Status.DECLINED: "declined: find another provider and close it",
}


def referral_tasks(staff, today: dt.date) -> Iterable:
    from cwtt.worklists.tasks import Task

    referrals = (
        Referral.objects.filter(
            created_by=staff.user,
            status__in=[*OPEN_STATES, Status.DELIVERED, Status.DECLINED],
        )
        .select_related("service_type")
        .order_by("due_by")
    )
    for referral in referrals:
        yield Task(
            kind="Referral",
            text=f"Referral {referral.pk} to {referral.service_type}: "
            f"{NEXT_WORDS[referral.status]}",
            due_on=timezone.localtime(referral.due_by).date() if referral.is_open else None,
            link=reverse("referral", args=[referral.pk]),
        )
