"""The case workflow: every legal step, illegal steps refused with a message naming where the
case is and what it can do, the coordinator's confirm/dismiss, reopening, and the audit."""

import pytest

from cwtt.access.models import AuditEntry
from cwtt.cases.actions import CaseRefused, case_move
from cwtt.cases.models import Case, CaseEvent
from cwtt.cases.workflow import TRANSITIONS, approval_needed

pytestmark = pytest.mark.django_db

S = Case.Status
FREE_STEPS = [
    (source, to)
    for source, steps in TRANSITIONS.items()
    for to in steps
    if approval_needed(source, to) is None
]
GATED_STEPS = [
    (source, to)
    for source, steps in TRANSITIONS.items()
    for to in steps
    if approval_needed(source, to) is not None
]


def test_every_state_is_in_the_table_and_every_step_leads_to_a_state():
    assert set(TRANSITIONS) == set(S.values)
    assert all(to in S.values for steps in TRANSITIONS.values() for to in steps)


@pytest.mark.parametrize(("source", "to"), FREE_STEPS)
def test_every_legal_step_moves_the_case_and_is_recorded(source, to, sam_case, people):
    case = sam_case(source)
    by = people["cora"] if source == S.PROPOSED else people["sam"]
    case_move(case=case, to=to, by=by, comment="Because the team agreed.")
    assert case.status == to
    event = CaseEvent.objects.get(case=case)
    assert (event.from_status, event.to_status, event.by) == (source, to, by)
    entry = AuditEntry.objects.get(object_type="case", object_id=str(case.pk))
    assert entry.action == "change" and entry.child_id == case.child_id
    assert entry.detail["before"]["status"] == source
    assert entry.detail["after"]["status"] == to
    assert "Because" not in str(entry.detail)  # comments stay out of the audit detail


@pytest.mark.parametrize(("source", "to"), GATED_STEPS)
def test_steps_that_need_approval_are_refused_by_a_plain_move(source, to, sam_case, people):
    case = sam_case(source)
    with pytest.raises(CaseRefused) as refused:
        case_move(case=case, to=to, by=people["cora"])
    assert "needs a supervisor's approval" in refused.value.message
    case.refresh_from_db()
    assert case.status == source
    assert not AuditEntry.objects.filter(object_type="case").exists()


@pytest.mark.parametrize(
    ("source", "to"),
    [
        ("proposed", "registered"),
        ("identified", "case_plan"),
        ("registered", "implementation"),
        ("implementation", "identified"),
        ("closed", "implementation"),
        ("dismissed", "identified"),
    ],
)
def test_illegal_steps_are_refused_naming_the_state_and_the_next_steps(
    source, to, sam_case, people
):
    case = sam_case(source)
    with pytest.raises(CaseRefused) as refused:
        case_move(case=case, to=to, by=people["cora"], comment="x")
    message = refused.value.message
    assert S(source).label.lower() in message
    for label in TRANSITIONS[source].values():
        assert label in message
    case.refresh_from_db()
    assert case.status == source


def test_an_illegal_step_message_reads_plainly(sam_case, people):
    case = sam_case("registered")
    with pytest.raises(CaseRefused) as refused:
        case_move(case=case, to="implementation", by=people["sam"])
    assert refused.value.message == (
        "This case is at “registered” and cannot move to “implementation”. The next steps "
        "from here are: Record that the child's needs are assessed (to assessed); "
        "Close the case (to closed)."
    )


def test_an_unknown_state_is_refused(sam_case, people):
    with pytest.raises(CaseRefused, match="not a state"):
        case_move(case=sam_case("identified"), to="finished", by=people["sam"])


def test_only_the_coordinator_confirms_a_proposal(child, people):
    case = Case.objects.create(child=child, school=child.school)
    for who in ("sam", "tumi", "dora"):
        with pytest.raises(CaseRefused, match="Only the school's coordinator"):
            case_move(case=case, to="identified", by=people[who])
    case_move(case=case, to="identified", by=people["cora"])
    assert case.status == "identified" and case.opened_at is not None


def test_dismissing_a_proposal_needs_a_reason(child, people):
    case = Case.objects.create(child=child, school=child.school)
    with pytest.raises(CaseRefused) as refused:
        case_move(case=case, to="dismissed", by=people["cora"], comment="  ")
    assert refused.value.errors == {"comment": "Say why the proposal is dismissed."}
    case_move(
        case=case, to="dismissed", by=people["cora"], comment="Already supported by the clinic."
    )
    assert case.status == "dismissed"
    assert case.dismissed_reason == "Already supported by the clinic."


def test_only_the_team_or_the_coordinator_moves_a_case(sam_case, people):
    case = sam_case("identified")
    for who in ("tumi", "nandi", "fiona", "hilda", "dora"):
        with pytest.raises(CaseRefused, match="Only the case's lead"):
            case_move(case=case, to="registered", by=people[who])
    case.team.add(people["nandi"].staff)
    case_move(case=case, to="registered", by=people["nandi"])
    case_move(case=case, to="assessed", by=people["cora"])
    assert case.status == "assessed"


def test_a_closed_case_reopens_into_review_with_a_reason(sam_case, people):
    case = sam_case("closed")
    with pytest.raises(CaseRefused, match="Say why the case is reopened"):
        case_move(case=case, to="review", by=people["sam"])
    case_move(case=case, to="review", by=people["sam"], comment="Hungry again.")
    assert (case.status, case.closed_at, case.closure_reason) == ("review", None, "")
    entry = AuditEntry.objects.get(object_type="case")
    assert entry.detail["before"] == {"status": "closed", "closure_reason": "moved_away"}


def test_moving_to_case_plan_starts_a_plan(sam_case, people):
    case = sam_case("assessed")
    case_move(case=case, to="case_plan", by=people["sam"])
    assert case.plan.goals.count() == 0
