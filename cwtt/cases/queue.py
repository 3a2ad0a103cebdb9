"""The action queue: a school's children needing action now, ranked and explained, cut to what
the school's staff can take on this month, with group responses where many share a need
(decision 0059).

- Who is on it: the school's proposed cases the reader may see, ranked by the triage order
  (cwtt/assessments/triage.py) with overdue referrals and time since the team last saw the
  child, each with its reasons in plain words.
- How many this month (`capacity_for`): each social worker and nurse assigned to the school
  takes on `new_cases_per_worker` new cases a month in all, shared equally between the schools
  they are assigned to; less the cases the school already opened this month. The rest are
  listed as waiting, never hidden. A child who needs action today or whom the law requires
  child protection to act on is never cut: a duty does not wait for capacity.
- Group responses (`NEEDS` in cwtt/cases/groups.py): where at least `group_minimum()` children
  of the current wave share a need, one response is proposed for all of them. A child covered
  by an accepted one leaves the individual queue unless something else needs a case.

A fixed number of queries, whatever the number of children.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.db.models import Count, Max, Min, OuterRef, Subquery
from django.utils import timezone

from cwtt.access import policy
from cwtt.access.roles import Role
from cwtt.access.sensitivity import readable_classes
from cwtt.assessments.models import RiskProfile, Wave
from cwtt.assessments.triage import NEVER_SEEN, is_statutory, need_key, why_now
from cwtt.referrals.actions import overdue_referrals
from cwtt.registry.models import School, Staff

from . import permissions
from .groups import NEED_BY_CODE, NEEDS, Need, covered_by, group_minimum, has_need
from .models import Case, GroupResponse, Review, SchoolCapacity, ServiceDelivered

# Who takes on new cases (decision 0059): the professionals who lead casework at a school.
CASE_WORKERS = frozenset({Role.SOCIAL_WORKER, Role.NURSE})


def current_wave(school: School) -> Wave | None:
    """The school's wave that started most recently (as the agenda's, decision 0050)."""
    return Wave.objects.covering([school.pk]).started().order_by("-starts_on").first()


# --- capacity


@dataclass
class WorkerShare:
    staff: Staff
    schools: int  # how many schools the worker is assigned to
    share: Decimal  # new cases a month the worker brings to this school


@dataclass
class Capacity:
    per_worker: int
    school_setting: bool  # False: the default (settings.CWTT_NEW_CASES_PER_WORKER)
    workers: list[WorkerShare]
    opened_this_month: int

    @property
    def this_month(self) -> int:
        """New cases the school's workers can take on in a month, rounded down."""
        total = sum((w.share for w in self.workers), Decimal(0))
        return int(total.to_integral_value(rounding=ROUND_FLOOR))

    @property
    def left(self) -> int:
        return max(self.this_month - self.opened_this_month, 0)


def default_per_worker() -> int:
    return int(getattr(settings, "CWTT_NEW_CASES_PER_WORKER", 4))


def capacity_for(school: School, today: dt.date | None = None) -> Capacity:
    """The school's capacity this month. Three queries."""
    today = today or timezone.localdate()
    setting = SchoolCapacity.objects.filter(school=school).first()
    per_worker = setting.new_cases_per_worker if setting else default_per_worker()
    assigned = (
        Staff.schools.through.objects.filter(staff_id=OuterRef("pk"))
        .values("staff_id")
        .annotate(n=Count("*"))
        .values("n")
    )
    workers = [
        WorkerShare(
            staff=s,
            schools=s.n_schools or 1,
            share=Decimal(per_worker) / Decimal(s.n_schools or 1),
        )
        for s in Staff.objects.filter(schools=school, role__in=CASE_WORKERS, user__is_active=True)
        .annotate(n_schools=Subquery(assigned))
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
    ]
    month_start = timezone.make_aware(dt.datetime.combine(today.replace(day=1), dt.time.min))
    opened = Case.objects.filter(school=school, opened_at__gte=month_start).count()
    return Capacity(
        per_worker=per_worker,
        school_setting=setting is not None,
        workers=workers,
        opened_this_month=opened,
    )


# --- the queue


@dataclass
class QueueRow:
    case: Case
    profile: RiskProfile | None  # None when the reader may not see the child's levels
    reasons: list[str]
    duty: bool  # urgent or statutory: never cut
    withheld: bool = False  # the reader may not see the child's levels (no consent to share)
    key: tuple = ()


@dataclass
class GroupProposal:
    need: Need
    wave: Wave
    children: list  # the children sharing the need, by name (shown only to `names_shown`)
    names_shown: bool
    fingerprint: str  # of the children's ids, so an accept on a changed list is refused


@dataclass
class ActionQueue:
    school: School
    wave: Wave | None
    capacity: Capacity
    within: list[QueueRow] = field(default_factory=list)
    waiting: list[QueueRow] = field(default_factory=list)
    covered: list[QueueRow] = field(default_factory=list)  # by an accepted group response
    proposals: list[GroupProposal] = field(default_factory=list)
    decided: list[GroupResponse] = field(default_factory=list)

    @property
    def over_capacity(self) -> int:
        """Children with a duty beyond this month's places."""
        return max(len(self.within) - self.capacity.left, 0)


def fingerprint_of(child_ids) -> str:
    """Stands for a list of children on a form without putting their ids in the page."""
    text = ",".join(str(i) for i in sorted(child_ids))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _days(today: dt.date, moment: dt.date | dt.datetime | None) -> int:
    if moment is None:
        return 0
    day = timezone.localdate(moment) if isinstance(moment, dt.datetime) else moment
    return max((today - day).days, 0)


