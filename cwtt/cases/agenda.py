"""Case topics for a school's meeting agenda (cwtt/meetings/agenda.py): reviews that are due,
and the action queue: how many proposed cases the staff can take on this month, who waits,
and group responses to decide (decision 0059)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cwtt.meetings.agenda import Kind, Topic
from cwtt.registry.models import School

from .models import Case
from .queue import action_queue as queue_for
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


def action_queue(school: School, since: dt.datetime) -> Iterable[Topic]:
    """One line for the month's queue, then one per group response to decide. Counts and the
    kind of programme only: the names and each child's reasons are on the queue page, for each
    attendee as their role allows."""
    queue = queue_for(None, school)
    link = reverse("school_queue", args=[school.pk])
    rows = queue.within + queue.waiting
    if not any(row.case.created_at >= since for row in rows):
        return  # nothing proposed since the last meeting: the queue was discussed there
    total = len(rows)
    if total:
        yield Topic(
            Kind.PROPOSALS,
            ngettext(
                "%(n)d proposed case; the team can take on %(places)d this month",
                "%(n)d proposed cases; the team can take on %(places)d this month",
                total,
            )
            % {"n": total, "places": queue.capacity.left}
            + "; "
            + ngettext(
                "%(w)d waits beyond this month's capacity",
                "%(w)d wait beyond this month's capacity",
                len(queue.waiting),
            )
            % {"w": len(queue.waiting)},
            None,
            link,
        )
    for proposal in queue.proposals:
        yield Topic(
            Kind.PROPOSALS,
            _("Group response proposed: %(response)s for %(n)d %(why)s. Accept or dismiss it.")
            % {
                "response": proposal.need.response,
                "n": len(proposal.children),
                "why": proposal.need.why,
            },
            None,
            f"{link}#group-{proposal.need.code}",
        )
