"""The area dashboard for district, provincial and research roles: aggregates only, with every
count passed through small-cell suppression and then rounded to a base (cwtt/access/suppression.py
`publish`, decisions 0013 and 0028): a live page that moved by one when one child was assessed
would give that child's levels to anyone who knew who was just assessed.

What the page publishes, and how each table is protected:

- risk by wave (a row per wave) and, for a district or a province, risk by circuit or by district
  in the latest wave with a total row. The latest wave's row *is* that total row, shown the
  same way, or the two tables together would give away what the total row hides;
- the change between the last two waves: the difference of two shown shares, and the children
  who moved out of and into high risk, shown only as a pair and only where both shares are
  shown (tables.change_rows says why);
- the referral funnel and coverage of children at high risk (split like the risk table, with
  a total row), and open cases by the sector of the lead's organisation (with a total row),
  each protected on its own. They count different things (referrals, children at high risk,
  cases), so no sum links them. The staff per sector are a table of their own: one to four
  people are a small cell too (a sector's one social worker and "7 cases per staff member"
  is that person's caseload);
- assessments so far in the latest wave, rounded, with the day (not the time) of the last one.

Rows are listed for what exists, not for what has data: every circuit (or district) with a
school, every sector. A row listed only when its count
is above zero would tell the reader that its hidden count is at least one, and two such rows
hiding a sum of two would both be ones.

No child or worker is named: rows are waves, circuits, districts, sectors and, in the comparison
(`compare_waves`), schools and quintiles, protected together with their sums.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access.suppression import (
    Cell,
    Row,
    SuppressedTable,
    publish,
    round_to_base,
    rounding_base,
    small_cell_k,
)
from cwtt.assessments.models import Assessment, RiskProfile
from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS
from cwtt.registry.models import Location, Organisation, School, Staff

from . import figures
from .charts import bar_chart
from .tables import RISK_N, Table, TableRow, change_rows, moves_table

BY_LOCATION = "child__school__location_id"

T = TypeVar("T")


@dataclass(frozen=True, order=True)
class Part:
    """A piece of the area on the page: a circuit of a district, a district of a province. The
    schools filed under the area itself, not a piece of it, are counted together (`rest`)
    and listed last."""

    rest: bool
    name: str
    id: int


@dataclass(frozen=True)
class Split:
    kind: str  # "circuit" or "district"
    heading: str
    title: str  # of the risk table, with %(wave)s
    of_location: dict[int, Part]  # school location id -> part
    listed: list[Part]  # the parts with at least one school, in order

    def group(
        self, by_location: dict[Any, T], zero: T, add: Callable[[T, T], T]
    ) -> list[tuple[Part, T]]:
        grouped = {part: zero for part in self.listed}
        for location_id, value in by_location.items():
            part = self.of_location.get(location_id)
            if part in grouped:  # a school outside the area cannot be in its figures
                grouped[part] = add(grouped[part], value)
        return list(grouped.items())


def split_for(location: Location | None, schools: QuerySet[School]) -> Split | None:
    """How the area splits on the page: a district by circuit, a province by district."""
    if location is None or location.level == Location.Level.CIRCUIT:
        return None
    places = Location.objects.filter(pk__in=location.descendant_ids()).values(
        "pk", "name", "level", "parent_id", "parent__name"
    )
    parts: dict[int, Part] = {}
    if location.level == Location.Level.DISTRICT:
        kind, heading, title = "circuit", _("Circuit"), _("By circuit, %(wave)s")
        rest = Part(True, _("Schools not in a circuit"), 0)
        for place in places:
            in_circuit = place["level"] == Location.Level.CIRCUIT
            parts[place["pk"]] = Part(False, place["name"], place["pk"]) if in_circuit else rest
    else:
        kind, heading, title = "district", _("District"), _("By district, %(wave)s")
        rest = Part(True, _("Schools not in a district"), 0)
        for place in places:
            if place["level"] == Location.Level.DISTRICT:
                parts[place["pk"]] = Part(False, place["name"], place["pk"])
            elif place["level"] == Location.Level.CIRCUIT:
                parts[place["pk"]] = Part(False, place["parent__name"], place["parent_id"])
            else:
                parts[place["pk"]] = rest
    with_schools = set(schools.values_list("location_id", flat=True))
    listed = sorted({parts[pk] for pk in with_schools if pk in parts})
    if len(listed) < 2:
        # One circuit (or district) with schools: its row would only repeat the whole area's.
        return None
    return Split(kind, heading, title, parts, listed)


@dataclass(frozen=True)
class Counted:
    """A suppressed table with its row labels; the whole area is its total row (with a split)
    or its only row (without)."""

    labels: list[str]
    table: SuppressedTable
    whole_label: str

    @property
    def whole(self) -> Row:
        return self.table.total if self.table.total is not None else self.table.rows[0]

    def rows(self) -> list[TableRow]:
        rows = [
            TableRow(label, row) for label, row in zip(self.labels, self.table.rows, strict=True)
        ]
        if self.table.total is not None:
            rows.append(TableRow(self.whole_label, self.table.total, total=True))
        return rows


def _count(
    split: Split | None,
    by_location: dict[Any, T],
    zero: T,
    add: Callable[[T, T], T],
    cells: Callable[[T], Sequence[int]],
    n: Callable[[T], int],
    whole: str,
) -> Counted:
    """One row per part of the area with the whole area as a total row, or (with no split) the
    whole area as the only row."""
    if split is None:
        value = by_location.get(None, zero)
        return Counted([whole], publish([cells(value)], [n(value)]), whole)
    grouped = split.group(by_location, zero, add)
    table = publish([cells(v) for _, v in grouped], [n(v) for _, v in grouped], total_row=True)
    return Counted([part.name for part, _ in grouped], table, whole)


def _counts(cells: Iterable[Cell]) -> list[int | None]:
    return [None if c.hidden else c.count for c in cells]


def _shares(cells: Iterable[Cell]) -> list[int | None]:
    return [None if c.hidden else c.share for c in cells]


@dataclass(frozen=True)
class Area:
    """Who reads, and what their area is."""

    schools: QuerySet[School]
    place: str
    whole: str
    split: Split | None

    @property
    def by(self) -> str | None:
        return BY_LOCATION if self.split is not None else None

    @property
    def heading(self) -> str:
        return self.split.heading if self.split is not None else _("Area")


def area_at(location: Location | None) -> Area:
    """The area of a place (None: every school): its schools and everything under it, as its
    district, provincial and research readers see it (cwtt/dashboards/snapshots.py)."""
    if location is None:
        schools = School.objects.all()
        place = whole = _("All schools")
    else:
        schools = School.objects.filter(location_id__in=location.descendant_ids())
        place, whole = location.name, _("Whole %(place)s") % {"place": location.name}
    return Area(schools=schools, place=place, whole=whole, split=split_for(location, schools))


def area_figures(area: Area) -> dict[str, Any]:
    """Everything the area dashboard shows, for one area. `comparison` is the data behind the
    page's filters (`comparison_data`), stored beside the rendered figures."""
    profiles = RiskProfile.objects.filter(child__school__in=area.schools)
    waves = figures.risk_by_wave(profiles)
    compared = compare_waves(area, profiles, waves)
    risk = risk_section(area, profiles, waves, compared)
    latest = waves[-1] if waves else None
    return {
        "comparison": comparison_data(area, compared),
        "place": area.place,
        "school_count": area.schools.count(),
        "small_cell": risk["k"],
        "rounding_base": risk["base"],
        **risk,
        "change": change_section(profiles, waves, risk["wave_rows"]),
        **funnel_section(area),
        **coverage_section(area, profiles, latest),
        **caseload_section(area),
        "activity": activity_section(area, latest, risk["k"], risk["base"]),
        "now": timezone.now(),
    }


