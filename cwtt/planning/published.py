"""The planning tables as anyone outside the schools may see them: every count of children
passed through small-cell suppression and rounded to a base (cwtt/access/suppression.py
`publish`, decisions 0013 and 0028), the same way as the area dashboard. The page and the
`cwtt plan` command both use these, so a file is never more exact than the page.

What is worked out from a shown count is shown only with it: unmet need (children at high risk
minus places), workers needed (cases ÷ caseload) and their cost come from the rounded, shown
count, and are "not shown" where it is hidden. A cost summed over professions is shown only
when every part of it is, or it would give away the hidden one. Staff and places are not
children and are shown as they are (decision 0058).

The ranking uses the true figures, so that it is right; a school with fewer than k children
assessed is not ranked and comes last, since its place in the order would say something about
its few children (decision 0058).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from cwtt.access.suppression import Cell, Row, publish, rounding_base, small_cell_k

from . import targeting
from .sources import Places, SchoolCounts
from .targeting import DOMAINS, Service
from .workforce import PROFESSIONS, AreaNeed, UnitCosts, effective_caseload, project


@dataclass(frozen=True)
class DomainTarget:
    domain: str
    high: Cell
    places: int  # whole places shared to the school
    providers: int
    unmet: int | None  # None when the count of children is hidden


@dataclass(frozen=True)
class TargetRow:
    rank: int | None  # None: too few children assessed to rank
    school: str
    emis: str
    n: Cell
    domains: tuple[DomainTarget, ...]
    reason: str

    @property
    def unmet_shown(self) -> int | None:
        """The school's unmet need over the domains, when every part of it is shown."""
        parts = [d.unmet for d in self.domains]
        return None if None in parts else sum(parts)  # type: ignore[arg-type]


def targeting_rows(
    counts: list[SchoolCounts],
    where: Places,
    services: list[Service],
    *,
    months: int = targeting.DEFAULT_MONTHS,
    k: int | None = None,
    base: int | None = None,
) -> tuple[list[TargetRow], int, int]:
    """The ranked schools (most in need first), with k and the rounding base used."""
    from .sources import needs

    found = targeting.targets(needs(counts, where), services, months=months)
    if not found:
        return [], _k(k), _base(base)
    by_id = {c.school_id: c for c in counts}
    table = publish(
        [[t.school.high[d] for d in DOMAINS] for t in found],
        [t.school.assessed for t in found],
        k=k,
        base=base,
    )
    rows: list[TargetRow] = []
    for target, row in zip(found, table.rows, strict=True):
        domains = []
        for j, domain in enumerate(DOMAINS):
            cell = row.cells[j]
            places = target.places.get(domain, 0.0)
            shown = None if cell.hidden else cell.count
            domains.append(
                DomainTarget(
                    domain,
                    cell,
                    math.floor(places),
                    target.providers.get(domain, 0),
                    None if shown is None else targeting.unmet_need(shown, places),
                )
            )
        reason = targeting.reason(
            [
                (
                    d.domain,
                    None if d.high.hidden else d.high.count,
                    float(d.places),
                    d.providers,
                    target.unknown.get(d.domain, 0),
                )
                for d in domains
            ]
        )
        school = by_id[target.school.school_id]
        rows.append(TargetRow(None, school.name, school.emis, row.n, tuple(domains), reason))
    ranked = [r for r in rows if not r.n.hidden]
    unranked = [r for r in rows if r.n.hidden]
    numbered = [
        TargetRow(i, r.school, r.emis, r.n, r.domains, r.reason)
        for i, r in enumerate(ranked, start=1)
    ]
    left = [
        TargetRow(None, r.school, r.emis, r.n, r.domains, "Too few children assessed to rank.")
        for r in unranked
    ]
    return numbered + left, table.k, table.base


def _k(k: int | None) -> int:
    return small_cell_k() if k is None else k


def _base(base: int | None) -> int:
    return rounding_base() if base is None else base


# --- workforce ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    key: str
    label: str
    schools: list[SchoolCounts]


def groups(counts: list[SchoolCounts], by: str, where: Places) -> list[Group]:
    """Schools grouped by school, circuit or district; schools outside any circuit (district)
    are one group, listed last."""
    if by == "school":
        return [Group(c.emis, c.name, [c]) for c in counts]
    found: dict[int | None, list[SchoolCounts]] = defaultdict(list)
    for c in counts:
        found[where.at_level(c.location_id, by)].append(c)
    named = sorted((where.name[pk], pk) for pk in found if pk is not None)
    out = [Group(str(pk), name, found[pk]) for name, pk in named]
    if None in found:
        out.append(Group("none", f"Schools not in a {by}", found[None]))
    return out


