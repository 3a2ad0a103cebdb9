"""Planted data for the evidence tables: risk profiles whose findings name real rules of the
default instrument, and the questionnaires (caregiver, teacher, nurse) behind them, written
straight into the database so each test states exactly who was flagged where.

Who may see what (tests/conftest.py): Dumi (district official) sees the Evidence page of Test
District, aggregates only, with small cells hidden and no child named; Dora (data manager)
sees every area; Cora (coordinator), Tumi (teacher) and the no-access Nobody do not get the
page.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.contrib.auth import get_user_model

from cwtt.assessments.models import Assessment, RiskProfile, Wave
from cwtt.cases.models import ServiceDelivered
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.registry.models import Child, SchoolClass
from cwtt.services.models import ServiceType

from ..conftest import make_child  # noqa: TID252 - shared test helper


@pytest.fixture
def waves(default_version, sunrise, hilltop):
    """Two waves a year apart, answered with the default instrument."""
    first = Wave.objects.create(
        name="Baseline",
        starts_on=dt.date(2025, 2, 1),
        ends_on=dt.date(2025, 11, 30),
        instrument_version=default_version,
    )
    second = Wave.objects.create(
        name="Follow-up",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 20),
        instrument_version=default_version,
    )
    return first, second


def plant(child, wave, *, high=(), rules=(), respondents=("caregiver",)):
    """The child's profile in the wave: `high` domains at high risk, `rules` (codes of the
    default instrument) fired, answered by `respondents`."""
    definition = wave.instrument_version.parsed()
    by_code = {rule.code: rule for rule in definition.rules}
    domains: dict[str, dict] = {
        d: {"level": "high" if d in high else "low", "findings": []} for d in DOMAINS
    }
    for code in rules:
        rule = by_code[code]
        domains[rule.domain]["findings"].append(
            {
                "rule": rule.code,
                "domain": rule.domain,
                "indicator": rule.indicator,
                "level": rule.level,
                "reason": rule.reason,
                "urgent": rule.urgent,
                "respondent": rule.respondent,
                "informant": rule.respondent,
            }
        )
    for respondent in respondents:
        Assessment.objects.create(
            uuid=uuid.uuid4(),
            child=child,
            wave=wave,
            respondent=respondent,
            assessed_on=wave.starts_on,
            instrument_version=wave.instrument_version,
            status=Assessment.Status.SUBMITTED,
        )
    return RiskProfile.objects.create(
        child=child,
        wave=wave,
        instrument_version=wave.instrument_version,
        **{d: "high" if d in high else "low" for d in DOMAINS},
        overall="high" if high else "low",
        details={"domains": domains, "overall": None, "urgent_findings": []},
        assessment_count=len(respondents),
    )


def children(school, count, surname):
    return [make_child(school, first=f"Kid{i}", last=surname) for i in range(count)]


# --- outcomes of services (test_outcomes*.py) ----------------------------------------------------


@pytest.fixture
def recorder(db):
    return get_user_model().objects.create_user("recorder")


def profile(child, wave, **levels):
    return RiskProfile.objects.create(
        child=child,
        wave=wave,
        instrument_version=wave.instrument_version,
        **{d: levels.get(d, "low") for d in DOMAINS},
        overall="low",
        details={"domains": {}},
    )


def serve(child, code, on, recorder, outcome=ServiceDelivered.Outcome.DELIVERED):
    return ServiceDelivered.objects.create(
        child=child,
        service_type=ServiceType.objects.get(code=code),
        delivered_on=on,
        outcome=outcome,
        recorded_by=recorder,
    )


def pupils(school, count, surname, grade="2"):
    klass, _ = SchoolClass.objects.get_or_create(
        school=school, name=f"{grade}Z", year=2026, defaults={"grade": grade}
    )
    kids = [make_child(school, first=f"Kid{i}", last=surname) for i in range(count)]
    Child.objects.filter(pk__in=[k.pk for k in kids]).update(school_class=klass)
    return kids


def follow(kids, waves, before, afters, domain="protection"):
    for kid, after in zip(kids, afters, strict=True):
        profile(kid, waves[0], **{domain: before})
        profile(kid, waves[1], **{domain: after})
