"""The dashboards' figures, counted from the live records on every request.

No cache and no nightly batch: an assessment that reaches the server is in the next page a
coordinator opens ("a field worker captures three assessments, regains signal, and the
coordinator's dashboard shows them a minute later"). Each function is a handful of aggregate
queries, so a district's figures stay well under a second (DESIGN §6).

Counts only, never a name. The school dashboard and the school page show them as they are; the
area dashboard passes every count through cwtt/access/suppression.py first (cwtt/dashboards/area.py).

Functions that can split their counts take `by`, a field path of the row's model to group on
(for example "child__school__location_id"), and return {value of that field: counts}; with
`by=None` the one key is None.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Exists, FilteredRelation, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from cwtt.assessments.models import Assessment, RiskProfile, Wave
from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS

# The referral funnel covers referrals sent in this many days up to today.
FUNNEL_DAYS = 365

HIGH_IN_ANY_DOMAIN = reduce(or_, (Q(**{domain: "high"}) for domain in DOMAINS))


def _grouped(rows: QuerySet, by: str | None, **aggregates: Any) -> dict[Any, dict[str, int]]:
    """One aggregate query, split by `by` when given."""
    if by is None:
        return {None: rows.aggregate(**aggregates)}
    return {
        row.pop(by): row for row in rows.order_by().values(by).annotate(**aggregates).order_by()
    }


# --- waves and risk ---------------------------------------------------------------------------


def latest_wave(school_id: int | None = None) -> Wave | None:
    """The wave that started most recently (for a school: one that includes it)."""
    waves = Wave.objects.started().order_by("-starts_on")
    if school_id is not None:
        waves = waves.covering([school_id])
    return waves.first()


def domain_counts(profiles: QuerySet[RiskProfile]) -> list[dict[str, Any]]:
    """Children at each level in each domain, with the share at high risk (whole percent)."""
    rows = []
    total = profiles.count()
    for domain in DOMAINS:
        counts = Counter(profiles.values_list(domain, flat=True))
        rows.append(
            {
                "domain": domain,
                "label": DOMAIN_LABELS[domain],
                "high": counts.get("high", 0),
                "moderate": counts.get("moderate", 0),
                "low": counts.get("low", 0),
                "share_high": round(100 * counts.get("high", 0) / total) if total else None,
            }
        )
    return rows


HIGH_COUNTS = {
    "n": Count("pk"),
    **{f"high_{domain}": Count("pk", filter=Q(**{domain: "high"})) for domain in DOMAINS},
}


@dataclass(frozen=True)
class RiskCounts:
    """How many children were assessed (n) and how many of them are at high risk in each
    domain, in the order of DOMAINS."""

    n: int
    high: tuple[int, ...]

    @classmethod
    def from_row(cls, row: dict[str, int]) -> RiskCounts:
        return cls(n=row["n"], high=tuple(row[f"high_{domain}"] for domain in DOMAINS))

    def __add__(self, other: RiskCounts) -> RiskCounts:
        return RiskCounts(
            self.n + other.n, tuple(a + b for a, b in zip(self.high, other.high, strict=True))
        )


@dataclass(frozen=True)
class WaveRisk:
    wave_id: int
    name: str
    starts_on: dt.date
    counts: RiskCounts


def risk_by_wave(profiles: QuerySet[RiskProfile]) -> list[WaveRisk]:
    """High risk per domain for each wave that has profiles, oldest first."""
    rows = (
        profiles.order_by()
        .values("wave_id", "wave__name", "wave__starts_on")
        .annotate(**HIGH_COUNTS)
        .order_by("wave__starts_on", "wave_id")
    )
    return [
        WaveRisk(r["wave_id"], r["wave__name"], r["wave__starts_on"], RiskCounts.from_row(r))
        for r in rows
    ]


def risk_by(profiles: QuerySet[RiskProfile], by: str) -> dict[Any, RiskCounts]:
    """High risk per domain, split by `by` (e.g. the school's location)."""
    return {
        key: RiskCounts.from_row(row) for key, row in _grouped(profiles, by, **HIGH_COUNTS).items()
    }


def risk_by_school(profiles: QuerySet[RiskProfile]) -> dict[tuple[int, int], RiskCounts]:
    """High risk per domain and then in any domain (the last count), per (wave id, school id):
    every wave and every school in one query, for the area's comparison (area.py)."""
    rows = (
        profiles.order_by()
        .values("wave_id", "child__school_id")
        .annotate(**HIGH_COUNTS, high_any=Count("pk", filter=HIGH_IN_ANY_DOMAIN))
        .order_by()
    )
    found = {}
    for row in rows:
        counts = RiskCounts.from_row(row)
        found[(row["wave_id"], row["child__school_id"])] = RiskCounts(
            counts.n, (*counts.high, row["high_any"])
        )
    return found


@dataclass(frozen=True)
class Moves:
    """Children with a profile in both of two waves (n), and per domain (in the order of
    DOMAINS) how many left high risk (high before, not now) and how many came into it."""

    n: int
    out_of_high: tuple[int, ...]
    into_high: tuple[int, ...]


def moves_between(profiles: QuerySet[RiskProfile], earlier_id: int, later_id: int) -> Moves:
    """Who moved out of and into high risk between two waves. One query: each later profile
    joined to the same child's earlier one."""
    later = (
        profiles.filter(wave_id=later_id)
        .annotate(
            before=FilteredRelation(
                "child__risk_profiles", condition=Q(child__risk_profiles__wave_id=earlier_id)
            )
        )
        .filter(before__wave_id=earlier_id)
    )
    not_high = ["low", "moderate", ""]
    counts = later.aggregate(
        n=Count("pk"),
        **{
            f"out_{d}": Count(
                "pk", filter=Q(**{f"before__{d}": "high"}) & Q(**{f"{d}__in": not_high})
            )
            for d in DOMAINS
        },
        **{
            f"in_{d}": Count("pk", filter=Q(**{f"before__{d}__in": not_high}) & Q(**{d: "high"}))
            for d in DOMAINS
        },
    )
    return Moves(
        n=counts["n"],
        out_of_high=tuple(counts[f"out_{d}"] for d in DOMAINS),
        into_high=tuple(counts[f"in_{d}"] for d in DOMAINS),
    )


@dataclass(frozen=True)
class Activity:
    """Assessments that count (submitted or verified) in a wave, and when the last one reached
    the server."""

    assessments: int
    last_at: dt.datetime | None


def wave_activity(assessments: QuerySet[Assessment], wave_id: int) -> Activity:
    counted = assessments.filter(
        wave_id=wave_id, status__in=[Assessment.Status.SUBMITTED, Assessment.Status.VERIFIED]
    ).aggregate(n=Count("pk"), last=Max(Coalesce("submitted_at", "created_at")))
    return Activity(counted["n"], counted["last"])


# --- referrals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    """Referrals by the furthest step they reached: every accepted referral was sent, every
    delivered one accepted. Declined ones stop after "sent"."""

    sent: int = 0
    accepted: int = 0
    delivered: int = 0
    declined: int = 0


def funnel_since() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=FUNNEL_DAYS)


def referral_funnel(referrals: QuerySet, by: str | None = None) -> dict[Any, Funnel]:
    """The funnel of the referrals sent since `funnel_since()`. The furthest step is read from
    the referral's history, not only its status: a delivered referral that was later closed
    was still delivered, and a declined one that was closed was never accepted."""
    from cwtt.referrals.models import ReferralEvent
    from cwtt.referrals.models import Status as S

    def reached(status: str):
        return Exists(ReferralEvent.objects.filter(referral=OuterRef("pk"), to_status=status))

    delivered = Q(delivered_on__isnull=False) | Q(status=S.DELIVERED)
    accepted = Q(was_accepted=True) | Q(status=S.ACCEPTED) | delivered
    declined = Q(was_declined=True) | Q(status=S.DECLINED)
    sent = referrals.annotate(
        sent_or_made=Coalesce("sent_at", "created_at"),
        was_accepted=reached(S.ACCEPTED),
        was_declined=reached(S.DECLINED),
    ).filter(
        Q(sent_at__isnull=False) | ~Q(status__in=[S.DRAFT, S.CANCELLED]),
        sent_or_made__gte=funnel_since(),
    )
    counts = _grouped(
        sent,
        by,
        sent=Count("pk"),
        accepted=Count("pk", filter=accepted),
        delivered=Count("pk", filter=delivered),
        declined=Count("pk", filter=declined),
    )
    return {key: Funnel(**row) for key, row in counts.items()}


# --- support for children at high risk ----------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """Children at high risk in any domain in a wave, how many of them have an agreed case plan,
    and how many received a service (in full or in part) since the wave began."""

    high: int = 0
    with_plan: int = 0
    with_service: int = 0


def coverage(
    profiles: QuerySet[RiskProfile], wave_id: int, began_on: dt.date, by: str | None = None
) -> dict[Any, Coverage]:
    """Coverage in the wave that began on `began_on`. An agreed plan is an approved plan in a
    case that is open or was closed after the wave began; a service is one recorded as
    delivered (in full or in part) on a case, or a referral the provider reports delivered, on
    or after the wave's first day."""
    from cwtt.cases.models import Case, CasePlan, ServiceDelivered
    from cwtt.referrals.models import Referral

    began = timezone.make_aware(dt.datetime.combine(began_on, dt.time.min))
    plan = CasePlan.objects.filter(
        case__child=OuterRef("child_id"), approved_at__isnull=False
    ).filter(
        ~Q(case__status=Case.Status.DISMISSED),
        Q(case__closed_at__isnull=True) | Q(case__closed_at__gte=began),
    )
    served = ServiceDelivered.objects.filter(
        child=OuterRef("child_id"),
        outcome__in=[ServiceDelivered.Outcome.DELIVERED, ServiceDelivered.Outcome.PARTLY],
        delivered_on__gte=began_on,
    )
    referred = Referral.objects.filter(child=OuterRef("child_id"), delivered_on__gte=began_on)
    high = profiles.filter(HIGH_IN_ANY_DOMAIN, wave_id=wave_id).annotate(
        has_plan=Exists(plan), served=Exists(served), referred=Exists(referred)
    )
    counts = _grouped(
        high,
        by,
        high=Count("pk"),
        with_plan=Count("pk", filter=Q(has_plan=True)),
        with_service=Count("pk", filter=Q(served=True) | Q(referred=True)),
    )
    return {key: Coverage(**row) for key, row in counts.items()}


# --- cases ----------------------------------------------------------------------------------


def casework(school) -> dict[str, Any]:
    """The school's cases and referrals at a glance, for its page and printed report: the
    referral funnel of the past year, what is overdue, and open cases by stage. Counts only."""
    from cwtt.cases.models import Case
    from cwtt.referrals.actions import overdue_referrals
    from cwtt.referrals.models import Referral

    funnel = referral_funnel(Referral.objects.filter(child__school=school))[None]
    cases = Counter(
        Case.objects.filter(school=school)
        .exclude(status__in=Case.NOT_OPEN)
        .values_list("status", flat=True)
    )
    return {
        "funnel": {
            "sent": funnel.sent,
            "accepted": funnel.accepted,
            "delivered": funnel.delivered,
        },
        "declined": funnel.declined,
        "overdue": overdue_referrals().filter(child__school=school).count(),
        "open_cases": sum(cases.values()),
        "cases_by_stage": [
            (label, cases[value]) for value, label in Case.Status.choices if cases[value]
        ],
    }


def open_cases_by_lead(cases: QuerySet) -> Counter:
    """Open cases per lead's staff id (None: no lead chosen yet)."""
    from cwtt.cases.models import Case

    return Counter(
        dict(
            cases.exclude(status__in=Case.NOT_OPEN)
            .order_by()
            .values("lead_id")
            .annotate(n=Count("pk"))
            .values_list("lead_id", "n")
        )
    )


@dataclass(frozen=True)
class Load:
    """Open cases, and how many of them have work under way (an approved plan being carried
    out or reviewed)."""

    open_cases: int = 0
    under_way: int = 0

    def __add__(self, other: Load) -> Load:
        return Load(self.open_cases + other.open_cases, self.under_way + other.under_way)


def caseload(cases: QuerySet, by: str | None = None) -> dict[Any, Load]:
    """Open cases, split by `by` (e.g. "lead__organisation__sector"; None for no lead)."""
    from cwtt.cases.models import Case

    counts = _grouped(
        cases.exclude(status__in=Case.NOT_OPEN),
        by,
        open_cases=Count("pk"),
        under_way=Count(
            "pk", filter=Q(status__in=[Case.Status.IMPLEMENTATION, Case.Status.REVIEW])
        ),
    )
    return {key: Load(**row) for key, row in counts.items()}
