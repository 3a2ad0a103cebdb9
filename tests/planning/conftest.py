"""A planted district for the planning tests: risk profiles written straight into the database
(so each test states who is at high risk where), providers with catchments and capacity, and
staff at the schools.

Who may see what (tests/conftest.py): Dumi (district official of Test District) and Dora
(data manager) open the Planning page; Tumi (teacher), Cora (coordinator) and the other school
roles may not; Olga, a district official of another district, sees none of Test District.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from cwtt.access.roles import Role
from cwtt.registry.models import Location, Organisation, School, Staff
from cwtt.services.models import Provider, ServiceType

from ..conftest import PASSWORD, make_child  # noqa: TID252 - shared test helper
from ..dashboards.conftest import plant_profile  # noqa: TID252 - shared test helper


def plant_school(wave, emis, name, location, sizes: dict[str, int], assessed: int, surname):
    """A school with `assessed` children, the first sizes[domain] of them high in that domain."""
    found = School.objects.create(emis_number=emis, name=name, quintile=2, location=location)
    wave.schools.add(found)
    for number in range(assessed):
        child = make_child(found, first=f"Kid{number}", last=surname, consent=False)
        plant_profile(
            child,
            wave,
            **{domain: "high" for domain, size in sizes.items() if number < size},
        )
    return found


def add_provider(name, domains, catchment, capacity):
    provider = Provider.objects.create(name=name, sector="ngo", capacity_per_month=capacity)
    provider.service_types.set(ServiceType.objects.filter(domain__in=domains)[:3])
    provider.catchment.set(catchment)
    return provider


def add_staff(username, role, schools):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    org, _ = Organisation.objects.get_or_create(
        name="DSD", defaults={"sector": "social_development"}
    )
    staff = Staff.objects.create(user=user, organisation=org, role=role)
    staff.schools.set(schools)
    return staff


@pytest.fixture
def planted(people, district, wave):
    return plant_district(district, wave)


def plant_district(district, wave):
    """Circuit 1: Big Need Primary (40 assessed: 30 high in protection, 20 in nutrition) and
    Tiny Primary (6 assessed: 2 high in protection, a small cell). Circuit 2: Served Primary
    (30 assessed: 10 high in protection, with a provider of its own). One social worker at Big
    Need and Served (half at each)."""
    circuit_2 = Location.objects.create(
        code="GP-TD-2", name="Circuit 2", level="circuit", parent=district["district"]
    )
    big = plant_school(
        wave,
        "700500001",
        "Big Need Primary",
        district["circuit"],
        {"protection": 30, "nutrition": 20},
        40,
        "Mabena",
    )
    tiny = plant_school(
        wave, "700500002", "Tiny Primary", district["circuit"], {"protection": 2}, 6, "Tshabalala"
    )
    served = plant_school(
        wave, "700500003", "Served Primary", circuit_2, {"protection": 10}, 30, "Ndlovu"
    )
    add_provider("Circuit 2 Family Care", ["protection"], [circuit_2], 5)
    add_provider("District Clinic", ["health"], [district["district"]], 10)
    add_staff("sipho", Role.SOCIAL_WORKER, [big, served])
    other_province = Location.objects.create(code="KZ", name="KZN (test)", level="province")
    other = Location.objects.create(
        code="KZ-UM", name="Other District", level="district", parent=other_province
    )
    user = get_user_model().objects.create_user("olga", password=PASSWORD, first_name="Olga")
    org, _ = Organisation.objects.get_or_create(
        name="Org education", defaults={"sector": "education"}
    )
    Staff.objects.create(user=user, organisation=org, role=Role.DISTRICT_OFFICIAL, location=other)
    return {"big": big, "tiny": tiny, "served": served, "olga": user}
