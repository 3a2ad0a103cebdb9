"""Overdue referrals for a school team's meeting agenda (cwtt/meetings/agenda.py SOURCES)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone

from .actions import overdue_referrals as overdue_queryset


def overdue_referrals(school, since: dt.datetime) -> Iterable:
    """Every referral of the school's children that is overdue now (however long ago it fell
    due: it stays on the agenda until the service reaches the child). A protection service is
    named only as "a referral": attendees come from several sectors."""
    from cwtt.meetings.agenda import Kind, Topic

    overdue = (
        overdue_queryset(timezone.now())
        .filter(child__school=school)
        .select_related("child", "child__school_class", "service_type")
        .order_by("due_by")
    )
    for referral in overdue:
        child = referral.child
        klass = f" ({child.school_class.name})" if child.school_class else ""
        what = (
            "a referral"
            if referral.service_type.domain == "protection"
            else f"the referral to {referral.service_type.label.lower()}"
        )
        yield Topic(
            Kind.OVERDUE_REFERRAL,
            f"{child.full_name}{klass}: {what} was due on "
            f"{timezone.localtime(referral.due_by):%d %B} and is {referral.get_status_display().lower()}",
            child.pk,
            reverse("referral", args=[referral.pk]),
        )
