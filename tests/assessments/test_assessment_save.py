"""Assessments: idempotent intake, validation, and profiles that follow the answers."""

import csv
import datetime as dt
import uuid

import pytest
from django.core.management import call_command

from cwtt.assessments.actions import AssessmentInvalid, assessment_save
from cwtt.assessments.models import Assessment, RiskProfile
from cwtt.assessments.rescoring import rescore

DAY = dt.date(2026, 3, 10)


def save(child, wave, respondent="caregiver", answers=None, **kwargs):
    kwargs.setdefault("assessed_on", DAY)
    return assessment_save(
        child=child, wave=wave, respondent=respondent, answers=answers or {}, **kwargs
    )


def test_a_submitted_assessment_scores_the_childs_profile(child, wave):
    outcome = save(child, wave, answers={"cg_meals": 1, "cg_hungry": "yes"})
    profile = outcome.profile
    assert profile.nutrition == "high"
    assert profile.overall == "high"
    assert profile.education == ""  # nobody answered education questions
    reasons = [f["reason"] for f in profile.details["domains"]["nutrition"]["findings"]]
    assert reasons == ["Fewer than two meals yesterday", "Went to bed hungry"]
    assert profile.instrument_version == wave.instrument_version


def test_the_same_client_id_twice_stores_one_assessment(child, wave):
    client_id = uuid.uuid4()
    first = save(child, wave, answers={"cg_meals": 3}, uuid=client_id)
    again = save(child, wave, answers={"cg_meals": 3}, uuid=str(client_id))
    assert first.created and not again.created
    assert Assessment.objects.filter(uuid=client_id).count() == 1


def test_bad_answers_are_refused_per_question_and_nothing_is_written(child, wave):
    with pytest.raises(AssessmentInvalid) as raised:
        save(child, wave, answers={"cg_meals": 12, "cg_hit": "sometimes"})
    assert set(raised.value.errors) == {"cg_meals", "cg_hit"}
    assert Assessment.objects.count() == 0
    assert RiskProfile.objects.count() == 0


def test_a_draft_does_not_count_until_it_is_submitted(child, wave):
    client_id = uuid.uuid4()
    draft = save(child, wave, answers={"cg_hit": "yes"}, status="draft", uuid=client_id)
    assert draft.profile is None and not RiskProfile.objects.exists()
    submitted = save(child, wave, answers={"cg_meals": 3, "cg_hit": "yes"}, uuid=client_id)
    assert submitted.profile.protection == "moderate"


def test_changing_answers_recomputes_the_profile(child, wave):
    client_id = uuid.uuid4()
    save(child, wave, answers={"cg_meals": 1, "cg_hungry": "no"}, uuid=client_id)
    assert RiskProfile.objects.get().nutrition == "high"
    save(child, wave, answers={"cg_meals": 3}, uuid=client_id)
    assert RiskProfile.objects.get().nutrition == "low"


def test_informants_are_combined_and_disagreement_flagged(child, wave):
    save(child, wave, answers={"cg_meals": 3, "cg_hit": "no"})
    outcome = save(child, wave, respondent="nurse", answers={"ns_abuse": "yes"})
    profile = outcome.profile
    assert profile.protection == "high"
    assert profile.discordant is True
    assert profile.assessment_count == 2


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"assessed_on": dt.date.today() + dt.timedelta(days=2)}, "assessed_on"),
        ({"assessed_on": dt.date(2010, 1, 1)}, "assessed_on"),
        ({"status": "finished"}, "status"),
        ({"uuid": "not-a-uuid"}, "uuid"),
    ],
)
def test_bad_assessment_details_are_explained(child, wave, kwargs, field):
    with pytest.raises(AssessmentInvalid) as raised:
        save(child, wave, answers={"cg_meals": 3}, **kwargs)
    assert field in raised.value.errors


def test_a_client_id_cannot_be_reused_for_another_child(child, other_child, wave):
    client_id = uuid.uuid4()
    save(child, wave, answers={"cg_meals": 3}, uuid=client_id)
    with pytest.raises(AssessmentInvalid) as raised:
        save(other_child, wave, answers={"cg_meals": 3}, uuid=client_id)
    assert "another child" in raised.value.errors["uuid"]


def test_a_wave_without_the_childs_school_is_refused(child, wave, hilltop):
    wave.schools.set([hilltop])
    with pytest.raises(AssessmentInvalid) as raised:
        save(child, wave, answers={"cg_meals": 3})
    assert "does not include the child's school" in raised.value.errors["wave"]


def test_rescore_rebuilds_profiles_from_assessments(child, wave):
    save(child, wave, answers={"cg_meals": 1, "cg_hungry": "no"})
    RiskProfile.objects.update(nutrition="low", overall="low", details={})  # simulate stale
    assert rescore() == 1
    assert RiskProfile.objects.get().nutrition == "high"


def test_export_writes_one_row_per_child_per_wave(child, other_child, wave, tmp_path):
    save(child, wave, answers={"cg_meals": 1, "cg_hungry": "no"})
    save(other_child, wave, respondent="teacher", answers={"tc_abuse": "no", "tc_absent": 7})
    output = tmp_path / "profiles.csv"
    call_command("export", "risk-profiles", output=str(output))
    rows = list(csv.DictReader(output.open()))
    assert list(rows[0]) == [
        "child_id",
        "school",
        "wave",
        "health",
        "nutrition",
        "economic",
        "education",
        "protection",
        "psychosocial",
        "overall",
        "urgent",
        "discordant",
        "instrument_version",
    ]
    by_child = {int(r["child_id"]): r for r in rows}
    assert by_child[child.pk]["nutrition"] == "high"
    assert by_child[child.pk]["school"] == "700111111"
    assert by_child[other_child.pk]["education"] == "moderate"
    assert by_child[other_child.pk]["urgent"] == "false"


def test_rescore_applies_a_newly_published_threshold(child, wave, tmp_path):
    from pathlib import Path

    from cwtt.instruments.actions import instrument_publish

    save(child, wave, answers={"cg_meals": 2, "cg_hungry": "no"})
    assert RiskProfile.objects.get().nutrition == "low"
    mini = (Path(__file__).parent.parent / "fixtures" / "mini.md").read_text()
    stricter = mini.replace(
        "${cg_meals} < 2 | Fewer than two meals", "${cg_meals} < 3 | Fewer than three meals"
    )
    v2 = instrument_publish(data=stricter.encode(), filename="mini.md").version
    assert rescore() == 1
    profile = RiskProfile.objects.get()
    assert profile.nutrition == "high"
    assert profile.instrument_version == v2
    # The assessment still records the version it was answered with.
    assert Assessment.objects.get().instrument_version == wave.instrument_version
