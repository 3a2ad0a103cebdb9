"""Caseloads: how many open cases each worker leads, by stage, with reviews overdue — for the
people who share out the work (a school's coordinator, a supervisor, the data manager)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Q

from cwtt.access import policy
from cwtt.access.roles import Role
from cwtt.registry.models import Staff


@dataclass
class Caseload:
    staff: Staff
    open_cases: int = 0
    by_status: Counter = field(default_factory=Counter)
    reviews_overdue: int = 0

    @property
    def stages(self) -> list[tuple[str, int]]:
        """(stage, count) pairs, for templates (a Counter's .items is a lookup there)."""
        return sorted(self.by_status.items())


def workers_for(user) -> list[Staff]:
    """Whose caseloads this user may see: their supervisees; a coordinator, everyone working
    at their schools; a data manager, everyone."""
    me = policy.staff_of(user)
    role = policy.role_of(user)
    if role == Role.DATA_MANAGER:
        return list(Staff.objects.select_related("user"))
    if me is None:
        return []
    scope = Q(supervisor=me)
    if role == Role.COORDINATOR:
        scope |= Q(schools__in=me.schools.all())
    return list(Staff.objects.filter(scope).exclude(pk=me.pk).select_related("user").distinct())


def caseloads(workers: list[Staff], today: dt.date) -> list[Caseload]:
    from cwtt.cases.models import Case
    from cwtt.cases.reviews import review_due_on, with_review_schedule

    loads = {s.pk: Caseload(staff=s) for s in workers}
    open_cases = Case.objects.filter(lead__in=workers).exclude(status__in=Case.NOT_OPEN)
    for case in with_review_schedule(open_cases):
        load = loads[case.lead_id]
        load.open_cases += 1
        load.by_status[case.get_status_display()] += 1
        due = review_due_on(case)
        if due is not None and due < today:
            load.reviews_overdue += 1
    return sorted(loads.values(), key=lambda c: (-c.open_cases, c.staff.user.username))
