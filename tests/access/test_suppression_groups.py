"""Small-cell suppression with sum rows over chosen rows (`groups`): a district's schools with
a row per circuit, per school quintile and the whole district (the area comparison, decision
0052). The groups overlap, so a hidden school could be worked out through a chain of sums:
a circuit less its other schools, a quintile less the schools of other circuits...

The attacker here is independent of the module's solver: floating-point ranks (numpy) over
every sum the table implies, on small random tables where that is reliable.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from cwtt.access.suppression import SECONDARY, publish, suppress


def system(counts, ns, groups):
    """Variables: per row (schools, then the groups), n and per column count and not-counted.
    Equations: count + rest = n; each group's numbers the sums of its members'."""
    rows = len(ns) + len(groups)
    width = len(counts[0]) if counts else 0
    members = [[i] for i in range(len(ns))] + [list(g) for g in groups]

    def n(i):
        return i * (1 + 2 * width)

    def c(i, j):
        return n(i) + 1 + 2 * j

    def o(i, j):
        return c(i, j) + 1

    size = rows * (1 + 2 * width)
    equations = []
    for i in range(rows):
        for j in range(width):
            e = np.zeros(size)
            e[c(i, j)], e[o(i, j)], e[n(i)] = 1, 1, -1
            equations.append(e)
    for g, group in enumerate(groups):
        t = len(ns) + g
        for var in [
            n,
            *((lambda i, j=j: c(i, j)) for j in range(width)),
            *((lambda i, j=j: o(i, j)) for j in range(width)),
        ]:
            e = np.zeros(size)
            for i in group:
                e[var(i)] += 1
            e[var(t)] -= 1
            equations.append(e)
    return np.array(equations), n, c, o, members


def exposed(table, counts, ns, groups) -> list[str]:
    a, n, c, o, _ = system(counts, ns, groups)
    rows = [*table.rows, *table.groups] if table.total is None else [*table.rows, table.total]
    hidden = []
    for i, row in enumerate(rows):
        if row.n.hidden:
            hidden.append(n(i))
        for j, cell in enumerate(row.cells):
            if cell.hidden:
                hidden += [c(i, j), o(i, j)]
    if not hidden:
        return []
    sub = a[:, hidden]
    rank = np.linalg.matrix_rank(sub)
    found = []
    for position, var in enumerate(hidden):
        unit = np.zeros(len(hidden))
        unit[position] = 1
        if np.linalg.matrix_rank(np.vstack([sub, unit])) == rank:
            found.append(f"variable {var}")
    return found


def random_district(chance: random.Random):
    schools = chance.randint(2, 9)
    ns = [chance.choice([chance.randint(0, 8), chance.randint(5, 60)]) for _ in range(schools)]
    width = chance.choice([1, 2])
    counts = [[chance.randint(0, n) for _ in range(width)] for n in ns]
    circuits = chance.randint(1, 3)
    circuit_of = [chance.randrange(circuits) for _ in range(schools)]
    quintile_of = [chance.randint(1, 3) for _ in range(schools)]
    groups = [list(range(schools))]  # the whole district
    groups += [[i for i in range(schools) if circuit_of[i] == c] for c in range(circuits)]
    groups += [[i for i in range(schools) if quintile_of[i] == q] for q in (1, 2, 3)]
    return counts, ns, [g for g in groups if g]


def test_random_districts_resist_an_independent_attacker():
    chance = random.Random(52)
    tried = hidden_total = 0
    for _ in range(60):
        counts, ns, groups = random_district(chance)
        table = suppress(counts, ns, k=5, groups=groups)
        assert table.total is None and len(table.groups) == len(groups)
        assert exposed(table, counts, ns, groups) == [], (counts, ns, groups)
        rows = [*table.rows, *table.groups]
        all_ns = [*ns, *(sum(ns[i] for i in g) for g in groups)]
        for i, row in enumerate(rows):
            assert row.n.hidden or all_ns[i] >= 5
        tried += 1
        hidden_total += sum(c.hidden for row in rows for c in row.cells)
    assert tried == 60 and hidden_total > 60  # the tables had something to hide


def test_the_attacker_finds_what_primary_suppression_alone_leaves(monkeypatch):
    """Without the secondary step, the circuit less its shown school gives the small one away:
    the attacker is able to fail a table."""
    from cwtt.access import suppression

    monkeypatch.setattr(suppression._TableSystem, "protect", lambda self, hidden: None)
    counts, ns, groups = [[10], [0]], [14, 3], [[0, 1]]
    assert exposed(suppress(counts, ns, k=5, groups=groups), counts, ns, groups) != []


def test_a_school_too_small_to_show_is_not_the_circuit_less_its_neighbour():
    """Circuit 2 = Riverside (14 children) + Mountain (3): Mountain is hidden whole, and so is
    Riverside, or Circuit 2 less Riverside would be Mountain."""
    counts = [[10], [0], [6]]  # Riverside, Mountain, Valley
    ns = [14, 3, 12]
    table = suppress(counts, ns, k=5, total_row=True, groups=[[0, 1], [2]])
    riverside, mountain, _ = table.rows
    assert mountain.n.hidden and riverside.n.hidden
    assert riverside.n.why == SECONDARY
    circuit_2, circuit_3 = table.groups
    assert not circuit_2.n.hidden and circuit_2.n.count == 17
    assert not table.total.n.hidden


def test_the_whole_area_is_hidden_last():
    """Circuit 1 (two small schools) is hidden; rather than the district's total, another
    circuit is hidden with it."""
    table = suppress(
        [[2], [1], [7], [6]], [7, 5, 14, 12], k=5, total_row=True, groups=[[0, 1], [2], [3]]
    )
    assert not table.total.cells[0].hidden
    assert table.groups[0].cells[0].hidden
    assert sum(g.cells[0].hidden for g in table.groups) >= 2


@pytest.mark.parametrize("bad", [[[5]], [[-1, 0]]])
def test_a_group_naming_a_row_not_in_the_table_is_refused(bad):
    with pytest.raises(ValueError, match="a group names a row"):
        suppress([[1], [2]], [10, 10], groups=bad)


def test_groups_are_rounded_like_any_row():
    table = publish([[10], [12]], [20, 23], k=5, base=5, groups=[[0, 1]])
    assert table.groups[0].n.count == 45 and table.groups[0].cells[0].count == 20
