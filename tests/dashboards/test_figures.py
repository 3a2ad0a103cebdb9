"""The dashboards' figures on planted data: each number is worked out by hand in the test."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, RiskProfile
from cwtt.dashboards import figures
from cwtt.referrals.models import Referral

from .conftest import give_service, make_case, make_referral, plant_children, plant_profile

pytestmark = pytest.mark.django_db

NUTRITION, PROTECTION = 1, 4  # positions among the six domains


def test_the_funnel_counts_each_referral_at_the_furthest_step_it_reached(
    people, child, other_child, food
):
    sam = people["sam"]
    make_referral(child, sam, food)  # a draft: never sent, not counted
    make_referral(child, sam, food, ["cancelled"])  # cancelled before sending: not counted
    make_referral(child, sam, food, ["sent"])
    make_referral(child, sam, food, ["sent", "acknowledged"])
    make_referral(child, sam, food, ["sent", "accepted"])
    make_referral(child, sam, food, ["sent", "delivered"])
    make_referral(child, sam, food, ["sent", "delivered", "closed"])  # closed, still delivered
    make_referral(child, sam, food, ["sent", "declined", "closed"])  # never accepted
    make_referral(child, sam, food, ["sent", "accepted", "cancelled"])  # accepted, then stopped
    make_referral(child, sam, food, ["sent", "cancelled"])  # sent, then cancelled
    long_ago = timezone.now() - dt.timedelta(days=400)
    make_referral(child, sam, food, ["sent", "delivered"], now=long_ago)  # outside the year
    make_referral(other_child, sam, food, ["sent", "delivered"])  # Hilltop's

    sunrise = figures.referral_funnel(Referral.objects.filter(child__school=child.school))
    assert sunrise == {
        None: figures.Funnel(sent=8, accepted=4, delivered=2, declined=1),
    }
    both = figures.referral_funnel(Referral.objects.all(), by="child__school_id")
    assert both[child.school_id].sent == 8
    assert both[other_child.school_id] == figures.Funnel(sent=1, accepted=1, delivered=1)


def test_the_school_page_funnel_no_longer_counts_a_declined_closed_referral_as_delivered(
    people, child, food
):
    make_referral(child, people["sam"], food, ["sent", "declined", "closed"])
    casework = figures.casework(child.school)
    assert casework["funnel"] == {"sent": 1, "accepted": 0, "delivered": 0}
    assert casework["declined"] == 1


def test_coverage_counts_children_at_high_risk_with_a_plan_and_with_a_service(
    people, sunrise, wave, food
):
    sam = people["sam"]
    began = wave.starts_on
    planned, served, referred, both, neither, dismissed, old, low = plant_children(
        sunrise, 8, "Planted"
    )
    for found in (planned, served, referred, both, neither, dismissed, old):
        plant_profile(found, wave, nutrition="high")
    plant_profile(low, wave, nutrition="moderate")

    make_case(planned)
    make_case(both, status="review")
    give_service(both, sam, food, began + dt.timedelta(days=3), outcome="partly")
    give_service(served, sam, food, began + dt.timedelta(days=3))
    make_referral(referred, sam, food, ["sent", "delivered"])
    # Not coverage: a plan still being written, a dismissed proposal, a plan closed before
    # the wave began, a service that was not delivered, and one given before the wave.
    make_case(neither, status="case_plan", plan_approved=False)
    give_service(neither, sam, food, began + dt.timedelta(days=3), outcome="not_delivered")
    make_case(dismissed, status="dismissed")
    make_case(
        old,
        status="closed",
        closed_at=timezone.make_aware(dt.datetime.combine(began, dt.time.min))
        - dt.timedelta(days=1),
    )
    give_service(old, sam, food, began - dt.timedelta(days=1))
    # The low-risk child has a plan and a service but is not among those counted.
    make_case(low)
    give_service(low, sam, food, began)

    found = figures.coverage(RiskProfile.objects.all(), wave.pk, wave.starts_on)[None]
    assert found == figures.Coverage(high=7, with_plan=2, with_service=3)


def test_moves_between_waves_follow_each_child(sunrise, wave, second_wave):
    stays, leaves, arrives, stays_low, only_before, only_after = plant_children(
        sunrise, 6, "Moving"
    )
    plant_profile(stays, wave, nutrition="high", protection="high")
    plant_profile(stays, second_wave, nutrition="high")  # out of high risk in protection
    plant_profile(leaves, wave, nutrition="high")
    plant_profile(leaves, second_wave, nutrition="moderate")
    plant_profile(arrives, wave, nutrition="low")
    plant_profile(arrives, second_wave, nutrition="high", protection="high")
    plant_profile(stays_low, wave)
    plant_profile(stays_low, second_wave)
    plant_profile(only_before, wave, nutrition="high")  # not assessed again: not a move
    plant_profile(only_after, second_wave, nutrition="high")  # new: not a move

    moves = figures.moves_between(RiskProfile.objects.all(), wave.pk, second_wave.pk)
    assert moves.n == 4
    assert moves.out_of_high[NUTRITION] == 1 and moves.into_high[NUTRITION] == 1
    assert moves.out_of_high[PROTECTION] == 1 and moves.into_high[PROTECTION] == 1
    assert sum(moves.out_of_high) == 2 and sum(moves.into_high) == 2

    by_wave = figures.risk_by_wave(RiskProfile.objects.all())
    assert [(w.name, w.counts.n, w.counts.high[NUTRITION]) for w in by_wave] == [
        ("Wave 1", 5, 3),
        ("Wave 2", 5, 3),
    ]


def test_a_domain_not_assessed_before_and_high_now_counts_as_moving_into_high_risk(
    sunrise, wave, second_wave
):
    [found] = plant_children(sunrise, 1, "Blank")
    plant_profile(found, wave, protection="")
    plant_profile(found, second_wave, protection="high")
    moves = figures.moves_between(RiskProfile.objects.all(), wave.pk, second_wave.pk)
    assert moves.into_high[PROTECTION] == 1


def test_wave_activity_counts_submitted_assessments_and_the_last_arrival(child, wave, people):
    for answers, status in [
        ({"cg_meals": 1, "cg_hungry": "yes"}, "submitted"),
        ({"tc_abuse": "no"}, "submitted"),
        ({"cg_meals": 3}, "draft"),  # a draft is not counted
    ]:
        assessment_save(
            child=child,
            wave=wave,
            respondent="teacher" if "tc_abuse" in answers else "caregiver",
            answers=answers,
            assessed_on=dt.date(2026, 3, 2),
            status=status,
        )
    last = Assessment.objects.exclude(status="draft").order_by("-submitted_at").first()
    activity = figures.wave_activity(Assessment.objects.all(), wave.pk)
    assert activity == figures.Activity(assessments=2, last_at=last.submitted_at)


def test_caseload_counts_open_cases_by_the_leads_sector(people, sunrise):
    sam_staff = people["sam"].staff  # social development
    nandi_staff = people["nandi"].staff  # health
    a, b, c, d, e = plant_children(sunrise, 5, "Case")
    make_case(a, lead=sam_staff)
    make_case(b, lead=sam_staff, status="registered", plan_approved=None)
    make_case(c, lead=nandi_staff, status="review")
    make_case(d, status="proposed", plan_approved=None)  # no lead yet
    make_case(e, lead=sam_staff, status="closed")  # closed: not a caseload

    from cwtt.cases.models import Case

    assert figures.caseload(Case.objects.all(), "lead__organisation__sector") == {
        "social_development": figures.Load(open_cases=2, under_way=1),
        "health": figures.Load(open_cases=1, under_way=1),
        None: figures.Load(open_cases=1, under_way=0),
    }
    assert figures.caseload(Case.objects.all()) == {None: figures.Load(4, 2)}
    assert figures.open_cases_by_lead(Case.objects.all()) == {
        sam_staff.pk: 2,
        nandi_staff.pk: 1,
        None: 1,
    }
