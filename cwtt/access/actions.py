"""Writes for accounts: provisioning staff from the command line (issue #3, item 11) and the
administration pages (issue #5, decision 0020), and the second factor and sign-in lockout
(item 9, decision 0011). Each takes `by`, the person making the change, for the audit trail;
without it the change is recorded as made on the command line."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.registry.models import Location, Organisation, School, Staff

from .audit import audit_record
from .models import AuditEntry
from .roles import AREA_ROLES, SCHOOL_ROLES, Role
from .two_factor import pending_device

# The sector a role belongs to when no organisation is named.
ROLE_SECTOR = {
    Role.FIELD_WORKER: Organisation.Sector.NGO,
    Role.TEACHER: Organisation.Sector.EDUCATION,
    Role.SOCIAL_WORKER: Organisation.Sector.SOCIAL_DEVELOPMENT,
    Role.NURSE: Organisation.Sector.HEALTH,
    Role.COORDINATOR: Organisation.Sector.EDUCATION,
    Role.DISTRICT_OFFICIAL: Organisation.Sector.EDUCATION,
    Role.PROVINCIAL_OFFICIAL: Organisation.Sector.EDUCATION,
    Role.RESEARCHER: Organisation.Sector.NGO,
    Role.DATA_MANAGER: Organisation.Sector.EDUCATION,
}


@dataclass(frozen=True)
class AccountProblem:
    """One reason an account cannot be made or changed, filed under the detail it is about
    (username, role, schools, location, supervisor, password; "" for none) so that a form can
    show it next to that field. `code` is "required" when a detail the role needs is missing:
    a page words that in its own terms, where the command line names its option."""

    field: str
    message: str
    code: str = "invalid"


class ProvisioningError(Exception):
    def __init__(self, problems: Sequence[str | AccountProblem]) -> None:
        self.details = [
            p if isinstance(p, AccountProblem) else AccountProblem("", p) for p in problems
        ]
        self.problems = [p.message for p in self.details]
        super().__init__("; ".join(self.problems))


def _who(by) -> dict[str, Any]:
    """Audit arguments for the person making a change, or the command line when nobody is
    signed in."""
    if getattr(by, "pk", None):
        return {"actor": by}
    return {"actor_name": "command line"}


def user_add(
    *,
    username: str,
    role: str,
    password: str | None,
    schools: Sequence[str] = (),
    location: str | None = None,
    organisation: str | None = None,
    first_name: str = "",
    last_name: str = "",
    supervisor: str | None = None,
    phone: str = "",
    by=None,
) -> Staff:
    """Create a staff account, checking everything first so nothing half-made is left. The
    supervisor (a username) is told when this person opens a record in an emergency.

    With `password=None` the account has no usable password yet: the person chooses one through
    a link from `password_link_issue` (the administration pages; decision 0020)."""
    User = get_user_model()
    problems: list[AccountProblem] = []
    if not role:
        problems.append(AccountProblem("role", _("Choose a role."), "required"))
    elif role not in Role.values:
        problems.append(
            AccountProblem(
                "role",
                _("'%(role)s' is not a role; use one of: %(roles)s.")
                % {"role": role, "roles": ", ".join(Role.values)},
            )
        )
    if not username.strip():
        problems.append(AccountProblem("username", _("The username is empty."), "required"))
    elif User.objects.filter(username=username).exists():
        problems.append(
            AccountProblem(
                "username",
                _("There is already a user called '%(username)s'.") % {"username": username},
            )
        )
    else:
        try:
            User.username_validator(username)
        except ValidationError as error:
            problems.extend(AccountProblem("username", message) for message in error.messages)
        if len(username) > User._meta.get_field("username").max_length:
            problems.append(
                AccountProblem(
                    "username",
                    _("The username is %(length)s characters long; the most is %(most)s.")
                    % {
                        "length": len(username),
                        "most": User._meta.get_field("username").max_length,
                    },
                )
            )
    found_schools = list(School.objects.filter(emis_number__in=schools))
    unknown = sorted(set(schools) - {s.emis_number for s in found_schools})
    if unknown:
        problems.append(
            AccountProblem(
                "schools",
                _("No school with EMIS number %(numbers)s.") % {"numbers": ", ".join(unknown)},
            )
        )
    found_location = None
    if location:
        found_location = Location.objects.filter(code=location).first()
        if found_location is None:
            problems.append(
                AccountProblem(
                    "location", _("No location with code '%(location)s'.") % {"location": location}
                )
            )
    found_supervisor = None
    if supervisor:
        found_supervisor = Staff.objects.filter(user__username=supervisor).first()
        if found_supervisor is None:
            problems.append(
                AccountProblem(
                    "supervisor",
                    _("No staff member called '%(supervisor)s' to be the supervisor.")
                    % {"supervisor": supervisor},
                )
            )
    if role in SCHOOL_ROLES and not schools:
        problems.append(
            AccountProblem(
                "schools",
                _("A %(role)s needs at least one --school.") % {"role": Role(role).label.lower()},
                "required",
            )
        )
    if role in AREA_ROLES and not location:
        problems.append(
            AccountProblem(
                "location",
                _("A %(role)s needs a --location (district or province code).")
                % {"role": Role(role).label.lower()},
                "required",
            )
        )
    if password is not None:
        try:
            validate_password(
                password, User(username=username, first_name=first_name, last_name=last_name)
            )
        except ValidationError as error:
            problems.extend(
                AccountProblem("password", _("Password: %(message)s") % {"message": message})
                for message in error.messages
            )
    if problems:
        raise ProvisioningError(problems)
    with transaction.atomic():
        user = User.objects.create_user(
            username=username, password=password, first_name=first_name, last_name=last_name
        )
        sector = ROLE_SECTOR[Role(role)]
        org, _created = Organisation.objects.get_or_create(
            name=organisation
            or f"{Organisation.Sector(sector).label} (organisation not yet named)",
            defaults={"sector": sector},
        )
        staff = Staff.objects.create(
            user=user,
            organisation=org,
            role=role,
            location=found_location,
            supervisor=found_supervisor,
            phone=phone.strip(),
        )
        staff.schools.set(found_schools)
        audit_record(
            action=AuditEntry.Action.CREATE,
            object_type="user",
            object_id=user.pk,
            detail={
                "username": username,
                "role": role,
                "schools": sorted(s.emis_number for s in found_schools),
                "location": location or "",
                "organisation": org.name,
                "supervisor": supervisor or "",
            },
            **_who(by),
        )
    return staff


def staff_schools_add(*, username: str, schools: Sequence[str], by=None) -> list[str]:
    """Assign a staff member to more schools (EMIS numbers); the ones they have are kept.
    Returns the EMIS numbers newly assigned ([] when there were none). Used by the staff
    import, which adds and never takes away."""
    user = _user_named(username)
    staff = Staff.objects.filter(user=user).first()
    if staff is None:
        raise ProvisioningError([_("'%(username)s' has no staff record.") % {"username": username}])
    found = list(School.objects.filter(emis_number__in=schools))
    unknown = sorted(set(schools) - {s.emis_number for s in found})
    if unknown:
        raise ProvisioningError(
            [
                AccountProblem(
                    "schools",
                    _("No school with EMIS number %(numbers)s.") % {"numbers": ", ".join(unknown)},
                )
            ]
        )
    held = set(staff.schools.values_list("emis_number", flat=True))
    added = sorted({s.emis_number for s in found} - held)
    if not added:
        return []
    with transaction.atomic():
        staff.schools.add(*[s for s in found if s.emis_number in added])
        audit_record(
            action=AuditEntry.Action.CHANGE,
            object_type="user",
            object_id=user.pk,
            detail={"schools_added": added},
            **_who(by),
        )
    return added


def _set_active(*, username: str, active: bool, by=None) -> bool:
    user = _user_named(username)
    if not active and getattr(by, "pk", None) == user.pk:
        raise ProvisioningError(
            [
                AccountProblem(
                    "", _("You cannot disable your own account; ask another data manager.")
                )
            ]
        )
    if user.is_active == active:
        return False
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        audit_record(
            action=AuditEntry.Action.CHANGE,
            object_type="user",
            object_id=user.pk,
            detail={"before": {"active": not active}, "after": {"active": active}},
            **_who(by),
        )
    return True


def user_disable(*, username: str, by=None) -> bool:
    """Stop a user signing in. Their records and history stay, as the audit trail needs them.
    Returns False when the account was already disabled."""
    return _set_active(username=username, active=False, by=by)


def user_enable(*, username: str, by=None) -> bool:
    """Let a disabled user sign in again. Returns False when the account was already active."""
    return _set_active(username=username, active=True, by=by)


def class_teacher_add(*, username: str, emis_number: str, class_name: str, by=None):
    """Link a teacher to her class (this year's class of that name at the school; decision
    0049): the class becomes her *My class*. She must be a teacher assigned to the school.
    Returns the class; linking again changes nothing."""
    from cwtt.registry.models import SchoolClass

    user = _user_named(username)
    staff = getattr(user, "staff", None)
    if staff is None or staff.role != Role.TEACHER:
        raise ProvisioningError(
            [
                _("'%(username)s' is not a teacher; only teachers have a class.")
                % {"username": username}
            ]
        )
    school = staff.schools.filter(emis_number=emis_number).first()
    if school is None:
        raise ProvisioningError(
            [
                _(
                    "'%(username)s' is not assigned to a school with EMIS number %(emis)s; assign "
                    "the school first."
                )
                % {"username": username, "emis": emis_number}
            ]
        )
    school_class = (
        SchoolClass.objects.filter(school=school, name=class_name).order_by("-year").first()
    )
    if school_class is None:
        raise ProvisioningError(
            [
                _("%(school)s has no class called '%(name)s'.")
                % {"school": school.name, "name": class_name}
            ]
        )
    with transaction.atomic():
        if school_class.teachers.filter(pk=staff.pk).exists():
            return school_class
        school_class.teachers.add(staff)
        audit_record(
            action=AuditEntry.Action.CHANGE,
            object_type="class_teachers",
            object_id=school_class.pk,
            detail={"added": staff.pk, "school": school.emis_number},
            **_who(by),
        )
    return school_class


def _user_named(username: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise ProvisioningError(
            [_("There is no user called '%(username)s'.") % {"username": username}]
        )
    return user


def user_unlock(*, username: str, by=None) -> int:
    """Lift a sign-in lockout for a username now rather than after the cool-off. Returns the
    number of lockout records removed (0: the username was not locked out)."""
    from axes.utils import reset

    user = get_user_model().objects.filter(username=username).first()
    with transaction.atomic():
        removed = reset(username=username)
        if removed and user is not None:
            audit_record(
                action=AuditEntry.Action.DELETE,
                object_type="sign_in_lockout",
                object_id=user.pk,
                detail={"via": "administration pages" if by is not None else "command line"},
                actor=by,
            )
    if user is None and not removed:
        raise ProvisioningError(
            [_("There is no user called '%(username)s'.") % {"username": username}]
        )
    return removed


# --- choosing a password through a one-time link (decision 0020)


@dataclass(frozen=True)
class PasswordLink:
    """The two parts of a set-password address: the account's id (base 64) and a token that
    stops working once the password is set, after the person next signs in, or after
    PASSWORD_RESET_TIMEOUT (three days)."""

    uidb64: str
    token: str


def password_link_issue(*, user, by) -> PasswordLink:
    """A link with which the person chooses their own password. Issuing one is audited; the
    token itself is never stored, so it exists only on the page that shows it once."""
    with transaction.atomic():
        audit_record(
            action=AuditEntry.Action.CREATE,
            object_type="password_link",
            object_id=user.pk,
            detail={"has_password": user.has_usable_password()},
            **_who(by),
        )
    return PasswordLink(
        uidb64=urlsafe_base64_encode(force_bytes(user.pk)),
        token=default_token_generator.make_token(user),
    )


def password_set(*, user, password: str) -> None:
    """The person sets their password through their link (the form has checked it against the
    password rules). Audited with the person as the actor; the password is not in the entry."""
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(
            action=AuditEntry.Action.CHANGE,
            actor=user,
            object_type="password",
            object_id=user.pk,
            detail={"via": "set-password link"},
        )


# --- the second factor (TOTP): set up, check a code, reset


@dataclass(frozen=True)
class CodeOutcome:
    accepted: bool
    # After several wrong codes django-otp makes the person wait (1, 2, 4, 8 ... seconds)
    # before it checks another; this is how long is left, 0 if a code was checked.
    wait_seconds: int = 0


def second_factor_start(*, user) -> TOTPDevice:
    """The authenticator app being set up: made once and reused until it is confirmed, so
    reloading the set-up page shows the same QR code."""
    device = pending_device(user)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


def second_factor_check(*, user, device: TOTPDevice, code: str) -> CodeOutcome:
    """Check a code from the user's authenticator app. The first right code for a device
    being set up confirms it. A wrong code is counted by django-otp's throttling and written
    to the audit trail as a failed sign-in."""
    if device.user_id != user.pk:
        raise ValueError("That device belongs to someone else.")
    code = "".join(code.split()).replace("-", "")
    setting_up = not device.confirmed
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, why = locked.verify_is_allowed()
        if allowed and locked.verify_token(code):
            if setting_up:
                locked.confirmed = True
                locked.save(update_fields=["confirmed"])
                audit_record(
                    action=AuditEntry.Action.CHANGE,
                    actor=user,
                    object_type="second_factor",
                    object_id=locked.pk,
                    detail={"change": "set up"},
                )
            device.refresh_from_db()
            return CodeOutcome(accepted=True)
        wait = 0
        if not allowed:
            left = (why["locked_until"] - timezone.now()).total_seconds()
            wait = max(1, math.ceil(left))
        detail = {"step": "set_up" if setting_up else "code"}
        if wait:
            detail["waiting"] = True
        audit_record(action=AuditEntry.Action.SIGN_IN_FAILED, actor=user, detail=detail)
    return CodeOutcome(accepted=False, wait_seconds=wait)


def second_factor_reset(*, username: str, by=None) -> int:
    """Remove a person's authenticator app (lost phone): they set up a new one at their next
    sign-in, and any session verified with the old one must enter a code again."""
    user = _user_named(username)
    with transaction.atomic():
        removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
        if removed:
            audit_record(
                action=AuditEntry.Action.DELETE,
                object_type="second_factor",
                object_id=user.pk,
                detail={"via": "administration pages" if by is not None else "command line"},
                actor=by,
            )
    return removed


# --- tokens for the REST API (docs/api.md, decision 0044)


def api_token_issue(*, username: str, by=None) -> str:
    """A new API token for the person, replacing any they had (the old one stops working at
    once). Returned once, to be handed over; the token carries the person's own access, never
    more. Refused for a disabled account."""
    from rest_framework.authtoken.models import Token

    user = _user_named(username)
    if not user.is_active:
        raise ProvisioningError(
            [_("%(username)s is disabled; enable the account first.") % {"username": username}]
        )
    with transaction.atomic():
        replaced, _by_model = Token.objects.filter(user=user).delete()
        token = Token.objects.create(user=user)
        audit_record(
            action=AuditEntry.Action.CREATE,
            object_type="api_token",
            object_id=user.pk,
            detail={"replaced": bool(replaced)},
            **_who(by),
        )
    return token.key


def api_token_revoke(*, username: str, by=None) -> bool:
    """Stop the person's API token working. Returns False when they had none."""
    from rest_framework.authtoken.models import Token

    user = _user_named(username)
    with transaction.atomic():
        removed, _by_model = Token.objects.filter(user=user).delete()
        if removed:
            audit_record(
                action=AuditEntry.Action.DELETE,
                object_type="api_token",
                object_id=user.pk,
                detail={},
                **_who(by),
            )
    return bool(removed)
