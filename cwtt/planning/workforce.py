"""Workforce and cost planning (issue #14 item 7; docs/planning.md, decision 0058).

Pure Python, no Django: the numbers a planner can check by hand.

- Which profession serves which domains (`PROFESSIONS`): social workers take protection and
  care and feelings and behaviour; nurses take good health and food and nutrition; learner
  support agents take education and learning; community workers (social auxiliary and
  community care workers) take money and living conditions (grant access, basic services).
- A child is one case for a profession when high in any of its domains: a child high in both
  protection and feelings is one social-work case, not two.
- A caseload of N means N cases, each reviewed every `REFERENCE_REVIEW_WEEKS` (4) weeks.
  Reviewing every W weeks instead changes how many cases one worker carries in proportion:
  N × W / 4 (every 8 weeks: twice as many; every 2 weeks: half). Workers needed = cases ÷
  that, in full-time workers (a school may need 0.3 of a social worker).
- Today's staff: registry staff by role (social worker, nurse; field workers count as
  community workers; learner support agents have no role in CWTT yet, so none are counted).
  A person assigned to several schools counts as an equal part at each, so a district's
  total is its number of people.
- Costs: workers × the annual cost per profession, at today's prices (no inflation), from a
  file the planner edits (cwtt/planning/data/unit_costs.json, each cost with its source or
  marked "placeholder").
- Projections (`project`): a cohort model. Today's open cases close evenly over the typical
  duration; each year a new Grade R intake arrives, the same size as today's Grade R (growing
  by `growth` a year), with today's share at high risk per profession; each new case stays
  open for the typical duration (whole years) and then closes. Older children who become high
  risk later are not modelled, nor are children who leave.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REFERENCE_REVIEW_WEEKS = 4
DEFAULT_REVIEW_WEEKS = 4
DEFAULT_DURATION_YEARS = 2
HORIZONS: tuple[int, ...] = (5, 10, 20)
DEFAULT_COSTS = Path(__file__).parent / "data" / "unit_costs.json"


@dataclass(frozen=True)
class Profession:
    code: str
    label: str
    domains: tuple[str, ...]
    staff_roles: tuple[str, ...]  # registry Staff roles counted as today's staff


PROFESSIONS: tuple[Profession, ...] = (
    Profession(
        "social_worker", "Social workers", ("protection", "psychosocial"), ("social_worker",)
    ),
    Profession("nurse", "Nurses", ("health", "nutrition"), ("nurse",)),
    Profession("learner_support_agent", "Learner support agents", ("education",), ()),
    Profession("community_worker", "Community workers", ("economic",), ("field_worker",)),
)
BY_CODE = {p.code: p for p in PROFESSIONS}
ROLE_TO_PROFESSION = {role: p.code for p in PROFESSIONS for role in p.staff_roles}


class PlanningError(ValueError):
    """Input a planner must correct, in plain words."""


def check_caseload(caseload: object) -> int:
    if isinstance(caseload, bool) or not isinstance(caseload, int) or caseload < 1:
        raise PlanningError(
            f"The caseload must be a whole number of cases per worker, at least 1, not {caseload!r}."
        )
    return caseload


def check_review_weeks(weeks: object) -> int:
    if isinstance(weeks, bool) or not isinstance(weeks, int) or not 1 <= weeks <= 52:
        raise PlanningError(
            f"The review interval must be a whole number of weeks from 1 to 52, not {weeks!r}."
        )
    return weeks


def effective_caseload(caseload: int, review_weeks: int = DEFAULT_REVIEW_WEEKS) -> float:
    """Cases one full-time worker carries when each is reviewed every `review_weeks` weeks."""
    return check_caseload(caseload) * check_review_weeks(review_weeks) / REFERENCE_REVIEW_WEEKS


def workers_needed(cases: float, caseload: int, review_weeks: int = DEFAULT_REVIEW_WEEKS) -> float:
    return cases / effective_caseload(caseload, review_weeks)


@dataclass(frozen=True)
class UnitCost:
    annual: float
    source: str  # where the figure comes from, or "placeholder"

    @property
    def placeholder(self) -> bool:
        return self.source.strip().lower().startswith("placeholder")


@dataclass(frozen=True)
class UnitCosts:
    currency: str
    year: int | None
    costs: Mapping[str, UnitCost]

    def annual(self, profession: str) -> float:
        return self.costs[profession].annual

    def with_changes(self, changes: Mapping[str, float]) -> UnitCosts:
        """These costs with some replaced (a planner's scenario), marked as the planner's."""
        costs = dict(self.costs)
        for code, annual in changes.items():
            if code in costs and annual != costs[code].annual:
                costs[code] = UnitCost(float(annual), "entered by the planner")
        return UnitCosts(self.currency, self.year, costs)


def _cost_value(raw: object, where: str) -> float:
    if isinstance(raw, bool):
        raise PlanningError(f"{where}: the annual cost must be a number, not {raw!r}.")
    try:
        value = float(str(raw).replace(" ", "").replace(",", ""))
    except ValueError:
        raise PlanningError(f"{where}: the annual cost must be a number, not {raw!r}.") from None
    if not math.isfinite(value) or value < 0:
        raise PlanningError(f"{where}: the annual cost must be zero or more, not {raw!r}.")
    return value


def load_unit_costs(path: str | Path = DEFAULT_COSTS) -> UnitCosts:
    """Annual cost per profession from a JSON file (like the shipped one) or a CSV file with
    the columns profession, annual_cost, source. Every profession must be given."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlanningError(f"The cost file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PlanningError(f"The cost file {path} could not be read ({error}).") from None
    currency, year, rows = "ZAR", None, []
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        missing = {"profession", "annual_cost"} - set(reader.fieldnames or [])
        if missing:
            raise PlanningError(
                f"The cost file {path} needs the columns profession, annual_cost and source "
                f"(missing: {', '.join(sorted(missing))})."
            )
        for number, row in enumerate(reader, start=2):
            rows.append((row["profession"], row["annual_cost"], row.get("source"), f"row {number}"))
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise PlanningError(f"The cost file {path} is not valid JSON ({error}).") from None
        if not isinstance(data, dict) or not isinstance(data.get("professions"), dict):
            raise PlanningError(f'The cost file {path} needs a "professions" object.')
        currency = str(data.get("currency", "ZAR"))
        year = data.get("year") if isinstance(data.get("year"), int) else None
        for code, entry in data["professions"].items():
            if not isinstance(entry, dict):
                raise PlanningError(f'{path}, "{code}": give annual_cost and source.')
            rows.append((code, entry.get("annual_cost"), entry.get("source"), f'"{code}"'))
    costs: dict[str, UnitCost] = {}
    for code, raw, source, where in rows:
        code = (code or "").strip()
        if code not in BY_CODE:
            known = ", ".join(BY_CODE)
            raise PlanningError(f"{path}, {where}: unknown profession {code!r} (known: {known}).")
        costs[code] = UnitCost(_cost_value(raw, f"{path}, {where}"), (source or "").strip())
    left_out = [code for code in BY_CODE if code not in costs]
    if left_out:
        raise PlanningError(f"The cost file {path} gives no cost for: {', '.join(left_out)}.")
    return UnitCosts(currency, year, costs)


@dataclass(frozen=True)
class AreaNeed:
    """One school, circuit or district: children who are a case for each profession, and
    today's staff (full-time equivalents) per profession."""

    key: str
    label: str
    assessed: int
    cases: Mapping[str, int]
    staff: Mapping[str, float]
    high: Mapping[str, int] = field(default_factory=dict)  # domain -> children at high risk


@dataclass(frozen=True)
class WorkforceRow:
    area: AreaNeed
    needed: dict[str, float]
    gap: dict[str, float]  # needed minus staff, never below zero
    cost_needed: float
    cost_gap: float


def plan(
    areas: Sequence[AreaNeed],
    *,
    caseload: int,
    review_weeks: int = DEFAULT_REVIEW_WEEKS,
    costs: UnitCosts,
) -> list[WorkforceRow]:
    per_worker = effective_caseload(caseload, review_weeks)
    rows = []
    for area in areas:
        needed = {p.code: area.cases.get(p.code, 0) / per_worker for p in PROFESSIONS}
        gap = {code: max(0.0, value - area.staff.get(code, 0.0)) for code, value in needed.items()}
        rows.append(
            WorkforceRow(
                area,
                needed,
                gap,
                sum(v * costs.annual(c) for c, v in needed.items()),
                sum(v * costs.annual(c) for c, v in gap.items()),
            )
        )
    return rows


@dataclass(frozen=True)
class ProjectedYear:
    year: int  # 0 is the wave's year
    cases: dict[str, float]
    workers: dict[str, float]
    cost: float


def project(
    *,
    cases_now: Mapping[str, float],
    intake: float,
    intake_share: Mapping[str, float],
    caseload: int,
    review_weeks: int = DEFAULT_REVIEW_WEEKS,
    duration_years: int = DEFAULT_DURATION_YEARS,
    growth: float = 0.0,
    years: int = max(HORIZONS),
    costs: UnitCosts,
) -> list[ProjectedYear]:
    """Open cases, workers and cost for each year from 0 (today) to `years` (the cohort model
    in the module's docstring)."""
    if isinstance(duration_years, bool) or not isinstance(duration_years, int):
        raise PlanningError(f"The typical duration must be whole years, not {duration_years!r}.")
    if not 1 <= duration_years <= 20:
        raise PlanningError(
            f"The typical duration of a case must be 1 to 20 years, not {duration_years}."
        )
    if not -0.5 <= growth <= 0.5:
        raise PlanningError(f"The yearly growth of the intake must be within ±50%, not {growth}.")
    per_worker = effective_caseload(caseload, review_weeks)
    out = []
    for year in range(years + 1):
        cases = {}
        for p in PROFESSIONS:
            now = cases_now.get(p.code, 0.0) * max(0.0, 1 - year / duration_years)
            opened = range(max(1, year - duration_years + 1), year + 1)
            new = sum(
                intake * (1 + growth) ** (s - 1) * intake_share.get(p.code, 0.0) for s in opened
            )
            cases[p.code] = now + new
        workers = {code: value / per_worker for code, value in cases.items()}
        cost = sum(value * costs.annual(code) for code, value in workers.items())
        out.append(ProjectedYear(year, cases, workers, cost))
    return out
