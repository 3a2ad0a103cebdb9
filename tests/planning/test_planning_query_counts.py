"""The Planning page and the `cwtt plan` exports cost the same number of queries whatever the
number of schools, children, providers and staff (tests/sizing.py style: measure, grow the
district, measure again)."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cwtt.access.roles import Role
from cwtt.planning import exports
from cwtt.planning.models import DailyCounts

from ..conftest import sign_in  # noqa: TID252 - shared test helper
from .conftest import add_provider, add_staff, plant_school


def grow(wave, district, start: int, schools: int, children: int):
    made = []
    for number in range(start, start + schools):
        made.append(
            plant_school(
                wave,
                f"70090{number:04d}",
                f"Grown {number} Primary",
                district["circuit"],
                {"protection": children // 2, "health": children // 3},
                children,
                f"Grown{number}",
            )
        )
        add_provider(f"Provider {number}", ["protection", "health"], [district["circuit"]], 3)
    add_staff(f"worker{start}", Role.SOCIAL_WORKER, made)
    add_staff(f"nurse{start}", Role.NURSE, made[:1])
    return made


def queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def measure(client, wave):
    def page():
        assert client.get("/planning/", {"by": "school"}).status_code == 200

    page()  # the first look of the day stores the day's counts; later looks read them

    def page_by_circuit():
        assert client.get("/planning/").status_code == 200

    return {
        "page": queries(page),
        "page by circuit": queries(page_by_circuit),
        "workforce": queries(
            lambda: exports.workforce_csv(
                caseload=60,
                review_weeks=4,
                by="school",
                costs_file=str(exports_costs()),
                wave_name=None,
            )
        ),
        "targeting": queries(lambda: exports.targeting_csv(wave_name=wave.name, months=12)),
    }


def exports_costs():
    from cwtt.planning.workforce import DEFAULT_COSTS

    return DEFAULT_COSTS


def test_planning_costs_the_same_queries_at_two_sizes(client, people, district, wave):
    sign_in(client, people["dumi"])
    grow(wave, district, 0, schools=2, children=6)
    small = measure(client, wave)
    grow(wave, district, 10, schools=6, children=14)
    DailyCounts.objects.all().delete()  # as on the next day: the grown district's counts
    large = measure(client, wave)
    assert small == large
    assert "Grown 15 Primary" in client.get("/planning/", {"by": "school"}).content.decode()
    assert small["page"] < 40, small