def area_needs(groups_: list[Group], staff: dict[int, dict[str, float]]) -> list[AreaNeed]:
    out = []
    for g in groups_:
        cases = {p.code: sum(c.cases[p.code] for c in g.schools) for p in PROFESSIONS}
        people = {
            p.code: sum(staff.get(c.school_id, {}).get(p.code, 0.0) for c in g.schools)
            for p in PROFESSIONS
        }
        out.append(AreaNeed(g.key, g.label, sum(c.assessed for c in g.schools), cases, people))
    return out


@dataclass(frozen=True)
class ProfessionFigure:
    code: str
    label: str
    cases: Cell
    needed: float | None
    staff: float
    gap: float | None  # needed minus staff, never below zero
    cost_needed: float | None
    cost_gap: float | None


@dataclass(frozen=True)
class WorkforceRow:
    label: str
    n: Cell
    professions: tuple[ProfessionFigure, ...]
    total: bool = False

    @property
    def cost_needed(self) -> float | None:
        parts = [p.cost_needed for p in self.professions]
        return None if None in parts else sum(parts)  # type: ignore[arg-type]

    @property
    def cost_gap(self) -> float | None:
        parts = [p.cost_gap for p in self.professions]
        return None if None in parts else sum(parts)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Workforce:
    rows: list[WorkforceRow]  # the areas, then the whole as a total row
    k: int
    base: int
    per_worker: float


def workforce_rows(
    needs_: list[AreaNeed],
    *,
    caseload: int,
    review_weeks: int,
    costs: UnitCosts,
    whole: str,
    k: int | None = None,
    base: int | None = None,
) -> Workforce:
    per_worker = effective_caseload(caseload, review_weeks)
    if not needs_:  # an area with no school (the suppression step needs a row)
        return Workforce([], _k(k), _base(base), per_worker)
    table = publish(
        [[a.cases[p.code] for p in PROFESSIONS] for a in needs_],
        [a.assessed for a in needs_],
        k=k,
        base=base,
        total_row=True,
    )
    staff_total = {p.code: sum(a.staff.get(p.code, 0.0) for a in needs_) for p in PROFESSIONS}
    labelled = [(a.label, row, a.staff, False) for a, row in zip(needs_, table.rows, strict=True)]
    if table.total is not None:
        labelled.append((whole, table.total, staff_total, True))
    rows = [
        _workforce_row(label, row, staff, total, per_worker, costs)
        for label, row, staff, total in labelled
    ]
    return Workforce(rows, table.k, table.base, per_worker)


def _workforce_row(label, row: Row, staff, total, per_worker, costs: UnitCosts) -> WorkforceRow:
    figures = []
    for j, p in enumerate(PROFESSIONS):
        cell = row.cells[j]
        have = staff.get(p.code, 0.0)
        if cell.hidden or row.n.hidden:
            figures.append(ProfessionFigure(p.code, p.label, cell, None, have, None, None, None))
            continue
        needed = (cell.count or 0) / per_worker
        gap = max(0.0, needed - have)
        unit = costs.annual(p.code)
        figures.append(
            ProfessionFigure(p.code, p.label, cell, needed, have, gap, needed * unit, gap * unit)
        )
    return WorkforceRow(label, row.n, tuple(figures), total)


def projection(
    whole: WorkforceRow,
    grade_r: int,
    *,
    caseload: int,
    review_weeks: int,
    duration_years: int,
    growth: float,
    costs: UnitCosts,
    k: int,
    base: int,
):
    """The cohort projection for the whole area, from its shown (rounded) counts only: today's
    cases per profession, the share of children assessed who are cases, and the Grade R intake
    (rounded like any count; a fourth of the children assessed when too few to show). None
    when the area's count is hidden."""
    from cwtt.access.suppression import round_to_base

    if whole.n.hidden or not whole.n.count:
        return None
    n = whole.n.count
    cases_now = {p.code: float(p.cases.count or 0) for p in whole.professions if not p.cases.hidden}
    share = {code: value / n for code, value in cases_now.items()}
    intake = round_to_base(grade_r, base) if grade_r >= k else round(n / 4)
    return project(
        cases_now=cases_now,
        intake=intake,
        intake_share=share,
        caseload=caseload,
        review_weeks=review_weeks,
        duration_years=duration_years,
        growth=growth,
        costs=costs,
    )
