"""The rows of `cwtt plan workforce` and `cwtt plan targeting` (docs/planning.md lists the
columns). Every school in the database; counts of children suppressed and rounded as on the
Planning page (published.py). A hidden number is an empty cell."""

from __future__ import annotations

from typing import Any

from cwtt.registry.models import School

from . import published, sources
from .workforce import PlanningError, check_caseload, check_review_weeks, load_unit_costs

WORKFORCE_COLUMNS = [
    "by",
    "area",
    "children_assessed",
    "profession",
    "cases",
    "workers_needed",
    "staff_now",
    "workers_to_add",
    "annual_cost_needed",
    "annual_cost_to_add",
    "currency",
    "cost_source",
]
TARGETING_COLUMNS = [
    "rank",
    "school",
    "emis",
    "children_assessed",
    "domain",
    "high_risk",
    "places",
    "services_in_reach",
    "unmet_need",
    "reason",
]
WHOLE = "All schools"


def _count(cell) -> int | str:
    return "" if cell.hidden else (cell.count or 0)


def _number(value: float | None, digits: int = 1) -> float | str:
    return "" if value is None else round(value, digits)


def _wave(name: str | None, schools):
    if name is None:
        wave = sources.latest_wave(schools)
        if wave is None:
            raise PlanningError(
                "No wave has begun yet, so there are no risk profiles to plan from."
            )
        return wave
    wave = sources.wave_named(name)
    if wave is None:
        from cwtt.assessments.models import Wave

        names = ", ".join(Wave.objects.values_list("name", flat=True)) or "none yet"
        raise PlanningError(f"No wave called '{name}' (waves: {names}).")
    return wave


def workforce_csv(
    *, caseload: int, review_weeks: int, by: str, costs_file: str, wave_name: str | None
) -> tuple[list[str], list[list[Any]], str]:
    check_caseload(caseload)
    check_review_weeks(review_weeks)
    if by not in sources.BY_CHOICES:
        raise PlanningError(f"--by must be one of {', '.join(sources.BY_CHOICES)}, not {by!r}.")
    costs = load_unit_costs(costs_file)
    schools = School.objects.all()
    wave = _wave(wave_name, schools)
    where = sources.places()
    counts = sources.school_counts(schools, wave)
    staff = sources.staff_by_school(schools)
    needs = published.area_needs(published.groups(counts, by, where), staff)
    # Each circuit's schools against the circuit's row, circuits against their district's.
    per_part = published.protected_by_level(counts, where, by, k=None, base=None)
    if per_part:
        per_part["whole_from"] = published.area_needs(
            published.groups(counts, "district", where), staff
        )
    table = published.workforce_rows(
        needs, caseload=caseload, review_weeks=review_weeks, costs=costs, whole=WHOLE, **per_part
    )
    rows = []
    for row in table.rows:
        for p in row.professions:
            rows.append(
                [
                    "total" if row.total else by,
                    row.label,
                    _count(row.n),
                    p.code,
                    _count(p.cases),
                    _number(p.needed),
                    _number(p.staff),
                    _number(p.gap),
                    _number(p.cost_needed, 0),
                    _number(p.cost_gap, 0),
                    costs.currency,
                    costs.costs[p.code].source,
                ]
            )
    whole = table.rows[-1]
    needed = {p.code: p.needed for p in whole.professions}
    said = ", ".join(
        f"{code.replace('_', ' ')}s {'not shown' if v is None else f'{v:.1f}'}"
        for code, v in needed.items()
    )
    summary = (
        f"{wave.name}, caseload {caseload} reviewed every {review_weeks} weeks, "
        f"by {by}: workers needed in all schools: {said}."
    )
    return WORKFORCE_COLUMNS, rows, summary


def targeting_csv(*, wave_name: str, months: int) -> tuple[list[str], list[list[Any]], str]:
    if not 1 <= months <= 60:
        raise PlanningError(f"The planning period must be 1 to 60 months, not {months}.")
    schools = School.objects.all()
    wave = _wave(wave_name, schools)
    found, _k, _base = published.targeting_rows(
        sources.school_counts(schools, wave),
        sources.places(),
        sources.services(),
        months=months,
    )
    rows = []
    for row in found:
        for d in row.domains:
            rows.append(
                [
                    "" if row.rank is None else row.rank,
                    row.school,
                    row.emis,
                    _count(row.n),
                    d.domain,
                    _count(d.high),
                    d.places,
                    d.providers,
                    "" if d.unmet is None else d.unmet,
                    row.reason,
                ]
            )
    ranked = [r for r in found if r.rank is not None]
    first = f" Most in need: {ranked[0].school}." if ranked else ""
    summary = f"{wave.name}: {len(ranked)} of {len(found)} schools ranked by unmet need.{first}"
    return TARGETING_COLUMNS, rows, summary
