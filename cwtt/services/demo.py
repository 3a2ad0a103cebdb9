"""Demo providers for a generated district (`cwtt demo`), so the directory and referrals have
somewhere to send a child. Idempotent: run again, it updates the same providers."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from cwtt.registry.models import Location

from .catalogue import ensure_service_types
from .models import Provider, ServiceType

# The generator's district codes: SYN-GT-D1, SYN-GT-D2 ... (cwtt/synthetic/generate.py).
GENERATED_DISTRICT_PREFIX = "SYN-GT-D"
CENTRE = (-26.2, 28.05)  # the generator's centre, near Johannesburg

# name (with {place}), sector, service type codes, km north and east of the centre,
# hours, eligibility, capacity per month.
DEMO_PROVIDERS: tuple[tuple[str, str, tuple[str, ...], float, float, str, str, int | None], ...] = (
    (
        "{place} Community Health Centre",
        "health",
        ("clinic_visit", "immunisation", "growth_monitoring", "hearing_screening"),
        2.0,
        -3.0,
        "Mon-Fri 07:00-16:00, Sat 08:00-12:00",
        "Anyone living in the district; bring the child's Road to Health booklet.",
        400,
    ),
    (
        "SASSA {place} Local Office",
        "social_development",
        ("grant_application", "documents"),
        -4.0,
        5.0,
        "Mon-Fri 08:00-15:30",
        "Caregivers applying for the Child Support Grant; bring ID and the child's birth "
        "certificate (staff help when documents are missing).",
        None,
    ),
    (
        "Department of Social Development, {place} Service Point",
        "social_development",
        ("statutory_protection", "home_visit", "counselling"),
        -1.0,
        1.5,
        "Mon-Fri 07:30-16:00; after hours call the Childline 116",
        "Designated social workers for children in need of care and protection.",
        60,
    ),
    (
        "{place} Food Garden and Soup Kitchen (NGO)",
        "ngo",
        ("food_support",),
        6.0,
        -8.0,
        "Mon-Fri 12:00-14:00",
        "Households that report going hungry; referral from the school or clinic.",
        120,
    ),
    (
        "{place} District Office, School Based Support Team",
        "education",
        ("educational_assessment", "learning_support"),
        0.5,
        0.5,
        "School days 08:00-15:00, by appointment",
        "Learners referred by their school's SBST after classroom support was tried.",
        30,
    ),
    (
        "Thandanani Families {place} (NGO)",
        "ngo",
        ("family_strengthening", "psychosocial_group", "home_visit"),
        -7.0,
        -4.0,
        "Tue and Thu 14:00-17:00, Sat 09:00-12:00",
        "Caregivers of children aged 3-10; 12 weekly positive-parenting sessions.",
        40,
    ),
    (
        "Clear Sight {place} Eye Screening Programme",
        "ngo",
        ("eye_screening",),
        9.0,
        10.0,
        "Visits schools each term; clinic days Wed 09:00-13:00",
        "Foundation Phase learners; free glasses when needed.",
        150,
    ),
    (
        "{place} Community Mental Health Clinic",
        "health",
        ("caregiver_mental_health", "counselling"),
        3.0,
        4.0,
        "Mon-Fri 08:00-16:00",
        "Caregivers and children referred by a nurse, social worker or the school.",
        50,
    ),
)


def _offset(north_km: float, east_km: float) -> tuple[Decimal, Decimal]:
    latitude = CENTRE[0] + north_km / 111.0
    longitude = CENTRE[1] + east_km / 100.0  # about 100 km per degree of longitude at -26
    return Decimal(f"{latitude:.6f}"), Decimal(f"{longitude:.6f}")


@transaction.atomic
def ensure_demo_providers(district: Location | None = None) -> list[Provider]:
    """Create (or update) eight providers serving `district`, by default the first generated
    district; none when there is no such district."""
    if district is None:
        district = (
            Location.objects.filter(
                level=Location.Level.DISTRICT, code__startswith=GENERATED_DISTRICT_PREFIX
            )
            .order_by("pk")
            .first()
        )
    if district is None:
        return []
    ensure_service_types(ServiceType)
    types = {service_type.code: service_type for service_type in ServiceType.objects.all()}
    place = district.name.split()[0]
    slug = slugify(place) or "district"
    made = []
    for name, sector, codes, north, east, hours, eligibility, capacity in DEMO_PROVIDERS:
        latitude, longitude = _offset(north, east)
        provider, _ = Provider.objects.update_or_create(
            name=name.format(place=place),
            defaults={
                "sector": sector,
                "address": f"{place}, {district.name}",
                "latitude": latitude,
                "longitude": longitude,
                "phone": f"011 555 {1000 + len(made):04d}",
                "email": f"info.{len(made) + 1}@{slug}.example.org",
                "hours": hours,
                "eligibility": eligibility,
                "capacity_per_month": capacity,
                "active": True,
            },
        )
        provider.service_types.set([types[code] for code in codes])
        provider.catchment.set([district])
        made.append(provider)
    return made
