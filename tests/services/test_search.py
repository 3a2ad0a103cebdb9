"""Finding providers near a school: catchment by the school's circuit or any place above it,
filters by area of wellbeing and kind of help, nearest first, inactive ones never."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cwtt.registry.models import Location, School
from cwtt.services.demo import ensure_demo_providers
from cwtt.services.models import Provider, ServiceType
from cwtt.services.search import haversine_km, nearest_first, providers_near

pytestmark = pytest.mark.django_db


def provider(name, codes, catchment, *, at=None, active=True):
    made = Provider.objects.create(
        name=name,
        sector="health",
        active=active,
        latitude=Decimal(str(at[0])) if at else None,
        longitude=Decimal(str(at[1])) if at else None,
    )
    made.service_types.set(ServiceType.objects.filter(code__in=codes))
    made.catchment.set(catchment)
    return made


def names(found):
    return [n.provider.name for n in found]


@pytest.fixture
def elsewhere(district):
    other = Location.objects.create(
        code="GP-OD", name="Other District", level="district", parent=district["province"]
    )
    return Location.objects.create(
        code="GP-OD-1", name="Far Circuit", level="circuit", parent=other
    )


def test_a_catchment_covers_the_schools_circuit_district_and_province(district, sunrise, elsewhere):
    provider("Circuit clinic", ["clinic_visit"], [district["circuit"]])
    provider("District office", ["grant_application"], [district["district"]])
    provider("Province programme", ["eye_screening"], [district["province"]])
    provider("Far clinic", ["clinic_visit"], [elsewhere])
    assert names(providers_near(sunrise)) == [
        "Circuit clinic",
        "District office",
        "Province programme",
    ]


def test_filters_by_area_of_wellbeing_and_by_kind_of_help(district, sunrise):
    provider("Clinic", ["clinic_visit", "immunisation"], [district["district"]])
    provider("Eye programme", ["eye_screening"], [district["district"]])
    provider("Soup kitchen", ["food_support"], [district["district"]])
    assert names(providers_near(sunrise, domain="health")) == ["Clinic", "Eye programme"]
    assert names(providers_near(sunrise, domain="nutrition")) == ["Soup kitchen"]
    assert names(providers_near(sunrise, service_type="eye_screening")) == ["Eye programme"]
    eye = ServiceType.objects.get(code="eye_screening")
    assert names(providers_near(sunrise, domain="health", service_type=eye)) == ["Eye programme"]
    assert providers_near(sunrise, domain="education") == []


def test_a_provider_listed_once_even_when_several_services_and_areas_match(district, sunrise):
    provider(
        "Clinic",
        ["clinic_visit", "immunisation"],
        [district["circuit"], district["district"], district["province"]],
    )
    assert names(providers_near(sunrise, domain="health")) == ["Clinic"]


def test_inactive_providers_are_never_listed(district, sunrise):
    provider("Closed clinic", ["clinic_visit"], [district["district"]], active=False)
    assert providers_near(sunrise) == []


def test_nearest_first_with_distances_and_those_without_coordinates_last(district, sunrise):
    provider("Far", ["clinic_visit"], [district["district"]], at=(-26.5, 28.05))
    provider("Near", ["clinic_visit"], [district["district"]], at=(-26.21, 28.05))
    provider("A no address", ["clinic_visit"], [district["district"]])
    found = providers_near(sunrise, origin=(-26.2, 28.05))
    assert names(found) == ["Near", "Far", "A no address"]
    assert [n.distance_km for n in found] == [1.1, 33.4, None]


def test_the_schools_own_coordinates_are_used_when_it_has_them(district, sunrise):
    provider("Far", ["clinic_visit"], [district["district"]], at=(-26.5, 28.05))
    provider("Near", ["clinic_visit"], [district["district"]], at=(-26.21, 28.05))
    sunrise.latitude, sunrise.longitude = -26.6, 28.05  # not stored by the registry yet
    assert names(providers_near(sunrise)) == ["Far", "Near"]
    assert names(providers_near(School.objects.get(pk=sunrise.pk))) == ["Far", "Near"]  # by name


def test_without_an_origin_every_distance_is_unknown_and_the_order_is_by_name(district):
    a = Provider(name="b clinic", latitude=Decimal("-26.2"), longitude=Decimal("28"))
    b = Provider(name="A clinic")
    assert [(n.provider.name, n.distance_km) for n in nearest_first([a, b], None)] == [
        ("A clinic", None),
        ("b clinic", None),
    ]


def test_haversine_matches_known_distances():
    johannesburg, pretoria, cape_town = (
        (-26.2041, 28.0473),
        (-25.7479, 28.2293),
        (-33.9249, 18.4241),
    )
    assert haversine_km(johannesburg, johannesburg) == 0
    assert 53 < haversine_km(johannesburg, pretoria) < 55
    assert 1260 < haversine_km(johannesburg, cape_town) < 1270
    assert haversine_km(pretoria, cape_town) == pytest.approx(haversine_km(cape_town, pretoria))


def test_demo_providers_serve_the_generated_district_and_are_idempotent(db):
    assert ensure_demo_providers() == []  # no generated district yet
    province = Location.objects.create(code="SYN-GT", name="Gauteng (synthetic)", level="province")
    generated = Location.objects.create(
        code="SYN-GT-D1", name="Ikageng North District", level="district", parent=province
    )
    circuit = Location.objects.create(
        code="SYN-GT-D1-C01", name="Ikageng Circuit", level="circuit", parent=generated
    )
    school = School.objects.create(
        emis_number="700999999", name="Demo Primary", quintile=1, location=circuit
    )
    made = ensure_demo_providers()
    assert len(made) == 8 and len(ensure_demo_providers()) == 8
    assert Provider.objects.count() == 8
    codes = set(ServiceType.objects.filter(providers__isnull=False).values_list("code", flat=True))
    assert {
        "clinic_visit",
        "grant_application",
        "statutory_protection",
        "food_support",
        "educational_assessment",
        "family_strengthening",
        "eye_screening",
        "caregiver_mental_health",
    } <= codes
    assert names(providers_near(school, service_type="food_support")) == [
        "Ikageng Food Garden and Soup Kitchen (NGO)"
    ]
