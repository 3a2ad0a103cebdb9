"""Approval of a case plan and of a closure: requested, approved or rejected with a comment,
by the requester's supervisor or the coordinator, never the requester; the case moves only on
approval."""

import pytest

from cwtt.access.models import AuditEntry
from cwtt.cases.actions import CaseRefused, approval_decide, approval_request
from cwtt.cases.models import Approval, Case, CasePlan
from cwtt.notifications.models import Notification

from .conftest import case_at

pytestmark = pytest.mark.django_db


def test_a_plan_is_approved_by_the_supervisor_and_the_work_starts(sam_case, people):
    case = sam_case("case_plan")
    approval = approval_request(case=case, kind="plan", by=people["sam"])
    case.refresh_from_db()
    assert case.status == "case_plan"  # nothing moves on asking
    # Sue (the supervisor) and Cora (the coordinator) are told; Sam is not.
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert told == {"sue", "cora"}

    approval_decide(approval=approval, decision="approve", by=people["sue"])
    case.refresh_from_db()
    assert case.status == "implementation"
    plan = CasePlan.objects.get(case=case)
    assert plan.approved_by == people["sue"] and plan.approved_at is not None
    assert Notification.objects.filter(user=people["sam"], subject__contains="approved").exists()
    decided = AuditEntry.objects.get(object_type="case_approval", action="change")
    assert decided.detail["after"]["decision"] == "approve"
    assert decided.actor == people["sue"]


def test_the_requester_cannot_approve_their_own_request(sam_case, people):
    case = sam_case("case_plan")
    approval = approval_request(case=case, kind="plan", by=people["cora"])
    with pytest.raises(CaseRefused, match="You asked for this approval yourself"):
        approval_decide(approval=approval, decision="approve", by=people["cora"])
    case.refresh_from_db()
    assert case.status == "case_plan"


def test_only_the_supervisor_or_the_coordinator_decides(sam_case, people):
    case = sam_case("case_plan", team=[people["nandi"].staff])
    approval = approval_request(case=case, kind="plan", by=people["sam"])
    for who in ("nandi", "tumi", "hilda", "dora"):
        with pytest.raises(CaseRefused, match="Only the supervisor"):
            approval_decide(approval=approval, decision="approve", by=people[who])
    approval_decide(approval=approval, decision="approve", by=people["cora"])
    assert Case.objects.get(pk=case.pk).status == "implementation"


def test_a_rejection_needs_a_comment_and_leaves_the_case_where_it_is(sam_case, people):
    case = sam_case("case_plan")
    approval = approval_request(case=case, kind="plan", by=people["sam"])
    with pytest.raises(CaseRefused) as refused:
        approval_decide(approval=approval, decision="reject", by=people["sue"])
    assert "Say why" in refused.value.errors["comment"]
    approval_decide(
        approval=approval, decision="reject", by=people["sue"], comment="Add a health goal."
    )
    approval.refresh_from_db()
    assert (approval.decision, approval.comment) == ("reject", "Add a health goal.")
    case.refresh_from_db()
    assert case.status == "case_plan"
    assert CasePlan.objects.get(case=case).approved_at is None
    # A decided request cannot be decided again; a new one can be asked.
    with pytest.raises(CaseRefused, match="already been decided"):
        approval_decide(approval=approval, decision="approve", by=people["sue"])
    approval_request(case=case, kind="plan", by=people["sam"])


def test_a_plan_needs_a_goal_and_the_case_plan_stage(child, people):
    case = case_at(child, "assessed", lead=people["sam"].staff)
    with pytest.raises(CaseRefused, match="while the case is at “case plan”"):
        approval_request(case=case, kind="plan", by=people["sam"])
    case.status = "case_plan"
    case.save()
    CasePlan.objects.create(case=case)
    with pytest.raises(CaseRefused, match="at least one goal"):
        approval_request(case=case, kind="plan", by=people["sam"])


def test_one_request_of_a_kind_waits_at_a_time(sam_case, people):
    case = sam_case("case_plan")
    approval_request(case=case, kind="plan", by=people["sam"])
    with pytest.raises(CaseRefused, match="already waiting"):
        approval_request(case=case, kind="plan", by=people["cora"])


def test_closure_needs_a_reason_and_closes_only_on_approval(sam_case, people):
    case = sam_case("review")
    with pytest.raises(CaseRefused) as refused:
        approval_request(case=case, kind="closure", by=people["sam"])
    assert refused.value.errors == {"closure_reason": "Choose why the case is closing."}
    with pytest.raises(CaseRefused):
        approval_request(case=case, kind="closure", by=people["sam"], closure_reason="bored")
    approval = approval_request(
        case=case, kind="closure", by=people["sam"], closure_reason="plan_achieved"
    )
    case.refresh_from_db()
    assert case.status == "review" and case.closed_at is None
    approval_decide(approval=approval, decision="approve", by=people["sue"])
    case.refresh_from_db()
    assert (case.status, case.closure_reason) == ("closed", "plan_achieved")
    assert case.closed_at is not None


@pytest.mark.parametrize("reason", [value for value, _ in Case.ClosureReason.choices])
def test_every_closure_reason_can_close_a_case(reason, sam_case, people):
    case = sam_case("implementation")
    approval = approval_request(case=case, kind="closure", by=people["sam"], closure_reason=reason)
    approval_decide(approval=approval, decision="approve", by=people["cora"])
    case.refresh_from_db()
    assert (case.status, case.closure_reason) == ("closed", reason)


def test_a_proposed_or_closed_case_cannot_ask_to_close(sam_case, people):
    for status in ("proposed", "closed", "dismissed"):
        with pytest.raises(CaseRefused, match="cannot be closed"):
            approval_request(
                case=sam_case(status), kind="closure", by=people["cora"], closure_reason="declined"
            )
        Case.objects.all().delete()


def test_an_approval_that_came_too_late_does_not_move_the_case(sam_case, people):
    case = sam_case("case_plan")
    approval = approval_request(case=case, kind="plan", by=people["sam"])
    Case.objects.filter(pk=case.pk).update(status="implementation")  # moved on meanwhile
    with pytest.raises(CaseRefused, match="has moved on"):
        approval_decide(approval=approval, decision="approve", by=people["sue"])
    assert Approval.objects.get().pending


def test_requests_and_decisions_are_audited(sam_case, people):
    case = sam_case("case_plan")
    approval = approval_request(case=case, kind="plan", by=people["sam"])
    approval_decide(approval=approval, decision="reject", by=people["sue"], comment="Secret")
    entries = AuditEntry.objects.filter(object_type="case_approval").order_by("id")
    assert [(e.action, e.actor.username) for e in entries] == [
        ("create", "sam"),
        ("change", "sue"),
    ]
    assert all(e.child_id == case.child_id for e in entries)
    assert "Secret" not in str(entries[1].detail)
