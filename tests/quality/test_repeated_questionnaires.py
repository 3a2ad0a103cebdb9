"""One questionnaire per informant per child per wave, unless a repeat is deliberate: keeping
both needs a reason, kept on the record; data quality flags repeats kept without one or whose
answers differ, and links each finding to the questionnaires (decision 0054)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import AssessmentInvalid, assessment_save
from cwtt.assessments.models import Assessment
from cwtt.quality.checks import ProblemKind, quality_report, repeated_questionnaires
from tests.attacks import unchanged
from tests.conftest import make_child, sign_in

from .conftest import submit, valid_answers

pytestmark = pytest.mark.django_db


def _repeat(child, wave, first, *, by, reason="", answers=None):
    return assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers=answers or valid_answers(wave.instrument_version, "caregiver"),
        assessed_on=timezone.localdate(),
        assessor=by,
        keep_alongside=[str(first.uuid)],
        repeat_reason=reason,
    )


def test_a_person_keeping_both_must_say_why_and_nothing_is_saved_without(
    quality_wave, sunrise, people
):
    child = make_child(sunrise)
    first = submit(child, quality_wave, "caregiver", by=people["fiona"])
    for reason in ("", "   "):
        with unchanged(), pytest.raises(AssessmentInvalid) as refused:
            _repeat(child, quality_wave, first, by=people["fiona"], reason=reason)
        assert "Say why both questionnaires are kept" in refused.value.errors["repeat_reason"]
    with unchanged(), pytest.raises(AssessmentInvalid) as huge:
        _repeat(child, quality_wave, first, by=people["fiona"], reason="x" * 5000)
    assert "under 2000 characters" in huge.value.errors["repeat_reason"]


def test_the_reason_is_kept_on_the_record_and_in_the_audit_trail(quality_wave, sunrise, people):
    child = make_child(sunrise)
    first = submit(child, quality_wave, "caregiver", by=people["fiona"])
    second = _repeat(
        child, quality_wave, first, by=people["fiona"], reason=" The grandmother answered too "
    ).assessment
    assert second.repeat_reason == "The grandmother answered too"
    entry = AuditEntry.objects.filter(object_id=str(second.uuid), action="create").get()
    assert entry.detail["after"]["repeat_reason"] == "The grandmother answered too"
    assert Assessment.objects.get(pk=first.pk).repeat_reason == ""  # the first needs none


def test_data_quality_flags_a_repeat_kept_without_a_reason(quality_wave, sunrise):
    child = make_child(sunrise)
    # Loaded with no person (an import or the generator): trusted, but flagged.
    first = submit(child, quality_wave, "caregiver")
    second = submit(child, quality_wave, "caregiver", also=[first])
    problems = repeated_questionnaires(school_ids=[sunrise.pk], wave=quality_wave)
    assert [(p.kind, p.code, p.child_id) for p in problems] == [
        (ProblemKind.REPEAT, "no_reason", child.pk)
    ]
    assert problems[0].assessments == (str(first.uuid), str(second.uuid))
    report = quality_report(school_ids=[sunrise.pk], wave=quality_wave, today=timezone.localdate())
    assert report.counts()["repeat"] == 1


def test_data_quality_flags_repeats_that_disagree_even_with_a_reason(quality_wave, sunrise, people):
    version = quality_wave.instrument_version
    child = make_child(sunrise)
    first = submit(child, quality_wave, "caregiver", by=people["fiona"])
    differing = valid_answers(version, "caregiver", cg_activity_days=5)
    assert differing != first.answers
    _repeat(child, quality_wave, first, by=people["fiona"], reason="Mother", answers=differing)
    problems = repeated_questionnaires(school_ids=[sunrise.pk], wave=quality_wave)
    assert [(p.code, p.questions) for p in problems] == [("disagree", ("cg_activity_days",))]


def test_a_deliberate_repeat_that_agrees_is_not_flagged(quality_wave, sunrise, people, hilltop):
    child = make_child(sunrise)
    first = submit(child, quality_wave, "caregiver", by=people["fiona"])
    _repeat(child, quality_wave, first, by=people["fiona"], reason="Father came in too")
    # One questionnaire of each kind is no repeat, and drafts do not count.
    submit(child, quality_wave, "teacher")
    submit(child, quality_wave, "teacher", status="draft")
    assert repeated_questionnaires(school_ids=[sunrise.pk], wave=quality_wave) == []


def test_the_quality_page_links_each_finding_to_its_questionnaires(
    client, people, quality_wave, sunrise
):
    child = make_child(sunrise)
    first = submit(child, quality_wave, "caregiver")
    second = submit(child, quality_wave, "caregiver", also=[first])
    sign_in(client, people["cora"])
    page = client.get(reverse("quality_school", args=[sunrise.pk])).content.decode()
    assert "without saying why" in page
    for record in (first, second):
        assert reverse("assessment", args=[record.uuid]) in page
    # The questionnaire page is where the correction is asked for, and it opens for her.
    assert client.get(reverse("assessment", args=[second.uuid])).status_code == 200


def test_a_contradiction_links_to_the_questionnaires_it_is_in(
    client, people, quality_wave, sunrise
):
    version = quality_wave.instrument_version
    child = make_child(sunrise)
    teacher = submit(
        child, quality_wave, "teacher", valid_answers(version, "teacher", tc_days_absent=8)
    )
    caregiver = submit(
        child, quality_wave, "caregiver", valid_answers(version, "caregiver", cg_days_missed=0)
    )
    sign_in(client, people["cora"])
    page = client.get(reverse("quality_school", args=[sunrise.pk])).content.decode()
    assert "Open questionnaire 1" in page
    for record in (teacher, caregiver):
        assert reverse("assessment", args=[record.uuid]) in page


def test_the_childs_profile_lists_a_reason_given_by_two_alike_questionnaires_once(
    client, people, quality_wave, sunrise
):
    version = quality_wave.instrument_version
    child = make_child(sunrise)
    hungry = valid_answers(version, "caregiver", cg_meals_yesterday=1)
    first = submit(child, quality_wave, "caregiver", hungry)
    submit(child, quality_wave, "caregiver", hungry, also=[first])
    sign_in(client, people["sam"])
    page = client.get(reverse("child", args=[child.pk])).content.decode()
    assert "From 2 assessments" in page
    profile = child.risk_profiles.get()
    reasons = [f["reason"] for f in profile.details["domains"]["nutrition"]["findings"]]
    assert reasons and len(reasons) == 2 * len(set(reasons))  # given twice by the scoring ...
    for reason in set(reasons):
        assert page.count(reason) == 1  # ... listed once on the page


def test_the_interview_date_must_lie_inside_the_wave(quality_wave, sunrise, people):
    child = make_child(sunrise)
    with unchanged(), pytest.raises(AssessmentInvalid) as outside:
        assessment_save(
            child=child,
            wave=quality_wave,
            respondent="caregiver",
            answers=valid_answers(quality_wave.instrument_version, "caregiver"),
            assessed_on=quality_wave.starts_on - dt.timedelta(days=1),
            assessor=people["fiona"],
        )
    assert "must fall within the wave" in outside.value.errors["assessed_on"]
