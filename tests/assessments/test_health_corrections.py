"""A correction of a health answer (a child's height) is decided by a second health reader at
the child's school — another nurse, or a social worker — because the coordinator and the data
manager may not read health answers (decision 0064). Attacked as an insider would: everyone
else is refused and the database is unchanged, and nobody who may not read health answers
learns the answers, the reason or the comment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.assessments.actions import AssessmentInvalid, AssessmentRefused, assessment_save
from cwtt.assessments.corrections import can_review, correction_request, correction_review
from cwtt.assessments.models import Assessment, AssessmentCorrection, RiskProfile
from cwtt.worklists.tasks import tasks_for
from tests.conftest import TODAY, _person, sign_in

pytestmark = pytest.mark.django_db

REASON = "Measured 101 cm again with the new height board"
TASK = "Correction to review"


@pytest.fixture
def measured(people, child, wave):
    """Nandi (nurse) measured Lwazi: 111 cm, 19.2 kg, no signs of abuse."""
    return assessment_save(
        child=child,
        wave=wave,
        respondent="nurse",
        answers={"ns_height": 111.0, "ns_weight": 19.2, "ns_abuse": "no"},
        assessed_on=dt.date(2026, 3, 2),
        assessor=people["nandi"],
    ).assessment


@pytest.fixture
def asked(people, measured):
    return correction_request(
        assessment=measured,
        answers={"ns_height": 101.0, "ns_weight": 19.2},
        reason=REASON,
        by=people["nandi"],
    )


@pytest.fixture
def nomsa(sunrise):
    """A second nurse at Sunrise Primary."""
    return _person("nomsa", Role.NURSE, sunrise, sector="health")


def state(measured):
    """Everything a review could change: the answers, the corrections, the risk, the audit."""
    measured.refresh_from_db()
    return (
        measured.answers,
        list(AssessmentCorrection.objects.values_list("pk", "status", "reviewed_by_id")),
        list(RiskProfile.objects.values_list("pk", "nutrition", "computed_at")),
        AuditEntry.objects.filter(action="change").count(),
    )


def test_another_nurse_at_the_school_approves_a_health_correction(people, measured, asked, nomsa):
    # Nandi could ask: she reads health answers; the protection answer she may not read stays.
    assert asked.answers_after == {"ns_height": 101.0, "ns_weight": 19.2, "ns_abuse": "no"}
    correction_review(correction=asked, approve=True, by=nomsa, comment="Checked the board")
    measured.refresh_from_db()
    assert measured.answers["ns_height"] == 101.0
    assert AssessmentCorrection.objects.get().status == "applied"
    change = AuditEntry.objects.filter(object_type="assessment", action="change").last()
    assert change.actor == nomsa and change.detail["before"]["answers"]["ns_height"] == 111.0


def test_a_social_worker_may_approve_it_too(people, asked):
    assert can_review(people["sam"], asked)


@pytest.mark.parametrize("who", ["cora", "dora", "tumi", "fiona", "nandi", "dumi", "nobody"])
def test_nobody_else_may_decide_it_and_nothing_changes(people, measured, asked, who):
    before = state(measured)
    assert not can_review(people[who], asked)
    for approve in (True, False):
        with pytest.raises((AssessmentRefused, AssessmentInvalid)):
            correction_review(correction=asked, approve=approve, by=people[who], comment="No")
    assert state(measured) == before


def test_a_nurse_at_another_school_may_not_decide_it(hilltop, measured, asked):
    stranger = _person("hilda", Role.NURSE, hilltop, sector="health")
    before = state(measured)
    with pytest.raises(AssessmentRefused):
        correction_review(correction=asked, approve=True, by=stranger)
    assert state(measured) == before


def test_a_nurse_does_not_decide_corrections_of_other_answers(people, child, wave, nomsa):
    """A nurse reviews health corrections only: a caregiver's meals are the coordinator's."""
    sent = assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "no"},
        assessed_on=dt.date(2026, 3, 2),
        assessor=people["fiona"],
    ).assessment
    other = correction_request(
        assessment=sent, answers={"cg_meals": 3}, reason="Typo", by=people["fiona"]
    )
    assert not can_review(nomsa, other)
    assert TASK not in [t.kind for t in tasks_for(nomsa.staff, TODAY)]
    assert can_review(people["cora"], other)


def test_only_those_who_may_decide_it_find_it_in_their_work(people, asked, nomsa):
    def has_task(user):
        return TASK in [t.kind for t in tasks_for(user.staff, TODAY)]

    assert has_task(nomsa) and has_task(people["sam"])
    # The coordinator and the data manager cannot decide it: it is not their work.
    assert not has_task(people["cora"]) and not has_task(people["dora"])
    assert not has_task(people["nandi"])  # the nurse who asked


# --- the pages ---------------------------------------------------------------------------


def test_the_coordinator_sees_that_a_health_answer_changes_and_nothing_more(
    client, people, measured, asked
):
    sign_in(client, people["cora"])
    url = reverse("assessment", args=[measured.uuid])
    text = client.get(url).content.decode()
    assert "Waiting for review" in text
    assert "another nurse or a social worker" in text
    for secret in ("111", "101", REASON, "Height"):
        assert secret not in text, secret
    before = state(measured)
    response = client.post(
        reverse("correction_review", args=[asked.pk]), {"decision": "approve"}, follow=True
    )
    assert "You cannot review this correction." in response.content.decode()
    assert state(measured) == before
    # Once decided, its review comment stays hidden from her too.
    nomsa = _person("nomsa", Role.NURSE, people["nandi"].staff.schools.get(), sector="health")
    correction_review(correction=asked, approve=False, by=nomsa, comment="101 is a misreading")
    text = client.get(url).content.decode()
    assert "Correction rejected" in text
    assert "misreading" not in text and REASON not in text


def test_the_second_nurse_approves_on_the_page_and_a_replay_changes_nothing(
    client, people, measured, asked, nomsa
):
    sign_in(client, nomsa)
    url = reverse("assessment", args=[measured.uuid])
    text = client.get(url).content.decode()
    assert REASON in text and "Approve and change the answers" in text
    assert "111" in text and "101" in text
    review = reverse("correction_review", args=[asked.pk])
    client.post(review, {"decision": "approve"})
    measured.refresh_from_db()
    assert measured.answers["ns_height"] == 101.0
    after = state(measured)
    replay = client.post(review, {"decision": "approve"}, follow=True)
    assert "already decided" in replay.content.decode()
    assert state(measured) == after


@pytest.mark.parametrize("correction_id", ["999999", "0"])
def test_an_unknown_correction_is_not_found(client, measured, asked, nomsa, correction_id):
    sign_in(client, nomsa)
    before = state(measured)
    response = client.post(f"/corrections/{correction_id}/review/", {"decision": "approve"})
    assert response.status_code == 404
    assert state(measured) == before
    assert Assessment.objects.count() == 1
