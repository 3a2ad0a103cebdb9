"""Case tasks for each person's worklist (cwtt/worklists/tasks.py): proposals to confirm,
approvals to decide, and reviews due on the cases a person leads or works on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cwtt.access.roles import Role
from cwtt.registry.models import Staff
from cwtt.worklists.tasks import Task

from .models import Approval, Case
from .reviews import review_due_on, with_review_schedule

S = Case.Status

# Up to this many proposals are listed one by one; more become one task.
MAX_LISTED_PROPOSALS = 3


def case_tasks(staff: Staff, today: dt.date) -> Iterable[Task]:
    schools = list(staff.schools.values_list("pk", flat=True))
    if staff.role == Role.COORDINATOR:
        for school in staff.schools.all():
            proposed = list(
                Case.objects.filter(school=school, status=S.PROPOSED).select_related("child")
            )
            if len(proposed) > MAX_LISTED_PROPOSALS:
                # One task, not forty: the school's case list is where they are worked through.
                yield Task(
                    kind=_("Proposed cases"),
                    text=ngettext(
                        "Confirm or dismiss %(n)s proposed case at %(school)s",
                        "Confirm or dismiss %(n)s proposed cases at %(school)s",
                        len(proposed),
                    )
                    % {"n": len(proposed), "school": school.name},
                    due_on=None,
                    link=reverse("school_cases", args=[school.pk]),
                )
                continue
            for case in proposed:
                yield Task(
                    kind=_("Proposed case"),
                    text=_("Confirm or dismiss the proposed case for %(child)s")
                    % {"child": case.child.full_name},
                    due_on=None,
                    link=reverse("case", args=[case.pk]),
                )
    coordinated = schools if staff.role == Role.COORDINATOR else []
    waiting = (
        Approval.objects.filter(decision="")
        .exclude(case__status__in=Case.NOT_OPEN)
        .filter(Q(requested_by__staff__supervisor=staff) | Q(case__school_id__in=coordinated))
        .exclude(requested_by=staff.user)
        .select_related("case__child")
    )
    for approval in waiting.distinct():
        yield Task(
            kind=_("Approval"),
            text=_("Decide: %(kind)s for %(child)s")
            % {"kind": approval.get_kind_display().lower(), "child": approval.case.child.full_name},
            due_on=None,
            link=reverse("case", args=[approval.case_id]),
        )
    mine = with_review_schedule(
        Case.objects.filter(Q(lead=staff) | Q(team=staff))
        .filter(status__in=[S.IMPLEMENTATION, S.REVIEW])
        .select_related("child")
        .distinct()
    )
    for case in mine:
        due = review_due_on(case)
        if due is not None and due <= today + dt.timedelta(days=14):
            yield Task(
                kind=_("Case review"),
                text=_("Review the case of %(child)s") % {"child": case.child.full_name},
                due_on=due,
                link=reverse("case", args=[case.pk]),
            )
