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
from collections.abc import Mapping
from dataclasses import dataclass

from cwtt.access.suppression import SECONDARY, Cell, Row, publish, rounding_base, small_cell_k

from . import targeting
from .sources import Places, SchoolCounts
from .targeting import DOMAINS, Service
from .workforce import PROFESSIONS, AreaNeed, UnitCosts, effective_caseload, project

# The tables of children behind the page, published once per level so that every number the
# page shows about an area comes from one suppression decision: the children at high risk per
# domain (the same table the area dashboard publishes, so the two agree on what is hidden), and
# the children who are a case for a profession spanning several domains (social workers,
# nurses). A profession with one domain (learner support agents: education; community workers:
# money) reads the domain's cell, never a second copy of the same count that could be hidden
# in one table and shown in the other. A row's n is hidden when either table hides it.
SPANNING = tuple(p for p in PROFESSIONS if len(p.domains) > 1)
ONE_DOMAIN = {p.code: DOMAINS.index(p.domains[0]) for p in PROFESSIONS if len(p.domains) == 1}
HIDDEN = Cell(None, None, True, SECONDARY)


@dataclass(frozen=True)
class AreaRow:
    n: Cell
    domains: tuple[Cell, ...]  # per DOMAINS
    professions: dict[str, Cell]  # per profession code


def _merge(by_domain: Row, spanning: Row) -> AreaRow:
    if by_domain.n.hidden or spanning.n.hidden:
        hidden = by_domain.n if by_domain.n.hidden else spanning.n
        return AreaRow(hidden, (HIDDEN,) * len(DOMAINS), {p.code: HIDDEN for p in PROFESSIONS})
    professions = {p.code: spanning.cells[j] for j, p in enumerate(SPANNING)}
    professions.update({code: by_domain.cells[j] for code, j in ONE_DOMAIN.items()})
    return AreaRow(by_domain.n, by_domain.cells, professions)


def publish_areas(
    assessed: list[int],
    high: list[Mapping[str, int]],
    cases: list[Mapping[str, int]],
    *,
    k: int | None,
    base: int | None,
    parts: list[object] | None = None,
    parents: Mapping[object, AreaRow] | None = None,
) -> tuple[list[AreaRow], AreaRow | None, int, int]:
    """One row per area and the whole as a total row, with k and the base used.

    With `parts` (the circuit of each school, say), each part is published on its own with its
    own total row, so that no hidden count can be worked out from the part's total (the circuit's
    figure); the whole then has no total row here (the caller takes it from the level above).
    With `parents` (each part's row as the level above publishes it), a number the part's row
    hides is kept from the sum of its areas too: one of them is hidden in that column from the
    start (the smallest), and protected like any hidden cell (decision 0058, "Limits")."""
    if parts is not None:
        rows: list[AreaRow | None] = [None] * len(assessed)
        for part in dict.fromkeys(parts):
            at = [i for i, p in enumerate(parts) if p == part]
            parent = None if parents is None else parents.get(part)
            if parent is not None and len(at) == 1:
                # The part's one area is the part: the same children, the same numbers, shown
                # or hidden exactly as the level above shows them.
                rows[at[0]] = parent
                continue
            found, _total, k, base = _publish(
                [assessed[i] for i in at],
                [high[i] for i in at],
                [cases[i] for i in at],
                k=k,
                base=base,
                parent=parent,
            )
            for i, row in zip(at, found, strict=True):
                rows[i] = row
        return [r for r in rows if r is not None], None, _k(k), _base(base)
    return _publish(assessed, high, cases, k=k, base=base)


def _publish(
    assessed: list[int],
    high: list[Mapping[str, int]],
    cases: list[Mapping[str, int]],
    *,
    k: int | None,
    base: int | None,
    parent: AreaRow | None = None,
) -> tuple[list[AreaRow], AreaRow | None, int, int]:
    if not assessed:  # an area with no school (the suppression step needs a row)
        return [], None, _k(k), _base(base)
    by_domain_counts = [[h.get(d, 0) for d in DOMAINS] for h in high]
    spanning_counts = [[c.get(p.code, 0) for p in SPANNING] for c in cases]
    hide_domains: list[tuple[int, int]] = []
    hide_spanning: list[tuple[int, int]] = []
    if parent is not None:
        hide_domains = _hidden_in_parent([parent.n, *parent.domains], assessed, by_domain_counts)
        hide_spanning = _hidden_in_parent(
            [parent.n, *(parent.professions[p.code] for p in SPANNING)], assessed, spanning_counts
        )
    by_domain = publish(
        by_domain_counts, assessed, k=k, base=base, total_row=True, hide=hide_domains
    )
    spanning = publish(
        spanning_counts, assessed, k=k, base=base, total_row=True, hide=hide_spanning
    )
    merged = [_merge(a, b) for a, b in zip(by_domain.rows, spanning.rows, strict=True)]
    total = None
    if by_domain.total is not None and spanning.total is not None:
        total = _merge(by_domain.total, spanning.total)
    return merged, total, by_domain.k, by_domain.base


