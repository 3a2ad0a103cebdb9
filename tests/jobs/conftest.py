"""Fixtures for background work. Besides the shared people (tests/conftest.py):
- Sue (social worker at Sunrise) is Sam's supervisor: she is told when Sam's referral is overdue.
- Sam has a phone number, so urgent notifications to him also go by text message.
"""

from __future__ import annotations

import pytest

from cwtt.access.roles import Role
from cwtt.notifications.sms import MemorySMSBackend
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import Provider, ServiceType

from ..conftest import _person  # noqa: TID252 - shared test helpers


@pytest.fixture
def people(people, sunrise):
    people["sue"] = _person("sue", Role.SOCIAL_WORKER, sunrise, sector="social_development")
    sam = people["sam"].staff
    sam.supervisor = people["sue"].staff
    sam.phone = "+27 82 555 0100"
    sam.save()
    people["sam"].email = "sam@example.org"
    people["sam"].save()
    return people


@pytest.fixture
def sbst(db):
    # Education: the school team itself, so sending needs no sharing consent.
    ensure_service_types(ServiceType)
    provider = Provider.objects.create(name="Sunrise SBST", sector="education")
    provider.service_types.set(ServiceType.objects.filter(code="educational_assessment"))
    return provider


@pytest.fixture
def outbox(settings):
    settings.CWTT_SMS_BACKEND = "cwtt.notifications.sms.MemorySMSBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MemorySMSBackend.outbox.clear()
    yield MemorySMSBackend.outbox
    MemorySMSBackend.outbox.clear()
