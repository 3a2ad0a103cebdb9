"""Small-cell suppression for the count tables shown to district, provincial and research roles.

The tables we show: one row per wave, circuit or school, each with its number of children `n`,
and one column per domain holding how many of those children are at high risk (`c`). A shown
share also gives away its complement `n - c` (not at high risk). A table may end in a total
row of column sums, and then a hidden number could be worked out by subtraction.

The rules (docs/decisions/0013-small-cell-suppression.md), with k = settings.CWTT_SMALL_CELL:

1. Primary: a count is shown only when it and its complement are both at least k. So counts
   1 to k-1 are hidden, and so are 0 and n: "none" or "all" of a group at high risk is a fact
   about every child in it.
2. A row whose n is smaller than k is hidden entirely.
3. Secondary: where totals are shown, more cells are hidden until no hidden number can be
   worked out exactly from what is shown. This is checked with linear algebra over every sum
   the table publishes (not only line by line, which misses chains of subtractions), plus the
   case bounds allow: hidden numbers on a line that add up to zero are each zero. Each step
   hides the smallest other cell on a line the exposed cell sits on (or, where rows add up,
   the other corners of the cheapest rectangle), preferring inner cells to the total row and
   single cells to whole rows.
4. Rounding (`publish`): after those decisions, made on the true counts, every shown count is
   rounded to the nearest multiple of the base (settings.CWTT_ROUNDING_BASE), each total on
   its own, and shares are worked out from the rounded counts. A live page that moved by one
   when one child was assessed would tell anyone who knew who was just assessed that child's
   levels (decision 0028).

Pure Python, no Django import at module level, so the benchmarks and tests call it directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import gcd

DEFAULT_SMALL_CELL = 5
DEFAULT_ROUNDING_BASE = 5
# With groups, how many of the cheapest ways to protect a cell are tried before the cheapest is
# taken and the table solved again (`_TableSystem.protect`).
FAST_TRIALS = 12

# Why a cell is hidden. For tests, logs and documentation: a page must show every hidden cell
# the same way, or the label would tell a reader which cell is the small one.
SMALL = "small"  # the count or its complement is below k (zero included)
SMALL_ROW = "small_row"  # the row has fewer than k children
SECONDARY = "secondary"  # hidden so that another hidden number cannot be worked out


@dataclass(frozen=True, slots=True)
class Cell:
    count: int | None  # None when hidden
    share: int | None  # whole percent of the row's n; None when hidden (and for n itself)
    hidden: bool
    why: str = ""


@dataclass(frozen=True, slots=True)
class Row:
    n: Cell
    cells: tuple[Cell, ...]

    @property
    def hidden(self) -> bool:
        return self.n.hidden


@dataclass(frozen=True, slots=True)
class SuppressedTable:
    k: int
    rows: tuple[Row, ...]
    total: Row | None  # the total row, when one is shown
    base: int = 1  # shown counts are multiples of this (1: exact)
    groups: tuple[Row, ...] = ()  # sum rows over chosen inner rows (`groups=`), in order

    def cell(self, i: int, j: int) -> Cell:
        return self.rows[i].cells[j]

    def shown(self, i: int, j: int) -> bool:
        return not self.rows[i].cells[j].hidden

    def value(self, i: int, j: int) -> int | None:
        return self.rows[i].cells[j].count


def small_cell_k() -> int:
    """k from the settings (CWTT_SMALL_CELL), or the default outside Django."""
    try:
        from django.conf import settings

        return int(getattr(settings, "CWTT_SMALL_CELL", DEFAULT_SMALL_CELL))
    except ImportError:  # pragma: no cover - Django is always installed with CWTT
        return DEFAULT_SMALL_CELL


def check_k(k: int) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(
            f"The small-cell threshold must be a whole number of at least 1, not {k!r} "
            "(CWTT_SMALL_CELL; 5 is usual)."
        )
    return k


def rounding_base() -> int:
    """The base from the settings (CWTT_ROUNDING_BASE), or the default outside Django."""
    try:
        from django.conf import settings

        return int(getattr(settings, "CWTT_ROUNDING_BASE", DEFAULT_ROUNDING_BASE))
    except ImportError:  # pragma: no cover - Django is always installed with CWTT
        return DEFAULT_ROUNDING_BASE


def check_base(base: int) -> int:
    if isinstance(base, bool) or not isinstance(base, int) or base < 1:
        raise ValueError(
            f"The rounding base must be a whole number of at least 1, not {base!r} "
            "(CWTT_ROUNDING_BASE; 5 is usual, 1 shows exact numbers)."
        )
    return base


def round_to_base(count: int, base: int) -> int:
    """The nearest multiple of `base` (a half, possible with an even base, goes up). A count
    above zero never reads 0: that would say "none", and a shown count is never none."""
    nearest = (count + base // 2) // base * base
    return max(nearest, base) if count > 0 else 0


def share(count: int, n: int) -> int | None:
    return round(100 * count / n) if n else None


def suppress(
    counts: Sequence[Sequence[int]],
    row_totals: Sequence[int],
    *,
    k: int | None = None,
    total_row: bool = False,
    rows_add_up: bool = False,
    groups: Sequence[Sequence[int]] = (),
    hide: Sequence[tuple[int, int]] = (),
) -> SuppressedTable:
    """Decide which cells of a count table may be shown.

    `counts[i][j]` is how many of row i's `row_totals[i]` children are counted in column j.
    By default each column is a separate yes/no question (high risk in one domain), so each
    cell has a complement. With `rows_add_up`, a row's cells split its children into
    categories (low, moderate, high) and sum to its total. With `total_row`, the page also
    shows the column sums and the sum of the row totals, which the secondary step protects.
    With `groups`, the page also shows one sum row per group of inner rows (a circuit's
    schools, the schools of one quintile; groups may overlap), all protected together with
    the inner rows, so that no published sum, nor the difference of two, gives a hidden
    number away (`SuppressedTable.groups`, in the order given). `hide` names inner cells
    (row, column; column -1 for a row's n, which hides the row) to hide from the start, for a
    reason outside the table, protected like the rest: a school table hides one of a circuit's
    schools where the circuit's own table hides the circuit (cwtt/planning/published.py).
    """
    k = check_k(small_cell_k() if k is None else k)
    system = _TableSystem(
        counts, row_totals, total_row=total_row, rows_add_up=rows_add_up, groups=groups
    )
    hidden = system.primary(k)
    for i, j in hide:
        if not (0 <= i < system.inner and -1 <= j < system.columns):
            raise ValueError(f"hide: no cell ({i}, {j}) among the inner rows")
        system._hide(hidden, (i, j), SECONDARY)
    system.protect(hidden)
    return system.result(k, hidden)


def publish(
    counts: Sequence[Sequence[int]],
    row_totals: Sequence[int],
    *,
    k: int | None = None,
    base: int | None = None,
    total_row: bool = False,
    rows_add_up: bool = False,
    groups: Sequence[Sequence[int]] = (),
    hide: Sequence[tuple[int, int]] = (),
) -> SuppressedTable:
    """The table as an area page shows it: `suppress`, then `rounded`."""
    hidden = suppress(
        counts,
        row_totals,
        k=k,
        total_row=total_row,
        rows_add_up=rows_add_up,
        groups=groups,
        hide=hide,
    )
    return rounded(hidden, base)


def rounded(table: SuppressedTable, base: int | None = None) -> SuppressedTable:
    """Every shown count rounded to the nearest multiple of `base` (settings by default).

    Rounding comes after suppression: what is hidden is decided on the true counts, so a
    count of 4 is hidden, not shown as 5. Each total is rounded on its own (so a column may
    not add up to its total exactly), and each share is worked out from the rounded counts,
    so that it cannot be turned back into the true count with the row's n. Rounding only
    blurs what is shown, so no hidden number is easier to work out than before."""
    base = check_base(rounding_base() if base is None else base)

    def row(found: Row) -> Row:
        if found.n.hidden:
            return found
        n = round_to_base(found.n.count or 0, base)
        cells = []
        for cell in found.cells:
            if cell.hidden:
                cells.append(cell)
            else:
                count = round_to_base(cell.count or 0, base)
                cells.append(Cell(count, share(count, n), False, cell.why))
        return Row(Cell(n, None, False, found.n.why), tuple(cells))

    total = row(table.total) if table.total is not None else None
    rows = tuple(row(r) for r in table.rows)
    return SuppressedTable(table.k, rows, total, base, tuple(row(g) for g in table.groups))


# --- the linear system behind a table -----------------------------------------------------
#
# Every number the page reveals is a variable: each cell's count (and its complement, unless
# rows add up), each row's n, and the total row's. Every sum the table implies is an equation
# whose terms add to zero. A "unit" is what the page shows or hides as one: a cell (count and
# complement together, since a share reveals both) or a row's n. Hiding a row's n hides its
# whole row, because its shares cannot be shown without it.

_Unit = tuple[int, int]  # (row, column); column -1 is the row's n; row == len(rows) is the total


class _TableSystem:
    def __init__(
        self,
        counts: Sequence[Sequence[int]],
        row_totals: Sequence[int],
        *,
        total_row: bool,
        rows_add_up: bool,
        groups: Sequence[Sequence[int]] = (),
    ) -> None:
        if len(counts) != len(row_totals):
            raise ValueError("counts and row_totals must have one entry per row")
        widths = {len(row) for row in counts}
        if len(widths) > 1:
            raise ValueError("every row of counts must have the same number of columns")
        self.columns = widths.pop() if widths else 0
        self.total_row = total_row
        self.rows_add_up = rows_add_up
        grid = [[int(c) for c in row] for row in counts]
        ns = [int(n) for n in row_totals]
        for i, (row, n) in enumerate(zip(grid, ns, strict=True)):
            if n < 0 or any(c < 0 or c > n for c in row):
                raise ValueError(f"row {i}: counts must be between 0 and the row's total")
            if rows_add_up and sum(row) != n:
                raise ValueError(f"row {i}: the counts do not add up to the row's total")
        self.inner = len(row_totals)
        # Sum rows follow the inner rows: the total row is the group of every inner row.
        self.groups = [list(range(self.inner))] if total_row else []
        for members in groups:
            chosen = sorted({int(i) for i in members})
            if any(not 0 <= i < self.inner for i in chosen):
                raise ValueError("a group names a row that is not in the table")
            self.groups.append(chosen)
        for members in self.groups:
            grid.append([sum(grid[i][j] for i in members) for j in range(self.columns)])
            ns.append(sum(ns[i] for i in members))
        self.grid, self.ns = grid, ns

        self.values: list[int] = []
        self.unit_vars: dict[_Unit, list[int]] = {}
        for i, (row, n) in enumerate(zip(grid, ns, strict=True)):
            self.unit_vars[(i, -1)] = [self._var(n)]
            for j, c in enumerate(row):
                ids = [self._var(c)] if rows_add_up else [self._var(c), self._var(n - c)]
                self.unit_vars[(i, j)] = ids

        # Each equation: (variable, coefficient) pairs summing to zero.
        self.equations: list[list[tuple[int, int]]] = []
        for i in range(len(grid)):
            n_var = self.unit_vars[(i, -1)][0]
            if rows_add_up:
                cells = [self.unit_vars[(i, j)][0] for j in range(self.columns)]
                self.equations.append([*((v, 1) for v in cells), (n_var, -1)])
            else:
                for j in range(self.columns):
                    count, rest = self.unit_vars[(i, j)]
                    self.equations.append([(count, 1), (rest, 1), (n_var, -1)])
        for number, members in enumerate(self.groups):
            t = self.inner + number
            for j in [-1, *range(self.columns)]:
                for part in range(len(self.unit_vars[(t, j)])):
                    terms = [(self.unit_vars[(i, j)][part], 1) for i in members]
                    self.equations.append([*terms, (self.unit_vars[(t, j)][part], -1)])
        self.var_unit = {v: unit for unit, ids in self.unit_vars.items() for v in ids}
        self._by_column: dict[int, list[list[tuple[int, int]]]] = {}

    def _var(self, value: int) -> int:
        self.values.append(value)
        return len(self.values) - 1

    def value(self, unit: _Unit) -> int:
        i, j = unit
        return self.ns[i] if j == -1 else self.grid[i][j]

    # -- rules

    def primary(self, k: int) -> dict[_Unit, str]:
        hidden: dict[_Unit, str] = {}
        for i, n in enumerate(self.ns):
            if n < k:
                self._hide(hidden, (i, -1), SMALL_ROW)
                continue
            for j, c in enumerate(self.grid[i]):
                if not (k <= c <= n - k):
                    hidden[(i, j)] = SMALL
        return hidden

    def _hide(self, hidden: dict[_Unit, str], unit: _Unit, why: str) -> None:
        i, j = unit
        targets = [(i, -1), *((i, c) for c in range(self.columns))] if j == -1 else [unit]
        for target in targets:
            hidden.setdefault(target, why)

    def protect(self, hidden: dict[_Unit, str]) -> None:
        """Hide more until no hidden number follows from what is shown (rule 3)."""
        while True:
            exposed = self.exposed(hidden)
            if not exposed:
                return
            # Small rows first: hiding a second whole row protects every column at once.
            unit = min(exposed, key=lambda u: (u[1] != -1, hidden[u] != SMALL, u))
            moves = self.moves(unit, hidden)
            # The total row last of all: the whole area's figure is the one every reader
            # needs. Rather hide an inner cell and go round again (the loop still ends: each
            # round hides one more cell), and the total only when nothing else is left.
            moves = [m for m in moves if not self.cost(m)[1]] or moves
            # With groups, a trial looks at the unit's own column (and the row totals), the
            # way a reader would start, and only the cheapest moves: solving the whole table
            # for every candidate would take minutes for a district's schools. The check at
            # the top of the loop still solves the whole table, so whatever the trial missed
            # is hidden on the next round.
            fast = bool(self.groups) and not self.rows_add_up and len(self.groups) > 1
            equations = self.column_equations(unit[1]) if fast and unit[1] != -1 else None
            for move in moves[:FAST_TRIALS] if fast else moves:
                trial = dict(hidden)
                for other in move:
                    self._hide(trial, other, SECONDARY)
                if unit not in self.exposed(trial, equations):
                    break
            else:
                # No single move protects it (a chain of hidden cells): take the cheapest and
                # go round again. Every round hides at least one more cell, so the loop ends.
                move = moves[0]
            for other in move:
                self._hide(hidden, other, SECONDARY)

    def moves(self, unit: _Unit, hidden: dict[_Unit, str]) -> list[tuple[_Unit, ...]]:
        """Ways to protect `unit`, cheapest first: one more cell on a line with it or in its
        column, or (where rows add up) the other three corners of a rectangle, so that each
        line through each corner has two hidden cells. Failing all, any shown cell."""
        mine = set(self.unit_vars[unit])
        lined: set[_Unit] = set()
        for equation in self.equations:
            if mine & {v for v, _ in equation}:
                lined.update(self.var_unit[v] for v, _ in equation)
        moves = {(u,) for u in lined if u not in hidden}
        i, j = unit
        # With groups, a hidden number can follow through a chain of sums that none of its
        # own lines shows (a circuit hidden, exposed by the total less the other circuits,
        # each one school): any shown cell of its column may then be the one to hide.
        moves.update((u,) for u in self.unit_vars if u[1] == j and u not in hidden)
        if self.rows_add_up and j != -1:
            for m in range(len(self.ns)):
                for col in range(self.columns):
                    if m != i and col != j:
                        corners = ((i, col), (m, j), (m, col))
                        move = tuple(u for u in corners if u not in hidden)
                        if move:
                            moves.add(move)
        if not moves:
            moves = {(u,) for u in self.unit_vars if u not in hidden}
        return sorted(moves, key=lambda move: (self.cost(move), move))

    def cost(self, move: tuple[_Unit, ...]) -> tuple[int, int, int, int]:
        """Single cells before whole rows, then anything before the total row, inner rows
        before other sum rows (groups), then the smallest values (they lose the least
        information)."""
        rows = sum(1 for _, j in move if j == -1)
        total = sum(1 for i, _ in move if self.total_row and i == self.inner)
        sums = sum(1 for i, _ in move if i >= self.inner)
        return (rows, total, sums, sum(self.value(u) for u in move))

    def column_equations(self, column: int) -> list[list[tuple[int, int]]]:
        """The equations over one column's numbers and the rows' n only."""
        if column not in self._by_column:
            mine = {
                v for (_, j), ids in self.unit_vars.items() if j in (column, -1) for v in ids
            }
            self._by_column[column] = [
                e for e in self.equations if all(v in mine for v, _ in e)
            ]
        return self._by_column[column]

    def exposed(
        self, hidden: dict[_Unit, str], equations: list[list[tuple[int, int]]] | None = None
    ) -> set[_Unit]:
        """Hidden units at least one of whose numbers can be worked out from what is shown:
        by linear algebra, or because a line's hidden numbers add up to zero (counts are never
        negative, so each of them is zero; through a complement, each is "all"). With
        `equations`, from those sums only."""
        equations = self.equations if equations is None else equations
        hidden_vars = {v for unit in hidden for v in self.unit_vars[unit]}
        found = determined(equations, hidden_vars)
        for equation in equations:
            terms = [(v, c) for v, c in equation if v in hidden_vars]
            same_sign = len({c > 0 for _, c in terms}) == 1
            if terms and same_sign and all(self.values[v] == 0 for v, _ in terms):
                found.update(v for v, _ in terms)
        return {self.var_unit[v] for v in found}

    def result(self, k: int, hidden: dict[_Unit, str]) -> SuppressedTable:
        def row(i: int) -> Row:
            n = self.ns[i]
            n_cell = (
                Cell(None, None, True, hidden[(i, -1)])
                if (i, -1) in hidden
                else Cell(n, None, False)
            )
            cells = tuple(
                Cell(None, None, True, hidden[(i, j)])
                if (i, j) in hidden
                else Cell(c, share(c, n), False)
                for j, c in enumerate(self.grid[i])
            )
            return Row(n_cell, cells)

        rows = tuple(row(i) for i in range(self.inner))
        sums = [row(self.inner + number) for number in range(len(self.groups))]
        if self.total_row:
            return SuppressedTable(k, rows, sums[0], groups=tuple(sums[1:]))
        return SuppressedTable(k, rows, None, groups=tuple(sums))


def determined(equations: Sequence[Sequence[tuple[int, int]]], unknowns: set[int]) -> set[int]:
    """The unknowns whose value follows exactly from the equations, all other variables known.

    An unknown is determined when its unit vector lies in the row space of the equations
    restricted to the unknowns: in reduced row echelon form, a pivot row with no other entry.
    Exact: whole-number rows, each kept divided by the greatest common divisor of its entries
    (fraction-free elimination; the sums a table implies keep their entries small).
    """
    rows: list[dict[int, int]] = []
    for equation in equations:
        row: dict[int, int] = {}
        for var, coefficient in equation:
            if var in unknowns:
                row[var] = row.get(var, 0) + int(coefficient)
        row = {v: c for v, c in row.items() if c}
        if row:
            rows.append(row)
    # Equations that share no unknown are solved apart (the same answer, sooner).
    parent: dict[int, int] = {}

    def root(var: int) -> int:
        while parent.setdefault(var, var) != var:
            parent[var] = parent[parent[var]]
            var = parent[var]
        return var

    for row in rows:
        first, *others = row
        for var in others:
            parent[root(var)] = root(first)
    parts: dict[int, list[dict[int, int]]] = {}
    for row in rows:
        parts.setdefault(root(next(iter(row))), []).append(row)
    found: set[int] = set()
    for part in parts.values():
        found |= _solved(part)
    return found


def _combine(row: dict[int, int], times: int, other: dict[int, int], less: int) -> dict[int, int]:
    """times * row - less * other, divided by the gcd of its entries (sign kept)."""
    out = {v: c * times for v, c in row.items()}
    for v, c in other.items():
        out[v] = out.get(v, 0) - less * c
    out = {v: c for v, c in out.items() if c}
    divisor = gcd(*out.values()) if out else 1
    return {v: c // divisor for v, c in out.items()} if divisor > 1 else out


def _solved(rows: list[dict[int, int]]) -> set[int]:
    """`determined` for one set of linked equations, already restricted to the unknowns."""
    pivots: dict[int, dict[int, int]] = {}  # pivot variable -> its reduced row
    for row in rows:
        for var in [v for v in row if v in pivots]:
            factor = row.get(var)
            if factor:
                pivot_row = pivots[var]
                row = _combine(row, pivot_row[var], pivot_row, factor)
        if not row:
            continue
        pivot = min(row)
        for var, other in pivots.items():
            factor = other.get(pivot)
            if factor:
                pivots[var] = _combine(other, row[pivot], row, factor)
        pivots[pivot] = row
    return {var for var, row in pivots.items() if len(row) == 1}
