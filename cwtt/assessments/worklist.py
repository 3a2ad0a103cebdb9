"""Correction tasks for each person's worklist (cwtt/worklists/tasks.py): corrections of sent
questionnaires at the person's schools that wait for a second person's review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from cwtt.access import policy
from cwtt.registry.models import Staff
from cwtt.worklists.tasks import Task

from .corrections import HEALTH_REVIEWER_ROLES, REVIEWER_ROLES, changed_classes, may_review_role
from .models import AssessmentCorrection


def correction_tasks(staff: Staff, today: dt.date) -> Iterable[Task]:
    """Only the corrections the person may decide: a nurse's are those of health answers, and
    nobody is given one that changes answers their role may not read (decision 0064)."""
    if staff.role not in REVIEWER_ROLES | HEALTH_REVIEWER_ROLES:
        return
    waiting = AssessmentCorrection.objects.filter(
        status=AssessmentCorrection.Status.PENDING,
        assessment__child__school__in=policy.schools_for(staff.user),
    )
    for correction in (
        waiting.exclude(requested_by=staff.user_id)
        .select_related("assessment__child__school")
        .order_by("requested_at")
    ):
        if not may_review_role(staff.role, changed_classes(correction)):
            continue
        assessment = correction.assessment
        yield Task(
            kind=_("Correction to review"),
            text=_("A correction of a %(what)s questionnaire (%(school)s)")
            % {
                "what": assessment.get_respondent_display().lower(),
                "school": assessment.child.school.name,
            },
            due_on=None,
            link=reverse("assessment", args=[assessment.uuid]),
        )