# --- the comparison of schools, circuits and quintiles ------------------------------------------

ANY = len(DOMAINS)  # the comparison's last column: high risk in any area, after the six domains


@dataclass(frozen=True)
class AreaSchool:
    id: int
    name: str
    quintile: int
    part: Part | None  # its circuit (or district), when the area splits


@dataclass(frozen=True)
class Compared:
    """One wave's comparison: a row per school, per part of the area (circuit or district) and
    per school quintile, and the whole area, all protected as one table (suppression
    `groups`), so that no published sum, nor the difference of two, gives a hidden school or
    circuit away. Columns: high risk in each domain, then in any (`ANY`)."""

    wave: figures.WaveRisk
    schools: list[tuple[AreaSchool, Row]]
    parts: list[tuple[Part, Row]]
    quintiles: list[tuple[int, Row]]
    whole: Row

    def risk_row(self, row: Row) -> Row:
        """The row with the six domains only, as the risk tables show it."""
        return Row(row.n, row.cells[:ANY])


def area_schools(area: Area) -> list[AreaSchool]:
    of_location = area.split.of_location if area.split is not None else {}
    return [
        AreaSchool(s["pk"], s["name"], s["quintile"], of_location.get(s["location_id"]))
        for s in area.schools.order_by("name", "pk").values("pk", "name", "quintile", "location_id")
    ]


