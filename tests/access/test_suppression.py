"""Small-cell suppression: what district, provincial and research roles may see of a count table.

Each test plays the reader: it takes only what the table shows and tries to work out every
hidden number by subtraction (`attack`), and asserts that nothing hidden comes out.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys

import pytest

from cwtt.access.suppression import (
    SECONDARY,
    SMALL,
    SMALL_ROW,
    SuppressedTable,
    publish,
    round_to_base,
    suppress,
)

# --- the reader's side: what is shown, and what can be worked out from it


def lines(table: SuppressedTable, rows_add_up: bool) -> list[tuple[list[str], str]]:
    """Every sum the page implies, as (parts, total) over named numbers."""
    inner = len(table.rows)
    all_rows = [*range(inner), *([inner] if table.total else [])]
    width = len(table.rows[0].cells) if table.rows else 0
    found: list[tuple[list[str], str]] = []
    for i in all_rows:
        if rows_add_up:
            found.append(([f"c{i},{j}" for j in range(width)], f"n{i}"))
        else:
            # A share reveals the count and its complement: high + not high = n.
            found.extend(([f"c{i},{j}", f"o{i},{j}"], f"n{i}") for j in range(width))
    if table.total:
        found.append(([f"n{i}" for i in range(inner)], f"n{inner}"))
        for j in range(width):
            found.append(([f"c{i},{j}" for i in range(inner)], f"c{inner},{j}"))
            if not rows_add_up:
                found.append(([f"o{i},{j}" for i in range(inner)], f"o{inner},{j}"))
    return found


def shown_numbers(table: SuppressedTable, rows_add_up: bool) -> dict[str, int]:
    rows = [*table.rows, *([table.total] if table.total else [])]
    known: dict[str, int] = {}
    for i, row in enumerate(rows):
        if not row.n.hidden:
            known[f"n{i}"] = row.n.count
        for j, cell in enumerate(row.cells):
            if not cell.hidden:
                known[f"c{i},{j}"] = cell.count
                if not rows_add_up:
                    known[f"o{i},{j}"] = row.n.count - cell.count
    return known


def attack(table: SuppressedTable, rows_add_up: bool = False) -> dict[str, int]:
    """Everything a reader can work out by repeated subtraction, including the bound that
    counts are never negative: hidden parts that must add up to zero are each zero."""
    known = shown_numbers(table, rows_add_up)
    shown = set(known)
    progress = True
    while progress:
        progress = False
        for parts, total in lines(table, rows_add_up):
            unknown = [p for p in parts if p not in known]
            if total in known and len(unknown) == 1:
                known[unknown[0]] = known[total] - sum(known[p] for p in parts if p in known)
                progress = True
            elif total in known and unknown and known[total] == sum(known.get(p, 0) for p in parts):
                known.update(dict.fromkeys(unknown, 0))
                progress = True
            elif total not in known and not unknown:
                known[total] = sum(known[p] for p in parts)
                progress = True
    return {name: value for name, value in known.items() if name not in shown}


def assert_lines_protected(table: SuppressedTable, rows_add_up: bool = False) -> None:
    """Every hidden cell shares each line it sits on with another hidden cell, or the line's
    total is hidden."""
    known = shown_numbers(table, rows_add_up)
    for parts, total in lines(table, rows_add_up):
        hidden = [p for p in parts if p not in known]
        assert total not in known or len(hidden) != 1, f"{hidden[0]} = {total} minus the rest"


def grid(table: SuppressedTable) -> list[list[int | None]]:
    return [[c.count for c in row.cells] for row in table.rows]


# --- primary suppression


def test_counts_smaller_than_k_are_hidden():
    table = suppress([[4, 5, 1]], [20], k=5)
    assert grid(table) == [[None, 5, None]]
    assert [c.why for c in table.rows[0].cells] == [SMALL, "", SMALL]


def test_a_count_whose_complement_is_smaller_than_k_is_hidden():
    # 17 of 20 at high risk tells that only 3 are not: the 3 would be known.
    table = suppress([[17, 15]], [20], k=5)
    assert grid(table) == [[None, 15]]


def test_zero_and_all_are_hidden_because_they_speak_for_every_child():
    table = suppress([[0, 30, 10]], [30], k=5)
    assert grid(table) == [[None, None, 10]]


def test_shown_cells_carry_a_rounded_share_and_hidden_ones_none():
    row = suppress([[7, 2]], [30], k=5).rows[0]
    assert (row.cells[0].count, row.cells[0].share, row.cells[0].hidden) == (7, 23, False)
    assert (row.cells[1].count, row.cells[1].share, row.cells[1].hidden) == (None, None, True)
    assert row.n.count == 30 and not row.n.hidden


def test_a_row_with_fewer_than_k_children_is_hidden_entirely():
    table = suppress([[2, 1], [10, 12]], [4, 30], k=5)
    assert table.rows[0].hidden and table.rows[0].n.count is None
    assert all(c.hidden and c.why == SMALL_ROW for c in table.rows[0].cells)
    assert grid(table)[1] == [10, 12]


def test_without_a_total_row_nothing_more_is_hidden():
    # Rows of waves: not additive, no totals, so only the small cells go.
    table = suppress([[3, 10], [12, 10], [10, 11]], [30, 30, 30], k=5)
    assert grid(table) == [[None, 10], [12, 10], [10, 11]]
    assert attack(table) == {}


# --- secondary suppression: the subtraction attack


def test_a_hidden_area_cannot_be_worked_out_as_total_minus_the_others():
    # Areas A, B, C and a total. Only A's first cell is small; without more hiding,
    # A = total - B - C.
    counts = [[3, 10], [8, 12], [9, 15]]
    naive = [[None, 10], [8, 12], [9, 15]]
    total = sum(row[0] for row in counts)
    assert total - naive[1][0] - naive[2][0] == 3  # the attack works on a naive table

    table = suppress(counts, [30, 30, 30], k=5, total_row=True)
    assert attack(table) == {}
    assert_lines_protected(table)
    # The smallest other cell in the column is hidden too; the total stays.
    assert grid(table) == [[None, 10], [None, 12], [9, 15]]
    assert table.cell(1, 0).why == SECONDARY
    assert table.total is not None and table.total.cells[0].count == 20


def test_the_total_is_hidden_when_there_is_no_other_cell_to_hide():
    table = suppress([[3, 20]], [40], k=5, total_row=True)
    assert table.total is not None and table.total.cells[0].hidden
    assert attack(table) == {}


def test_a_hidden_small_row_cannot_be_worked_out_from_the_total_n():
    table = suppress([[2, 3], [8, 12], [9, 15], [10, 11]], [4, 30, 30, 25], k=5, total_row=True)
    assert table.rows[0].hidden
    # A second row is hidden with it (the smallest), else n, every cell and its complement
    # would follow from the total row.
    assert table.rows[3].hidden and not table.rows[1].hidden and not table.rows[2].hidden
    assert attack(table) == {}
    assert_lines_protected(table)


def test_a_hidden_cell_cannot_be_worked_out_across_its_row():
    # Where a row's cells add up to its total (low, moderate, high), hiding one cell needs a
    # second in the row and, with a total row, a rectangle of four.
    counts = [[3, 10, 17], [8, 12, 10], [9, 15, 6]]
    ns = [sum(row) for row in counts]
    row_only = suppress(counts, ns, k=5, rows_add_up=True)
    assert sum(c.hidden for c in row_only.rows[0].cells) == 2
    assert attack(row_only, rows_add_up=True) == {}

    table = suppress(counts, ns, k=5, total_row=True, rows_add_up=True)
    assert attack(table, rows_add_up=True) == {}
    assert_lines_protected(table, rows_add_up=True)
    hidden = [
        (i, j) for i, row in enumerate(table.rows) for j, c in enumerate(row.cells) if c.hidden
    ]
    assert hidden == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_the_complement_cannot_be_worked_out_from_the_row_total():
    # With n shown, a share shown for "not at high risk" would give away the hidden count;
    # the complement is hidden with it.
    table = suppress([[3, 10]], [30], k=5)
    known = shown_numbers(table, rows_add_up=False)
    assert "o0,0" not in known and "c0,0" not in known


def test_hidden_zeros_are_not_given_away_by_a_total_that_leaves_nothing_for_them():
    # Two zero cells hide each other, but the total minus the shown cell would be 0 + 0.
    table = suppress([[0, 10], [0, 10], [7, 10]], [20, 20, 20], k=5, total_row=True)
    assert table.cell(2, 0).hidden
    assert attack(table) == {}


@pytest.mark.parametrize("rows_add_up", [False, True])
def test_random_tables_resist_the_attack(rows_add_up):
    chance = random.Random(2026)
    for _ in range(150):
        rows, columns, k = chance.randint(1, 7), chance.randint(1, 6), chance.choice([3, 5, 10])
        ns = [chance.choice([chance.randint(0, 12), chance.randint(0, 80)]) for _ in range(rows)]
        counts = []
        for n in ns:
            if rows_add_up:
                cuts = sorted(chance.randint(0, n) for _ in range(columns - 1))
                counts.append([b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)])
            else:
                counts.append([chance.randint(0, n) for _ in range(columns)])
        table = suppress(counts, ns, k=k, total_row=True, rows_add_up=rows_add_up)
        assert attack(table, rows_add_up) == {}, (counts, ns, k)
        assert_lines_protected(table, rows_add_up)
        for i, row in enumerate(table.rows):
            assert row.n.hidden or ns[i] >= k
            for j, cell in enumerate(row.cells):
                assert cell.hidden or k <= counts[i][j] <= ns[i] - k


# --- configuration


def test_k_is_configurable():
    assert grid(suppress([[4, 9]], [30], k=3)) == [[4, 9]]
    assert grid(suppress([[4, 9]], [30], k=10)) == [[None, None]]


def test_k_comes_from_the_settings_by_default(settings):
    settings.CWTT_SMALL_CELL = 3
    table = suppress([[4, 9]], [30])
    assert table.k == 3 and grid(table) == [[4, 9]]


@pytest.mark.parametrize("k", [0, -1])
def test_k_below_one_is_refused(k):
    with pytest.raises(ValueError, match="at least 1"):
        suppress([[4, 9]], [30], k=k)


def test_a_small_cell_setting_below_one_stops_the_start():
    env = {**os.environ, "CWTT_SMALL_CELL": "0"}
    result = subprocess.run(
        [sys.executable, "-c", "import cwtt.settings"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "CWTT_SMALL_CELL=0" in result.stderr and "at least 1" in result.stderr


# --- rounding what is shown (decision 0028)


@pytest.mark.parametrize(
    ("count", "base", "shown"),
    [(0, 5, 0), (1, 5, 5), (2, 5, 5), (7, 5, 5), (8, 5, 10), (27, 5, 25), (28, 5, 30),
     (15, 10, 20), (14, 10, 10), (27, 1, 27), (3, 3, 3), (4, 3, 3), (5, 3, 6)],
)  # fmt: skip
def test_a_count_rounds_to_the_nearest_multiple_and_never_to_zero(count, base, shown):
    assert round_to_base(count, base) == shown


@pytest.mark.parametrize("rows_add_up", [False, True])
def test_rounding_hides_the_same_cells_and_rounds_every_shown_one(rows_add_up):
    """Suppression is decided on the true counts: with rounding on, the same cells (small and
    complementary) are hidden, every shown count is a multiple of the base within half a base
    of the truth (or the base itself, never 0), totals are rounded on their own, and shares come from the rounded counts."""
    chance = random.Random(28)
    for _ in range(150):
        rows, columns, k = chance.randint(1, 7), chance.randint(1, 6), chance.choice([3, 5, 10])
        base = chance.choice([2, 5, 10])
        ns = [chance.choice([chance.randint(0, 12), chance.randint(0, 80)]) for _ in range(rows)]
        counts = []
        for n in ns:
            if rows_add_up:
                cuts = sorted(chance.randint(0, n) for _ in range(columns - 1))
                counts.append([b - a for a, b in zip([0, *cuts], [*cuts, n], strict=True)])
            else:
                counts.append([chance.randint(0, n) for _ in range(columns)])
        exact = suppress(counts, ns, k=k, total_row=True, rows_add_up=rows_add_up)
        shown = publish(counts, ns, k=k, base=base, total_row=True, rows_add_up=rows_add_up)
        assert shown.base == base and shown.k == k
        pairs = zip([*exact.rows, exact.total], [*shown.rows, shown.total], strict=True)
        for before, after in pairs:
            for was, now in zip([before.n, *before.cells], [after.n, *after.cells], strict=True):
                assert was.hidden == now.hidden and was.why == now.why
                if not now.hidden:
                    assert now.count % base == 0 and now.count > 0
                    near = abs(now.count - was.count) <= base / 2
                    assert near or (was.count < base / 2 and now.count == base)
            for now in after.cells:
                if not now.hidden:
                    assert now.share == round(100 * now.count / after.n.count)


def test_the_total_is_rounded_on_its_own():
    # 7 + 7 = 14: the rows read 5 and 5, the total 15, not 10.
    table = publish([[0], [0]], [7, 7], k=5, base=5, total_row=True)
    assert [r.n.count for r in table.rows] == [5, 5] and table.total.n.count == 15


def test_the_base_comes_from_the_settings_by_default(settings):
    settings.CWTT_ROUNDING_BASE = 10
    assert publish([[12]], [40], k=5).rows[0].cells[0].count == 10
    settings.CWTT_ROUNDING_BASE = 1
    assert publish([[12]], [40], k=5).rows[0].cells[0].count == 12


@pytest.mark.parametrize("base", [0, -5])
def test_a_base_below_one_is_refused(base):
    with pytest.raises(ValueError, match="at least 1"):
        publish([[12]], [40], k=5, base=base)


def test_a_rounding_setting_below_one_stops_the_start():
    env = {**os.environ, "CWTT_ROUNDING_BASE": "0"}
    result = subprocess.run(
        [sys.executable, "-c", "import cwtt.settings"], env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "CWTT_ROUNDING_BASE=0" in result.stderr and "at least 1" in result.stderr
