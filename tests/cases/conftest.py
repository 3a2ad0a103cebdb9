"""Fixtures for cases. Besides the shared people (tests/conftest.py):
- Sue (social worker at Sunrise) is Sam's supervisor: she may decide Sam's requests.
- Hilda is Hilltop's coordinator: she sees Hilltop's cases and none of Sunrise's.
- Harry is a teacher at Hilltop: he may not even learn that a Sunrise case exists (404).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cwtt.access.roles import Role
from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, Wave
from cwtt.cases.models import Case, CasePlan, Goal
from cwtt.registry.models import Organisation
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import ServiceType

from ..conftest import _person  # noqa: TID252 - shared test helpers

HIGH = {"cg_meals": 1, "cg_hungry": "yes"}  # nutrition high
MODERATE = {"cg_meals": 2, "cg_hungry": "yes"}  # nutrition moderate
LOW = {"cg_meals": 3}


def score(child, wave, answers):
    """Submit a caregiver questionnaire (kept alongside any sent before, as a second caregiver's
    would be); returns the child's risk profile for the wave."""
    sent = Assessment.objects.filter(child=child, wave=wave, respondent="caregiver")
    return assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers=answers,
        assessed_on=wave.starts_on + dt.timedelta(days=1),
        status="submitted",
        keep_alongside=[str(u) for u in sent.values_list("uuid", flat=True)],
    ).profile


def case_at(child, status, *, lead=None, team=(), approved=None):
    """A case already at `status` (set up directly: how it got there is tested elsewhere)."""
    case = Case.objects.create(child=child, school=child.school, status=status, lead=lead)
    case.team.set(team)
    if status in {"case_plan", "implementation", "review", "closed"}:
        plan = CasePlan.objects.create(case=case)
        if status != "case_plan" or approved:
            plan.approved_at = approved or timezone.now()
            plan.save()
        Goal.objects.create(
            plan=plan, domain="nutrition", description="Eats every day", benchmark="No hunger"
        )
    if status == "closed":
        case.closed_at, case.closure_reason = timezone.now(), "moved_away"
        case.save()
    return case


@pytest.fixture
def people(people, sunrise, hilltop):
    people["sue"] = _person("sue", Role.SOCIAL_WORKER, sunrise, sector="social_development")
    people["sam"].staff.supervisor = people["sue"].staff
    people["sam"].staff.save()
    people["hilda"] = _person("hilda", Role.COORDINATOR, hilltop)
    people["harry"] = _person("harry", Role.TEACHER, hilltop)
    return people


@pytest.fixture
def wave2(wave, sunrise, hilltop):
    second = Wave.objects.create(
        name="Wave 2",
        starts_on=dt.date(2026, 2, 15),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=wave.instrument_version,
    )
    second.schools.set([sunrise, hilltop])
    return second


@pytest.fixture
def sam_case(child, people):
    """Factory: a case of Lwazi's at `status`, led by Sam."""
    return lambda status, **kw: case_at(child, status, lead=people["sam"].staff, **kw)


@pytest.fixture
def service_types(db):
    ensure_service_types(ServiceType)
    return {t.code: t for t in ServiceType.objects.all()}


@pytest.fixture
def clinic(db):
    return Organisation.objects.create(name="Sunrise Clinic", sector="health")
