"""Who may see which schools and children, and which fields of them. The one way in for reads
of personal data (docs/access.md).

Scope: school roles see the children of the schools they are assigned to; data managers see
every school; district, provincial and research roles see no named child at all, only
aggregates. A social worker may also open one child outside their schools for a limited time
in an emergency (break the glass).

Fields: `child_access` answers, for one reader and one child, which sensitivity classes and
which fields of the record the reader may see. It applies the role's classes
(cwtt/access/sensitivity.py) and the caregiver's consent to share with the reader's sector,
unless a legal duty overrides that consent (cwtt/consent/legal_duties.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from cwtt.registry.models import Child, Organisation, School, Staff

from .roles import AREA_ROLES, SCHOOL_ROLES, Role


def staff_of(user) -> Staff | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        return user.staff
    except Staff.DoesNotExist:
        return None


# Questionnaires a member of staff answers from their own observation (not by asking someone).
STAFF_RESPONDENTS = frozenset({"teacher", "nurse", "social_worker"})


def informant_staff(user, respondent: str) -> Staff | None:
    """The staff record to keep as the informant of a questionnaire this person sends: their
    own for a teacher's, nurse's or social worker's questionnaire, none for a caregiver's."""
    return staff_of(user) if respondent in STAFF_RESPONDENTS else None


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


# Which consent purpose governs sharing a child's data with the reader's sector. Education
# staff are the school team that gathers the data; the other sectors need the caregiver's
# agreement to share.
SECTOR_PURPOSES = {
    Organisation.Sector.HEALTH: "share_health",
    Organisation.Sector.SOCIAL_DEVELOPMENT: "share_social_development",
}
ROLE_PURPOSES = {Role.NURSE: "share_health", Role.SOCIAL_WORKER: "share_social_development"}


def sharing_purposes(user) -> frozenset[str]:
    """The sharing consents a child's record needs before this reader sees its details."""
    staff = staff_of(user)
    if staff is None:
        return frozenset()
    purposes = {ROLE_PURPOSES.get(staff.role), SECTOR_PURPOSES.get(staff.organisation.sector)}
    return frozenset(p for p in purposes if p)


@dataclass(frozen=True)
class ChildAccess:
    """What one reader may see of one child."""

    child: Child
    classes: frozenset[str]
    via: str = "assignment"  # or "emergency"
    # The sharing consent that is missing, when it keeps details from this reader.
    withheld_for: str | None = None
    # A legal duty under which details are shown although consent is missing.
    legal_duty: Any = None
    fields: frozenset[str] = field(default=frozenset())

    @property
    def show(self) -> dict[str, bool]:
        """For templates: {% if access.show.sa_id_number %}."""
        from .sensitivity import CHILD_FIELDS

        return {name: name in self.fields for name in CHILD_FIELDS}

    def audit_detail(self) -> dict[str, Any]:
        detail: dict[str, Any] = {"via": self.via}
        if self.withheld_for:
            detail["withheld_for_lack_of_consent"] = self.withheld_for
        if self.legal_duty is not None:
            detail["legal_duty"] = self.legal_duty.code
        return detail


def emergency_hours() -> int:
    from django.conf import settings

    return settings.CWTT_EMERGENCY_ACCESS_HOURS


def emergency_grant(user, child_id: int):
    """The user's emergency access to the child that is still running, if any."""
    from .models import EmergencyAccess

    if role_of(user) != Role.SOCIAL_WORKER:
        return None
    return (
        EmergencyAccess.objects.filter(user=user, child_id=child_id, expires_at__gt=timezone.now())
        .order_by("-expires_at")
        .first()
    )


@dataclass(frozen=True)
class ConsentGap:
    """For one child and one reader: the sharing consent whose absence keeps the child's
    details from the reader (None when nothing is kept back), and the legal duty under which
    details are shown although a consent is missing (None when no duty applies)."""

    withheld_for: str | None = None
    legal_duty: Any = None


def consent_gaps(user, children) -> dict[int, ConsentGap]:
    """The consent rule, in one place, for one child's page and for lists alike: for each
    child, which of the reader's sharing consents are missing and whether a legal duty
    overrides that. Two queries per sharing purpose (the consents, then the legal duties),
    whatever the number of children."""
    from cwtt.consent.actions import children_with_consent
    from cwtt.consent.legal_duties import duties_overriding

    by_id = {c.pk: c for c in children}
    withheld: dict[int, str | None] = dict.fromkeys(by_id)
    duties: dict[int, Any] = dict.fromkeys(by_id)
    for purpose in sorted(sharing_purposes(user)):
        agreed = children_with_consent(purpose, among=by_id)
        # Asked for every child on the list, not only those without consent, so a page costs
        # the same queries whether or not any consent is missing.
        covered = duties_overriding(list(by_id), purpose)
        for child_id in (c for c in by_id if c not in agreed):
            duty = covered.get(child_id)
            duties[child_id] = duty
            if duty is None:
                withheld[child_id] = purpose
    return {
        child_id: ConsentGap(
            withheld_for=withheld[child_id],
            legal_duty=duties[child_id] if withheld[child_id] is None else None,
        )
        for child_id in by_id
    }


def child_access(user, child_id: int) -> ChildAccess | None:
    """What the user may see of the child, or None when they may not see the child at all
    (the caller answers 404). Reads made through it are audited by the caller with
    `audit_detail()`; a read under a legal duty is also audited as such."""
    from .sensitivity import readable_classes as for_role
    from .sensitivity import visible_fields

    via = "assignment"
    found = child_for(user, child_id)
    if found is None and emergency_grant(user, child_id) is not None:
        found = (
            Child.objects.filter(pk=child_id)
            .select_related("school", "school_class", "household")
            .first()
        )
        via = "emergency"
    if found is None:
        return None
    classes = for_role(role_of(user))
    gap = consent_gaps(user, [found])[found.pk]
    if gap.withheld_for:
        classes = classes & {"general"}
    fields = visible_fields(classes)
    if gap.withheld_for:
        fields = fields - {"risk_levels"}
    return ChildAccess(
        child=found,
        classes=classes,
        via=via,
        withheld_for=gap.withheld_for,
        legal_duty=gap.legal_duty,
        fields=fields,
    )


def details_withheld(user, children) -> set[int]:
    """Ids, among `children`, whose details (risk levels and beyond) this reader may not see
    for lack of the caregiver's consent to share with the reader's sector. For lists."""
    return {child_id for child_id, gap in consent_gaps(user, children).items() if gap.withheld_for}


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


# The child's rights under POPIA (cwtt/rights): the information officer gives out a child's
# whole record; corrections are made by them or the school's coordinator.
RECORD_EXPORTERS = frozenset({Role.DATA_MANAGER})
RECORD_CORRECTORS = frozenset({Role.DATA_MANAGER, Role.COORDINATOR})


def can_record_consent(user) -> bool:
    """Consent is taken by the people who meet caregivers (and entered from paper forms by the
    data manager). Teachers ask the coordinator."""
    return role_of(user) in {
        Role.FIELD_WORKER,
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
