"""Finding help near a school: the active providers whose catchment covers the school and who
offer the kind of service wanted, nearest first.

A provider's catchment lists provinces, districts or circuits; it covers a school when one of
them is the school's circuit or a place above it. Distance is the great-circle (haversine)
distance when both the school and the provider have coordinates; providers without them follow,
by name. Schools carry no coordinates in the registry yet, so callers may pass `origin`; when
`School` gains `latitude` and `longitude` they are used without a change here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from cwtt.registry.models import Location, School

from .models import Provider, ServiceType

EARTH_RADIUS_KM = 6371.0088

Point = tuple[float, float]


@dataclass(frozen=True)
class NearbyProvider:
    provider: Provider
    distance_km: float | None  # None when the school or the provider has no coordinates


def haversine_km(a: Point, b: Point) -> float:
    """Great-circle distance in kilometres between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def point_of(place: object) -> Point | None:
    """(latitude, longitude) of anything with both set, else None."""
    latitude = getattr(place, "latitude", None)
    longitude = getattr(place, "longitude", None)
    if latitude is None or longitude is None:
        return None
    return float(Decimal(latitude)), float(Decimal(longitude))


def ancestor_ids(location: Location) -> list[int]:
    """The location and every place above it (circuit, district, province)."""
    ids: list[int] = []
    current: Location | None = location
    while current is not None and current.pk not in ids:  # the tree is shallow, never a loop
        ids.append(current.pk)
        current = current.parent
    return ids


def nearest_first(providers: list[Provider], origin: Point | None) -> list[NearbyProvider]:
    """Providers with their distance from `origin`, nearest first; those without a distance
    after, by name."""
    found = []
    for provider in providers:
        point = point_of(provider)
        distance = haversine_km(origin, point) if origin and point else None
        found.append(NearbyProvider(provider, None if distance is None else round(distance, 1)))
    return sorted(
        found,
        key=lambda n: (n.distance_km is None, n.distance_km or 0.0, n.provider.name.casefold()),
    )


def providers_near(
    school: School,
    *,
    domain: str | None = None,
    service_type: ServiceType | str | None = None,
    origin: Point | None = None,
) -> list[NearbyProvider]:
    """Active providers covering the school's area that offer a service of `domain` and/or of
    `service_type` (a ServiceType or its code); nearest first (see the module)."""
    providers = Provider.objects.filter(active=True, catchment__in=ancestor_ids(school.location))
    if domain:
        providers = providers.filter(service_types__domain=domain)
    if service_type:
        code = getattr(service_type, "code", service_type)
        providers = providers.filter(service_types__code=code)
    # distinct() through the joins, then one query each for services and areas.
    chosen = Provider.objects.filter(pk__in=providers.values("pk")).prefetch_related(
        "service_types", "catchment"
    )
    return nearest_first(list(chosen), origin or point_of(school))