def _last_contacts(child_ids: list[int]) -> dict[int, dt.date]:
    """The last day someone from the team saw each child: a service delivered (a home visit,
    a clinic visit...) or a case review. Two queries."""
    seen: dict[int, dt.date] = {}
    rows = list(
        ServiceDelivered.objects.filter(child_id__in=child_ids)
        .values("child_id")
        .annotate(last=Max("delivered_on"))
        .values_list("child_id", "last")
    )
    rows += list(
        Review.objects.filter(case__child_id__in=child_ids)
        .values("case__child_id")
        .annotate(last=Max("held_on"))
        .values_list("case__child_id", "last")
    )
    for child_id, last in rows:
        if last is not None and (child_id not in seen or last > seen[child_id]):
            seen[child_id] = last
    return seen


def _overdue_since(child_ids: list[int], now: dt.datetime) -> dict[int, dt.datetime]:
    """The due date of each child's longest-overdue referral. One query."""
    return dict(
        overdue_referrals(now)
        .filter(child_id__in=child_ids)
        .values("child_id")
        .annotate(first=Min("due_by"))
        .values_list("child_id", "first")
    )


def action_queue(user, school: School, today: dt.date | None = None) -> ActionQueue:
    """The school's queue as this reader may see it. `user=None` is the team's view for the
    meeting's agenda, which shows counts and levels only (cwtt/cases/agenda.py)."""
    today = today or timezone.localdate()
    now = timezone.now()
    wave = current_wave(school)
    queue = ActionQueue(school=school, wave=wave, capacity=capacity_for(school, today))
    proposed = (
        permissions.cases_for_school(user, school)
        if user is not None
        else Case.objects.filter(school=school)
    )
    cases = list(
        proposed.filter(status=Case.Status.PROPOSED).select_related(
            "child", "child__school_class", "created_from_profile"
        )
    )
    profiles = []
    if wave is not None:
        scored = RiskProfile.objects.filter(child__school=school, child__status="active", wave=wave)
        if user is not None:
            scored = scored.filter(child__in=policy.children_for(user))
        profiles = list(scored.select_related("child", "child__school_class"))
    children = {c.child_id: c.child for c in cases} | {p.child_id: p.child for p in profiles}
    gaps = (
        policy.consent_gaps(user, list(children.values()))
        if user is not None
        else dict.fromkeys(children, policy.ConsentGap())
    )
    ids = list(children)
    contacts = _last_contacts(ids)
    overdue = _overdue_since(ids, now)
    queue.decided = (
        list(
            GroupResponse.objects.filter(school=school, wave=wave)
            .select_related("service_type", "provider", "decided_by")
            .prefetch_related("children")
        )
        if wave is not None
        else []
    )

    # Accepted group responses: which needs each child's group answers.
    answered: dict[int, list[Need]] = {}
    for group in queue.decided:
        if group.status == GroupResponse.Status.ACCEPTED and group.need in NEED_BY_CODE:
            for child in group.children.all():
                answered.setdefault(child.pk, []).append(NEED_BY_CODE[group.need])

    rows = []
    for case in cases:
        shown = not gaps[case.child_id].withheld_for
        profile = case.created_from_profile if shown else None
        overdue_days = _days(today, overdue.get(case.child_id)) if case.child_id in overdue else 0
        last = contacts.get(case.child_id)
        since = NEVER_SEEN if last is None else _days(today, last)
        row = QueueRow(
            case=case,
            profile=profile,
            reasons=why_now(profile, overdue_days=overdue_days, days_since_contact=since),
            duty=bool(profile is not None and (profile.urgent or is_statutory(profile))),
            withheld=not shown,
            key=need_key(
                profile,
                case.created_at,
                case.child.full_name,
                overdue_days=overdue_days,
                days_since_contact=since,
            ),
        )
        rows.append(row)
    rows.sort(key=lambda r: r.key)
    places = queue.capacity.left
    for row in rows:
        if row.case.child_id in answered and covered_by(row.profile, answered[row.case.child_id]):
            queue.covered.append(row)
        elif row.duty or places > 0:
            queue.within.append(row)
            places -= 1
        else:
            queue.waiting.append(row)

    # Group proposals, for the needs not decided in this wave.
    if wave is not None:
        decided = {g.need for g in queue.decided}
        reads = readable_classes(policy.role_of(user)) if user is not None else frozenset()
        minimum = group_minimum()
        for need in NEEDS:
            if need.code in decided:
                continue
            sharing = sorted(
                (
                    p.child
                    for p in profiles
                    if not gaps[p.child_id].withheld_for and has_need(p, need)
                ),
                key=lambda c: (c.last_name, c.first_name, c.pk),
            )
            if len(sharing) >= minimum:
                queue.proposals.append(
                    GroupProposal(
                        need=need,
                        wave=wave,
                        children=sharing,
                        names_shown=need.sensitivity in reads,
                        fingerprint=fingerprint_of(c.pk for c in sharing),
                    )
                )
    return queue


def group_children(user, school: School, need: Need, wave: Wave) -> list:
    """The children at the school who share `need` in `wave`, as `action_queue` lists them
    for this reader (for accepting a proposal)."""
    profiles = list(
        RiskProfile.objects.filter(
            child__school=school,
            child__status="active",
            wave=wave,
            child__in=policy.children_for(user),
        ).select_related("child")
    )
    gaps = policy.consent_gaps(user, [p.child for p in profiles])
    return [p.child for p in profiles if not gaps[p.child_id].withheld_for and has_need(p, need)]
