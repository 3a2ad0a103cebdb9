"""Fixtures for referrals: the service catalogue, a few providers of each sector, a scored
child, and a helper that builds risk-profile details as scoring stores them.

Who may see what: as in tests/conftest.py — Sam (social worker), Cora (coordinator), Tumi
(teacher) and Nandi (nurse) see Sunrise's children (`child`), never Hilltop's (`other_child`).
"""

from __future__ import annotations

import datetime as dt

import pytest

from cwtt.assessments.models import RiskProfile
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import Provider, ServiceType


@pytest.fixture
def service_types(db):
    # A normal test database has them from the migration; a transactional test flushes them.
    ensure_service_types(ServiceType)
    return {t.code: t for t in ServiceType.objects.all()}


def _provider(name, sector, *codes):
    provider = Provider.objects.create(name=name, sector=sector, phone="011 555 0100")
    provider.service_types.set(ServiceType.objects.filter(code__in=codes))
    return provider


@pytest.fixture
def providers(service_types):
    return {
        "clinic": _provider("Sunrise Clinic", "health", "immunisation", "eye_screening"),
        "dsd": _provider(
            "DSD Local Office", "social_development", "statutory_protection", "grant_application"
        ),
        "soup": _provider("Hope Soup Kitchen", "ngo", "food_support"),
        "sbst": _provider("Sunrise SBST", "education", "educational_assessment"),
    }


def finding(rule, domain, indicator, level="moderate", urgent=False, reason="A reason"):
    return {
        "rule": rule,
        "domain": domain,
        "indicator": indicator,
        "level": level,
        "reason": reason,
        "urgent": urgent,
        "respondent": "caregiver",
        "informant": "Caregiver",
    }


def details_with(*findings):
    domains: dict = {}
    for f in findings:
        domains.setdefault(f["domain"], {"level": f["level"], "findings": []})["findings"].append(f)
    return {"domains": domains, "urgent_findings": [f for f in findings if f["urgent"]]}


def store_profile(child, wave, *findings):
    """A risk profile as scoring stores it, with these findings."""
    details = details_with(*findings)
    profile, _ = RiskProfile.objects.update_or_create(
        child=child,
        wave=wave,
        defaults={
            "instrument_version": wave.instrument_version,
            "details": details,
            "urgent": bool(details["urgent_findings"]),
            "protection": "high" if "protection" in details["domains"] else "",
        },
    )
    return profile


NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
