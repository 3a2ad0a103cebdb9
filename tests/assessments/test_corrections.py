"""Correcting a sent questionnaire: asked for with a reason, applied only when a second person
approves it, before and after kept; attacked as an insider would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import AssessmentInvalid, AssessmentRefused, assessment_save
from cwtt.assessments.corrections import correction_request, correction_review
from cwtt.assessments.models import Assessment, AssessmentCorrection, RiskProfile
from cwtt.worklists.tasks import tasks_for
from tests.conftest import TODAY, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(people, child, wave):
    """Fiona's caregiver interview: one meal and hungry (nutrition high), hit at home."""
    return assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes"},
        assessed_on=dt.date(2026, 3, 2),
        assessor=people["fiona"],
    ).assessment


def rows(assessment):
    assessment.refresh_from_db()
    return assessment.answers, assessment.status


def test_a_correction_waits_for_a_second_person_then_changes_the_answers_and_the_risk(
    people, child, wave, sent
):
    correction = correction_request(
        assessment=sent,
        answers={"cg_meals": 3},
        reason="The caregiver said three meals; I typed 1 by mistake.",
        by=people["fiona"],
    )
    # Nothing changes until it is approved; the answers she may not read are kept as they are.
    assert rows(sent)[0] == {"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes"}
    assert correction.answers_after == {"cg_meals": 3, "cg_hit": "yes"}
    correction_review(correction=correction, approve=True, by=people["cora"])
    assert rows(sent) == ({"cg_meals": 3, "cg_hit": "yes"}, "submitted")
    assert RiskProfile.objects.get(child=child, wave=wave).nutrition != "high"
    change = AuditEntry.objects.filter(object_type="assessment", action="change").last()
    assert change.detail["before"]["answers"]["cg_meals"] == 1
    assert change.detail["after"]["answers"]["cg_meals"] == 3
    assert change.detail["correction"] == correction.pk and "typed 1" in change.detail["reason"]


def test_the_person_who_asked_cannot_approve_their_own_correction(people, sent):
    correction = correction_request(
        assessment=sent, answers={"cg_meals": 3}, reason="Typo", by=people["cora"]
    )
    with pytest.raises(AssessmentRefused):
        correction_review(correction=correction, approve=True, by=people["cora"])
    assert rows(sent)[0]["cg_meals"] == 1
    assert AssessmentCorrection.objects.get().status == "pending"


def test_a_reviewer_who_may_not_read_a_changed_answer_cannot_approve_it(people, sent):
    # Sam (social worker) reads protection answers and corrects "hit at home"; the coordinator
    # may not read it, so she cannot approve what she cannot see.
    correction = correction_request(
        assessment=sent,
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "no"},
        reason="Misheard",
        by=people["sam"],
    )
    with pytest.raises(AssessmentRefused):
        correction_review(correction=correction, approve=True, by=people["cora"])
    assert rows(sent)[0]["cg_hit"] == "yes"


def test_no_correction_without_a_reason_or_a_change_or_from_outside(people, sent, other_child):
    before = rows(sent)
    with pytest.raises(AssessmentInvalid) as missing:
        correction_request(assessment=sent, answers={"cg_meals": 3}, reason=" ", by=people["fiona"])
    assert "reason" in missing.value.errors
    with pytest.raises(AssessmentInvalid) as same:
        correction_request(
            assessment=sent,
            answers={"cg_meals": 1, "cg_hungry": "yes"},
            reason="x",
            by=people["fiona"],
        )
    assert "Nothing to correct" in same.value.errors["answers"]
    with pytest.raises(AssessmentInvalid):
        correction_request(assessment=sent, answers={"cg_meals": 9}, reason="x", by=people["fiona"])
    with pytest.raises(AssessmentRefused):  # a teacher does not capture caregiver questionnaires
        correction_request(assessment=sent, answers={"cg_meals": 3}, reason="x", by=people["tumi"])
    assert rows(sent) == before and not AssessmentCorrection.objects.exists()


def test_a_decided_or_stale_correction_is_refused(people, child, wave, sent):
    first = correction_request(
        assessment=sent, answers={"cg_meals": 3}, reason="Typo", by=people["fiona"]
    )
    with pytest.raises(AssessmentInvalid):  # one waiting request at a time
        correction_request(assessment=sent, answers={"cg_meals": 4}, reason="x", by=people["cora"])
    correction_review(correction=first, approve=False, by=people["cora"], comment="She said 1")
    with pytest.raises(AssessmentInvalid):  # replayed: already decided
        correction_review(correction=first, approve=True, by=people["cora"])
    assert rows(sent)[0]["cg_meals"] == 1
    second = correction_request(
        assessment=sent, answers={"cg_meals": 4}, reason="Checked again", by=people["fiona"]
    )
    # Meanwhile the answers change (her own edit before review): the request is stale.
    Assessment.objects.filter(pk=sent.pk).update(answers={"cg_meals": 2, "cg_hit": "yes"})
    with pytest.raises(AssessmentInvalid):
        correction_review(correction=second, approve=True, by=people["cora"])
    assert rows(sent)[0]["cg_meals"] == 2


