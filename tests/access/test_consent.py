"""Consent per purpose: recorded with its text version, needed to submit an assessment, needed
before a sector's staff see details, withdrawn from then on, and overridden only by a legal
duty that is audited."""

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.access import policy
from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import AssessmentInvalid, assessment_save
from cwtt.assessments.models import Assessment
from cwtt.consent.actions import ConsentInvalid, consent_record, has_consent
from cwtt.consent.models import ConsentDecision

from ..conftest import make_child, sign_in  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def unconsented(sunrise):
    return make_child(sunrise, first="Ayanda", last="Zulu", consent=False)


def mother(child):
    return child.caregivers.get()


def give(child, purpose, decision="given", by=None):
    return consent_record(
        child=child,
        purpose=purpose,
        decision=decision,
        decided_on=dt.date(2026, 2, 10),
        caregiver=None if purpose == "assent" else mother(child),
        recorded_by=by,
    )


def submit(child, wave, respondent="caregiver", status="submitted"):
    return assessment_save(
        child=child,
        wave=wave,
        respondent=respondent,
        answers={"cg_meals": 3, "cg_hit": "no"},
        assessed_on=DAY,
        status=status,
    )


def test_an_assessment_cannot_be_submitted_without_consent_but_a_draft_can(unconsented, wave):
    with pytest.raises(AssessmentInvalid) as refused:
        submit(unconsented, wave)
    assert "consent for assessment is not on record" in refused.value.errors["consent"]
    assert not Assessment.objects.filter(child=unconsented, status="submitted").exists()
    draft = submit(unconsented, wave, status="draft")
    assert draft.assessment.status == "draft"

    give(unconsented, "assessment")
    assert submit(unconsented, wave).assessment.status == "submitted"


def test_withdrawing_consent_stops_assessment_from_then_on_and_is_recorded(
    unconsented, wave, people
):
    give(unconsented, "assessment")
    submit(unconsented, wave)
    withdrawal = give(unconsented, "assessment", decision="withdrawn", by=people["cora"])
    assert not has_consent(unconsented, "assessment")
    # What was collected before stays; a new submission is refused.
    assert Assessment.objects.filter(child=unconsented, status="submitted").count() == 1
    with pytest.raises(AssessmentInvalid):
        submit(unconsented, wave)
    entry = AuditEntry.objects.get(object_type="consent", object_id=str(withdrawal.pk))
    assert entry.actor == people["cora"]
    assert entry.detail["decision"] == "withdrawn" and entry.detail["text_version"] == "1"
    assert entry.child_id == unconsented.pk


def test_the_childs_own_questionnaire_needs_the_childs_assent(unconsented):
    give(unconsented, "assessment")
    from cwtt.assessments.actions import consent_missing_for

    assert consent_missing_for(unconsented, "caregiver") is None
    assert "assent" in consent_missing_for(unconsented, "child")
    give(unconsented, "assent")
    assert consent_missing_for(unconsented, "child") is None


def test_a_decision_records_the_text_version_the_date_and_who_took_it(unconsented, people):
    decision = give(unconsented, "research", by=people["fiona"])
    assert decision.text.version == "1" and decision.text.purpose == "research"
    assert decision.recorded_by == people["fiona"]
    assert decision.caregiver == mother(unconsented)


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"decided_on": dt.date(2099, 1, 1)}, "decided_on", "future"),
        ({"decision": "maybe"}, "decision", "Choose"),
        ({"purpose": "marketing"}, "purpose", "not a purpose"),
        ({"decision": "withdrawn"}, "decision", "no agreement in force"),
        ({"caregiver": None}, "caregiver", "Choose the caregiver"),
    ],
)
def test_bad_decisions_are_refused_with_a_reason_and_nothing_is_written(
    unconsented, change, field, words
):
    arguments = {
        "child": unconsented,
        "purpose": "assessment",
        "decision": "given",
        "decided_on": dt.date(2026, 2, 10),
        "caregiver": mother(unconsented),
    }
    arguments.update(change)
    with pytest.raises(ConsentInvalid) as refused:
        consent_record(**arguments)
    assert words in refused.value.errors[field]
    assert not ConsentDecision.objects.filter(child=unconsented).exists()


def test_a_caregiver_of_another_child_cannot_decide(unconsented, other_child):
    with pytest.raises(ConsentInvalid) as refused:
        consent_record(
            child=unconsented,
            purpose="assessment",
            decision="given",
            decided_on=dt.date(2026, 2, 10),
            caregiver=mother(other_child),
        )
    assert "not recorded as one of the child's caregivers" in refused.value.errors["caregiver"]


def test_assent_is_the_childs_own_decision(unconsented):
    with pytest.raises(ConsentInvalid) as refused:
        consent_record(
            child=unconsented,
            purpose="assent",
            decision="given",
            decided_on=dt.date(2026, 2, 10),
            caregiver=mother(unconsented),
        )
    assert "child's own decision" in refused.value.errors["caregiver"]


# --- sharing with a sector -----------------------------------------------------------------


def scored(child, wave):
    give(child, "assessment")
    assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes"},
        assessed_on=DAY,
    )
    return child


