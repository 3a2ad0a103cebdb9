"""Who may see which schools and children. The one way in for reads of personal data.

This first version scopes by assignment: school roles see the children of the schools they are
assigned to; data managers see every school; district, provincial and research roles see no
named child at all, only aggregates. Field-level sensitivity, consent and audit build on this
module (issue #3); every page already asks it, so they will not need to be threaded through.
"""

from __future__ import annotations

from django.db.models import QuerySet

from cwtt.registry.models import Child, School, Staff

from .roles import AREA_ROLES, SCHOOL_ROLES, Role


def staff_of(user) -> Staff | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff
    except Staff.DoesNotExist:
        return None


def role_of(user) -> str | None:
    staff = staff_of(user)
    if staff is not None:
        return staff.role
    if getattr(user, "is_superuser", False):
        return Role.DATA_MANAGER
    return None


def sees_named_children(user) -> bool:
    role = role_of(user)
    return role in SCHOOL_ROLES or role == Role.DATA_MANAGER


def sees_aggregates_only(user) -> bool:
    return role_of(user) in AREA_ROLES


def schools_for(user) -> QuerySet[School]:
    """Schools whose children the user may see by name."""
    role = role_of(user)
    if role == Role.DATA_MANAGER:
        return School.objects.all()
    staff = staff_of(user)
    if staff is None or role not in SCHOOL_ROLES:
        return School.objects.none()
    return staff.schools.all()


def areas_for(user) -> QuerySet[School]:
    """Schools the user may see aggregates for (their location and everything under it)."""
    role = role_of(user)
    if role == Role.DATA_MANAGER:
        return School.objects.all()
    staff = staff_of(user)
    if staff is None:
        return School.objects.none()
    if role in AREA_ROLES and staff.location is not None:
        return School.objects.filter(location_id__in=staff.location.descendant_ids())
    return schools_for(user)


def children_for(user) -> QuerySet[Child]:
    return Child.objects.filter(school__in=schools_for(user))


def child_for(user, child_id: int) -> Child | None:
    """The child if the user may see them, else None (the caller answers 404, not 403,
    so that a guessed id does not even confirm the child exists)."""
    return (
        children_for(user)
        .filter(pk=child_id)
        .select_related("school", "school_class", "household")
        .first()
    )


def school_for(user, school_id: int) -> School | None:
    return schools_for(user).filter(pk=school_id).first()


def can_capture(user) -> bool:
    return role_of(user) in {
        Role.FIELD_WORKER,
        Role.TEACHER,
        Role.NURSE,
        Role.SOCIAL_WORKER,
        Role.COORDINATOR,
        Role.DATA_MANAGER,
    }


# Which respondent's questionnaire each role may capture. A teacher answers as a teacher; a
# field worker interviews caregivers; a nurse records the health check.
CAPTURE_RESPONDENTS: dict[str, tuple[str, ...]] = {
    Role.FIELD_WORKER: ("caregiver", "child"),
    Role.TEACHER: ("teacher",),
    Role.NURSE: ("nurse",),
    Role.SOCIAL_WORKER: ("caregiver", "social_worker", "child"),
    Role.COORDINATOR: ("caregiver", "teacher", "nurse", "child", "social_worker"),
    Role.DATA_MANAGER: ("caregiver", "teacher", "nurse", "child", "social_worker"),
}


def respondents_for(user) -> tuple[str, ...]:
    return CAPTURE_RESPONDENTS.get(role_of(user) or "", ())


def readable_classes(user) -> frozenset[str]:
    """The sensitivity classes whose detail this user may read (cwtt/access/sensitivity.py)."""
    from .sensitivity import readable_classes as for_role

    return for_role(role_of(user))


# --- declaring how each view is reached (checked by tests/access/test_every_view_is_guarded.py)


def guarded(view):
    """Mark a view that needs a signed-in user and reads personal data only through this
    module. Wraps Django's login_required so the two can never be separated."""
    from django.contrib.auth.decorators import login_required

    wrapped = login_required(view)
    wrapped.cwtt_access = "policy"
    return wrapped


def public(view):
    """Mark a view anyone may open (sign-in, sign-out). It must read no personal data."""
    view.cwtt_access = "public"
    return view
