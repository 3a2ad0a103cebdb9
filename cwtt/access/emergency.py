"""Break the glass: a social worker opens one child outside their schools in an emergency.

The person names the child they are looking for (school, names, date of birth) — they cannot
browse other schools — and gives a reason. Access lasts CWTT_EMERGENCY_ACCESS_HOURS, is written
to the audit trail, and the person's supervisor (or, with none on record, the data managers) is
notified at once.

A look-up that finds no child is refused and written to the audit trail (the school asked, never
the names typed). After LOOKUP_FAILURES_ALLOWED such refusals within LOOKUP_WINDOW, the person
may not look up any child until the oldest of them is an hour old, so the form cannot be used to
search other schools by trying names.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.notifications.actions import notify
from cwtt.registry.models import Child, School

from . import policy
from .audit import audit_record
from .models import AuditEntry, EmergencyAccess
from .roles import Role

MIN_REASON = 20
LOOKUP_FAILURES_ALLOWED = 5
LOOKUP_WINDOW = timedelta(hours=1)


class EmergencyRefused(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _supervisors(user) -> list:
    staff = policy.staff_of(user)
    if staff is not None and staff.supervisor is not None and staff.supervisor.user.is_active:
        return [staff.supervisor.user]
    return list(get_user_model().objects.filter(staff__role=Role.DATA_MANAGER, is_active=True))


def _refuse_lookup(user, school: School | None, outcome: str) -> None:
    """Write a refused look-up to the audit trail. Outside the grant's transaction, so that the
    refusal raised right after does not roll it back."""
    audit_record(
        action=AuditEntry.Action.REFUSED,
        actor=user,
        object_type="emergency_lookup",
        object_id=school.pk if school is not None else "",
        detail={"outcome": outcome},
    )


def lookups_blocked_until(user, now: dt.datetime) -> dt.datetime | None:
    """When this person may look up a child again, or None if they may now."""
    failed = list(
        AuditEntry.objects.filter(
            actor=user,
            action=AuditEntry.Action.REFUSED,
            object_type="emergency_lookup",
            at__gt=now - LOOKUP_WINDOW,
            detail__outcome="no_match",
        )
        .order_by("-at")
        .values_list("at", flat=True)[:LOOKUP_FAILURES_ALLOWED]
    )
    if len(failed) < LOOKUP_FAILURES_ALLOWED:
        return None
    return failed[-1] + LOOKUP_WINDOW


def emergency_open(
    *,
    user,
    school: School | None,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    reason: str,
    now: dt.datetime | None = None,
) -> EmergencyAccess:
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if policy.role_of(user) != Role.SOCIAL_WORKER:
        raise EmergencyRefused(
            {"role": _("Only social workers can open a record in an emergency.")}
        )
    if school is None:
        errors["school"] = _("Choose the child's school.")
    if not first_name.strip() or not last_name.strip():
        errors["name"] = _("Give the child's first name and surname.")
    if date_of_birth is None:
        errors["date_of_birth"] = _("Give the child's date of birth (YYYY-MM-DD).")
    if len(reason.strip()) < MIN_REASON:
        errors["reason"] = _(
            "Say why this cannot wait, in at least %(least)s characters. Your supervisor will "
            "read it."
        ) % {"least": MIN_REASON}
    if errors:
        raise EmergencyRefused(errors)
    blocked_until = lookups_blocked_until(user, now)
    if blocked_until is not None:
        _refuse_lookup(user, school, "blocked")
        raise EmergencyRefused(
            {
                "name": _(
                    "You have made %(count)s look-ups that found no child in the last hour. To "
                    "protect children's records you can try again at %(time)s. If a child is in "
                    "danger now, call your supervisor."
                )
                % {
                    "count": LOOKUP_FAILURES_ALLOWED,
                    "time": timezone.localtime(blocked_until).strftime("%H:%M"),
                }
            }
        )
    matches = list(
        Child.objects.filter(
            school=school,
            first_name__iexact=first_name.strip(),
            last_name__iexact=last_name.strip(),
            date_of_birth=date_of_birth,
        )[:2]
    )
    if len(matches) != 1:
        _refuse_lookup(user, school, "no_match")
        raise EmergencyRefused(
            {
                "name": _(
                    "No single child matches these details at that school. Check the spelling "
                    "and the date of birth."
                )
            }
        )
    child = matches[0]
    if policy.child_for(user, child.pk) is not None:
        raise EmergencyRefused(
            {"name": _("This child is at one of your schools: open their page as usual.")}
        )
    return _grant(user=user, child=child, reason=reason, now=now)


@transaction.atomic
def _grant(*, user, child: Child, reason: str, now: dt.datetime) -> EmergencyAccess:
    hours = settings.CWTT_EMERGENCY_ACCESS_HOURS
    supervisors = _supervisors(user)
    grant = EmergencyAccess.objects.create(
        user=user,
        child=child,
        reason=reason.strip(),
        started_at=now,
        expires_at=now + timedelta(hours=hours),
        supervisor_notified=supervisors[0] if supervisors else None,
    )
    audit_record(
        action=AuditEntry.Action.EMERGENCY_ACCESS,
        actor=user,
        object_type="child",
        object_id=child.pk,
        child_id=child.pk,
        detail={"reason": grant.reason, "expires_at": grant.expires_at, "hours": hours},
    )
    who = user.get_full_name() or user.username
    for supervisor in supervisors:
        notify(
            supervisor,
            subject=f"{who} opened a child's record in an emergency",
            body=(
                f"{who} opened the record of a child outside their schools for {hours} hours. "
                "Please check the reason they gave."
            ),
            link=reverse("emergency_review", args=[grant.pk]),
            sms=True,
        )
    return grant