# Above this many schools, the comparison's rows are not schools but each circuit's (or
# district's) schools of one quintile, protected as if shown and never shown: a province's
# 2,200 schools would take far too long to protect, and are too many to compare one by one.
MAX_SCHOOL_ROWS = 80


def compare_waves(area: Area, profiles, waves: list[figures.WaveRisk]) -> list[Compared]:
    """Every wave's comparison, from one query (figures.risk_by_school). Every school of the
    area is a row, with or without assessed children (a row listed only when it had some
    would say its hidden count is at least one); so is every part with a school, and every
    quintile when the schools are of more than one. Above MAX_SCHOOL_ROWS schools, the rows
    are (part, quintile) cells instead, and no school is listed."""
    schools = area_schools(area)
    parts = area.split.listed if area.split is not None else []
    quintiles = sorted({s.quintile for s in schools})
    if len(quintiles) < 2:
        quintiles = []  # one quintile: its row would only repeat the whole area's
    by_school = len(schools) <= MAX_SCHOOL_ROWS
    units: list[Any] = (
        [s.id for s in schools]
        if by_school
        else sorted(
            {(s.part, s.quintile) for s in schools}, key=lambda u: (u[0] or Part(True, "", 0), u[1])
        )
    )
    unit_of = {s.id: (s.id if by_school else (s.part, s.quintile)) for s in schools}
    position = {unit: i for i, unit in enumerate(units)}
    part_of = {unit_of[s.id]: s.part for s in schools}
    quintile_of = {unit_of[s.id]: s.quintile for s in schools}
    groups = [[position[u] for u in units if part_of[u] == part] for part in parts]
    groups += [[position[u] for u in units if quintile_of[u] == q] for q in quintiles]
    counted = figures.risk_by_school(profiles)
    zero = figures.RiskCounts(0, (0,) * (ANY + 1))
    compared = []
    for wave in waves:
        values = [zero] * len(units)
        for school in schools:
            found = counted.get((wave.wave_id, school.id))
            if found is not None:
                at = position[unit_of[school.id]]
                values[at] = values[at] + found
        table = publish(
            [v.high for v in values], [v.n for v in values], total_row=True, groups=groups
        )
        assert table.total is not None
        sums = list(table.groups)
        compared.append(
            Compared(
                wave=wave,
                schools=list(zip(schools, table.rows, strict=True)) if by_school else [],
                parts=list(zip(parts, sums[: len(parts)], strict=True)),
                quintiles=list(zip(quintiles, sums[len(parts) :], strict=True)),
                whole=table.total,
            )
        )
    return compared


def _row_data(row: Row) -> dict[str, Any]:
    return {"n": row.n.count, "c": _counts(row.cells), "s": _shares(row.cells)}


def comparison_data(area: Area, compared: list[Compared]) -> dict[str, Any]:
    """The comparison as stored in the day's snapshot (AreaSnapshot.comparison): published
    numbers only (None where hidden), so the page's filters only choose among numbers that
    were protected together, and never work out a new one (cwtt/dashboards/compare.py)."""
    split = area.split
    parts = split.listed if split is not None else []
    every_school = area_schools(area)
    schools = compared[0].schools if compared else [(s, None) for s in every_school]
    if len(every_school) > MAX_SCHOOL_ROWS:
        schools = []
    return {
        "kind": split.kind if split is not None else "",
        "whole": area.whole,
        "parts": [{"id": p.id, "name": p.name} for p in parts],
        "quintiles": [q for q, _ in compared[0].quintiles] if compared else [],
        # The filter's choices: every quintile of the area's schools, even a single one
        # (which then has no row of its own: it would repeat the whole area's).
        "quintile_choices": sorted({s.quintile for s in every_school}),
        "too_many_schools": len(every_school) > MAX_SCHOOL_ROWS,
        "schools": [
            {
                "id": s.id,
                "name": s.name,
                "quintile": s.quintile,
                "part": s.part.id if s.part is not None else None,
            }
            for s, _ in schools
        ],
        "waves": [
            {
                "id": c.wave.wave_id,
                "name": c.wave.name,
                "whole": _row_data(c.whole),
                "parts": [_row_data(r) for _, r in c.parts],
                "quintiles": [_row_data(r) for _, r in c.quintiles],
                "schools": [_row_data(r) for _, r in c.schools],
            }
            for c in compared
        ],
    }


