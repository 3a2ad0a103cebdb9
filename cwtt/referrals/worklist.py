"""The sender's referral tasks for their worklist (cwtt/worklists/tasks.py SOURCES): drafts to
send, referrals waiting for the provider (by their deadline), and answered ones to close."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import OPEN_STATES, Referral, Status

NEXT_WORDS = {
    Status.DRAFT: gettext_lazy("send it"),
    Status.SENT: gettext_lazy("waiting for the provider to answer"),
    Status.ACKNOWLEDGED: gettext_lazy("waiting for the provider to accept"),
    Status.ACCEPTED: gettext_lazy("waiting for the service to be given"),
    Status.DELIVERED: gettext_lazy("delivered: read the feedback and close it"),
    Status.DECLINED: gettext_lazy("declined: find another provider and close it"),
}


def referral_tasks(staff, today: dt.date) -> Iterable:
    from cwtt.worklists.tasks import Task

    referrals = (
        Referral.objects.filter(
            created_by=staff.user,
            status__in=[*OPEN_STATES, Status.DELIVERED, Status.DECLINED],
        )
        .select_related("service_type", "child")
        .order_by("due_by")
    )
    for referral in referrals:
        yield Task(
            kind=_("Referral"),
            # The sender made the referral, so may read the child's name (a general field).
            text=_("%(child)s, referral to %(service)s: %(next)s")
            % {
                "child": referral.child.full_name,
                "service": referral.service_type,
                "next": NEXT_WORDS[referral.status],
            },
            due_on=timezone.localtime(referral.due_by).date() if referral.is_open else None,
            link=reverse("referral", args=[referral.pk]),
        )
