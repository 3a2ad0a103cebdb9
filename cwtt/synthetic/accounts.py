"""One demo account per role, for trying the product. Never created outside the demo command."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.access.roles import Role
from cwtt.access.two_factor import role_needs_second_factor
from cwtt.registry.models import Location, Organisation, School, SchoolClass, Staff

# Printed on start; the demo database lives only on the user's own machine.
DEMO_PASSWORD = "cwtt-demo-2026"
# The demo accounts that need a second factor share this published authenticator key, so
# `cwtt demo_code USERNAME` can print their current code. Never used outside the demo.
DEMO_TOTP_DEVICE = "demo"
DEMO_TOTP_KEY = b"cwtt-demo-totp-key!!".hex()


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    first_name: str
    last_name: str
    sector: str


DEMO_ACCOUNTS = (
    DemoAccount("fieldworker", Role.FIELD_WORKER, "Thandi", "Field", Organisation.Sector.NGO),
    DemoAccount("teacher", Role.TEACHER, "Pieter", "Teacher", Organisation.Sector.EDUCATION),
    DemoAccount(
        "socialworker",
        Role.SOCIAL_WORKER,
        "Lerato",
        "Social",
        Organisation.Sector.SOCIAL_DEVELOPMENT,
    ),
    DemoAccount("nurse", Role.NURSE, "Nomsa", "Nurse", Organisation.Sector.HEALTH),
    DemoAccount(
        "coordinator", Role.COORDINATOR, "Sipho", "Coordinator", Organisation.Sector.EDUCATION
    ),
    DemoAccount(
        "district", Role.DISTRICT_OFFICIAL, "Ayesha", "District", Organisation.Sector.EDUCATION
    ),
    DemoAccount(
        "province", Role.PROVINCIAL_OFFICIAL, "Johan", "Province", Organisation.Sector.EDUCATION
    ),
    DemoAccount("researcher", Role.RESEARCHER, "Zanele", "Research", Organisation.Sector.NGO),
    DemoAccount("datamanager", Role.DATA_MANAGER, "Kagiso", "Data", Organisation.Sector.EDUCATION),
)

_ORGANISATIONS = {
    Organisation.Sector.NGO: "Demo Child Wellbeing NGO",
    Organisation.Sector.EDUCATION: "Demo District Education Office",
    Organisation.Sector.SOCIAL_DEVELOPMENT: "Demo Social Development Office",
    Organisation.Sector.HEALTH: "Demo Community Clinic",
}


@transaction.atomic
def ensure_demo_accounts() -> list[DemoAccount]:
    """Create the demo accounts, or reset the ones the demo made before, assigned to the first
    school(s) of the district. An account of the same name that the demo did not make is left
    exactly as it is (its password and authenticator belong to someone). Returns the accounts
    ready to use with the demo password."""
    from .models import DemoDatabase

    User = get_user_model()
    mark, _ = DemoDatabase.objects.get_or_create(pk=1)
    made_by_demo = set(mark.accounts.values_list("username", flat=True))
    schools = list(School.objects.order_by("pk")[:2])
    district = Location.objects.filter(level=Location.Level.DISTRICT).order_by("pk").first()
    province = Location.objects.filter(level=Location.Level.PROVINCE).order_by("pk").first()
    ready = []
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = User.objects.create(username=account.username)
            mark.accounts.add(user)
        elif account.username not in made_by_demo:
            continue
        user.first_name, user.last_name = account.first_name, account.last_name
        # example.org is reserved for examples (RFC 2606): no mail reaches anyone, and the
        # demo prints it to the console, so "Forgot your password?" can be tried.
        user.email = f"{account.username}@example.org"
        user.set_password(DEMO_PASSWORD)
        user.is_active = True
        user.save()
        organisation, _ = Organisation.objects.get_or_create(
            name=_ORGANISATIONS[account.sector], defaults={"sector": account.sector}
        )
        location = None
        if account.role == Role.DISTRICT_OFFICIAL:
            location = district
        elif account.role in {Role.PROVINCIAL_OFFICIAL, Role.RESEARCHER}:
            location = province
        staff, _ = Staff.objects.update_or_create(
            user=user,
            defaults={"organisation": organisation, "role": account.role, "location": location},
        )
        if account.role in {Role.FIELD_WORKER, Role.SOCIAL_WORKER, Role.NURSE}:
            staff.schools.set(schools)
        elif account.role in {Role.TEACHER, Role.COORDINATOR}:
            staff.schools.set(schools[:1])
            if account.role == Role.TEACHER:
                _give_a_class(staff, schools[:1])
        else:
            staff.schools.clear()
        if role_needs_second_factor(account.role):
            _ensure_demo_device(user)
        ready.append(account)
    return ready


def _give_a_class(staff: Staff, schools: list[School]) -> None:
    """The demo teacher teaches the largest class of this year at her school (her My class)."""
    from django.db.models import Count

    classes = SchoolClass.objects.filter(school__in=schools).annotate(size=Count("children"))
    largest = classes.order_by("-year", "-size", "grade", "name").first()
    staff.classes_taught.set([largest] if largest is not None else [])


def _ensure_demo_device(user) -> None:
    # Reset like the password: only the demo device, with the published key, unthrottled.
    TOTPDevice.objects.filter(user=user).exclude(name=DEMO_TOTP_DEVICE).delete()
    TOTPDevice.objects.update_or_create(
        user=user,
        name=DEMO_TOTP_DEVICE,
        defaults={
            "key": DEMO_TOTP_KEY,
            "confirmed": True,
            "throttling_failure_count": 0,
            "throttling_failure_timestamp": None,
        },
    )
