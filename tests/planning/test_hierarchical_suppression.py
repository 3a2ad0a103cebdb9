"""Decision 0058's "Limits", closed: a number the circuit table hides cannot be had back by adding
up that circuit's schools, nor a district's by adding up its circuits.

The attacker sees every table the Planning page (and the API, and `cwtt plan`) can show one
reader: the districts with the area's total, the circuits, the schools; numbers exact (rounding
base 1, the worst case). Every published sum is an equation (a circuit is the sum of its
schools, a district of its circuits, the area of its districts; a count and its complement make
the row's n); the attacker solves them exactly (`cwtt.access.suppression.determined`, reduced
row echelon form) and wins if any hidden number follows.
"""

from __future__ import annotations

import random

import pytest

from cwtt.access.roles import Role
from cwtt.access.suppression import determined
from cwtt.planning import published
from cwtt.planning.sources import Places, SchoolCounts
from cwtt.planning.targeting import DOMAINS
from cwtt.planning.workforce import PROFESSIONS
from cwtt.registry.models import Location

from ..conftest import _person, sign_in  # noqa: TID252 - shared test helpers
from .conftest import plant_district, plant_school

K, BASE = 5, 1
SPANNING = [p.code for p in published.SPANNING]


def school(number, location, assessed, **high):
    cases = {p.code: 0 for p in PROFESSIONS}
    cases["social_worker"] = max(high.get("protection", 0), high.get("psychosocial", 0))
    cases["nurse"] = max(high.get("health", 0), high.get("nutrition", 0))
    return SchoolCounts(
        school_id=number,
        name=f"School {number:03d}",
        emis=f"7{number:08d}",
        location_id=location,
        latitude=None,
        longitude=None,
        assessed=assessed,
        grade_r=0,
        high={d: high.get(d, 0) for d in DOMAINS},
        cases=cases,
    )


def places(districts: dict[int, list[int]]) -> Places:
    """Province 1; districts (ids 10, 20, ...) each with circuits (ids 11, 12, ...)."""
    parent, level, name = {1: None}, {1: "province"}, {1: "Province"}
    for district, circuits in districts.items():
        parent[district], level[district], name[district] = 1, "district", f"District {district}"
        for circuit in circuits:
            parent[circuit], level[circuit], name[circuit] = district, "circuit", f"C{circuit}"
    return Places(parent, level, name)


def publish_everything(counts, where, *, hierarchical=True):
    """Every table one reader may see: {level: [(group key or school id, AreaRow)]}, and the
    whole area's row."""
    by_level = {}
    for by in ("district", "circuit", "school"):
        groups = published.groups(counts, by, where)
        needs = published.area_needs(groups, {})
        extra = published.protected_by_level(counts, where, by, k=K, base=BASE)
        if not hierarchical and by == "school":  # as before: parts, no parents
            extra = {"parts": published.circuits_of(counts, where)}
        if not hierarchical and by == "circuit":  # as before: against the area's total
            extra = {}
        rows, total, _k, _b = published.publish_areas(
            [a.assessed for a in needs],
            [a.high for a in needs],
            [a.cases for a in needs],
            k=K,
            base=BASE,
            **extra,
        )
        keys = [g.schools[0].school_id if by == "school" else g.key for g in groups]
        by_level[by] = list(zip(keys, rows, strict=True))
        if by == "district":
            by_level["whole"] = [("all", total)]
    return by_level


def numbers(row):
    """The row's published numbers: n, then one per domain and per profession of several."""
    return [row.n, *row.domains, *(row.professions[code] for code in SPANNING)]


def true_numbers(schools):
    return [
        sum(s.assessed for s in schools),
        *(sum(s.high[d] for s in schools) for d in DOMAINS),
        *(sum(s.cases[code] for s in schools) for code in SPANNING),
    ]


