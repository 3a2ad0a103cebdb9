"""The synthetic district: deterministic, valid for the instrument, and shaped like the CoP
study's Foundation Phase learners (prevalences from its published figures)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import transaction

from cwtt.access.roles import Role
from cwtt.assessments.actions import risk_profile_recompute
from cwtt.assessments.models import Assessment, RiskProfile, Wave
from cwtt.instruments.actions import validator_for
from cwtt.instruments.measures.growth import growth
from cwtt.registry.models import (
    Child,
    ChildCaregiver,
    Household,
    Location,
    Organisation,
    School,
    SchoolClass,
    Staff,
)
from cwtt.registry.validation import sa_id_problems
from cwtt.synthetic.generate import GenerateError, generate_district

pytestmark = pytest.mark.django_db

# The controlled clock's day (tests/conftest.py `TODAY`; this package cannot import it).
TODAY = dt.date(2026, 11, 23)

# About today: the waves are the last school years whose wave (February to mid-June) is over.


def _digest() -> str:
    """A fingerprint of what was generated, independent of primary keys."""
    rows: list[object] = []
    rows += list(
        School.objects.order_by("emis_number").values_list("emis_number", "name", "quintile")
    )
    rows += [
        (c.first_name, c.last_name, c.date_of_birth.isoformat(), c.sex, c.sa_id_number, c.status)
        for c in Child.objects.order_by("pk")
    ]
    rows += list(Staff.objects.order_by("user__username").values_list("user__username", "role"))
    rows += [(w.name, w.starts_on.isoformat(), w.ends_on.isoformat()) for w in Wave.objects.all()]
    rows += [
        (str(a.uuid), a.respondent, a.assessed_on.isoformat(), a.status, a.answers)
        for a in Assessment.objects.order_by("pk")
    ]
    rows += list(RiskProfile.objects.order_by("pk").values_list("protection", "overall", "urgent"))
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def _generate_and_forget(seed: int) -> str:
    with transaction.atomic():
        generate_district(schools=2, learners_per_school=20, waves=2, seed=seed, today=TODAY)
        digest = _digest()
        transaction.set_rollback(True)
    return digest


def test_the_same_seed_gives_the_same_district_and_another_seed_a_different_one(default_version):
    first = _generate_and_forget(7)
    assert _generate_and_forget(7) == first
    assert _generate_and_forget(8) != first


def test_without_a_published_instrument_it_says_which_command_to_run(db):
    with pytest.raises(GenerateError, match="cwtt instrument publish"):
        generate_district(schools=1, learners_per_school=5, waves=1, seed=1)


def test_every_generated_answer_set_passes_the_instruments_checks(default_version):
    generate_district(schools=3, learners_per_school=40, waves=2, seed=3, today=TODAY)
    validator = validator_for(default_version.pk)
    assessments = list(Assessment.objects.all())
    assert {a.respondent for a in assessments} == {"caregiver", "teacher", "nurse"}
    for assessment in assessments:
        result = validator.validate(
            assessment.respondent,
            assessment.answers,
            partial=assessment.status == Assessment.Status.DRAFT,
            today=assessment.assessed_on,
        )
        assert result.ok, (assessment.respondent, result.errors)
        assert result.answers == assessment.answers  # stored exactly as the validator cleans them


def test_another_instrument_is_answered_validly_from_its_types_choices_and_rules(mini_version):
    """A different instrument (other names, another growth question) still gets valid answers."""
    generate_district(
        schools=2, learners_per_school=40, waves=2, seed=12,
        instrument_version=mini_version, today=TODAY,
    )  # fmt: skip
    validator = validator_for(mini_version.pk)
    answered = Counter()
    for assessment in Assessment.objects.all():
        result = validator.validate(
            assessment.respondent,
            assessment.answers,
            partial=assessment.status == Assessment.Status.DRAFT,
            today=assessment.assessed_on,
        )
        assert result.ok, (assessment.respondent, result.errors)
        answered.update(assessment.answers.keys())
    assert answered["ns_height"] and answered["cg_meals"] and answered["tc_absent"]
    # Answers lean to what the rules do not flag, but some are flagged.
    profiles = RiskProfile.objects.all()
    assert 0 < profiles.filter(protection="high").count() < profiles.count() / 2


def test_the_check_mode_validates_while_generating(default_version):
    summary = generate_district(
        schools=1, learners_per_school=30, waves=1, seed=4, check=True, today=TODAY
    )
    assert summary.assessments > 60


def test_the_district_has_the_expected_shape(default_version):
    summary = generate_district(schools=12, learners_per_school=30, waves=2, seed=5, today=TODAY)

    assert Location.objects.filter(level="province").count() == 1
    district = Location.objects.get(level="district")
    circuits = Location.objects.filter(level="circuit", parent=district)
    assert circuits.count() == summary.circuits == 1  # about one per 10 schools
    schools = list(School.objects.all())
    assert len(schools) == 12
    assert all(len(s.emis_number) == 9 and s.emis_number.isdigit() for s in schools)
    assert len({s.emis_number for s in schools}) == 12
    assert sum(1 for s in schools if s.quintile <= 3) >= 8

    year = TODAY.year
    for school in schools:
        for grade in "R123":
            count = SchoolClass.objects.filter(school=school, grade=grade, year=year).count()
            assert 1 <= count <= 3
        # Every class has its teacher; every school a coordinator, a nurse and a social worker.
        roles = Counter(Staff.objects.filter(schools=school).values_list("role", flat=True))
        assert roles[Role.TEACHER] == SchoolClass.objects.filter(school=school).count()
        assert roles[Role.COORDINATOR] == 1
        assert roles[Role.NURSE] == roles[Role.SOCIAL_WORKER] == 1
        assert roles[Role.FIELD_WORKER] >= 1
    assert not any(s.user.has_usable_password() for s in Staff.objects.select_related("user"))
    sectors = set(Organisation.objects.values_list("sector", flat=True))
    assert sectors == {"education", "health", "social_development", "ngo", "community"}

    active = Child.objects.filter(status=Child.Status.ACTIVE)
    assert active.count() == summary.active_children == 12 * 30
    assert not active.filter(school_class=None).exists()
    assert not Child.objects.filter(household=None).exists()
    primary = Counter(
        ChildCaregiver.objects.filter(is_primary=True).values_list("child", flat=True)
    )
    assert set(primary.values()) == {1} and len(primary) == summary.children
    shared = Counter(Child.objects.values_list("household", flat=True))
    assert any(n > 1 for n in shared.values())  # some brothers and sisters share a home
    assert Household.objects.exclude(latitude=None).exists()
    assert Household.objects.filter(latitude=None).exists()


def test_children_are_the_right_age_for_their_grade(default_version):
    generate_district(schools=4, learners_per_school=60, waves=2, seed=6, today=TODAY)
    ages = Counter()
    for child in Child.objects.filter(status="active").select_related("school_class"):
        grade = "R123".index(child.school_class.grade)
        # The age a child turns this year: 6 in Grade R, 9 in Grade 3; repeaters a year older.
        ages[TODAY.year - child.date_of_birth.year - grade] += 1
    assert set(ages) <= {6, 7, 8}
    assert ages[6] / sum(ages.values()) > 0.8
    assert ages[7] > 0


def test_identity_numbers_are_valid_and_match_birth_date_and_sex(default_version):
    generate_district(schools=3, learners_per_school=60, waves=1, seed=9, today=TODAY)
    children = list(Child.objects.all())
    with_id = [c for c in children if c.sa_id_number]
    assert len(with_id) / len(children) > 0.75
    for child in with_id:
        assert sa_id_problems(child.sa_id_number, child.date_of_birth, child.sex) == []
    assert len({c.sa_id_number for c in with_id}) == len(with_id)
    assert any(c.birth_certificate_number and not c.sa_id_number for c in children)


def test_waves_end_before_today_and_assessments_fall_within_them(default_version):
    summary = generate_district(schools=2, learners_per_school=30, waves=3, seed=10, today=TODAY)
    waves = list(Wave.objects.all())
    assert (
        [w.name for w in waves]
        == summary.waves
        == ["Wave 1 (2024)", "Wave 2 (2025)", "Wave 3 (2026)"]
    )
    for wave in waves:
        assert wave.starts_on.month == 2 and wave.ends_on < TODAY
        assert wave.schools.count() == 2
        dates = wave.assessments.values_list("assessed_on", flat=True)
        assert min(dates) >= wave.starts_on and max(dates) <= wave.ends_on
    caregiver = Assessment.objects.filter(respondent="caregiver")
    assert not caregiver.filter(informant_caregiver=None).exists()
    assert (
        not Assessment.objects.exclude(respondent="caregiver").filter(informant_staff=None).exists()
    )
    statuses = Counter(Assessment.objects.values_list("status", flat=True))
    assert statuses["submitted"] > statuses["verified"] > statuses["draft"] > 0


def test_risk_profiles_exist_per_child_per_wave_and_match_a_recompute(default_version):
    generate_district(schools=2, learners_per_school=30, waves=2, seed=11, today=TODAY)
    counted = set(
        Assessment.objects.exclude(status="draft").values_list("child_id", "wave_id").distinct()
    )
    profiles = {(p.child_id, p.wave_id): p for p in RiskProfile.objects.all()}
    assert set(profiles) == counted
    for child_id, wave_id in sorted(counted)[:10]:
        before = profiles[(child_id, wave_id)]
        after = risk_profile_recompute(child=before.child, wave=before.wave)
        for field in (
            "health",
            "nutrition",
            "economic",
            "education",
            "protection",
            "psychosocial",
            "overall",
            "urgent",
            "discordant",
            "assessment_count",
        ):
            assert getattr(after, field) == getattr(before, field), field
        assert after.details == before.details


@pytest.fixture
def study_district(default_version):
    """A district the size of a small CoP site: 6 schools x 80 learners, 3 waves."""
    generate_district(schools=6, learners_per_school=80, waves=3, seed=2026, today=TODAY)
    return list(Wave.objects.order_by("starts_on"))


def _share(items) -> float:
    items = list(items)
    return sum(1 for i in items if i) / len(items)


def _caregiver_answers(wave) -> list[dict]:
    return list(
        Assessment.objects.filter(wave=wave, respondent="caregiver")
        .exclude(status="draft")
        .values_list("answers", flat=True)
    )


def test_prevalences_at_baseline_follow_the_cop_study(study_district):
    baseline = study_district[0]
    answers = _caregiver_answers(baseline)
    # Exposure to violence ~58-60%; caregivers' concern for the child's safety 50-63%.
    exposed = _share(
        a["cg_violence_home"] != "never" or a["cg_violence_community"] != "never" for a in answers
    )
    assert 0.52 <= exposed <= 0.66
    assert 0.50 <= _share(a["cg_safety_worry"] != "not_worried" for a in answers) <= 0.63
    # Child hunger ~10% at baseline.
    assert 0.06 <= _share(a["cg_child_hungry"] != "0" for a in answers) <= 0.14
    profiles = list(RiskProfile.objects.filter(wave=baseline))
    # High risk in the protection domain 38-62%; victims of abuse ~8%.
    assert 0.38 <= _share(p.protection == "high" for p in profiles) <= 0.62
    abuse = _share(
        any(
            f["indicator"] == "abuse" and f["level"] == "high"
            for f in p.details["domains"]["protection"]["findings"]
        )
        for p in profiles
    )
    assert 0.04 <= abuse <= 0.12


def test_protection_stays_in_the_studys_range_and_hunger_falls_over_the_waves(study_district):
    first, *_, last = study_district
    for wave in study_district:
        profiles = RiskProfile.objects.filter(wave=wave)
        assert 0.38 <= _share(p.protection == "high" for p in profiles) <= 0.62
    hunger = [
        _share(a["cg_child_hungry"] != "0" for a in _caregiver_answers(w)) for w in (first, last)
    ]
    assert hunger[1] < hunger[0] * 0.8


def test_most_children_improve_after_support_and_a_few_get_worse(study_district):
    first, *_, last = study_district
    high = {d: 0 for d in ("first", "last")}
    better = worse = 0
    before = {p.child_id: p for p in RiskProfile.objects.filter(wave=first)}
    for profile in RiskProfile.objects.filter(wave=last, child_id__in=before):
        count_before = _high_domains(before[profile.child_id])
        count_after = _high_domains(profile)
        high["first"] += count_before
        high["last"] += count_after
        better += count_after < count_before
        worse += count_after > count_before
    assert high["last"] < high["first"]
    assert better > worse > 0


def _high_domains(profile: RiskProfile) -> int:
    return sum(
        getattr(profile, d) == "high"
        for d in ("health", "nutrition", "economic", "education", "protection", "psychosocial")
    )


def test_growth_is_plausible_with_stunting_in_poor_schools_and_children_growing(study_district):
    heights: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    stunted = []
    for assessment in (
        Assessment.objects.filter(respondent="nurse")
        .exclude(status="draft")
        .select_related("child__school")
    ):
        answers = assessment.answers
        child = assessment.child
        heights[child.pk].append((assessment.assessed_on, answers["ns_height_cm"]))
        if child.school.quintile <= 3:
            result = growth(
                child.sex,
                child.age_months(assessment.assessed_on),
                answers["ns_height_cm"],
                answers["ns_weight_kg"],
            )
            stunted.append(result["stunted"])
    # WHO-plausible: ~15-25% stunted in quintile 1-3 schools.
    assert 0.12 <= _share(stunted) <= 0.28
    grew = [
        later[1] > earlier[1]
        for series in heights.values()
        for earlier, later in zip(sorted(series)[:-1], sorted(series)[1:], strict=True)
    ]
    assert grew and all(grew)


def test_the_command_prints_one_line_saying_what_it_made(default_version, capsys):
    call_command("generate", "--schools", "1", "--learners-per-school", "10", "--waves", "1")
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert "1 schools" in out[0] and "10 enrolled now" in out[0] and "assessments" in out[0]


def test_nutrition_follows_child_hunger_and_under_seven_in_ten_are_high_anywhere(study_district):
    """Instrument 2026.3 (docs/instrument.md, "Sources and calibration"): the nutrition domain is
    high about as often as the study's child hunger (~10% at baseline, falling), and the share
    high in any domain stays between the protection share (the study's 38-62%, which no other
    domain can lower) and 70%."""
    first, *_, last = study_district
    nutrition = [
        _share(p.nutrition == "high" for p in RiskProfile.objects.filter(wave=w))
        for w in (first, last)
    ]
    assert 0.05 <= nutrition[0] <= 0.14
    assert nutrition[1] < nutrition[0]
    for wave in study_district:
        profiles = list(RiskProfile.objects.filter(wave=wave))
        protection = _share(p.protection == "high" for p in profiles)
        anywhere = _share(p.overall == "high" for p in profiles)
        assert protection <= anywhere <= 0.70
