"""The wave's figures per org unit, suppressed and rounded as the area dashboard's are.

Three tables, each protected on its own like the area dashboard's tables (they count different
things, so no sum links them), with one row per org unit and a total row:

- risk: n = children assessed; a column per domain (children at high risk) and one for high
  risk in any domain;
- referrals sent during the wave: n = sent; one column, the ones whose service was delivered;
- cases opened during the wave: n only.

The total row is protected although it is not sent: DHIS2 adds the org units up to their
district and province, and the area dashboard shows the true total (rounded), so a hidden
school must not be worked out by subtracting the others from it. Suppression and rounding are
cwtt/access/suppression.py `publish`, the area dashboard's own (decisions 0013, 0028); a
hidden count is left out of the payload, which DHIS2 reads as "no value".

Every org unit of the wave is a row, whether or not it has data, and so is an org unit mapped
to null (not sent): a row listed only when it has data would say its hidden count is not zero.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from cwtt.access.suppression import SuppressedTable, publish
from cwtt.assessments.models import RiskProfile, Wave
from cwtt.cases.models import Case
from cwtt.dashboards import figures
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.referrals.models import Referral
from cwtt.referrals.models import Status as ReferralStatus
from cwtt.registry.models import Location, School

from .mapping import Mapping

BY_SCHOOL = "child__school_id"
RISK_COLUMNS = [f"high_risk_{d}" for d in DOMAINS] + ["high_risk_any"]


@dataclass(frozen=True)
class Place:
    key: str  # EMIS number, or the district's CWTT code
    name: str  # for messages: "Sunrise Primary (EMIS 700111111)", "Test District (GP-TD)"


@dataclass
class Counts:
    assessed: int = 0
    high: list[int] = field(default_factory=lambda: [0] * len(RISK_COLUMNS))
    referrals_made: int = 0
    referrals_completed: int = 0
    cases_opened: int = 0


@dataclass(frozen=True)
class Published:
    """The published tables and the org units they are about, in the same row order."""

    places: list[Place]
    risk: SuppressedTable
    referrals: SuppressedTable
    cases: SuppressedTable

    def values(self, i: int) -> dict[str, int | None]:
        """Row i's indicators as published: a count, or None where hidden."""

        def shown(cell) -> int | None:
            return None if cell.hidden else cell.count

        risk, referrals, cases = self.risk.rows[i], self.referrals.rows[i], self.cases.rows[i]
        return {
            "children_assessed": shown(risk.n),
            **{code: shown(c) for code, c in zip(RISK_COLUMNS, risk.cells, strict=True)},
            "referrals_made": shown(referrals.n),
            "referrals_completed": shown(referrals.cells[0]),
            "cases_opened": shown(cases.n),
        }


