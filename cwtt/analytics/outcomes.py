"""Outcomes of services: did children who got help do better than comparable children who did
not? (docs/evidence.md, decision 0066). Used by `cwtt report outcomes`, the Evidence page's
"Did help work?" and the API.

For each area of wellbeing (domain), between a baseline wave and a follow-up wave, on the
children with a risk profile in both:

- **served** (treated): the child was at moderate or high risk in the domain at baseline and a
  service of that domain was recorded as delivered (or partly delivered) to them on or after
  the baseline wave's first day and before the follow-up wave's first day;
- **not served** (controls): at the same level in the domain at baseline, no service of the
  domain recorded in that time;
- **matched exactly** on what is recorded: the same school, grade (the child's class now) and
  baseline level form a stratum; a served child in a stratum with no control is *unmatched* and
  left out (and counted); controls are weighted per stratum to the number served there;
- **outcomes**: the level went down (high to moderate or low, moderate to low) and the child
  was at high risk at follow-up. A child with no level in the domain at follow-up is left out.

One line per area, domain (all its services together, then each service type) and outcome.
Every figure is protected like the other evidence tables (cwtt/access/suppression.py `publish`,
decisions 0013, 0028, 0056): the served children's counts, the unmatched count and the
controls' counts are each published per area with small cells hidden and the rest rounded; a
share is worked out from the rounded counts; the controls' weighted count is rounded like a
count (to the nearest whole child, then to the base; kept exact when the base is 1). A line is shown only when both sides are. No child is named or listed.

Queries are bounded: the profiles of both waves in one query, the services in one, the service
types in one and the areas in two, whatever the number of children or areas.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from cwtt.access.suppression import check_base, publish, round_to_base, rounding_base
from cwtt.assessments.models import RiskProfile, Wave
from cwtt.cases.models import ServiceDelivered
from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS
from cwtt.registry.models import School
from cwtt.services.models import ServiceType

from . import statistics
from .evidence import areas_of

RANK = {"low": 0, "moderate": 1, "high": 2}
BASELINE_LEVELS = ("moderate", "high")
SERVED = (ServiceDelivered.Outcome.DELIVERED, ServiceDelivered.Outcome.PARTLY)
OUTCOMES = (
    ("improved", "Level went down"),
    ("high_after", "At high risk at follow-up"),
)
ALL_SERVICES = "all services in this area"
NO_GRADE = ""  # children with no class recorded are matched with each other


class OutcomesError(ValueError):
    """The waves cannot be compared (the follow-up does not start after the baseline)."""


@dataclass(frozen=True)
class OutcomeRow:
    area: str
    domain: str  # label
    domain_code: str
    service: str  # label, or ALL_SERVICES
    service_code: str  # "" for all services in the domain
    outcome: str  # label
    outcome_code: str
    n_treated: int | None  # served and matched, rounded; None: hidden
    n_controls: int | None  # comparable children not served, rounded; None: hidden
    n_unmatched: int | None  # served with no comparable child, rounded; None: hidden
    share_treated: float | None
    share_controls: float | None  # weighted to the served children's strata
    difference: float | None  # share_treated - share_controls
    ci_low: float | None
    ci_high: float | None
    p_value: float | None

    @property
    def shown(self) -> bool:
        return self.difference is not None


def check_waves(earlier: Wave, later: Wave) -> None:
    if later.starts_on <= earlier.starts_on:
        raise OutcomesError(
            f"The follow-up wave ({later.name}) must start after the baseline wave "
            f"({earlier.name})."
        )


@dataclass
class _Pair:
    school_id: int
    grade: str
    before: dict[str, str]
    after: dict[str, str]


def _pairs(earlier: Wave, later: Wave, schools: QuerySet[School]) -> dict[int, _Pair]:
    """Children with a profile in both waves: their school, grade and levels (one query)."""
    seen: dict[int, dict[int, tuple[int, str, dict[str, str]]]] = defaultdict(dict)
    rows = RiskProfile.objects.filter(
        wave_id__in=[earlier.pk, later.pk], child__school__in=schools
    ).values_list("child_id", "wave_id", "child__school_id", "child__school_class__grade", *DOMAINS)
    for child_id, wave_id, school_id, grade, *levels in rows:
        seen[child_id][wave_id] = (
            school_id,
            grade or NO_GRADE,
            dict(zip(DOMAINS, levels, strict=True)),
        )
    pairs = {}
    for child_id, by_wave in seen.items():
        if earlier.pk in by_wave and later.pk in by_wave:
            school_id, grade, before = by_wave[earlier.pk]
            pairs[child_id] = _Pair(school_id, grade, before, by_wave[later.pk][2])
    return pairs


def _served(earlier: Wave, later: Wave, schools: QuerySet[School]) -> dict[int, set[int]]:
    """Child id -> the service types delivered to them between the waves (one query)."""
    served: dict[int, set[int]] = defaultdict(set)
    for child_id, type_id in (
        ServiceDelivered.objects.filter(
            child__school__in=schools,
            outcome__in=SERVED,
            delivered_on__gte=earlier.starts_on,
            delivered_on__lt=later.starts_on,
        )
        .values_list("child_id", "service_type_id")
        .distinct()
    ):
        served[child_id].add(type_id)
    return served


# A stratum's counts: [children, with outcome 1, with outcome 2].
_Counts = list[int]
_Key = tuple[int, str, str]  # school, grade, baseline level


def outcomes(
    earlier: Wave, later: Wave, schools: QuerySet[School], level: str, *, k=None, base=None
) -> list[OutcomeRow]:
    """Per area, per domain (then per service type of the domain), per outcome: the served and
    comparable children's shares, the difference with its 95% interval and p-value, protected
    (see the module)."""
    check_waves(earlier, later)
    base = check_base(rounding_base() if base is None else base)
    area_of = areas_of(schools, level)
    areas = sorted(set(area_of.values()))
    pairs = _pairs(earlier, later, schools)
    served = _served(earlier, later, schools)
    types = list(
        ServiceType.objects.order_by("domain", "label").values_list("pk", "code", "label", "domain")
    )
    domain_of_type = {pk: domain for pk, _, _, domain in types}
    rows: list[OutcomeRow] = []
    for domain in DOMAINS:
        controls: dict[_Key, _Counts] = defaultdict(lambda: [0, 0, 0])
        treated: dict[str, dict[_Key, _Counts]] = defaultdict(
            lambda: defaultdict(lambda: [0, 0, 0])
        )
        for child_id, pair in pairs.items():
            before, after = pair.before.get(domain), pair.after.get(domain)
            if before not in BASELINE_LEVELS or after not in RANK:
                continue
            key = (pair.school_id, pair.grade, before)
            outcome = (RANK[after] < RANK[before], after == "high")
            got = {t for t in served.get(child_id, ()) if domain_of_type.get(t) == domain}
            groups = (
                [controls[key]]
                if not got
                else [treated[""][key], *(treated[str(t)][key] for t in sorted(got))]
            )
            for counts in groups:
                counts[0] += 1
                counts[1] += outcome[0]
                counts[2] += outcome[1]
        lines = [("", ALL_SERVICES)] + [
            (str(pk), label) for pk, _, label, d in types if d == domain
        ]
        codes = {str(pk): code for pk, code, _, _ in types}
        for type_key, service_label in lines:
            rows.extend(
                _rows_for(
                    areas,
                    area_of,
                    domain,
                    codes.get(type_key, ""),
                    service_label,
                    treated.get(type_key, {}),
                    controls,
                    k,
                    base,
                )
            )
    return rows


def _rows_for(
    areas: list[str],
    area_of: dict[int, str],
    domain: str,
    service_code: str,
    service_label: str,
    treated: dict[_Key, _Counts],
    controls: dict[_Key, _Counts],
    k,
    base: int,
) -> list[OutcomeRow]:
    """The lines of one domain (or one service type) for every area, published together."""
    strata: dict[str, list[tuple[_Counts, _Counts]]] = {a: [] for a in areas}
    for key, counts in treated.items():
        strata[area_of[key[0]]].append((counts, controls.get(key, [0, 0, 0])))
    found: dict[str, list[statistics.MatchedComparison]] = {}
    served_n, served_cells, all_served, unmatched, control_n, control_cells = [], [], [], [], [], []
    for area in areas:
        comparisons = [
            statistics.matched_comparison(
                statistics.Stratum(t[0], t[i], c[0], c[i]) for t, c in strata[area]
            )
            for i in (1, 2)
        ]
        found[area] = comparisons
        matched = [(t, c) for t, c in strata[area] if c[0] > 0]
        served_n.append(comparisons[0].n_treated)
        served_cells.append([m.treated_yes for m in comparisons])
        all_served.append(comparisons[0].n_treated + comparisons[0].unmatched)
        unmatched.append([comparisons[0].unmatched])
        control_n.append(sum(c[0] for _, c in matched))
        control_cells.append([sum(c[i] for _, c in matched) for i in (1, 2)])
    served_table = publish(served_cells, served_n, k=k, base=base)
    unmatched_table = publish(unmatched, all_served, k=k, base=base)
    control_table = publish(control_cells, control_n, k=k, base=base)
    rows = []
    for i, area in enumerate(areas):
        s_row, c_row = served_table.rows[i], control_table.rows[i]
        u_cell = unmatched_table.rows[i]
        n_treated = None if s_row.hidden else s_row.n.count
        n_controls = None if c_row.hidden else c_row.n.count
        n_unmatched = None if u_cell.hidden or u_cell.cells[0].hidden else u_cell.cells[0].count
        for j, (outcome_code, outcome_label) in enumerate(OUTCOMES):
            comparison = found[area][j]
            shown = (
                n_treated
                and n_controls
                and not s_row.cells[j].hidden
                and not c_row.cells[j].hidden
                and comparison.se is not None
            )
            figures: tuple[float | None, ...] = (None,) * 6
            if shown:
                share_treated = (s_row.cells[j].count or 0) / n_treated
                expected = comparison.expected_yes  # exact when counts are (base 1)
                if base > 1:
                    expected = round_to_base(math.floor(expected + 0.5), base)
                share_controls = min(1.0, expected / n_treated)
                difference = share_treated - share_controls
                interval = statistics.difference_interval(difference, comparison.se)
                figures = (
                    share_treated,
                    share_controls,
                    difference,
                    interval.low,
                    interval.upper,
                    interval.p_value,
                )
            rows.append(
                OutcomeRow(
                    area,
                    DOMAIN_LABELS[domain],
                    domain,
                    service_label,
                    service_code,
                    outcome_label,
                    outcome_code,
                    n_treated,
                    n_controls,
                    n_unmatched,
                    *figures,
                )
            )
    return rows
