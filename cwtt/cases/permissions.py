"""Who may see and do what with cases: all in one place (docs/cases.md, "Who does what").

Reading goes through the access policy: a case is seen by exactly the people who may see its
child (`policy.child_access`), and its case notes (review notes, progress comments, notes on
services) only by those whose readable classes include `case_notes` for that child.

Acting:
- the school's coordinator confirms or dismisses a proposed case and chooses the team;
- the case's lead, its team members and the coordinator move the case and keep the plan;
- a plan or a closure is approved by the requester's supervisor (Staff.supervisor) or the
  school's coordinator, never by the person who asked;
- a case moves to another school by the coordinator of either school or a data manager.
"""

from __future__ import annotations

from django.db.models import QuerySet

from cwtt.access import policy
from cwtt.access.policy import ChildAccess
from cwtt.access.roles import SCHOOL_ROLES, Role
from cwtt.access.sensitivity import writable_classes
from cwtt.registry.models import School, Staff

from .models import Approval, Case

CASE_NOTES = "case_notes"


# --- reading


def case_for(user, case_id: int) -> tuple[Case, ChildAccess] | None:
    """The case and what the user may see of its child, or None (the caller answers 404)."""
    case = (
        Case.objects.filter(pk=case_id)
        .select_related("child", "school", "lead__user", "wave")
        .first()
    )
    if case is None:
        return None
    access = policy.child_access(user, case.child_id)
    if access is None:
        return None
    return case, access


def cases_for_school(user, school: School) -> QuerySet[Case]:
    """The school's cases whose children the user may see."""
    return Case.objects.filter(school=school, child__in=policy.children_for(user))


def cases_for_child(user, child_id: int) -> QuerySet[Case]:
    if policy.child_access(user, child_id) is None:
        return Case.objects.none()
    return Case.objects.filter(child_id=child_id)


def reads_case_notes(access: ChildAccess) -> bool:
    return CASE_NOTES in access.classes


def writes_case_notes(user, access: ChildAccess) -> bool:
    """A case note is written only by someone who may also read it back (as for child notes)."""
    return reads_case_notes(access) and CASE_NOTES in writable_classes(policy.role_of(user))


# --- acting


def _staff(user) -> Staff | None:
    return policy.staff_of(user)


def is_coordinator_of(user, school: School | int) -> bool:
    staff = _staff(user)
    school_id = school if isinstance(school, int) else school.pk
    return (
        staff is not None
        and staff.role == Role.COORDINATOR
        and staff.schools.filter(pk=school_id).exists()
    )


def may_confirm(user, case: Case) -> bool:
    """Confirm or dismiss a proposed case, and choose its lead and team."""
    return is_coordinator_of(user, case.school_id)


def may_work_on(user, case: Case) -> bool:
    """Move the case, keep its plan, record reviews and services, ask for approvals."""
    staff = _staff(user)
    if staff is None:
        return False
    if case.lead_id == staff.pk or case.team.filter(pk=staff.pk).exists():
        return policy.child_access(user, case.child_id) is not None
    return is_coordinator_of(user, case.school_id)


def may_set_team(user, case: Case) -> bool:
    staff = _staff(user)
    return may_confirm(user, case) or (staff is not None and case.lead_id == staff.pk)


def may_decide(user, approval: Approval) -> bool:
    """The requester's supervisor or the school's coordinator; never the requester."""
    staff = _staff(user)
    if staff is None or approval.requested_by_id == user.pk:
        return False
    requester = policy.staff_of(approval.requested_by)
    if requester is not None and requester.supervisor_id == staff.pk:
        return True
    return is_coordinator_of(user, approval.case.school_id)


def may_record_service(user, case: Case | None) -> bool:
    """On a case: those who work on it. Outside a case: any school role (the caller has
    already checked that the user may see the child)."""
    if case is not None:
        return may_work_on(user, case)
    return policy.role_of(user) in SCHOOL_ROLES


def may_transfer(user, case: Case, to_school: School) -> bool:
    if policy.role_of(user) == Role.DATA_MANAGER:
        return True
    return is_coordinator_of(user, case.school_id) or is_coordinator_of(user, to_school)


def deciders_for(approval: Approval) -> list:
    """The users who may decide a request: the requester's supervisor and the school's
    coordinators (for notifications)."""
    users = {}
    requester = policy.staff_of(approval.requested_by)
    if requester is not None and requester.supervisor_id:
        users[requester.supervisor.user_id] = requester.supervisor.user
    for staff in coordinators_of(approval.case.school_id):
        users[staff.user_id] = staff.user
    users.pop(approval.requested_by_id, None)
    return list(users.values())


def coordinators_of(school_id: int) -> QuerySet[Staff]:
    return Staff.objects.filter(
        role=Role.COORDINATOR, schools__pk=school_id, user__is_active=True
    ).select_related("user")