def test_rejecting_needs_a_comment(people, sent):
    correction = correction_request(
        assessment=sent, answers={"cg_meals": 3}, reason="Typo", by=people["fiona"]
    )
    with pytest.raises(AssessmentInvalid):
        correction_review(correction=correction, approve=False, by=people["cora"], comment="")
    assert AssessmentCorrection.objects.get().status == "pending"


def test_the_reviewer_finds_the_correction_in_their_work_not_the_requester(people, sent):
    correction_request(assessment=sent, answers={"cg_meals": 3}, reason="Typo", by=people["fiona"])
    kinds = [t.kind for t in tasks_for(people["cora"].staff, TODAY)]
    assert "Correction to review" in kinds
    assert "Correction to review" not in [t.kind for t in tasks_for(people["fiona"].staff, TODAY)]


# --- the pages ---------------------------------------------------------------------------


def test_the_assessment_page_shows_only_answers_the_reader_may_read_and_is_audited(
    client, people, sent
):
    sign_in(client, people["fiona"])
    page = client.get(reverse("assessment", args=[sent.uuid]))
    text = page.content.decode()
    assert page.status_code == 200 and "Meals yesterday" in text
    assert "hit at home" not in text and "1 answer is not shown to your role" in text
    assert AuditEntry.objects.filter(
        action="view", object_type="assessment", object_id=str(sent.uuid), actor=people["fiona"]
    ).exists()


def test_asking_for_and_approving_a_correction_on_the_pages(client, people, child, wave, sent):
    sign_in(client, people["fiona"])
    url = reverse("assessment", args=[sent.uuid])
    response = client.post(url, {"cg_meals": "3", "reason": "Typed 1 by mistake"})
    assert response.status_code == 302
    correction = AssessmentCorrection.objects.get()
    assert rows(sent)[0]["cg_meals"] == 1
    client.logout()
    sign_in(client, people["cora"])
    assert "Approve and change the answers" in client.get(url).content.decode()
    client.post(reverse("correction_review", args=[correction.pk]), {"decision": "approve"})
    assert rows(sent)[0]["cg_meals"] == 3


def test_the_pages_refuse_other_schools_and_other_peoples_drafts(
    client, people, child, other_child, wave, sent
):
    draft = assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 4},
        assessed_on=dt.date(2026, 3, 3),
        status="draft",
        assessor=people["sam"],
    ).assessment
    theirs = assessment_save(
        child=other_child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 4},
        assessed_on=dt.date(2026, 3, 3),
    ).assessment
    sign_in(client, people["fiona"])
    for record in (draft, theirs):
        url = reverse("assessment", args=[record.uuid])
        assert client.get(url).status_code == 404
        assert client.post(url, {"cg_meals": "5", "reason": "x"}).status_code == 404
    assert not AssessmentCorrection.objects.exists()


def test_a_bad_correction_on_the_page_says_what_is_wrong_and_saves_nothing(client, people, sent):
    sign_in(client, people["fiona"])
    url = reverse("assessment", args=[sent.uuid])
    response = client.post(url, {"cg_meals": "9", "reason": ""})
    text = response.content.decode()
    assert response.status_code == 200 and "Between 0 and 6 meals" in text
    assert not AssessmentCorrection.objects.exists()
    huge = client.post(url, {"cg_meals": "3", "reason": "x" * 5000})
    assert "under 2000 characters" in huge.content.decode()
    assert not AssessmentCorrection.objects.exists()


def test_a_review_by_someone_at_another_school_is_not_found(client, people, sent, hilltop):
    from tests.conftest import _person

    correction = correction_request(
        assessment=sent, answers={"cg_meals": 3}, reason="Typo", by=people["fiona"]
    )
    outsider = _person("hana", "coordinator", hilltop)
    sign_in(client, outsider)
    response = client.post(
        reverse("correction_review", args=[correction.pk]), {"decision": "approve"}
    )
    assert response.status_code == 404
    assert AssessmentCorrection.objects.get().status == "pending" and rows(sent)[0]["cg_meals"] == 1
