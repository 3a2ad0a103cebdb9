"""Targeting: which schools need help most, and why (issue #14 item 6; docs/planning.md).

Per school and domain, the children at high risk in the wave are set against the places the
services in the directory can offer the school. Pure Python, no Django: cwtt/planning/sources.py
reads the database into these types.

How a service's places are shared (decision 0058):

- A provider reaches a school when the school lies in one of the provider's catchment areas (a
  circuit, district or province, with everything under it), or, for a provider with no
  catchment listed, when the school lies within `radius_km` of the provider's coordinates.
- A provider offers `capacity_per_month × months` places over the planning period (12 months
  by default: children are assessed once a year). A provider with no capacity recorded offers
  no places we can count; the school's reason says when such a provider is within reach.
- A provider's places are shared among every (school, domain) pair it reaches, in proportion
  to the children at high risk in that pair: a school with twice the need gets twice the
  places. Places beyond a pair's need are not passed on to other schools (the provider would
  have to know of them), so total places offered can exceed places used.
- unmet need = children at high risk − places, never below zero; it is whole children.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

DOMAINS: tuple[str, ...] = (
    "health",
    "nutrition",
    "economic",
    "education",
    "protection",
    "psychosocial",
)
DOMAIN_WORDS: dict[str, str] = {
    "health": "good health",
    "nutrition": "food and nutrition",
    "economic": "money and living conditions",
    "education": "education and learning",
    "protection": "protection and care",
    "psychosocial": "feelings and behaviour",
}
DEFAULT_MONTHS = 12
DEFAULT_RADIUS_KM = 10.0


@dataclass(frozen=True)
class SchoolNeed:
    school_id: int
    name: str
    areas: frozenset[int]  # the school's location and every location above it
    assessed: int  # children with a risk profile in the wave
    high: Mapping[str, int]  # domain -> children at high risk
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Service:
    provider_id: int
    name: str
    domains: frozenset[str]
    catchment: frozenset[int]  # location ids; everything under them is served
    capacity_per_month: int | None
    latitude: float | None = None
    longitude: float | None = None


@dataclass
class SchoolTarget:
    school: SchoolNeed
    places: dict[str, float] = field(default_factory=dict)  # domain -> places shared to it
    providers: dict[str, int] = field(default_factory=dict)  # domain -> providers in reach
    unknown: dict[str, int] = field(default_factory=dict)  # ... of which capacity unknown
    rank: int = 0

    def unmet(self, domain: str) -> int:
        return unmet_need(self.school.high.get(domain, 0), self.places.get(domain, 0.0))

    @property
    def total_unmet(self) -> int:
        return sum(self.unmet(d) for d in DOMAINS)


def unmet_need(high: int, places: float) -> int:
    """Children at high risk the places cannot reach: whole children, never below zero."""
    return max(0, high - math.floor(places))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, Earth radius 6,371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def reaches(service: Service, school: SchoolNeed, radius_km: float = DEFAULT_RADIUS_KM) -> bool:
    if service.catchment:
        return bool(service.catchment & school.areas)
    if None in (service.latitude, service.longitude, school.latitude, school.longitude):
        return False
    return (
        distance_km(school.latitude, school.longitude, service.latitude, service.longitude)  # type: ignore[arg-type]
        <= radius_km
    )


def targets(
    schools: Sequence[SchoolNeed],
    services: Iterable[Service],
    *,
    months: int = DEFAULT_MONTHS,
    radius_km: float = DEFAULT_RADIUS_KM,
) -> list[SchoolTarget]:
    """Every school with the places shared to it, ranked most in need first (`rank`, from 1)."""
    if months < 1:
        raise ValueError(f"The planning period must be at least one month, not {months}.")
    found = {s.school_id: SchoolTarget(s) for s in schools}
    for service in services:
        reached = [s for s in schools if reaches(service, s, radius_km)]
        pairs = [(s, d) for s in reached for d in DOMAINS if d in service.domains]
        for school, domain in pairs:
            target = found[school.school_id]
            target.providers[domain] = target.providers.get(domain, 0) + 1
            if service.capacity_per_month is None:
                target.unknown[domain] = target.unknown.get(domain, 0) + 1
        if not service.capacity_per_month:
            continue
        need = sum(school.high.get(domain, 0) for school, domain in pairs)
        if not need:
            continue
        offered = service.capacity_per_month * months
        for school, domain in pairs:
            share = offered * school.high.get(domain, 0) / need
            target = found[school.school_id]
            target.places[domain] = target.places.get(domain, 0.0) + share
    return ranked(list(found.values()))


def ranked(found: list[SchoolTarget]) -> list[SchoolTarget]:
    """Most in need first: the most children at high risk no place reaches (summed over
    domains), then the larger share of the school's assessed children, then by name."""

    def key(t: SchoolTarget):
        share = t.total_unmet / t.school.assessed if t.school.assessed else 0.0
        return (-t.total_unmet, -share, t.school.name, t.school.school_id)

    found.sort(key=key)
    for number, target in enumerate(found, start=1):
        target.rank = number
    return found


def reason(domains: Sequence[tuple[str, int | None, float, int, int]], *, top: int = 2) -> str:
    """Why a school ranks where it does, in plain words, from what may be shown.

    `domains`: (domain, children at high risk as shown or None when hidden, places, providers
    within reach, of which capacity unknown), per domain. The words use only the shown
    numbers, so the reason gives away nothing the table hides."""
    gaps = []
    for domain, high, places, providers, unknown in domains:
        if high is None:
            continue
        gap = unmet_need(high, places)
        if gap > 0:
            gaps.append((gap, domain, high, places, providers, unknown))
    if not gaps:
        if all(high is None for _, high, *_rest in domains):
            return "Too few children to show the figures."
        return "The services within reach have places for the children shown at high risk."
    gaps.sort(key=lambda g: (-g[0], DOMAINS.index(g[1])))
    parts = []
    for gap, domain, high, places, providers, unknown in gaps[:top]:
        words = DOMAIN_WORDS[domain]
        if providers == 0:
            parts.append(f"{high} children at high risk in {words} and no service within reach")
        elif unknown == providers:
            parts.append(
                f"{high} children at high risk in {words}; the services within reach have not "
                "said how many they can take"
            )
        else:
            parts.append(
                f"{high} children at high risk in {words} and about {math.floor(places)} places "
                f"in the services within reach ({gap} without a place)"
            )
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