def test_a_nurse_sees_no_details_without_consent_to_share_with_health(
    client, unconsented, wave, people
):
    scored(unconsented, wave)
    sign_in(client, people["nandi"])
    access = policy.child_access(people["nandi"], unconsented.pk)
    assert access.withheld_for == "share_health"
    assert access.classes == frozenset({"general"})
    assert "risk_levels" not in access.fields
    page = client.get(reverse("child", args=[unconsented.pk])).content.decode()
    assert "Ayanda Zulu" in page
    assert "Sharing with health staff" in page
    assert "Fewer than two meals" not in page and "Risk in each area" in page
    assert "overall" not in page  # no wave section with levels
    # Teachers are the school team that gathers the data: no sharing consent is needed.
    assert policy.child_access(people["tumi"], unconsented.pk).withheld_for is None

    give(unconsented, "share_health")
    access = policy.child_access(people["nandi"], unconsented.pk)
    assert access.withheld_for is None and "health" in access.classes
    assert (
        "Fewer than two meals"
        in client.get(reverse("child", args=[unconsented.pk])).content.decode()
    )

    give(unconsented, "share_health", decision="withdrawn")
    assert policy.child_access(people["nandi"], unconsented.pk).withheld_for == "share_health"


def test_the_class_list_hides_levels_the_reader_may_not_see(client, unconsented, wave, people):
    scored(unconsented, wave)
    assert policy.details_withheld(people["nandi"], [unconsented]) == {unconsented.pk}
    assert policy.details_withheld(people["tumi"], [unconsented]) == set()
    sign_in(client, people["nandi"])
    page = client.get(reverse("class", args=[unconsented.school_class_id])).content.decode()
    assert "Zulu, Ayanda" in page
    assert "level-high" not in page


def test_a_legal_duty_overrides_a_refusal_to_share_and_is_audited(
    client, unconsented, wave, people
):
    scored(unconsented, wave)
    give(unconsented, "share_social_development", decision="refused")
    sam = people["sam"]
    assert policy.child_access(sam, unconsented.pk).withheld_for == "share_social_development"

    # An abuse disclosure, as scoring stores it: an urgent finding in protection.
    profile = unconsented.risk_profiles.get()
    details = dict(profile.details)
    details["urgent_findings"] = [
        {
            "rule": "pro_abuse_disclosed_tc",
            "domain": "protection",
            "level": "high",
            "reason": "The learner told school staff that someone hurt them badly",
            "informant": "Teacher",
        }
    ]
    profile.details = details
    profile.urgent = True
    profile.save()

    access = policy.child_access(sam, unconsented.pk)
    assert access.withheld_for is None
    assert access.legal_duty.code == "report_abuse"
    assert "protection" in access.classes
    sign_in(client, sam)
    page = client.get(reverse("child", args=[unconsented.pk])).content.decode()
    assert "Shared under a legal duty" in page and "section 110" in page
    duty = AuditEntry.objects.get(action="legal_duty", child_id=unconsented.pk)
    assert duty.actor == sam and duty.detail["duty"] == "report_abuse"
    view = AuditEntry.objects.get(action="view", child_id=unconsented.pk, actor=sam)
    assert view.detail["legal_duty"] == "report_abuse"
    # The duty reaches social development only; the nurse still sees nothing without consent.
    assert policy.child_access(people["nandi"], unconsented.pk).legal_duty is None


# --- the consent page ----------------------------------------------------------------------


def test_a_coordinator_records_consent_on_the_page(client, unconsented, people):
    sign_in(client, people["cora"])
    url = reverse("consent", args=[unconsented.pk])
    page = client.get(url).content.decode()
    assert "Not asked" in page and "The words to read" in page
    response = client.post(
        url,
        {
            "purpose": "assessment",
            "decision": "given",
            "caregiver": str(mother(unconsented).pk),
            "decided_on": "2026-02-11",
        },
        follow=True,
    )
    assert "The decision has been recorded." in response.content.decode()
    assert has_consent(unconsented, "assessment")


def test_the_page_explains_a_bad_decision_and_records_nothing(client, unconsented, people):
    sign_in(client, people["cora"])
    response = client.post(
        reverse("consent", args=[unconsented.pk]),
        {"purpose": "assessment", "decision": "withdrawn", "caregiver": "", "decided_on": "soon"},
    )
    page = response.content.decode()
    assert "Enter the date of the decision" in page
    assert not ConsentDecision.objects.filter(child=unconsented).exists()


def test_a_teacher_reads_consent_but_cannot_record_it(client, unconsented, people):
    sign_in(client, people["tumi"])
    url = reverse("consent", args=[unconsented.pk])
    assert "Record a decision" not in client.get(url).content.decode()
    response = client.post(url, {"purpose": "assessment", "decision": "given"})
    assert response.status_code == 404
    assert not ConsentDecision.objects.filter(child=unconsented).exists()


def test_the_consent_page_of_a_child_in_another_school_is_not_found(client, other_child, people):
    sign_in(client, people["cora"])
    assert client.get(reverse("consent", args=[other_child.pk])).status_code == 404
