"""The planning tables' suppression (cwtt/planning/published.py): schools are protected against
their circuit's figure, and a count published twice is hidden the same way in both places."""

from __future__ import annotations

import pytest

from cwtt.planning.published import publish_areas

pytestmark = pytest.mark.django_db  # small_cell_k() and rounding_base() read the settings


def protection(rows):
    return [None if r.domains[4].hidden else r.domains[4].count for r in rows]


def test_a_hidden_school_cannot_be_worked_out_from_its_circuit_s_figure():
    """Circuit 1 has two schools with 3 and 10 children high in protection; the circuit table
    shows 13. With school 2 shown, 13 − 10 would give school 1's 3 away, so school 2 is hidden
    as well, although 10 is no small number. (One table for the district would hide circuit
    2's 8 instead, the smaller cell, and leave circuit 1's sum open.)"""
    assessed = [20, 20, 20]
    high = [{"protection": 3}, {"protection": 10}, {"protection": 8}]
    cases = [{}, {}, {}]
    rows, total, k, base = publish_areas(
        assessed, high, cases, k=5, base=1, parts=["c1", "c1", "c2"]
    )
    assert total is None  # the whole comes from the level above
    assert protection(rows) == [None, None, 8]


def test_learner_support_and_community_cases_read_the_domain_cells():
    rows, total, _k, _base = publish_areas(
        [40, 40],
        [{"education": 12, "economic": 2}, {"education": 20, "economic": 9}],
        [{"social_worker": 15, "nurse": 7}, {"social_worker": 18, "nurse": 11}],
        k=5,
        base=1,
    )
    for row in [*rows, total]:
        assert row.professions["learner_support_agent"] == row.domains[3]
        assert row.professions["community_worker"] == row.domains[2]
    assert rows[0].professions["community_worker"].hidden  # 2 children
    assert rows[0].professions["social_worker"].count == 15
