"""Planted data for the dashboards: risk profiles written straight into the database (so each
test states exactly who is at high risk where), referrals moved through their real actions,
cases with plans and services.

Who may see what (tests/conftest.py): Cora (coordinator), Tumi (teacher) and the others work at
Sunrise Primary and see its dashboard, never Hilltop's; Dumi (district official) sees only the
area dashboard, with small cells hidden and no child, school or worker named; Dora (data
manager) sees every dashboard.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from cwtt.assessments.models import RiskProfile, Wave
from cwtt.cases.models import Case, CasePlan, ServiceDelivered
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.referrals.actions import provider_answer, referral_create, referral_move
from cwtt.registry.models import Location, School
from cwtt.services.models import ServiceType

from ..conftest import make_child  # noqa: TID252 - shared test helper


def plant_profile(child, wave, **levels) -> RiskProfile:
    """A risk profile with the given levels (domain=level); other domains low."""
    values = {domain: levels.get(domain, "low") for domain in DOMAINS}
    high = any(level == "high" for level in values.values())
    return RiskProfile.objects.create(
        child=child,
        wave=wave,
        instrument_version=wave.instrument_version,
        overall="high" if high else "low",
        **values,
    )


def plant_children(school, count, surname, first="Kid"):
    return [make_child(school, first=f"{first}{number}", last=surname) for number in range(count)]


@pytest.fixture
def second_wave(wave, sunrise, hilltop):
    today = timezone.localdate()
    later = Wave.objects.create(
        name="Wave 2",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today + dt.timedelta(days=60),
        instrument_version=wave.instrument_version,
    )
    later.schools.set([sunrise, hilltop])
    return later


@pytest.fixture
def food():
    return ServiceType.objects.get(code="food_support")


MADE = itertools.count(1)


def make_referral(child, by, service_type, path=(), now=None, **details):
    """A referral moved along `path` (statuses); provider answers pass through their steps."""
    referral = referral_create(
        child=child,
        service_type=service_type,
        by=by,
        urgency="routine",
        # Each its own referral: an identical draft by the same person is a repeat (0031).
        reason=f"Went to bed hungry ({next(MADE)})",
        provider_name="Community Food Garden",
        sector="ngo",
        now=now,
    )
    for step in path:
        extra = {}
        if step == "declined":
            extra = {"reason": "Full this month"}
        if step == "cancelled":
            extra = {"reason": "The family moved"}
        if step == "delivered":
            extra = {"delivered_on": timezone.localdate(now), "outcome": "Food parcel given"}
        if step in {"acknowledged", "accepted", "declined", "delivered"}:
            referral = provider_answer(referral, step, by_name="provider", now=now, **extra)
        else:
            referral = referral_move(referral, step, by, now=now, **extra)
    return referral


def make_case(child, *, status="implementation", plan_approved=True, lead=None, closed_at=None):
    case = Case.objects.create(
        child=child, school=child.school, status=status, lead=lead, closed_at=closed_at
    )
    if plan_approved is not None:
        CasePlan.objects.create(case=case, approved_at=timezone.now() if plan_approved else None)
    return case


def give_service(child, by, service_type, on, outcome="delivered"):
    return ServiceDelivered.objects.create(
        child=child,
        service_type=service_type,
        delivered_on=on,
        outcome=outcome,
        provider_name="Community Food Garden",
        recorded_by=by,
    )


def add_circuit_school(district, wave, number, emis, name):
    circuit, _ = Location.objects.get_or_create(
        code=f"GP-TD-{number}",
        defaults={"name": f"Circuit {number}", "level": "circuit", "parent": district["district"]},
    )
    school = School.objects.create(emis_number=emis, name=name, quintile=3, location=circuit)
    wave.schools.add(school)
    return school