def risk_section(
    area: Area, profiles, waves: list[figures.WaveRisk], compared: list[Compared]
) -> dict[str, Any]:
    """Risk by wave, and by part of the area in the latest wave. One page, one truth: each
    wave's row is that wave's whole-area row of the comparison, and the latest wave's parts are
    the comparison's, so every table shows a number the same way."""
    domains = [DOMAIN_LABELS[d] for d in DOMAINS]
    k = small_cell_k()
    base = rounding_base()
    wave_rows = [c.risk_row(c.whole) for c in compared]
    tables: list[Table] = []
    if waves and area.split is not None:
        latest = compared[-1]
        labels = [part.name for part, _ in latest.parts]
        table = SuppressedTable(
            k, tuple(latest.risk_row(r) for _, r in latest.parts), wave_rows[-1], base
        )
        counted = Counted(labels, table, area.whole)
        tables.append(
            Table(
                id=f"by-{area.split.kind}",
                title=area.split.title % {"wave": latest.wave.name},
                heading=area.split.heading,
                n_label=str(RISK_N),
                columns=domains,
                rows=counted.rows(),
                counts=False,
            )
        )
    rows = [TableRow(w.name, row) for w, row in zip(waves, wave_rows, strict=True)]
    return {
        "k": k,
        "base": base,
        "wave_rows": wave_rows,
        "risk": Table(
            id="by-wave",
            title=_("By wave"),
            heading=_("Wave"),
            n_label=str(RISK_N),
            columns=domains,
            rows=rows,
            counts=False,
        )
        if waves
        else None,
        "risk_chart": bar_chart(
            title=_("Share of children at high risk, by area of wellbeing and wave"),
            labels=domains,
            series=[
                (
                    _("%(wave)s (n = %(n)s)") % {"wave": r.label, "n": r.row.n.count}
                    if not r.row.n.hidden
                    else _("%(wave)s (n not shown)") % {"wave": r.label},
                    _shares(r.row.cells),
                )
                for r in rows
            ],
            unit="%",
            top=100,
        ),
        "tables": tables,
    }


def change_section(profiles, waves: list[figures.WaveRisk], wave_rows: list[Row]):
    if len(waves) < 2:
        return None
    before, after = waves[-2], waves[-1]
    moved = publish(*moves_table(figures.moves_between(profiles, before.wave_id, after.wave_id)))
    rows = change_rows(wave_rows[-2], wave_rows[-1], moved)
    return {
        "before": before.name,
        "after": after.name,
        "rows": rows,
        "n": moved.rows[0].n,
        "chart": bar_chart(
            title=_("Change in the share at high risk from %(before)s to %(after)s")
            % {"before": before.name, "after": after.name},
            labels=[DOMAIN_LABELS[d] for d in DOMAINS],
            series=[(_("Change (percentage points)"), [r.points for r in rows])],
            axis=_("Change in percentage points"),
            signed=True,
        ),
    }


def funnel_section(area: Area) -> dict[str, Any]:
    from cwtt.referrals.models import Referral

    counted = _count(
        area.split,
        figures.referral_funnel(Referral.objects.filter(child__school__in=area.schools), area.by),
        figures.Funnel(),
        lambda a, b: figures.Funnel(
            a.sent + b.sent, a.accepted + b.accepted, a.delivered + b.delivered
        ),
        lambda f: [f.accepted, f.delivered],
        lambda f: f.sent,
        area.whole,
    )
    whole = counted.whole
    return {
        "funnel": Table(
            id="funnel",
            title=_("Referrals sent in the past 12 months"),
            heading=area.heading,
            n_label=_("Sent"),
            columns=[_("Accepted by the provider"), _("Service delivered")],
            rows=counted.rows(),
        ),
        "funnel_chart": bar_chart(
            title=_("Referrals sent, accepted and delivered, %(place)s") % {"place": area.place},
            labels=[_("Sent"), _("Accepted"), _("Delivered")],
            series=[(_("Referrals"), _counts([whole.n, *whole.cells]))],
        ),
    }


