"""Case topics for a school's meeting agenda (cwtt/meetings/agenda.py): reviews that are due
and proposed cases waiting to be confirmed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone

from cwtt.meetings.agenda import Kind, Topic
from cwtt.registry.models import School

from .models import Case
from .reviews import review_due_on, with_review_schedule

S = Case.Status


def reviews_due(school: School, since: dt.datetime) -> Iterable[Topic]:
    today = timezone.localdate()
    cases = with_review_schedule(
        Case.objects.filter(school=school, status__in=[S.IMPLEMENTATION, S.REVIEW])
        .select_related("child", "lead__user")
        .order_by("child__last_name")
    )
    due_soon = []
    for case in cases:
        due = review_due_on(case)
        if due is not None and due <= today + dt.timedelta(days=7):
            due_soon.append((due, case))
    # The longest overdue first.
    for due, case in sorted(due_soon, key=lambda pair: (pair[0], pair[1].child.full_name)):
        lead = case.lead.user.get_full_name() if case.lead else "no lead yet"
        yield Topic(
            Kind.REVIEW_DUE,
            f"{case.child.full_name}: case review due {due:%d %B} (lead: {lead})",
            case.child_id,
            reverse("case", args=[case.pk]),
        )
