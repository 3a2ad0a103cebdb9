"""Suppression holds on every evidence table: a paired table (change, agreement) shows its
figures only when each of its four cells is at least k and at most n - k, and then only figures
worked out from counts rounded to the base."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cwtt.analytics.evidence import Measure, _change_row

K, BASE = 5, 5
MEASURE = Measure("protection", "high risk: Protection and care", None, lambda child: False)
cell = st.integers(min_value=0, max_value=40)


@given(cell, cell, cell, cell)
def test_a_change_row_shows_figures_only_when_every_cell_is_safe(both, only_from, only_to, neither):
    cells = [both, only_from, only_to, neither]
    n = sum(cells)
    row = _change_row("Circuit 1", MEASURE, cells, K, BASE)
    safe = n >= K and all(K <= c <= n - K for c in cells)
    assert row.shown == safe
    if not safe:
        assert row.share_from is row.share_to is row.ci_low is row.ci_high is row.p_value is None
        assert row.n_paired is None or row.n_paired % BASE == 0
    else:
        # Worked out from the rounded table: n and both shares are multiples of the base.
        assert row.n_paired % BASE == 0
        assert round(row.share_from * row.n_paired) % BASE == 0
        assert round(row.share_to * row.n_paired) % BASE == 0