def coverage_section(area: Area, profiles, latest: figures.WaveRisk | None) -> dict[str, Any]:
    if latest is None:
        return {"coverage": None, "coverage_chart": None}
    counted = _count(
        area.split,
        figures.coverage(profiles, latest.wave_id, latest.starts_on, area.by),
        figures.Coverage(),
        lambda a, b: figures.Coverage(
            a.high + b.high, a.with_plan + b.with_plan, a.with_service + b.with_service
        ),
        lambda c: [c.with_plan, c.with_service],
        lambda c: c.high,
        area.whole,
    )
    return {
        "coverage": Table(
            id="coverage",
            title=_("Support for children at high risk, %(wave)s") % {"wave": latest.name},
            heading=area.heading,
            n_label=_("Children at high risk in any area"),
            columns=[_("With an agreed case plan"), _("Received a service")],
            rows=counted.rows(),
        ),
        "coverage_chart": bar_chart(
            title=_("Share of children at high risk with a plan and with a service"),
            labels=[_("With an agreed case plan"), _("Received a service")],
            series=[(area.place, _shares(counted.whole.cells))],
            unit="%",
            top=100,
        ),
    }


def caseload_section(area: Area) -> dict[str, Any]:
    """Open cases at the area's schools by the sector of the lead's organisation (every sector
    listed, then cases with no lead yet), with the sector's staff at these schools and the
    open cases per staff member.

    By sector, not by organisation: a school's own staff are an organisation named after the
    school, and its caseload would be a few people's; a district also has too many
    organisations for one table. Staff are counted whether or not they lead a case: a count of the people who lead
    cases would tell which hidden rows are zero (nobody leads, so no case)."""
    from cwtt.cases.models import Case

    staff = dict(
        Staff.objects.filter(schools__in=area.schools)
        .order_by()
        .values("organisation__sector")
        .annotate(people=Count("pk", distinct=True))
        .values_list("organisation__sector", "people")
    )
    loads = figures.caseload(
        Case.objects.filter(school__in=area.schools), "lead__organisation__sector"
    )
    keys: list[str | None] = [*Organisation.Sector.values, None]
    labels = [str(label) for label in Organisation.Sector.labels] + [_("No lead chosen yet")]
    values = [loads.get(key, figures.Load()) for key in keys]
    table = publish([[v.under_way] for v in values], [v.open_cases for v in values], total_row=True)
    # Staff per sector, a table of their own (no columns, a total row): fewer than k people
    # are hidden like any small count, and one more where the total would give them away.
    sectors = Organisation.Sector.values
    people = publish([[] for _ in sectors], [staff.get(key, 0) for key in sectors], total_row=True)
    people_rows = [*people.rows, None]  # no staff beside "no lead chosen yet"
    rows = [
        TableRow(label, row, extra=_per_person(person, row))
        for label, row, person in zip(labels, table.rows, people_rows, strict=True)
    ]
    rows.append(
        TableRow(area.whole, table.total, total=True, extra=_per_person(people.total, table.total))
    )
    return {
        "caseload": Table(
            id="caseload",
            title=_("Open cases by sector"),
            heading=_("Sector of the lead"),
            n_label=_("Open cases"),
            columns=[_("Work under way on an agreed plan")],
            rows=rows,
            extra_columns=[_("Staff at these schools"), _("Open cases per staff member")],
        ),
        "caseload_chart": bar_chart(
            title=_("Open cases by sector"),
            labels=[r.label for r in rows if not r.total],
            series=[(_("Open cases"), _counts(r.row.n for r in rows if not r.total))],
        ),
    }


def _per_person(people: Row | None, row: Row) -> tuple[str, str]:
    """Staff, and open cases per staff member. The average is worked out from the two numbers
    as shown (rounded) and only where both are shown: with either hidden, it would give that
    one away."""
    if people is None:  # cases with no lead
        return ("—", "—")
    if people.n.hidden:
        return (_("not shown"), _("not shown"))
    staff = people.n.count or 0
    if row.n.hidden or not staff:
        return (str(staff), _("not shown"))
    return (str(staff), f"{(row.n.count or 0) / staff:.1f}")


def activity_section(area: Area, latest: figures.WaveRisk | None, k: int, base: int):
    """Assessments so far in the latest wave, shown like any other count (too few: hidden;
    else rounded), with the day of the last one. Not its time: to the minute, it would tell a
    watcher that exactly one assessment came in between two looks at the page."""
    if latest is None:
        return None
    counted = figures.wave_activity(
        Assessment.objects.filter(child__school__in=area.schools), latest.wave_id
    )
    shown = counted.assessments >= k
    return {
        "wave": latest.name,
        "assessments": round_to_base(counted.assessments, base) if shown else None,
        "last_on": timezone.localdate(counted.last_at) if shown and counted.last_at else None,
    }
