"""The case plan: goals per area with a benchmark, actions with who and when; written while
the case is at "case plan"; kept from the case notes' eyes of nobody (the whole team reads it).
Erasure keeps the case's shape and removes its free text."""

import datetime as dt

import pytest
from django.utils import timezone

from cwtt.access.models import AuditEntry
from cwtt.cases.actions import CaseRefused, goal_add, plan_action_add, plan_action_done
from cwtt.cases.models import Case, Goal, PlanAction, Review
from cwtt.rights.actions import child_anonymise

pytestmark = pytest.mark.django_db

NEXT_WEEK = dt.date.today() + dt.timedelta(days=7)


def test_goals_and_actions_are_added_to_the_plan_and_audited(sam_case, people, clinic):
    case = sam_case("case_plan")
    goal = goal_add(
        case=case,
        by=people["sam"],
        domain="health",
        description="Catch up on immunisations",
        benchmark="Immunisations up to date",
    )
    action = plan_action_add(
        case=case,
        by=people["sam"],
        description="Take the child to the clinic",
        organisation=clinic,
        person=people["nandi"].staff,
        due_on=NEXT_WEEK,
    )
    assert goal.plan == action.plan == case.plan
    assert {e.object_type for e in AuditEntry.objects.all()} == {"case_goal", "case_action"}
    plan_action_done(action=action, by=people["sam"])
    action.refresh_from_db()
    assert action.done_on == timezone.localdate()
    with pytest.raises(CaseRefused, match="already marked done"):
        plan_action_done(action=action, by=people["sam"])


def test_a_goal_needs_an_area_a_description_and_a_benchmark(sam_case, people):
    case = sam_case("case_plan")
    with pytest.raises(CaseRefused) as refused:
        goal_add(case=case, by=people["sam"], domain="luck", description="", benchmark=" ")
    assert set(refused.value.errors) == {"domain", "description", "benchmark"}
    assert "immunisations up to date" in refused.value.errors["benchmark"]


def test_an_action_needs_an_organisation_and_a_due_date_not_past(sam_case, people):
    case = sam_case("case_plan")
    with pytest.raises(CaseRefused) as refused:
        plan_action_add(
            case=case,
            by=people["sam"],
            description="Visit",
            organisation=None,
            due_on=dt.date(2020, 1, 1),
        )
    assert set(refused.value.errors) == {"organisation", "due_on"}


def test_an_approved_plan_is_changed_only_by_revising_it(sam_case, people):
    case = sam_case("implementation")
    with pytest.raises(CaseRefused, match="revise it from a review"):
        goal_add(case=case, by=people["sam"], domain="health", description="x", benchmark="y")
    assert Goal.objects.count() == 1


def test_only_the_team_changes_the_plan(sam_case, people):
    case = sam_case("case_plan")
    with pytest.raises(CaseRefused, match="Only the case's lead"):
        goal_add(case=case, by=people["tumi"], domain="health", description="x", benchmark="y")


def test_erasing_the_child_keeps_the_case_and_removes_its_text(sam_case, child, people, clinic):
    case = sam_case("review")
    PlanAction.objects.create(
        plan=case.plan, description="Visit", organisation=clinic, due_on=NEXT_WEEK
    )
    Review.objects.create(
        case=case,
        held_on=dt.date(2026, 5, 1),
        by=people["sam"],
        notes="Private",
        next_due_on=dt.date(2026, 6, 1),
    )
    child_anonymise(child=child, rule="request", actor_name="test")
    case = Case.objects.get(pk=case.pk)
    assert case.status == "review"
    assert Goal.objects.get().description == ""
    assert PlanAction.objects.get().description == ""
    assert Review.objects.get().notes == ""