def attack(counts, where, by_level) -> list[tuple]:
    """Every hidden number the attacker works out exactly: (level, key, column)."""
    district_of = {s.school_id: where.at_level(s.location_id, "district") for s in counts}
    circuit_of = {s.school_id: where.at_level(s.location_id, "circuit") for s in counts}
    members = {
        "school": {s.school_id: [s] for s in counts},
        "circuit": {
            str(c): [s for s in counts if circuit_of[s.school_id] == c]
            for c in set(circuit_of.values())
        },
        "district": {
            str(d): [s for s in counts if district_of[s.school_id] == d]
            for d in set(district_of.values())
        },
        "whole": {"all": counts},
    }
    # A number about the same children is one number, whichever table shows it (a circuit of
    # one school is that school): known if any table shows it.
    group = {
        (level, key): frozenset(s.school_id for s in schools)
        for level, groups in members.items()
        for key, schools in groups.items()
    }
    variables: dict[tuple, int] = {}
    shown: set[int] = set()
    names: dict[int, tuple] = {}

    def var(name, is_shown):
        level, key, j, what = name
        same = (group[(level, key)], j, what)
        if same not in variables:
            variables[same] = len(variables)
            names[variables[same]] = name
        if is_shown:
            shown.add(variables[same])
        return variables[same]

    columns = 1 + len(DOMAINS) + len(SPANNING)
    for level, rows in by_level.items():
        for key, row in rows:
            for j, cell in enumerate(numbers(row)):
                hidden = cell.hidden or row.n.hidden
                var((level, key, j, "count"), not hidden)
                if j:  # the complement, n - count, shown with the count
                    var((level, key, j, "rest"), not hidden)

    def known(level, key, j, what):
        return variables.get((group[(level, key)], j, what))

    equations = []
    for level, groups in members.items():
        for key in groups:
            if known(level, key, 0, "count") is None:
                continue
            for j in range(1, columns):
                equations.append(
                    [
                        (known(level, key, j, "count"), 1),
                        (known(level, key, j, "rest"), 1),
                        (known(level, key, 0, "count"), -1),
                    ]
                )
    # Sums: each circuit of its schools, each district of its circuits and of its schools,
    # the whole of its districts.
    parents = [
        ("circuit", "school"),
        ("district", "circuit"),
        ("district", "school"),
        ("whole", "district"),
    ]
    for upper, lower in parents:
        for key, schools in members[upper].items():
            inside = {s.school_id for s in schools}
            parts = [
                k for k, found in members[lower].items() if {s.school_id for s in found} <= inside
            ]
            if known(upper, key, 0, "count") is None:
                continue
            for j in range(columns):
                for what in ("count", "rest") if j else ("count",):
                    terms = [(known(lower, p, j, what), 1) for p in parts]
                    if parts and None not in (t for t, _ in terms):
                        equations.append([*terms, (known(upper, key, j, what), -1)])
    unknown = set(variables.values()) - shown
    found = determined(equations, unknown)
    return sorted({names[v][:3] for v in found})


def district_with_a_circuit_hidden_for_another():
    """Circuit 11: two schools with 5 of 20 and 6 of 20 high in protection (each shown);
    circuit 12: 3 of 30 (small); circuit 13: 40 of 100. The circuit table hides circuit 12
    and, so that the district's total does not give it away, circuit 11 (the smaller other).
    Before: circuit 11's schools were both shown, and 5 + 6 gave circuit 11 back, and then
    circuit 12 by subtraction."""
    where = places({10: [11, 12, 13]})
    counts = [
        school(1, 11, 20, protection=5),
        school(2, 11, 20, protection=6),
        school(3, 12, 30, protection=3),
        school(4, 13, 100, protection=40),
    ]
    return counts, where


def test_before_the_circuit_hidden_for_another_was_recovered_from_its_schools():
    counts, where = district_with_a_circuit_hidden_for_another()
    tables = publish_everything(counts, where, hierarchical=False)
    assert ("circuit", "11", 1 + DOMAINS.index("protection")) in attack(counts, where, tables)


def test_now_no_hidden_number_of_that_district_can_be_worked_out():
    counts, where = district_with_a_circuit_hidden_for_another()
    tables = publish_everything(counts, where)
    protection = 1 + DOMAINS.index("protection")
    circuit_11 = dict(tables["circuit"])["11"]
    assert numbers(circuit_11)[protection].hidden  # the circuit table is unchanged
    schools_11 = [numbers(row)[protection] for key, row in tables["school"] if key in (1, 2)]
    assert any(cell.hidden for cell in schools_11)
    assert attack(counts, where, tables) == []


