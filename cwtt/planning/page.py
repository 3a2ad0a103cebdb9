"""What the Planning page shows for one area (docs/planning.md): the schools ranked by unmet
need, the workers needed against today's staff with their cost, and the projection. Counts of
children are suppressed and rounded (published.py); no child is named or read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from cwtt.access import policy
from cwtt.access.roles import Role
from cwtt.instruments.labels import domain_label
from cwtt.registry.models import Location, School

from . import published, sources
from .charts import line_chart
from .snapshots import counts_of_the_day
from .targeting import DEFAULT_MONTHS, DOMAINS
from .workforce import HORIZONS, PROFESSIONS, UnitCosts


@dataclass(frozen=True)
class Area:
    schools: QuerySet[School]
    name: str
    level: str | None  # the reader's location's level; None: every school
    location: Location | None = None


PLANNERS = frozenset({Role.DISTRICT_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.DATA_MANAGER})


def planner_area(user) -> Area | None:
    """The area whose planning figures `user` may see (the page and the API ask the same):
    their district or province, every school for a data manager, None for an official with no
    area set. Anyone else: 404, as for any page not theirs."""
    role = policy.role_of(user)
    if role not in PLANNERS:
        raise Http404("No planning figures for this account")
    staff = policy.staff_of(user)
    location = staff.location if staff is not None and role != Role.DATA_MANAGER else None
    if role != Role.DATA_MANAGER and location is None:
        return None
    return area_of(location, policy.areas_for(user))


def default_by(area: Area) -> str:
    """One level below the reader's: a district by circuit, a province by district."""
    return {"province": "district", "district": "circuit"}.get(area.level or "", "school")


def area_of(location: Location | None, schools: QuerySet[School]) -> Area:
    if location is None:
        return Area(schools, _("All schools"), None)
    return Area(schools, location.name, location.level, location)


def planning_figures(
    area: Area, scenario: dict[str, Any], costs: UnitCosts, *, months: int = DEFAULT_MONTHS
) -> dict[str, Any]:
    wave = sources.latest_wave(area.schools)
    costs = costs.with_changes({p.code: scenario[f"cost_{p.code}"] for p in PROFESSIONS})
    where = sources.places()
    # The day's counts (decision 0038): two looks on one day see the same numbers.
    counts = counts_of_the_day(area.location, area.schools, wave)
    ranking, k, base = published.targeting_rows(counts, where, sources.services(), months=months)
    staff = sources.staff_by_school(area.schools)
    by = scenario["by"]
    needs = published.area_needs(published.groups(counts, by, where), staff)
    # Schools against their circuit's row, circuits of several districts against their
    # district's row; the whole from the topmost of those tables, published whole (for a
    # district, the area dashboard's circuit table). Decision 0058, "Limits".
    per_part: dict[str, Any] = published.protected_by_level(counts, where, by, k=None, base=None)
    if per_part:
        several = len(set(published.district_of_circuits(counts, where))) > 1
        above = "district" if several else "circuit"
        per_part["whole_from"] = published.area_needs(published.groups(counts, above, where), staff)
    workforce = published.workforce_rows(
        needs,
        caseload=scenario["caseload"],
        review_weeks=scenario["review_weeks"],
        costs=costs,
        whole=_("Whole %(place)s") % {"place": area.name},
        **per_part,
    )
    whole = workforce.rows[-1] if workforce.rows and workforce.rows[-1].total else None
    years = whole and published.projection(
        whole,
        sum(c.grade_r for c in counts),
        caseload=scenario["caseload"],
        review_weeks=scenario["review_weeks"],
        duration_years=scenario["duration_years"],
        growth=scenario["growth"] / 100,
        costs=costs,
        k=k,
        base=base,
    )
    return {
        "wave": wave,
        "k": k,
        "base": base,
        "domains": [domain_label(d) for d in DOMAINS],
        "professions": PROFESSIONS,
        "ranking": ranking,
        "workforce": workforce,
        "costs": costs,
        "unit_costs": [(p.label, costs.costs[p.code]) for p in PROFESSIONS],
        "projection": _projection(years, whole) if years and whole else None,
    }


def _projection(years, whole: published.WorkforceRow) -> dict[str, Any]:
    """The projection's table and chart. A profession whose count today is hidden is not
    projected: its column reads "not shown" and it has no line, and the cost leaves it out."""
    known = {p.code for p in whole.professions if not p.cases.hidden}
    shown = [y for y in years if y.year in (0, *HORIZONS)]
    return {
        "rows": [
            {
                "year": y.year,
                "workers": [y.workers[p.code] if p.code in known else None for p in PROFESSIONS],
                "cost": y.cost,
            }
            for y in shown
        ],
        "partial": len(known) < len(PROFESSIONS),
        "chart": line_chart(
            title=_("Workers needed each year, by profession"),
            axis=_("Full-time workers"),
            years=[y.year for y in years],
            series=[
                (str(p.label), p.code.replace("_", "-"), [y.workers[p.code] for y in years])
                for p in PROFESSIONS
                if p.code in known
            ],
        ),
    }
