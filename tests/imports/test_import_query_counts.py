"""Queries per import: the imports that plan every row before writing (schools, classes,
children, caregivers) cost the same number of queries for 20 rows as for 60 — lookups go by
chunks of 900 and writes by batches — so a big file costs more only per batch. Staff and
assessments write row by row through their actions, so their queries grow with the rows; that
is measured here too, at a fixed number per row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cwtt.registry.imports import (
    import_caregivers,
    import_children,
    import_classes,
    import_schools,
)
from cwtt.registry.models import Child

pytestmark = pytest.mark.django_db

SMALL, LARGE = 20, 60


def queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def school_rows(n: int, start: int = 0):
    return [
        {
            "emis_number": f"70050{start + i:04d}",
            "name": f"School {start + i}",
            "quintile": "2",
            "province": "Gauteng (test)",
            "district": "Test District",
            "circuit": f"Circuit {i % 3}",
            "latitude": "-26.1",
            "longitude": "28.0",
        }
        for i in range(n)
    ]


SYLLABLES = ["ba", "ke", "lo", "mu", "ni", "po", "ri", "sa", "tu", "vi", "we", "zo", "dla", "thi"]


def name(number: int) -> str:
    """A distinct made-up name per number, so no two children look like one registered twice
    (likely duplicates are queued, and their count would differ between the two sizes)."""
    syllables = []
    for _ in range(3):
        number, digit = divmod(number, len(SYLLABLES))
        syllables.append(SYLLABLES[digit])
    return "".join(syllables).capitalize()


def child_rows(n: int, start: int = 0):
    born = dt.date(2018, 1, 1)
    return [
        {
            "school_emis": "700111111",
            "class_name": f"2{chr(65 + i % 4)}",
            "grade": "2",
            "year": "2026",
            "first_name": name(start + i),
            "last_name": name(7 * (start + i) + 1),
            "date_of_birth": (born + dt.timedelta(days=(37 * (start + i)) % 1400)).isoformat(),
            "sex": "F",
            "caregiver_first_name": f"Carer{start + i}",
            "caregiver_last_name": "Test",
            "address": f"{start + i} Test Street",
        }
        for i in range(n)
    ]


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_schools_import_costs_the_same_queries_at_two_sizes(district, dry_run):
    # New places are saved one by one (parents first); a district has few. Make them first.
    assert import_schools(school_rows(3, 5000), dry_run=False).created == 3
    small = queries(lambda: import_schools(school_rows(SMALL), dry_run=dry_run))
    large = queries(lambda: import_schools(school_rows(LARGE, 1000), dry_run=dry_run))
    assert small == large


def test_a_classes_import_costs_the_same_queries_at_two_sizes(sunrise):
    def rows(n, year):
        return [
            {"school_emis": "700111111", "class_name": f"C{i}", "grade": "1", "year": str(year)}
            for i in range(n)
        ]

    assert queries(lambda: import_classes(rows(SMALL, 2025), dry_run=False)) == queries(
        lambda: import_classes(rows(LARGE, 2026), dry_run=False)
    )


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_class_list_import_costs_the_same_queries_at_two_sizes(sunrise, dry_run):
    # The classes first, so that neither run makes them.
    assert import_children(child_rows(4, 300), dry_run=False).also_created["classes"] == 4
    small = queries(lambda: import_children(child_rows(SMALL), dry_run=dry_run))
    large = queries(lambda: import_children(child_rows(LARGE, 1000), dry_run=dry_run))
    assert small == large


def test_a_second_run_of_a_class_list_costs_the_same_queries_at_two_sizes(sunrise):
    import_children(child_rows(SMALL), dry_run=False)
    import_children(child_rows(LARGE, 1000), dry_run=False)
    small = queries(lambda: import_children(child_rows(SMALL), dry_run=False))
    large = queries(lambda: import_children(child_rows(LARGE, 1000), dry_run=False))
    assert small == large


def test_a_caregivers_import_costs_the_same_queries_at_two_sizes(sunrise):
    import_children(child_rows(SMALL + LARGE), dry_run=False)
    ids = list(Child.objects.order_by("pk").values_list("pk", flat=True))

    def rows(chosen):
        return [
            {"child_id": str(pk), "caregiver_first_name": "Second", "caregiver_last_name": f"C{pk}"}
            for pk in chosen
        ]

    small = queries(lambda: import_caregivers(rows(ids[:SMALL]), dry_run=False))
    large = queries(lambda: import_caregivers(rows(ids[SMALL:]), dry_run=False))
    assert small == large


def test_staff_and_assessments_cost_a_fixed_number_of_queries_per_row(sunrise, wave, child_factory):
    """Written row by row through their actions: each more row costs the same queries."""
    from cwtt.assessments.imports import import_assessments
    from cwtt.registry.imports import import_staff

    def answers(chosen):
        return [
            {"child_id": str(c.pk), "assessed_on": "2026-11-20", "tc_abuse": "no", "tc_absent": "1"}
            for c in chosen
        ]

    def staff(n, start):
        return [
            {"username": f"p{start + i}", "first_name": "P", "last_name": "Q", "role": "teacher",
             "schools": "700111111"}
            for i in range(n)
        ]  # fmt: skip

    import_staff(staff(1, 999), dry_run=False)  # makes the organisation every later row shares
    counts = [queries(lambda n=n: import_staff(staff(n, 10 * n), dry_run=False)) for n in (2, 4, 6)]
    assert counts[1] - counts[0] == counts[2] - counts[1] > 0

    children = [child_factory(sunrise, first=f"Kid{i}") for i in range(13)]
    import_assessments(answers(children[12:]), dry_run=False)  # instrument caches warmed

    counts = [
        queries(lambda chosen=chosen: import_assessments(answers(chosen), dry_run=False))
        for chosen in (children[:2], children[2:6], children[6:12])
    ]
    assert counts[1] - counts[0] == counts[2] - counts[1] > 0
