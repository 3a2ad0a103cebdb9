"""The workforce arithmetic (cwtt/planning/workforce.py) against numbers worked out by hand."""

from __future__ import annotations

import json

import pytest

from cwtt.planning.workforce import (
    DEFAULT_COSTS,
    AreaNeed,
    PlanningError,
    UnitCost,
    UnitCosts,
    effective_caseload,
    load_unit_costs,
    plan,
    project,
    workers_needed,
)

COSTS = UnitCosts(
    "ZAR",
    2026,
    {
        "social_worker": UnitCost(400_000, "placeholder"),
        "nurse": UnitCost(500_000, "placeholder"),
        "learner_support_agent": UnitCost(50_000, "placeholder"),
        "community_worker": UnitCost(40_000, "placeholder"),
    },
)


def test_gauteng_147_social_workers_carry_8820_cases_at_one_to_sixty():
    # 147 workers × 60 cases = 8,820 cases: four a school across 2,205 schools.
    assert workers_needed(8820, 60) == pytest.approx(147)
    # 2,200 schools with 4 social-work cases each: 8,800 / 60 = 146.67 workers.
    assert workers_needed(2200 * 4, 60) == pytest.approx(146.6667, abs=1e-4)


def test_reviewing_less_often_lets_one_worker_carry_more_cases():
    assert effective_caseload(60, 4) == 60
    assert effective_caseload(60, 8) == 120  # every 8 weeks: twice the cases
    assert effective_caseload(60, 2) == 30
    assert workers_needed(8820, 60, 8) == pytest.approx(73.5)


@pytest.mark.parametrize("bad", [0, -5, 2.5, True, "60"])
def test_a_caseload_that_is_not_a_whole_number_above_zero_is_refused_in_plain_words(bad):
    with pytest.raises(PlanningError, match="caseload must be a whole number"):
        workers_needed(10, bad)


@pytest.mark.parametrize("bad", [0, 53, 1.5])
def test_a_review_interval_outside_one_to_52_weeks_is_refused(bad):
    with pytest.raises(PlanningError, match="review interval"):
        effective_caseload(60, bad)


def test_plan_sets_workers_needed_against_staff_with_costs():
    area = AreaNeed(
        "d",
        "District",
        assessed=1000,
        cases={"social_worker": 300, "nurse": 120, "learner_support_agent": 0},
        staff={"social_worker": 2.0, "nurse": 5.0},
    )
    (row,) = plan([area], caseload=60, review_weeks=4, costs=COSTS)
    assert row.needed == {
        "social_worker": 5.0,
        "nurse": 2.0,
        "learner_support_agent": 0.0,
        "community_worker": 0.0,
    }
    # Nurses: 2 needed, 5 there: no gap (never below zero).
    assert row.gap == {
        "social_worker": 3.0,
        "nurse": 0.0,
        "learner_support_agent": 0.0,
        "community_worker": 0.0,
    }
    assert row.cost_needed == 5 * 400_000 + 2 * 500_000
    assert row.cost_gap == 3 * 400_000


def test_the_shipped_costs_name_every_profession_and_mark_placeholders():
    costs = load_unit_costs(DEFAULT_COSTS)
    assert set(costs.costs) == {
        "social_worker",
        "nurse",
        "learner_support_agent",
        "community_worker",
    }
    assert all(cost.placeholder for cost in costs.costs.values())
    assert all(cost.annual > 0 for cost in costs.costs.values())


def test_costs_can_come_from_a_csv_file_a_planner_edits(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_text(
        "profession,annual_cost,source\n"
        'social_worker,"410,000",PERSAL 2026 level 8\n'
        "nurse,530000,placeholder\n"
        "learner_support_agent,48000,EPWP stipend\n"
        "community_worker,52000,placeholder\n"
    )
    costs = load_unit_costs(path)
    assert costs.annual("social_worker") == 410_000
    assert not costs.costs["social_worker"].placeholder
    assert costs.costs["nurse"].placeholder


def test_a_cost_file_with_a_bad_number_says_which_row(tmp_path):
    path = tmp_path / "costs.csv"
    path.write_text(
        "profession,annual_cost,source\nsocial_worker,lots,x\nnurse,1,x\n"
        "learner_support_agent,1,x\ncommunity_worker,1,x\n"
    )
    with pytest.raises(PlanningError, match="row 2: the annual cost must be a number"):
        load_unit_costs(path)


def test_a_cost_file_missing_a_profession_or_naming_an_unknown_one_is_refused(tmp_path):
    path = tmp_path / "costs.json"
    path.write_text(json.dumps({"professions": {"social_worker": {"annual_cost": 1}}}))
    with pytest.raises(PlanningError, match="gives no cost for: nurse"):
        load_unit_costs(path)
    path.write_text(json.dumps({"professions": {"doctor": {"annual_cost": 1}}}))
    with pytest.raises(PlanningError, match="unknown profession 'doctor'"):
        load_unit_costs(path)
    with pytest.raises(PlanningError, match="does not exist"):
        load_unit_costs(tmp_path / "nothing.json")


def test_the_planner_s_changed_costs_are_marked_as_theirs():
    changed = COSTS.with_changes({"nurse": 600_000, "social_worker": 400_000})
    assert changed.annual("nurse") == 600_000
    assert changed.costs["nurse"].source == "entered by the planner"
    assert changed.costs["social_worker"].source == "placeholder"  # unchanged


def test_projection_by_hand():
    """100 social-work cases today, duration 2 years, Grade R intake 50 with 40% cases
    (20 a year), caseload 10.
    year 0: 100;  year 1: 100 × ½ + 20 = 70;  year 2: 0 + 20 + 20 = 40; then 40 every year."""
    years = project(
        cases_now={"social_worker": 100},
        intake=50,
        intake_share={"social_worker": 0.4},
        caseload=10,
        duration_years=2,
        costs=COSTS,
    )
    cases = [round(y.cases["social_worker"], 6) for y in years]
    assert cases[:4] == [100, 70, 40, 40]
    assert cases[20] == 40
    assert len(years) == 21
    assert years[5].workers["social_worker"] == pytest.approx(4.0)
    assert years[5].cost == pytest.approx(4 * 400_000)


def test_projection_with_a_growing_intake():
    """Intake 100 growing 10% a year, all cases, duration 1: new cases 100, 110, 121, ..."""
    years = project(
        cases_now={"nurse": 0},
        intake=100,
        intake_share={"nurse": 1.0},
        caseload=1,
        duration_years=1,
        growth=0.1,
        costs=COSTS,
    )
    assert [round(y.cases["nurse"], 6) for y in years[:4]] == [0, 100, 110, 121]
    assert years[10].cases["nurse"] == pytest.approx(100 * 1.1**9)


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"duration_years": 0}, "1 to 20 years"), ({"growth": 0.9}, "within ±50%")],
)
def test_projection_refuses_impossible_assumptions(changes, message):
    arguments = {
        "cases_now": {},
        "intake": 10,
        "intake_share": {},
        "caseload": 10,
        "costs": COSTS,
        **changes,
    }
    with pytest.raises(PlanningError, match=message):
        project(**arguments)
