"""Writes for accounts: provisioning staff from the command line (issue #3, item 11)."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from cwtt.registry.models import Location, Organisation, School, Staff

from .roles import AREA_ROLES, SCHOOL_ROLES, Role

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


class ProvisioningError(Exception):
    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def user_add(
    *,
    username: str,
    role: str,
    password: str,
    schools: Sequence[str] = (),
    location: str | None = None,
    organisation: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> Staff:
    """Create a staff account, checking everything first so nothing half-made is left."""
    User = get_user_model()
    problems: list[str] = []
    if role not in Role.values:
        problems.append(f"'{role}' is not a role; use one of: {', '.join(Role.values)}.")
    if not username.strip():
        problems.append("The username is empty.")
    elif User.objects.filter(username=username).exists():
        problems.append(f"There is already a user called '{username}'.")
    found_schools = list(School.objects.filter(emis_number__in=schools))
    unknown = sorted(set(schools) - {s.emis_number for s in found_schools})
    if unknown:
        problems.append(f"No school with EMIS number {', '.join(unknown)}.")
    found_location = None
    if location:
        found_location = Location.objects.filter(code=location).first()
        if found_location is None:
            problems.append(f"No location with code '{location}'.")
    if role in SCHOOL_ROLES and not schools:
        problems.append(f"A {Role(role).label.lower()} needs at least one --school.")
    if role in AREA_ROLES and not location:
        problems.append(
            f"A {Role(role).label.lower()} needs a --location (district or province code)."
        )
    try:
        validate_password(
            password, User(username=username, first_name=first_name, last_name=last_name)
        )
    except ValidationError as error:
        problems.extend(f"Password: {message}" for message in error.messages)
    if problems:
        raise ProvisioningError(problems)
    with transaction.atomic():
        user = User.objects.create_user(
            username=username, password=password, first_name=first_name, last_name=last_name
        )
        sector = ROLE_SECTOR[Role(role)]
        org, _ = Organisation.objects.get_or_create(
            name=organisation
            or f"{Organisation.Sector(sector).label} (organisation not yet named)",
            defaults={"sector": sector},
        )
        staff = Staff.objects.create(
            user=user, organisation=org, role=role, location=found_location
        )
        staff.schools.set(found_schools)
    return staff


def user_disable(*, username: str) -> None:
    """Stop a user signing in. Their records and history stay, as the audit trail needs them."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ProvisioningError([f"There is no user called '{username}'."])
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