def province_with_a_district_hidden_for_another():
    """District 10 (circuits 11, 12): 3 of 40 high in health, hidden; district 20 (circuits
    21, 22) 10 of 200; district 30, 60 of 300. The district table hides district 20 as well.
    Before: the circuits were protected against the province's total only, and circuits 21 and
    22 (5 of 100 each) were shown, so 5 + 5 gave district 20 back."""
    where = places({10: [11, 12], 20: [21, 22], 30: [31]})
    counts = [
        school(1, 11, 20, health=1),
        school(2, 12, 20, health=2),
        school(3, 21, 100, health=5),
        school(4, 22, 100, health=5),
        school(5, 31, 300, health=60),
    ]
    return counts, where


def test_before_a_district_was_recovered_from_its_circuits():
    counts, where = province_with_a_district_hidden_for_another()
    tables = publish_everything(counts, where, hierarchical=False)
    health = 1 + DOMAINS.index("health")
    assert ("district", "20", health) in attack(counts, where, tables)


def test_now_circuits_are_protected_against_their_district():
    counts, where = province_with_a_district_hidden_for_another()
    tables = publish_everything(counts, where)
    assert attack(counts, where, tables) == []


def random_area(rng: random.Random):
    districts = {
        10 * d: [10 * d + c for c in range(1, rng.randint(2, 3) + 1)]
        for d in range(1, rng.randint(1, 3) + 1)
    }
    where = places(districts)
    counts, number = [], 0
    for circuits in districts.values():
        for circuit in circuits:
            for _ in range(rng.randint(1, 3)):
                number += 1
                n = rng.choice([3, 8, 12, 20, 30, 45])
                high = {
                    d: rng.choice([0, 1, 2, 3, 5, 6, 9, min(n, 14)]) for d in rng.sample(DOMAINS, 3)
                }
                counts.append(school(number, circuit, n, **{d: min(v, n) for d, v in high.items()}))
    return counts, where


def test_the_differencing_attack_recovers_nothing_on_random_areas():
    rng = random.Random(14)
    broken_before = 0
    for _ in range(40):
        counts, where = random_area(rng)
        assert attack(counts, where, publish_everything(counts, where)) == [], counts
        broken_before += bool(
            attack(counts, where, publish_everything(counts, where, hierarchical=False))
        )
    assert broken_before > 0  # the attack is real: it worked on some of them before


def test_a_cell_hidden_from_the_start_is_protected_like_a_small_one():
    from cwtt.access.suppression import suppress

    table = suppress([[10], [12], [30]], [40, 40, 40], k=K, total_row=True, hide=[(1, 0)])
    hidden = [row.cells[0].hidden for row in table.rows]
    assert hidden[1] and sum(hidden) == 2  # and one more, or 52 - 10 - 30 would give it
    assert not table.total.cells[0].hidden
    with pytest.raises(ValueError, match="no cell"):
        suppress([[10]], [40], k=K, hide=[(3, 0)])


@pytest.mark.django_db
@pytest.mark.parametrize("by", ["school", "circuit", "district"])
def test_a_provincial_official_plans_by_each_level(client, people, district, wave, by):
    """Two districts: the circuits are published district by district, the whole from the
    district table; every level answers, the API as the page."""
    plant_district(district, wave)
    other = Location.objects.create(
        code="GP-OD", name="Other Test District", level="district", parent=district["province"]
    )
    far = Location.objects.create(code="GP-OD-1", name="Far Circuit", level="circuit", parent=other)
    plant_school(wave, "700600001", "Far Primary", far, {"health": 12}, 30, "Mokoena")
    paula = _person("paula", Role.PROVINCIAL_OFFICIAL, location=district["province"])
    page = sign_in(client, paula).get("/planning/", {"by": by})
    assert page.status_code == 200
    assert "Whole Gauteng (test)" in page.content.decode()
    api = client.get("/api/v1/planning/workforce/", {"by": by})
    assert api.status_code == 200
    rows = api.json()["rows"]
    assert rows[-1]["total"] and rows[-1]["area"] == "Whole Gauteng (test)"
    if by == "circuit":
        assert {"Circuit 1", "Circuit 2", "Far Circuit"} <= {r["area"] for r in rows}