class UnmappedPlaces(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


def wave_schools(wave: Wave):
    """The wave's schools; a wave with no schools listed is for every school."""
    listed = School.objects.filter(waves=wave)
    return listed if listed.exists() else School.objects.all()


def places_of(wave: Wave, mapping: Mapping) -> tuple[list[Place], dict[int, Place]]:
    """The org units the wave reports on, in order, and each school's."""
    schools = list(
        wave_schools(wave)
        .order_by("emis_number")
        .values(
            "pk",
            "emis_number",
            "name",
            "location__level",
            "location__code",
            "location__name",
            "location__parent__level",
            "location__parent__code",
            "location__parent__name",
        )
    )
    of_school: dict[int, Place] = {}
    problems: list[str] = []
    for school in schools:
        if mapping.level == "school":
            key = school["emis_number"]
            place = Place(key, f"{school['name']} (EMIS {key})")
        elif school["location__level"] == Location.Level.DISTRICT:
            key = school["location__code"]
            place = Place(key, f"{school['location__name']} ({key})")
        elif school["location__parent__level"] == Location.Level.DISTRICT:
            key = school["location__parent__code"]
            place = Place(key, f"{school['location__parent__name']} ({key})")
        else:
            problems.append(
                f"school {school['name']} (EMIS {school['emis_number']}) is in no district, so "
                "it has no place in a district-level report: file it under a district or "
                'report by school ("orgUnitLevel": "school").'
            )
            continue
        of_school[school["pk"]] = place
    places = sorted(set(of_school.values()), key=lambda p: p.key)
    kind = "school" if mapping.level == "school" else "district"
    for place in places:
        if place.key not in mapping.org_units:
            problems.append(
                f'{kind} {place.name} has no org unit: add {place.key!r} to "orgUnits" with '
                "its DHIS2 org unit UID (or null to leave it out)."
            )
    if problems:
        raise UnmappedPlaces(problems)
    return places, of_school


def window(wave: Wave) -> tuple[dt.datetime, dt.datetime]:
    """From the start of the wave's first day to the end of its last, in local time."""
    start = timezone.make_aware(dt.datetime.combine(wave.starts_on, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(wave.ends_on + dt.timedelta(days=1), dt.time.min))
    return start, end


def counts_by_school(wave: Wave, school_ids: list[int]) -> dict[int, Counts]:
    """Each indicator's true count per school: five aggregate queries, whatever the size."""
    found: dict[int, Counts] = defaultdict(Counts)
    profiles = RiskProfile.objects.filter(wave=wave, child__school_id__in=school_ids)
    for school_id, risk in figures.risk_by(profiles, BY_SCHOOL).items():
        found[school_id].assessed = risk.n
        found[school_id].high[: len(DOMAINS)] = list(risk.high)
    any_high = (
        profiles.filter(figures.HIGH_IN_ANY_DOMAIN)
        .order_by()
        .values(BY_SCHOOL)
        .annotate(n=Count("pk"))
        .values_list(BY_SCHOOL, "n")
    )
    for school_id, n in any_high:
        found[school_id].high[-1] = n

    start, end = window(wave)
    # Sent as the area dashboard's funnel counts it: sent, or moved on from draft.
    sent = (
        Referral.objects.filter(child__school_id__in=school_ids)
        .annotate(sent_or_made=Coalesce("sent_at", "created_at"))
        .filter(
            Q(sent_at__isnull=False)
            | ~Q(status__in=[ReferralStatus.DRAFT, ReferralStatus.CANCELLED]),
            sent_or_made__gte=start,
            sent_or_made__lt=end,
        )
    )
    delivered = Q(delivered_on__isnull=False) | Q(status=ReferralStatus.DELIVERED)
    for row in (
        sent.order_by()
        .values(BY_SCHOOL)
        .annotate(made=Count("pk"), completed=Count("pk", filter=delivered))
    ):
        found[row[BY_SCHOOL]].referrals_made = row["made"]
        found[row[BY_SCHOOL]].referrals_completed = row["completed"]

    opened = (
        Case.objects.filter(school_id__in=school_ids, opened_at__gte=start, opened_at__lt=end)
        .order_by()
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
    )
    for school_id, n in opened:
        found[school_id].cases_opened = n
    return found


def published_figures(wave: Wave, mapping: Mapping) -> Published:
    """The wave's figures per org unit, as they may be sent. Raises UnmappedPlaces naming
    every school or district with no org unit in the mapping."""
    places, of_school = places_of(wave, mapping)
    per_place: dict[Place, Counts] = {place: Counts() for place in places}
    for school_id, counts in counts_by_school(wave, list(of_school)).items():
        total = per_place[of_school[school_id]]
        total.assessed += counts.assessed
        total.high = [a + b for a, b in zip(total.high, counts.high, strict=True)]
        total.referrals_made += counts.referrals_made
        total.referrals_completed += counts.referrals_completed
        total.cases_opened += counts.cases_opened
    rows = [per_place[place] for place in places]
    return Published(
        places=places,
        risk=publish([r.high for r in rows], [r.assessed for r in rows], total_row=True),
        referrals=publish(
            [[r.referrals_completed] for r in rows],
            [r.referrals_made for r in rows],
            total_row=True,
        ),
        cases=publish([[] for _ in rows], [r.cases_opened for r in rows], total_row=True),
    )
