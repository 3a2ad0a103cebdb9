"""Attacks on every write to a case (issue #10): another school's person with Sunrise's ids,
the right school's person doing a step the rules give to someone else, a stale or replayed
send, two sends at once, and malformed or oversized bodies. Each asserts the refusal and that
the database did not change (tests/attacks.py).

Who may do what (tests/cases/conftest.py): Cora coordinates Sunrise and confirms proposals;
Sam leads the case and Sue supervises him; Tumi teaches at Sunrise but is not on the team;
Hilda (Hilltop's coordinator) and Harry (a Hilltop teacher) may not learn a Sunrise case exists.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cwtt.cases.actions import CaseRefused, approval_decide, approval_request, case_propose_for
from cwtt.cases.models import Approval, Case, CaseEvent, Goal, PlanAction, Review, ServiceDelivered
from cwtt.registry.models import Organisation

from ..attacks import (
    NOT_A_NUMBER,
    ONE_MEGABYTE,
    at_once,
    audit_changes,
    messages_of,
    needs_postgres,
    unchanged,
)
from ..conftest import sign_in
from .conftest import HIGH, case_at, score

pytestmark = pytest.mark.django_db

# Dates as the forms send them, around today on the tests' clock: `post` fills them in.
TODAY, SOON, EARLIER = "<today>", "<in a week>", "<three days ago>"


def day(placeholder: str) -> str:
    offset = {TODAY: 0, SOON: 7, EARLIER: -3}[placeholder]
    return (timezone.localdate() + dt.timedelta(days=offset)).isoformat()


def post(client, user, name, *args, data=None):
    sign_in(client, user)
    data = {k: day(v) if v in (TODAY, SOON, EARLIER) else v for k, v in (data or {}).items()}
    return client.post(reverse(name, args=args), data, follow=True)


def refused(response, words: str) -> None:
    """The case page came back with a plain refusal (never a 500, never a success)."""
    assert response.status_code == 200
    said = messages_of(response)
    assert any(words in m for m in said), said


@pytest.fixture
def organisation(db):
    return Organisation.objects.create(name="Sunrise Clinic", sector="health")


# --- another school's person, with Sunrise's ids ---------------------------------------------

WRITES = [
    ("case_move", {"to": "registered"}),
    ("case_team", {"lead": "", "team": []}),
    ("case_approval", {"kind": "closure", "closure_reason": "plan_achieved"}),
    ("case_goal_add", {"domain": "nutrition", "description": "Eats", "benchmark": "No hunger"}),
    ("case_action_add", {"description": "Food parcel", "due_on": SOON}),
    ("case_review_add", {"held_on": TODAY}),
    ("case_service_add", {"service_type": "food_support", "delivered_on": EARLIER}),
]


@pytest.mark.parametrize("who", ["hilda", "harry", "dumi"])
@pytest.mark.parametrize("name,data", WRITES, ids=[w[0] for w in WRITES])
def test_another_schools_person_cannot_write_to_a_sunrise_case(
    client, sam_case, people, who, name, data
):
    case = sam_case("identified")
    with unchanged():
        response = post(client, people[who], name, case.pk, data=data)
    assert response.status_code == 404


def test_a_person_without_a_staff_record_cannot_write_to_a_case(client, sam_case, people):
    case = sam_case("identified")
    with unchanged():
        response = post(client, people["nobody"], "case_move", case.pk, data={"to": "registered"})
    assert response.status_code == 404


def test_another_schools_coordinator_cannot_decide_a_sunrise_request(client, sam_case, people):
    case = sam_case("case_plan")
    approval = approval_request(case=case, kind="plan", by=people["sam"])
    with unchanged():
        response = post(
            client,
            people["hilda"],
            "case_approval_decide",
            case.pk,
            approval.pk,
            data={"decision": "approve"},
        )
    assert response.status_code == 404


def test_a_request_of_another_case_is_not_found_through_this_case(
    client, sam_case, child_factory, sunrise, people
):
    """Cora may decide both; the request's id with the wrong case's address is still refused,
    so an address cannot decide a request its page never showed."""
    case = sam_case("case_plan")
    other = case_at(child_factory(sunrise, first="Thabo"), "case_plan", lead=people["sam"].staff)
    approval = approval_request(case=other, kind="plan", by=people["sam"])
    with unchanged():
        response = post(
            client,
            people["cora"],
            "case_approval_decide",
            case.pk,
            approval.pk,
            data={"decision": "approve"},
        )
    assert response.status_code == 404


def test_an_action_of_another_case_cannot_be_marked_done_through_this_case(
    client, sam_case, child_factory, sunrise, people, organisation
):
    case = sam_case("case_plan")
    other = case_at(child_factory(sunrise, first="Thabo"), "case_plan", lead=people["sam"].staff)
    action = PlanAction.objects.create(
        plan=other.plan,
        description="Visit",
        organisation=organisation,
        due_on=dt.date.fromisoformat(day(SOON)),
    )
    with unchanged():
        response = post(client, people["sam"], "case_action_done", case.pk, action.pk)
    assert response.status_code == 404


# --- the right school, the wrong person ------------------------------------------------------


def test_a_teacher_not_on_the_team_cannot_move_the_case(client, sam_case, people):
    case = sam_case("identified")
    with unchanged():
        response = post(client, people["tumi"], "case_move", case.pk, data={"to": "registered"})
    refused(response, "Only the case's lead, its team members or the school's coordinator")


def test_the_lead_cannot_confirm_a_proposed_case_only_the_coordinator(client, sam_case, people):
    case = sam_case("proposed")
    with unchanged():
        response = post(client, people["sam"], "case_move", case.pk, data={"to": "identified"})
    refused(response, "Only the school's coordinator can confirm or dismiss")


def test_a_teacher_cannot_choose_the_team(client, sam_case, people):
    case = sam_case("identified")
    with unchanged():
        response = post(
            client, people["tumi"], "case_team", case.pk, data={"lead": people["tumi"].staff.pk}
        )
    refused(response, "Only the school's coordinator or the case's lead")


def test_a_teacher_not_on_the_team_cannot_ask_for_approval_or_keep_the_plan(
    client, sam_case, people, organisation
):
    case = sam_case("case_plan")
    with unchanged():
        for name, data in [
            ("case_approval", {"kind": "plan"}),
            ("case_goal_add", {"domain": "health", "description": "A", "benchmark": "B"}),
            (
                "case_action_add",
                {"description": "A", "organisation": organisation.pk, "due_on": SOON},
            ),
        ]:
            response = post(client, people["tumi"], name, case.pk, data=data)
            refused(response, "Only the case's lead, its team members or the school's coordinator")


def test_the_requester_cannot_approve_their_own_request_through_the_page(client, sam_case, people):
    case = sam_case("case_plan")
    approval = approval_request(case=case, kind="plan", by=people["cora"])
    with unchanged():
        response = post(
            client,
            people["cora"],
            "case_approval_decide",
            case.pk,
            approval.pk,
            data={"decision": "approve"},
        )
    refused(response, "You asked for this approval yourself")


def test_a_team_member_who_is_not_the_supervisor_cannot_approve(client, sam_case, people):
    case = sam_case("case_plan", team=[people["nandi"].staff])
    approval = approval_request(case=case, kind="plan", by=people["sam"])
    with unchanged():
        response = post(
            client,
            people["nandi"],
            "case_approval_decide",
            case.pk,
            approval.pk,
            data={"decision": "approve"},
        )
    refused(response, "Only the supervisor of the person who asked")


def test_a_teacher_on_the_team_cannot_write_case_notes_in_a_review(client, sam_case, people):
    case = sam_case("implementation", team=[people["tumi"].staff])
    goal = Goal.objects.get(plan__case=case)
    with unchanged():
        response = post(
            client,
            people["tumi"],
            "case_review_add",
            case.pk,
            data={"held_on": TODAY, f"goal_{goal.pk}": "some", "notes": "Home visit."},
        )
    refused(response, "Review notes are case notes")


# --- stale and replayed sends ----------------------------------------------------------------


def test_confirming_a_case_twice_records_one_confirmation(client, child, people):
    case = case_at(child, "proposed")
    post(client, people["cora"], "case_move", case.pk, data={"to": "identified"})
    assert Case.objects.get(pk=case.pk).status == "identified"
    with unchanged():
        response = post(client, people["cora"], "case_move", case.pk, data={"to": "identified"})
    refused(response, "cannot")


def test_closing_a_closed_case_is_refused(client, sam_case, people):
    case = sam_case("closed")
    with unchanged():
        response = post(
            client,
            people["sam"],
            "case_approval",
            case.pk,
            data={"kind": "closure", "closure_reason": "plan_achieved"},
        )
    refused(response, "cannot be closed")
    with unchanged():
        response = post(client, people["sam"], "case_move", case.pk, data={"to": "closed"})
    refused(response, "cannot")


def test_a_replayed_request_for_approval_makes_no_second_request(client, sam_case, people):
    case = sam_case("case_plan")
    data = {"kind": "plan"}
    post(client, people["sam"], "case_approval", case.pk, data=data)
    assert Approval.objects.filter(case=case).count() == 1
    with unchanged():
        response = post(client, people["sam"], "case_approval", case.pk, data=data)
    refused(response, "already waiting for a decision")


def test_approving_twice_is_refused_and_moves_the_case_once(client, sam_case, people):
    case = sam_case("case_plan")
    approval = approval_request(case=case, kind="plan", by=people["sam"])
    args = ("case_approval_decide", case.pk, approval.pk)
    post(client, people["sue"], *args, data={"decision": "approve"})
    assert Case.objects.get(pk=case.pk).status == "implementation"
    with unchanged():
        for who in ("sue", "cora"):
            response = post(client, people[who], *args, data={"decision": "approve"})
            refused(response, "already been decided")


def test_a_rejected_request_cannot_be_approved_afterwards(client, sam_case, people):
    case = sam_case("case_plan")
    approval = approval_request(case=case, kind="plan", by=people["sam"])
    args = ("case_approval_decide", case.pk, approval.pk)
    post(client, people["sue"], *args, data={"decision": "reject", "comment": "Add a goal."})
    with unchanged():
        response = post(client, people["cora"], *args, data={"decision": "approve"})
    refused(response, "already been decided")


def test_approving_a_plan_after_the_case_was_closed_is_refused(client, sam_case, people):
    case = sam_case("case_plan")
    plan = approval_request(case=case, kind="plan", by=people["sam"])
    closure = approval_request(
        case=case, kind="closure", by=people["sam"], closure_reason="moved_away"
    )
    approval_decide(approval=closure, decision="approve", by=people["sue"])
    assert Case.objects.get(pk=case.pk).status == "closed"
    with unchanged():
        response = post(
            client,
            people["cora"],
            "case_approval_decide",
            case.pk,
            plan.pk,
            data={"decision": "approve"},
        )
    refused(response, "The case has moved on since this was asked")


def test_a_plan_cannot_be_changed_once_the_work_has_started(client, sam_case, people):
    case = sam_case("implementation")
    with unchanged():
        response = post(
            client,
            people["sam"],
            "case_goal_add",
            case.pk,
            data={"domain": "health", "description": "See a nurse", "benchmark": "Seen"},
        )
    refused(response, "The plan is written while the case is at")


def test_marking_an_action_done_twice_is_refused(client, sam_case, people, organisation):
    case = sam_case("case_plan")
    action = PlanAction.objects.create(
        plan=case.plan,
        description="Visit",
        organisation=organisation,
        due_on=dt.date.fromisoformat(day(SOON)),
    )
    post(client, people["sam"], "case_action_done", case.pk, action.pk)
    assert PlanAction.objects.get(pk=action.pk).done_on == timezone.localdate()
    with unchanged():
        response = post(client, people["sam"], "case_action_done", case.pk, action.pk)
    refused(response, "already marked done")


def test_a_replayed_review_records_one_review(client, sam_case, people):
    case = sam_case("implementation")
    goal = Goal.objects.get(plan__case=case)
    data = {"held_on": TODAY, f"goal_{goal.pk}": "some", "notes": "Visited at home."}
    post(client, people["sam"], "case_review_add", case.pk, data=data)
    assert Review.objects.filter(case=case).count() == 1
    with unchanged():
        response = post(client, people["sam"], "case_review_add", case.pk, data=data)
    refused(response, "already recorded")


def test_a_replayed_service_records_one_service(client, sam_case, people, service_types):
    case = sam_case("implementation")
    data = {
        "service_type": "food_support",
        "delivered_on": EARLIER,
        "outcome": "delivered",
        "provider_name": "Hope Soup Kitchen",
    }
    post(client, people["sam"], "case_service_add", case.pk, data=data)
    assert ServiceDelivered.objects.filter(case=case).count() == 1
    with unchanged():
        response = post(client, people["sam"], "case_service_add", case.pk, data=data)
    refused(response, "already recorded")


# --- two at once -----------------------------------------------------------------------------


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_proposals_at_once_open_one_case(child, wave):
    profile = score(child, wave, HIGH)
    Case.objects.filter(child=child).delete()  # scoring may already have proposed one
    outcomes = at_once(lambda: case_propose_for(profile), lambda: case_propose_for(profile))
    assert sorted(map(str, outcomes)) == ["already_open", "created"]
    assert Case.objects.filter(child=child).count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_for_approval_at_once_make_one_request(sam_case, people):
    case = sam_case("case_plan")
    outcomes = at_once(
        lambda: approval_request(case=case, kind="plan", by=people["sam"]),
        lambda: approval_request(case=case, kind="plan", by=people["cora"]),
    )
    assert sum(isinstance(o, CaseRefused) for o in outcomes) == 1, outcomes
    assert Approval.objects.filter(case=case).count() == 1
    assert audit_changes(object_type="case_approval") == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_an_approval_and_a_rejection_at_once_leave_one_decision(sam_case, people):
    case = sam_case("case_plan")
    approval = approval_request(case=case, kind="plan", by=people["sam"])
    outcomes = at_once(
        lambda: approval_decide(approval=approval, decision="approve", by=people["sue"]),
        lambda: approval_decide(
            approval=approval, decision="reject", by=people["cora"], comment="No."
        ),
    )
    assert sum(isinstance(o, CaseRefused) for o in outcomes) == 1, outcomes
    approval.refresh_from_db()
    assert audit_changes(object_type="case_approval", action="change") == 1
    status = Case.objects.get(pk=case.pk).status
    assert (approval.decision, status) in {
        ("approve", "implementation"),
        ("reject", "case_plan"),
    }


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_reviews_sent_at_once_record_one(sam_case, people):
    from cwtt.cases.actions import review_record

    case = sam_case("implementation")
    goal = Goal.objects.get(plan__case=case)

    def review():
        return review_record(
            case=case,
            by=people["sam"],
            held_on=timezone.localdate(),
            progress={goal.pk: ("some", "")},
        )

    outcomes = at_once(review, review)
    assert sum(isinstance(o, CaseRefused) for o in outcomes) == 1, outcomes
    assert Review.objects.filter(case=case).count() == 1


# --- malformed and oversized bodies ----------------------------------------------------------


MALFORMED = [
    ("case_move", {}, "cannot"),
    ("case_move", {"to": "nowhere"}, "cannot"),
    ("case_move", {"to": "registered", "comment": ONE_MEGABYTE}, "at most"),
    ("case_team", {"lead": NOT_A_NUMBER}, "Choose the lead"),
    ("case_team", {"team": [NOT_A_NUMBER]}, "Choose the team"),
    ("case_approval", {}, "Choose what you are asking approval for"),
    ("case_approval", {"kind": "closure", "closure_reason": ONE_MEGABYTE}, "Choose why"),
    ("case_goal_add", {}, "Choose the area"),
    (
        "case_goal_add",
        {"domain": "health", "description": ONE_MEGABYTE, "benchmark": "B"},
        "Keep the goal",
    ),
    ("case_action_add", {"description": "A", "organisation": NOT_A_NUMBER}, "Choose the org"),
    ("case_action_add", {"description": ONE_MEGABYTE}, "Keep the action"),
    ("case_action_add", {"description": "A", "due_on": "not a date"}, "Enter the date"),
    ("case_review_add", {"held_on": "31/11/2026"}, "Enter the date"),
    ("case_review_add", {"held_on": TODAY, "notes": ONE_MEGABYTE}, "at most"),
    ("case_service_add", {"service_type": ONE_MEGABYTE}, "Choose the kind of service"),
    (
        "case_service_add",
        {"service_type": "food_support", "provider": NOT_A_NUMBER, "provider_name": ONE_MEGABYTE},
        "Keep the provider's name",
    ),
]


@pytest.mark.parametrize(
    "name,data,words", MALFORMED, ids=[f"{m[0]}-{i}" for i, m in enumerate(MALFORMED)]
)
def test_a_malformed_or_oversized_send_is_refused_plainly(
    client, sam_case, people, service_types, name, data, words
):
    status = {
        "case_goal_add": "case_plan",
        "case_action_add": "case_plan",
        "case_approval": "implementation",
    }.get(name, "identified" if name in ("case_move", "case_team") else "implementation")
    case = sam_case(status)
    with unchanged():
        response = post(client, people["sam"], name, case.pk, data=data)
    refused(response, words)


def test_a_lead_from_another_school_is_refused_and_the_team_stays(client, sam_case, people):
    case = sam_case("identified", team=[people["nandi"].staff])
    with unchanged():
        response = post(
            client,
            people["cora"],
            "case_team",
            case.pk,
            data={"lead": people["harry"].staff.pk, "team": [people["nandi"].staff.pk]},
        )
    refused(response, "does not work at Sunrise Primary")


def test_a_team_member_from_another_school_is_refused_not_dropped(client, sam_case, people):
    case = sam_case("identified", team=[people["nandi"].staff])
    with unchanged():
        response = post(
            client,
            people["cora"],
            "case_team",
            case.pk,
            data={"lead": people["sam"].staff.pk, "team": [people["harry"].staff.pk]},
        )
    refused(response, "does not work at Sunrise Primary")


def test_an_action_given_to_another_schools_person_is_refused(
    client, sam_case, people, organisation
):
    case = sam_case("case_plan")
    with unchanged():
        response = post(
            client,
            people["sam"],
            "case_action_add",
            case.pk,
            data={
                "description": "Visit",
                "organisation": organisation.pk,
                "person": people["harry"].staff.pk,
                "due_on": SOON,
            },
        )
    refused(response, "does not work at Sunrise Primary")


def test_an_address_with_a_case_id_that_is_not_a_number_is_not_found(client, people):
    sign_in(client, people["cora"])
    with unchanged():
        response = client.post("/cases/abc/move/", {"to": "identified"})
    assert response.status_code == 404


def test_a_get_to_a_write_address_changes_nothing(client, sam_case, people):
    case = sam_case("identified")
    sign_in(client, people["sam"])
    with unchanged():
        response = client.get(reverse("case_move", args=[case.pk]), {"to": "registered"})
    assert response.status_code == 405
    assert not CaseEvent.objects.filter(case=case).exists()
