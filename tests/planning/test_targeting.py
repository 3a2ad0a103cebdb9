"""Targeting (cwtt/planning/targeting.py): how places are shared and how schools are ranked."""

from __future__ import annotations

import pytest

from cwtt.planning.targeting import (
    SchoolNeed,
    Service,
    distance_km,
    reaches,
    reason,
    targets,
)

CIRCUIT_1, CIRCUIT_2, DISTRICT = 11, 12, 1


def school(pk, name, circuit, assessed=100, **high):
    return SchoolNeed(pk, name, frozenset({circuit, DISTRICT}), assessed, high)


def service(pk, domains, catchment=(), capacity=None, **where):
    return Service(pk, f"S{pk}", frozenset(domains), frozenset(catchment), capacity, **where)


def test_a_service_s_places_are_shared_in_proportion_to_each_school_s_need():
    a = school(1, "A", CIRCUIT_1, protection=30)
    b = school(2, "B", CIRCUIT_1, protection=10)
    # 2 places a month for a year: 24 places, shared 30:10 -> 18 and 6.
    found = {
        t.school.name: t for t in targets([a, b], [service(1, {"protection"}, {CIRCUIT_1}, 2)])
    }
    assert found["A"].places["protection"] == pytest.approx(18)
    assert found["B"].places["protection"] == pytest.approx(6)
    assert found["A"].unmet("protection") == 12
    assert found["B"].unmet("protection") == 4


def test_a_service_serving_two_domains_shares_its_places_across_both():
    a = school(1, "A", CIRCUIT_1, health=6, nutrition=2)
    found = targets([a], [service(1, {"health", "nutrition"}, {DISTRICT}, 1)], months=4)
    # 4 places shared 6:2 -> 3 and 1.
    assert found[0].places == pytest.approx({"health": 3, "nutrition": 1})
    assert (found[0].unmet("health"), found[0].unmet("nutrition")) == (3, 1)


def test_places_beyond_a_school_s_need_are_not_counted_as_unmet_or_negative():
    a = school(1, "A", CIRCUIT_1, education=5)
    (found,) = targets([a], [service(1, {"education"}, {CIRCUIT_1}, 100)])
    assert found.unmet("education") == 0


def test_a_service_outside_the_catchment_gives_no_places():
    a = school(1, "A", CIRCUIT_1, protection=10)
    (found,) = targets([a], [service(1, {"protection"}, {CIRCUIT_2}, 50)])
    assert found.places == {}
    assert found.unmet("protection") == 10
    assert found.providers == {}


def test_a_provider_without_a_catchment_reaches_schools_within_the_radius():
    near = SchoolNeed(1, "Near", frozenset(), 10, {}, latitude=-26.20, longitude=28.04)
    far = SchoolNeed(2, "Far", frozenset(), 10, {}, latitude=-25.75, longitude=28.19)
    clinic = service(1, {"health"}, latitude=-26.21, longitude=28.05)
    assert distance_km(-26.20, 28.04, -25.75, 28.19) == pytest.approx(52, abs=2)
    assert reaches(clinic, near)
    assert not reaches(clinic, far)
    assert reaches(clinic, far, radius_km=60)


def test_schools_are_ranked_most_unmet_need_first_then_by_share():
    found = targets(
        [
            school(1, "Small gap", CIRCUIT_1, protection=5),
            school(2, "Big gap", CIRCUIT_2, protection=40),
            school(3, "Same gap, fewer children", CIRCUIT_1, assessed=50, protection=5),
            school(4, "Well served", CIRCUIT_1, education=20),
        ],
        [service(1, {"education"}, {CIRCUIT_1}, 10)],
    )
    assert [(t.rank, t.school.name) for t in found] == [
        (1, "Big gap"),
        (2, "Same gap, fewer children"),  # 5 of 50 beats 5 of 100
        (3, "Small gap"),
        (4, "Well served"),
    ]


def test_a_provider_with_unknown_capacity_is_counted_within_reach_with_no_places():
    a = school(1, "A", CIRCUIT_1, economic=12)
    (found,) = targets([a], [service(1, {"economic"}, {DISTRICT}, None)])
    assert found.providers == {"economic": 1}
    assert found.unknown == {"economic": 1}
    assert found.unmet("economic") == 12


def test_the_reason_names_the_biggest_gaps_in_plain_words():
    text = reason(
        [
            ("protection", 30, 10.0, 2, 0),
            ("nutrition", 15, 0.0, 0, 0),
            ("economic", 12, 0.0, 1, 1),
            ("health", 5, 9.0, 1, 0),
        ]
    )
    assert text == (
        "30 children at high risk in protection and care and about 10 places in the services "
        "within reach (20 without a place); 15 children at high risk in food and nutrition and "
        "no service within reach."
    )


def test_the_reason_uses_only_shown_numbers():
    assert reason([("protection", None, 0.0, 0, 0)]) == "Too few children to show the figures."
    assert reason([("protection", 10, 20.0, 1, 0)]).startswith("The services within reach have")


def test_a_planning_period_under_a_month_is_refused():
    with pytest.raises(ValueError, match="at least one month"):
        targets([], [], months=0)
