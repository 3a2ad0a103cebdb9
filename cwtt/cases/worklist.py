"""Case tasks for each person's worklist (cwtt/worklists/tasks.py): proposals to confirm,
approvals to decide, and reviews due on the cases a person leads or works on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from cwtt.access import policy
from cwtt.access.roles import Role
from cwtt.assessments.models import RiskProfile
from cwtt.assessments.triage import need_key
from cwtt.notifications.actions import unread_about
from cwtt.registry.models import Staff
from cwtt.worklists.tasks import Task

from .models import Approval, Case, PlanAction
from .queue import capacity_for
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
                # One task, not forty: the school's action queue is where they are worked
                # through, as many as the staff can take on this month (decision 0059).
                places = capacity_for(school, today).left
                yield Task(
                    kind=_("Action queue"),
                    text=ngettext(
                        "%(n)s proposed case at %(school)s: %(places)s places this month",
                        "%(n)s proposed cases at %(school)s: %(places)s places this month",
                        len(proposed),
                    )
                    % {"n": len(proposed), "school": school.name, "places": places},
                    due_on=None,
                    link=reverse("school_queue", args=[school.pk]),
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


# --- "My cases" on My work: every open case a person leads or is in the team of


# What comes next, by stage, when no planned action or review gives a date.
STAGE_NEXT = {
    S.PROPOSED: gettext_lazy("The coordinator confirms or dismisses the proposal"),
    S.IDENTIFIED: gettext_lazy("Register the case"),
    S.REGISTERED: gettext_lazy("Assess the child's needs"),
    S.ASSESSED: gettext_lazy("Start the case plan"),
    S.CASE_PLAN: gettext_lazy("Write the plan's goals and actions, then ask for approval"),
    S.IMPLEMENTATION: gettext_lazy("Carry out the plan's actions"),
    S.REVIEW: gettext_lazy("Review the plan with the team"),
}


@dataclass
class MyCase:
    case: Case
    lead: bool  # True when the person leads it; False when in the team
    next_step: str
    due_on: dt.date | None
    new: str  # the unread notification's subject while the case is new to the person, or ""
    urgent: bool


def _next_step(case: Case) -> tuple[str, dt.date | None]:
    """The earliest of the plan's undone actions and the review due; else the stage's step."""
    dated: list[tuple[dt.date, str]] = []
    plan = getattr(case, "plan", None)
    if plan is not None:
        for action in plan.actions.all():  # prefetched: the undone ones, earliest first
            dated.append((action.due_on, action.description))
            break
    review = review_due_on(case)
    if review is not None:
        dated.append((review, str(_("Case review with the team"))))
    if any(a.pending and a.kind == Approval.Kind.PLAN for a in case.approvals.all()):
        return str(_("Waiting for the plan to be approved")), None
    if dated:
        due, text = min(dated)
        return text, due
    return str(STAGE_NEXT.get(case.status, "")), None


def my_cases(user) -> list[MyCase]:
    """The open cases the person leads or is in the team of, at the schools they may see,
    most pressing first (cwtt/assessments/triage.py); each with its next step, when it is due,
    and whether it is new to them. A fixed number of queries, whatever the caseload."""
    staff = policy.staff_of(user)
    if staff is None:
        return []
    cases = list(
        with_review_schedule(
            Case.objects.filter(Q(lead=staff) | Q(team=staff))
            .exclude(status__in=Case.NOT_OPEN)
            .filter(child__in=policy.children_for(user))
            .distinct()
        )
        .select_related("child", "child__school_class", "school", "plan")
        .prefetch_related(
            Prefetch(
                "plan__actions",
                queryset=PlanAction.objects.filter(done_on__isnull=True).order_by("due_on", "pk"),
            ),
            Prefetch("approvals", queryset=Approval.objects.filter(decision="")),
        )
    )
    children = [c.child for c in cases]
    gaps = policy.consent_gaps(user, children)
    latest: dict[int, RiskProfile] = {}
    for profile in RiskProfile.objects.filter(child__in=children).order_by("wave__starts_on"):
        latest[profile.child_id] = profile  # the newest wave's wins
    links = {c.pk: reverse("case", args=[c.pk]) for c in cases}
    unread = unread_about(user, links.values())
    mine = []
    for case in cases:
        profile = None if gaps[case.child_id].withheld_for else latest.get(case.child_id)
        text, due = _next_step(case)
        note = unread.get(links[case.pk])
        mine.append(
            (
                need_key(profile, case.opened_at or case.created_at, case.child.full_name),
                MyCase(
                    case=case,
                    lead=case.lead_id == staff.pk,
                    next_step=text,
                    due_on=due,
                    new=note.subject if note is not None else "",
                    urgent=bool(profile is not None and profile.urgent),
                ),
            )
        )
    return [item for _key, item in sorted(mine, key=lambda pair: pair[0])]
