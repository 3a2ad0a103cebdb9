"""The data quality checks, without pages: each finds what was planted and nothing in clean
data."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from cwtt.assessments.models import Assessment
from cwtt.instruments.engine.expressions import compile_condition, parse, references
from cwtt.instruments.engine.reader import read_instrument
from cwtt.quality.checks import (
    DuplicateReason,
    ProblemKind,
    answer_problems,
    completeness,
    daily_volume,
    name_words,
    quality_report,
    suspected_duplicates,
)
from cwtt.quality.rules import CONTRADICTIONS

from ..conftest import make_child  # noqa: TID252 - shared test helpers
from .conftest import plant, submit, valid_answers

pytestmark = pytest.mark.django_db


def _ids(*schools):
    return [s.pk for s in schools]


def _submit_all(child, wave, **overrides_by_respondent):
    version = wave.instrument_version
    for respondent in ("caregiver", "teacher", "nurse"):
        answers = valid_answers(version, respondent, **overrides_by_respondent.get(respondent, {}))
        submit(child, wave, respondent, answers)


# --- completeness -----------------------------------------------------------------------------


def test_completeness_counts_submitted_drafts_and_missing_per_school_and_assessor(
    quality_wave, sunrise, hilltop, people
):
    fiona, tumi = people["fiona"], people["tumi"]
    done = make_child(sunrise, first="Anele", last="Done")
    drafted = make_child(sunrise, first="Bongi", last="Draft")
    untouched = make_child(sunrise, first="Celo", last="None")
    left = make_child(sunrise, first="Dudu", last="Left")
    left.status = "exited"
    left.save()
    submit(done, quality_wave, "caregiver", by=fiona)
    submit(done, quality_wave, "teacher", by=tumi)
    submit(drafted, quality_wave, "caregiver", {"cg_ill_2wk": "no"}, by=fiona, status="draft")
    submit(left, quality_wave, "caregiver", by=fiona)  # an exited child does not count

    schools, assessors = completeness(school_ids=_ids(sunrise, hilltop), wave=quality_wave)

    rows = {(r.school_id, r.respondent): r for r in schools}
    assert {r for _s, r in rows} == {"caregiver", "teacher", "nurse"}  # what the instrument asks
    caregiver = rows[(sunrise.pk, "caregiver")]
    assert (caregiver.active, caregiver.submitted, caregiver.drafts) == (3, 1, 1)
    assert set(caregiver.missing) == {drafted.pk, untouched.pk}
    assert caregiver.drafted == (drafted.pk,)
    assert caregiver.share == 33
    teacher = rows[(sunrise.pk, "teacher")]
    assert (teacher.submitted, teacher.drafts, teacher.share) == (1, 0, 33)
    nurse = rows[(sunrise.pk, "nurse")]
    assert (nurse.submitted, len(nurse.missing)) == (0, 3)
    assert rows[(hilltop.pk, "caregiver")].active == 0
    assert rows[(hilltop.pk, "caregiver")].share is None

    by_person = {(a.assessor_name, a.respondent): a for a in assessors}
    assert (
        by_person[("Fiona", "caregiver")].submitted,
        by_person[("Fiona", "caregiver")].drafts,
    ) == (
        1,
        1,
    )
    assert by_person[("Fiona", "caregiver")].share == 50
    assert by_person[("Tumi", "teacher")].submitted == 1


# --- answers ----------------------------------------------------------------------------------


def test_clean_answers_from_every_informant_raise_no_problem(quality_wave, sunrise):
    _submit_all(make_child(sunrise), quality_wave)
    assert answer_problems(school_ids=[sunrise.pk], wave=quality_wave) == []


def test_answers_the_instrument_would_refuse_now_are_found(quality_wave, sunrise):
    child = make_child(sunrise)
    answers = valid_answers(quality_wave.instrument_version, "caregiver")
    answers["cg_activity_days"] = 9  # allowed: 0 to 7
    del answers["cg_dwelling"]  # required
    answers["cg_shoe_size"] = 3  # not a question of this instrument
    plant(child, quality_wave, "caregiver", answers)
    # A draft is not checked: it may still be finished.
    plant(child, quality_wave, "teacher", {"tc_days_absent": 40}, status="draft")

    found = {p.questions: p for p in answer_problems(school_ids=[sunrise.pk], wave=quality_wave)}

    assert set(found) == {("cg_activity_days",), ("cg_dwelling",), ("cg_shoe_size",)}
    days = found[("cg_activity_days",)]
    assert days.kind == ProblemKind.RANGE
    assert days.message == "Give a number of days from 0 to 7."
    assert (days.child_id, days.respondents, days.classes) == (
        child.pk,
        ("caregiver",),
        frozenset({"general"}),
    )
    assert found[("cg_dwelling",)].kind == ProblemKind.RULE
    assert found[("cg_dwelling",)].message == "This question needs an answer."
    assert found[("cg_shoe_size",)].kind == ProblemKind.RULE


def test_a_height_no_child_of_that_age_could_have_is_found(quality_wave, sunrise):
    child = make_child(sunrise)  # eight years old
    # 85 cm passes the instrument's own limit (80 to 170 cm) but not the WHO plausibility flag.
    answers = valid_answers(quality_wave.instrument_version, "nurse", ns_height_cm=85.0)
    submit(child, quality_wave, "nurse", answers)

    problems = answer_problems(school_ids=[sunrise.pk], wave=quality_wave)

    # The height is off for the age, and with a normal weight the BMI is off too.
    assert [(p.kind, p.questions, p.classes) for p in problems] == [
        (ProblemKind.RANGE, ("ns_height_cm",), frozenset({"health"})),
        (ProblemKind.RANGE, ("ns_height_cm", "ns_weight_kg"), frozenset({"health"})),
    ]
    assert problems[0].message.startswith("Height for age is far outside what is possible")
    assert problems[1].message.startswith("Weight for height (BMI for age) is far outside")


def test_every_contradiction_rule_reads_questions_of_the_default_instrument():
    definition = read_instrument(
        Path(settings.CWTT_DEFAULT_INSTRUMENT).read_bytes(), "cwtt_default.md"
    ).definition
    names = {q.name for q in definition.answerable()}
    for rule in CONTRADICTIONS:
        assert references(parse(rule.when)) <= names, rule.code
        compile_condition(rule.when)
        assert str(rule.explanation).strip()
    assert len({rule.code for rule in CONTRADICTIONS}) == len(CONTRADICTIONS)


CONTRADICTION_CASES = {
    "attendance_register": {"caregiver": {"cg_days_missed": 0}, "teacher": {"tc_days_absent": 8}},
    "repeated_grade": {"caregiver": {"cg_repeated": "no"}, "teacher": {"tc_repeated": "yes"}},
    "chronic_condition": {
        "caregiver": {"cg_chronic": "no"},
        "nurse": {"ns_chronic": "not_treated"},
    },
    "parent_died_lives_with_both": {
        "caregiver": {"cg_lives_with": "both_parents", "cg_orphan": "father"}
    },
    "grant_but_no_money": {"caregiver": {"cg_csg_child": "yes", "cg_income_source": ["none"]}},
    "meals_but_no_food": {"caregiver": {"cg_meals_yesterday": 3, "cg_food_groups": ["none"]}},
    "went_without_food_never_worried": {"caregiver": {"cg_fs_wholeday": "3", "cg_fs_worry": "0"}},
}


def test_every_contradiction_rule_has_a_case_here():
    assert set(CONTRADICTION_CASES) == {rule.code for rule in CONTRADICTIONS}


@pytest.mark.parametrize("code", sorted(CONTRADICTION_CASES))
def test_each_contradiction_is_found_and_names_its_questions(quality_wave, sunrise, code):
    child = make_child(sunrise)
    _submit_all(child, quality_wave, **CONTRADICTION_CASES[code])

    problems = answer_problems(school_ids=[sunrise.pk], wave=quality_wave)

    assert [(p.kind, p.code, p.child_id) for p in problems] == [
        (ProblemKind.CONTRADICTION, code, child.pk)
    ]
    rule = next(r for r in CONTRADICTIONS if r.code == code)
    assert set(problems[0].questions) == references(parse(rule.when))
    assert set(problems[0].respondents) <= {"caregiver", "teacher", "nurse"}
    assert problems[0].message == str(rule.explanation)


def test_near_answers_are_not_contradictions(quality_wave, sunrise):
    _submit_all(
        make_child(sunrise),
        quality_wave,
        caregiver={"cg_days_missed": 2, "cg_missed_reason": ["sick"], "cg_repeated": "dont_know"},
        teacher={"tc_days_absent": 5, "tc_repeated": "yes"},
    )
    assert answer_problems(school_ids=[sunrise.pk], wave=quality_wave) == []


def test_a_corrected_questionnaire_replaces_the_contradicting_one(quality_wave, sunrise):
    child = make_child(sunrise)
    version = quality_wave.instrument_version
    today = timezone.localdate()
    submit(child, quality_wave, "teacher", valid_answers(version, "teacher", tc_days_absent=8))
    first = submit(
        child,
        quality_wave,
        "caregiver",
        valid_answers(version, "caregiver", cg_days_missed=0),
        on=today - dt.timedelta(days=3),
    )
    assert [p.code for p in answer_problems(school_ids=[sunrise.pk], wave=quality_wave)] == [
        "attendance_register"
    ]
    # The field worker goes back and asks again, keeping both: the later answers count.
    corrected = valid_answers(version, "caregiver", cg_days_missed=7, cg_missed_reason=["sick"])
    submit(child, quality_wave, "caregiver", corrected, on=today, also=[first])
    assert answer_problems(school_ids=[sunrise.pk], wave=quality_wave) == []


def test_answers_of_schools_out_of_scope_are_not_checked(quality_wave, sunrise, hilltop):
    _submit_all(make_child(hilltop), quality_wave, **CONTRADICTION_CASES["repeated_grade"])
    assert answer_problems(school_ids=[sunrise.pk], wave=quality_wave) == []
    assert len(answer_problems(school_ids=[hilltop.pk], wave=quality_wave)) == 1


# --- duplicates -------------------------------------------------------------------------------


def test_names_are_compared_without_case_accents_spaces_or_punctuation():
    assert name_words("  Thandéka ", "NDLOVU-Dube") == ["thandeka", "ndlovu", "dube"]


def test_duplicates_same_and_similar_names_on_the_same_birthday(db, sunrise, hilltop):
    born = dt.date(2018, 5, 2)
    first = make_child(sunrise, first="Lwazi", last="Mokoena", dob=born)
    same = make_child(sunrise, first=" lwázi ", last="MOKOENA", dob=born, consent=False)
    swapped = make_child(hilltop, first="Mokoena", last="Lwazi", dob=born, consent=False)
    typo = make_child(sunrise, first="Lwazi", last="Mokwena", dob=born, consent=False)
    # Not duplicates: twins with different first names, the same name on another birthday, and
    # a record already closed.
    twin_a = make_child(sunrise, first="Thabo", last="Nkosi", dob=dt.date(2019, 1, 9))
    twin_b = make_child(sunrise, first="Thabang", last="Nkosi", dob=dt.date(2019, 1, 9))
    make_child(sunrise, first="Lwazi", last="Mokoena", dob=dt.date(2018, 5, 3), consent=False)
    closed = make_child(sunrise, first="Lwazi", last="Mokoena", dob=born, consent=False)
    closed.status = "exited"
    closed.save()

    pairs = suspected_duplicates(school_ids=[sunrise.pk, hilltop.pk])
    found = {frozenset((p.first_id, p.second_id)): p for p in pairs}

    same_name = {
        frozenset(pair)
        for pair in [(first.pk, same.pk), (first.pk, swapped.pk), (same.pk, swapped.pk)]
    }
    similar = {frozenset((x.pk, typo.pk)) for x in (first, same, swapped)}
    assert set(found) == same_name | similar
    assert all(found[k].reason == DuplicateReason.SAME_NAME for k in same_name)
    assert all(found[k].reason == DuplicateReason.SIMILAR_NAME for k in similar)
    assert found[frozenset((first.pk, typo.pk))].similarity >= 0.9
    assert found[frozenset((first.pk, same.pk))].same_school is True
    assert found[frozenset((first.pk, swapped.pk))].same_school is False
    assert frozenset((twin_a.pk, twin_b.pk)) not in found
    # Only the schools in scope are compared.
    assert suspected_duplicates(school_ids=[hilltop.pk]) == []


def test_a_second_surname_added_is_a_suspected_duplicate(db, sunrise):
    born = dt.date(2018, 7, 1)
    short = make_child(sunrise, first="Mpho", last="Nkosi", dob=born)
    longer = make_child(sunrise, first="Mpho", last="Nkosi-Dube", dob=born, consent=False)
    pairs = suspected_duplicates(school_ids=[sunrise.pk])
    assert [(p.first_id, p.second_id, p.reason) for p in pairs] == [
        (short.pk, longer.pk, DuplicateReason.SIMILAR_NAME)
    ]


# --- volume per assessor per day --------------------------------------------------------------


def _captured(child, wave, by, on, count):
    Assessment.objects.bulk_create(
        Assessment(
            child=child,
            wave=wave,
            respondent="caregiver",
            answers={},
            assessed_on=on,
            instrument_version=wave.instrument_version,
            status="submitted",
            assessor=by,
        )
        for _ in range(count)
    )


def test_a_day_with_more_assessments_than_the_limit_is_unusual(quality_wave, sunrise, people):
    child = make_child(sunrise)
    today = timezone.localdate()
    _captured(child, quality_wave, people["fiona"], today, 26)
    _captured(child, quality_wave, people["sam"], today, 25)  # at the limit: fine
    _captured(child, quality_wave, people["fiona"], today - dt.timedelta(days=13), 2)
    _captured(child, quality_wave, people["fiona"], today - dt.timedelta(days=14), 40)  # too old

    days = daily_volume(school_ids=[sunrise.pk], today=today)

    assert [(d.assessor_name, d.day, d.total, d.unusual) for d in days] == [
        ("Fiona", today, 26, True),
        ("Sam", today, 25, False),
        ("Fiona", today - dt.timedelta(days=13), 2, False),
    ]


def test_the_daily_limit_is_a_setting(quality_wave, sunrise, people, settings):
    settings.CWTT_QUALITY_MAX_PER_DAY = 3
    child = make_child(sunrise)
    _captured(child, quality_wave, people["fiona"], timezone.localdate(), 4)
    report = quality_report(school_ids=[sunrise.pk], wave=quality_wave, today=timezone.localdate())
    assert report.max_per_day == 3
    assert [d.unusual for d in report.volume] == [True]
    assert report.counts()["unusual_days"] == 1


def test_assessments_at_other_schools_are_not_counted(quality_wave, sunrise, hilltop, people):
    _captured(make_child(hilltop), quality_wave, people["fiona"], timezone.localdate(), 30)
    assert daily_volume(school_ids=[sunrise.pk], today=timezone.localdate()) == []