def _hidden_in_parent(
    parent: list[Cell], assessed: list[int], counts: list[list[int]]
) -> list[tuple[int, int]]:
    """For each number the parent row hides (its n first, then its cells), one of the part's
    rows to hide in the same column: the smallest, which loses the least. Hiding one is enough
    to keep the parent's number from the sum of the part's rows; the suppression step then
    protects that cell as any other, against the part's own total."""
    hide = []
    for j, cell in enumerate(parent, start=-1):
        if not cell.hidden:
            continue
        values = assessed if j == -1 else [row[j] for row in counts]
        smallest = min(range(len(values)), key=lambda i: (values[i], i))
        hide.append((smallest, j))
    return hide


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
    # Published in the schools' own order (as the workforce table by school is), then ranked.
    published, _total, k, base = publish_areas(
        [c.assessed for c in counts],
        [c.high for c in counts],
        [c.cases for c in counts],
        k=k,
        base=base,
        **protected_by_level(counts, where, "school", k=k, base=base),
    )
    of_school = {c.school_id: row for c, row in zip(counts, published, strict=True)}
    rows: list[TargetRow] = []
    for target in found:
        row = of_school[target.school.school_id]
        domains = []
        for j, domain in enumerate(DOMAINS):
            cell = row.domains[j]
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
    # A school with fewer than k children assessed is not ranked (decision 0058).
    too_few = [t.school.assessed < k for t in found]
    ranked = [r for r, few in zip(rows, too_few, strict=True) if not few]
    unranked = [r for r, few in zip(rows, too_few, strict=True) if few]
    numbered = [
        TargetRow(i, r.school, r.emis, r.n, r.domains, r.reason)
        for i, r in enumerate(ranked, start=1)
    ]
    left = [
        TargetRow(None, r.school, r.emis, r.n, r.domains, "Too few children assessed to rank.")
        for r in unranked
    ]
    return numbered + left, k, base


def circuits_of(counts: list[SchoolCounts], where: Places) -> list[object]:
    """Each school's circuit, as the table by circuit groups them (`groups`): the part whose
    figure the circuit table publishes, which the school tables are protected against."""
    return _group_keys(counts, where, "circuit")


def _group_keys(counts: list[SchoolCounts], where: Places, by: str) -> list[object]:
    key_of = {c.school_id: g.key for g in groups(counts, by, where) for c in g.schools}
    return [key_of[c.school_id] for c in counts]


def level_rows(
    counts: list[SchoolCounts], where: Places, level: str, *, k: int | None, base: int | None
) -> dict[object, AreaRow]:
    """Each circuit's (or district's) row as the table by that level publishes it, by group
    key: what a school table must not give back by adding up."""
    found = groups(counts, level, where)
    needs_ = area_needs(found, {})
    rows, _total, _k_, _base_ = publish_areas(
        [a.assessed for a in needs_],
        [a.high for a in needs_],
        [a.cases for a in needs_],
        k=k,
        base=base,
        **protected_by_level(counts, where, level, k=k, base=base),
    )
    return {g.key: row for g, row in zip(found, rows, strict=True)}


def protected_by_level(
    counts: list[SchoolCounts], where: Places, by: str, *, k: int | None, base: int | None
) -> dict[str, object]:
    """How a table by `by` is published against the level above it (`publish_areas`' parts
    and parents): schools circuit by circuit, each against the circuit's row as the circuit
    table shows it; circuits of several districts district by district, each against the
    district's row. Nothing for a table published whole with its own total row (districts;
    the circuits of one district, which is the area dashboard's table)."""
    if by == "school":
        return {
            "parts": circuits_of(counts, where),
            "parents": level_rows(counts, where, "circuit", k=k, base=base),
        }
    if by == "circuit":
        above = district_of_circuits(counts, where)
        if len(set(above)) > 1:
            return {
                "parts": above,
                "parents": level_rows(counts, where, "district", k=k, base=base),
            }
    return {}


def district_of_circuits(counts: list[SchoolCounts], where: Places) -> list[object]:
    """The district of each group of the table by circuit (of its first school)."""
    keys = _group_keys(counts, where, "district")
    district = {c.school_id: key for c, key in zip(counts, keys, strict=True)}
    return [district[g.schools[0].school_id] for g in groups(counts, "circuit", where)]


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
        high = {d: sum(c.high[d] for c in g.schools) for d in DOMAINS}
        out.append(
            AreaNeed(g.key, g.label, sum(c.assessed for c in g.schools), cases, people, high)
        )
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
    parts: list[object] | None = None,
    parents: Mapping[object, AreaRow] | None = None,
    whole_from: list[AreaNeed] | None = None,
) -> Workforce:
    """With `parts`, the rows are published part by part (schools by circuit) and the total
    row comes from `whole_from` (the areas one level up, as their own table shows it)."""
    per_worker = effective_caseload(caseload, review_weeks)
    rows_, total, k, base = publish_areas(
        [a.assessed for a in needs_],
        [a.high for a in needs_],
        [a.cases for a in needs_],
        k=k,
        base=base,
        parts=parts,
        parents=parents,
    )
    if whole_from is not None:
        _rows, total, k, base = publish_areas(
            [a.assessed for a in whole_from],
            [a.high for a in whole_from],
            [a.cases for a in whole_from],
            k=k,
            base=base,
        )
    staff_total = {p.code: sum(a.staff.get(p.code, 0.0) for a in needs_) for p in PROFESSIONS}
    labelled = [(a.label, row, a.staff, False) for a, row in zip(needs_, rows_, strict=True)]
    if total is not None:
        labelled.append((whole, total, staff_total, True))
    rows = [
        _workforce_row(label, row, staff, is_total, per_worker, costs)
        for label, row, staff, is_total in labelled
    ]
    return Workforce(rows, k, base, per_worker)


def _workforce_row(
    label: str, row: AreaRow, staff, total: bool, per_worker: float, costs: UnitCosts
) -> WorkforceRow:
    figures = []
    for p in PROFESSIONS:
        cell = row.professions[p.code]
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
