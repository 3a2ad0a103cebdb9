"""What the planning core needs, read from the database in a fixed number of queries whatever
the number of schools (tests/planning/test_query_counts.py): children at high risk per school
from the wave's risk profiles, the service directory, today's staff, and the places above each
school. Counts only: no child is read, and nothing here is shown before cwtt/planning/published.py
has suppressed and rounded it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from cwtt.assessments.models import RiskProfile, Wave
from cwtt.registry.models import Location, School, Staff
from cwtt.services.models import Provider

from .targeting import DOMAINS, SchoolNeed, Service
from .workforce import PROFESSIONS, ROLE_TO_PROFESSION

BY_CHOICES = ("school", "circuit", "district")


@dataclass(frozen=True)
class SchoolCounts:
    school_id: int
    name: str
    emis: str
    location_id: int
    latitude: float | None
    longitude: float | None
    assessed: int
    grade_r: int  # of them in Grade R (the yearly intake, for projections)
    high: dict[str, int]  # domain -> children at high risk
    cases: dict[str, int]  # profession -> children high in any of its domains


@dataclass(frozen=True)
class Places:
    """Every location, read once: parents, levels and names."""

    parent: dict[int, int | None]
    level: dict[int, str]
    name: dict[int, str]

    def above(self, location_id: int) -> list[int]:
        """The location and every one above it."""
        found, current = [], location_id
        while current is not None and current not in found:
            found.append(current)
            current = self.parent.get(current)
        return found

    def at_level(self, location_id: int, level: str) -> int | None:
        for place in self.above(location_id):
            if self.level.get(place) == level:
                return place
        return None


def places() -> Places:
    rows = list(Location.objects.values_list("pk", "parent_id", "level", "name"))
    return Places(
        {pk: parent for pk, parent, _, _ in rows},
        {pk: level for pk, _, level, _ in rows},
        {pk: name for pk, _, _, name in rows},
    )


def latest_wave(schools: QuerySet[School]) -> Wave | None:
    """The latest wave that has begun and covers any of these schools."""
    return Wave.objects.covering(schools.values_list("pk", flat=True)).started().last()


def wave_named(name: str) -> Wave | None:
    return Wave.objects.filter(name=name).first()


def school_counts(schools: QuerySet[School], wave: Wave | None) -> list[SchoolCounts]:
    """Every school of the queryset (with zeros where no child was assessed), in name order."""
    found = list(
        schools.order_by("name", "pk").values(
            "pk", "name", "emis_number", "location_id", "latitude", "longitude"
        )
    )
    counted: dict[int, dict] = {}
    if wave is not None:
        high = {d: Q(**{d: "high"}) for d in DOMAINS}
        aggregates = {
            "assessed": Count("pk"),
            "grade_r": Count("pk", filter=Q(child__school_class__grade="R")),
            **{f"high_{d}": Count("pk", filter=high[d]) for d in DOMAINS},
        }
        for p in PROFESSIONS:
            any_high = Q()
            for domain in p.domains:
                any_high |= high[domain]
            aggregates[f"case_{p.code}"] = Count("pk", filter=any_high)
        rows = (
            RiskProfile.objects.filter(wave=wave, child__school__in=schools)
            .order_by()
            .values("child__school_id")
            .annotate(**aggregates)
        )
        counted = {row["child__school_id"]: row for row in rows}
    out = []
    for school in found:
        row = counted.get(school["pk"], {})
        out.append(
            SchoolCounts(
                school_id=school["pk"],
                name=school["name"],
                emis=school["emis_number"],
                location_id=school["location_id"],
                latitude=_float(school["latitude"]),
                longitude=_float(school["longitude"]),
                assessed=row.get("assessed", 0),
                grade_r=row.get("grade_r", 0),
                high={d: row.get(f"high_{d}", 0) for d in DOMAINS},
                cases={p.code: row.get(f"case_{p.code}", 0) for p in PROFESSIONS},
            )
        )
    return out


def _float(value) -> float | None:
    return None if value is None else float(value)


def needs(counts: list[SchoolCounts], where: Places) -> list[SchoolNeed]:
    return [
        SchoolNeed(
            school_id=c.school_id,
            name=c.name,
            areas=frozenset(where.above(c.location_id)),
            assessed=c.assessed,
            high=c.high,
            latitude=c.latitude,
            longitude=c.longitude,
        )
        for c in counts
    ]


def services() -> list[Service]:
    """The active providers of the directory with the domains of their services (3 queries)."""
    providers = Provider.objects.filter(active=True).prefetch_related("catchment", "service_types")
    return [
        Service(
            provider_id=p.pk,
            name=p.name,
            domains=frozenset(t.domain for t in p.service_types.all()),
            catchment=frozenset(place.pk for place in p.catchment.all()),
            capacity_per_month=p.capacity_per_month,
            latitude=_float(p.latitude),
            longitude=_float(p.longitude),
        )
        for p in providers
    ]


def staff_by_school(schools: QuerySet[School]) -> dict[int, dict[str, float]]:
    """Today's staff per school and profession, in full-time equivalents: a person assigned
    to several schools (in the area or not) counts as an equal part at each."""
    through = Staff.schools.through
    in_area = set(schools.values_list("pk", flat=True))
    rows = through.objects.filter(
        staff__role__in=list(ROLE_TO_PROFESSION),
        staff__in=Staff.objects.filter(schools__in=schools),
    ).values_list("staff_id", "staff__role", "school_id")
    schools_of: dict[int, list[int]] = defaultdict(list)
    role_of: dict[int, str] = {}
    for staff_id, role, school_id in rows:
        schools_of[staff_id].append(school_id)
        role_of[staff_id] = role
    found: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for staff_id, assigned in schools_of.items():
        part = 1 / len(assigned)
        for school_id in assigned:
            if school_id in in_area:
                found[school_id][ROLE_TO_PROFESSION[role_of[staff_id]]] += part
    return found
