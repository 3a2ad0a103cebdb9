"""Which classes a teacher teaches (her *My class*, decision 0049), set in the browser by the
people who administer staff at a school: the school's coordinator, for teachers at her schools,
and the data manager (decision 0065). `cwtt user teaches` does the same one class at a time.

Only this year's classes at the schools the teacher and the editor share can be chosen; classes
elsewhere that the teacher teaches are left as they are. A request naming any other class, or
something that is not a class's number, changes nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.registry.models import School, SchoolClass, Staff

EDITORS = frozenset({Role.COORDINATOR, Role.DATA_MANAGER})
MOST_CLASSES = 200  # more ticked boxes than any school has classes: a forged request


class ClassesRefused(Exception):
    """The request names a class that cannot be chosen, or is malformed; nothing changed."""


@dataclass(frozen=True)
class Choice:
    school_class: SchoolClass
    taught: bool


def teacher_for(by, user_id) -> Staff | None:
    """The teacher whose classes `by` may set, or None (unknown, not a teacher, or at none of
    the editor's schools): the page then answers 404, as for an account that does not exist."""
    if policy.role_of(by) not in EDITORS:
        return None
    staff = (
        Staff.objects.filter(user_id=user_id, role=Role.TEACHER, user__is_active=True)
        .select_related("user")
        .first()
    )
    if staff is None or staff.user_id == getattr(by, "pk", None):
        return None
    return staff if shared_schools(by, staff) else None


def shared_schools(by, teacher: Staff) -> list[School]:
    """The teacher's schools that the editor administers: all of them for the data manager."""
    schools = teacher.schools.all()
    if policy.role_of(by) != Role.DATA_MANAGER:
        schools = schools.filter(pk__in=policy.schools_for(by))
    return list(schools.order_by("name"))


def choices(by, teacher: Staff) -> list[Choice]:
    """This year's classes at the shared schools, each with whether the teacher teaches it."""
    year = timezone.localdate().year
    classes = (
        SchoolClass.objects.filter(school__in=shared_schools(by, teacher), year=year)
        .select_related("school")
        .order_by("school__name", "grade", "name")
    )
    taught = set(teacher.classes_taught.filter(year=year).values_list("pk", flat=True))
    return [Choice(c, c.pk in taught) for c in classes]


def _class_ids(raw: Iterable[str]) -> set[int]:
    values = list(raw)
    if len(values) > MOST_CLASSES:
        raise ClassesRefused(_("Too many classes were sent. Tick the teacher's classes again."))
    ids = set()
    for value in values:
        text = str(value).strip()
        if not text.isdigit() or len(text) > 12:
            raise ClassesRefused(_("That list of classes could not be read. Nothing changed."))
        ids.add(int(text))
    return ids


def classes_set(*, teacher: Staff, chosen: Iterable[str], by) -> tuple[list[int], list[int]]:
    """Make the teacher's classes among the ones `by` may choose exactly `chosen` (class
    numbers as sent by the form). Returns the numbers added and removed; both empty when
    nothing changed (a form sent twice). Audited with the editor as the actor."""
    if teacher_for(by, teacher.user_id) is None:
        raise ClassesRefused(_("You cannot change this teacher's classes."))
    wanted = _class_ids(chosen)
    with transaction.atomic():
        # The teacher's row, locked: two editors saving at once apply one after the other.
        get_user_model().objects.select_for_update().filter(pk=teacher.user_id).first()
        allowed = {c.school_class.pk: c for c in choices(by, teacher)}
        if not wanted <= set(allowed):
            raise ClassesRefused(
                _("One of those classes is not at your schools this year. Nothing changed.")
            )
        taught = {pk for pk, c in allowed.items() if c.taught}
        added, removed = sorted(wanted - taught), sorted(taught - wanted)
        if not added and not removed:
            return [], []
        through = SchoolClass.teachers.through
        through.objects.filter(staff=teacher, schoolclass_id__in=removed).delete()
        through.objects.bulk_create(
            [through(staff=teacher, schoolclass_id=pk) for pk in added], ignore_conflicts=True
        )
        audit_record(
            action=AuditEntry.Action.CHANGE,
            actor=by,
            object_type="class_teachers",
            object_id=teacher.pk,
            detail={"teacher": teacher.pk, "added": added, "removed": removed},
        )
    return added, removed
