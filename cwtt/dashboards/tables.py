"""Tables as the dashboard templates show them, for both pages: the school's (every count shown)
and the area's (counts passed through cwtt/access/suppression.py). Both use suppression's
`Row` and `Cell`, so one template shows either and a hidden cell always reads "not shown".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from cwtt.access.suppression import SECONDARY, Cell, Row, SuppressedTable, share
from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS

from .figures import Moves


def unsuppressed(counts: Sequence[Sequence[int]], ns: Sequence[int]) -> SuppressedTable:
    """A count table with every cell shown, for people who may see the school's figures."""
    rows = tuple(
        Row(Cell(n, None, False), tuple(Cell(c, share(c, n), False) for c in row))
        for row, n in zip(counts, ns, strict=True)
    )
    return SuppressedTable(k=0, rows=rows, total=None)


HIDDEN = Cell(None, None, True, SECONDARY)


@dataclass(frozen=True)
class TableRow:
    label: str
    row: Row
    total: bool = False
    extra: tuple[str, ...] = ()  # more columns, not counts of children (e.g. people)


@dataclass
class Table:
    """One table of the page. `counts` and `shares` say how a cell reads: "12 (40%)", "12"
    or "40%"."""

    id: str
    title: str
    heading: str  # of the first column
    n_label: str
    columns: list[str]
    rows: list[TableRow]
    counts: bool = True
    shares: bool = True
    extra_columns: list[str] = field(default_factory=list)

    @property
    def hidden_cells(self) -> int:
        return sum((r.row.n.hidden) + sum(c.hidden for c in r.row.cells) for r in self.rows)


@dataclass(frozen=True)
class DomainChange:
    label: str
    before: Cell  # share at high risk in the earlier wave
    after: Cell  # and in the later one
    points: int | None  # after minus before, in percentage points; None when not shown
    out_of_high: Cell
    into_high: Cell

    @property
    def points_label(self) -> str:
        """ "+8", "-3" or "0"."""
        return "" if self.points is None else f"{self.points:+d}" if self.points else "0"


def change_rows(before: Row, after: Row, moved: SuppressedTable) -> list[DomainChange]:
    """Per domain: the share at high risk in two waves, the change in percentage points, and
    the children who moved out of and into high risk (`moved`: one row per domain, cells
    out and into, n = children assessed in both waves).

    The change is the difference of the two shares as shown, so it reveals nothing the
    table does not. The two moves are shown only together and only when both shares are
    shown: when every child was assessed in both waves, moved in minus moved out equals the
    change in the count at high risk, so any three of those four numbers give the fourth.
    """
    rows = []
    for j, domain in enumerate(DOMAINS):
        b, a = before.cells[j], after.cells[j]
        out, into = moved.rows[j].cells
        if b.hidden or a.hidden or out.hidden or into.hidden:
            out, into = (out if out.hidden else HIDDEN), (into if into.hidden else HIDDEN)
        points = None if b.hidden or a.hidden or None in (a.share, b.share) else a.share - b.share
        rows.append(DomainChange(DOMAIN_LABELS[domain], b, a, points, out, into))
    return rows


def moves_table(moves: Moves) -> tuple[list[list[int]], list[int]]:
    """The moves as a count table: a row per domain (out, into), each of n children."""
    counts = [[o, i] for o, i in zip(moves.out_of_high, moves.into_high, strict=True)]
    return counts, [moves.n] * len(DOMAINS)


RISK_N = _("Children assessed (n)")
