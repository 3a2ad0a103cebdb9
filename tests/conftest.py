"""Shared fixtures: a small district and named people, one per role, plus one with no access.

Who may see what (the comments are the rule the tests check):
- Fiona (field worker), Tumi (teacher), Sam (social worker), Nandi (nurse) and Cora
  (coordinator) are assigned to Sunrise Primary only: they see its children by name and
  never Hilltop's.
- Dumi (district official) oversees the district: aggregates only, never a child's name.
- Dora (data manager) sees every school.
- Nobody has a user account but no staff record: Nobody sees nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.access.roles import Role
from cwtt.access.two_factor import needs_second_factor
from cwtt.assessments.models import Wave
from cwtt.consent.models import ConsentDecision, ConsentText
from cwtt.consent.texts import ensure_first_texts
from cwtt.instruments.actions import (
    batch_scorer_for,
    instrument_publish,
    rule_sensitivities_for,
    scorer_for,
    validator_for,
)
from cwtt.registry.models import (
    Caregiver,
    Child,
    ChildCaregiver,
    Household,
    Location,
    Organisation,
    School,
    SchoolClass,
    Staff,
)

FIXTURES = Path(__file__).parent / "fixtures"
PASSWORD = "a-long-test-password-42"

# Every test runs on a controlled clock, so the suite passes on any day: Monday 23 November
# 2026, 09:00 in Johannesburg, inside the fixtures' wave (1 February to 30 November 2026).
# The clock ticks from there, because sign-in codes, lockouts and idle time need time to pass;
# a test that needs another moment moves the `clock` fixture (`clock.move_to(...)`).
TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Africa/Johannesburg"))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    # A request activates its language on the thread and nothing deactivates it (Django leaves
    # that to the next request), so a test that opened a page in isiZulu would leave the next
    # test's direct calls in isiZulu.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Every test creates several accounts; the production hasher takes ~0.3 s per password by
    # design. Password rules and hashing themselves are not what these tests check.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings, tmp_path):
    # The checkpoint file lives outside the database, so it would outlive each test's database
    # and disagree with the next one's audit trail. Each test gets its own.
    settings.CWTT_AUDIT_CHECKPOINTS = tmp_path / "audit-checkpoints.jsonl"


@pytest.fixture(autouse=True)
def _fresh_compiled_caches():
    # Version ids restart in every test database; cached compiled versions must not leak.
    caches = (scorer_for, batch_scorer_for, validator_for, rule_sensitivities_for)
    for cache in caches:
        cache.cache_clear()
    yield
    for cache in caches:
        cache.cache_clear()


@pytest.fixture
def mini_version(db):
    return instrument_publish(data=(FIXTURES / "mini.md").read_bytes(), filename="mini.md").version


@pytest.fixture
def default_version(db):
    path = Path(settings.CWTT_DEFAULT_INSTRUMENT)
    return instrument_publish(data=path.read_bytes(), filename=path.name).version


@pytest.fixture
def district(db):
    province = Location.objects.create(code="GP", name="Gauteng (test)", level="province")
    district = Location.objects.create(
        code="GP-TD", name="Test District", level="district", parent=province
    )
    circuit = Location.objects.create(
        code="GP-TD-1", name="Circuit 1", level="circuit", parent=district
    )
    return {"province": province, "district": district, "circuit": circuit}


@pytest.fixture
def sunrise(district):
    return School.objects.create(
        emis_number="700111111", name="Sunrise Primary", quintile=1, location=district["circuit"]
    )


@pytest.fixture
def hilltop(district):
    return School.objects.create(
        emis_number="700222222", name="Hilltop Primary", quintile=2, location=district["circuit"]
    )


def make_child(
    school, first="Lwazi", last="Mokoena", dob=dt.date(2018, 3, 14), sex="M", consent=True
):
    """A child with a household and a mother. With `consent`, the mother has agreed to every
    purpose and the child has assented, as most families in the demo have."""
    klass, _ = SchoolClass.objects.get_or_create(
        school=school, name="2A", year=2026, defaults={"grade": "2"}
    )
    household = Household.objects.create(address="12 Test Street", water="communal_tap")
    child = Child.objects.create(
        first_name=first,
        last_name=last,
        date_of_birth=dob,
        sex=sex,
        school=school,
        school_class=klass,
        household=household,
        grant_status="receives",
    )
    caregiver = Caregiver.objects.create(household=household, first_name="Grace", last_name=last)
    ChildCaregiver.objects.create(
        child=child, caregiver=caregiver, relation="mother", is_primary=True
    )
    if consent:
        ensure_first_texts(ConsentText)  # a transactional browser test flushes migrated rows
        for text in ConsentText.objects.all():
            ConsentDecision.objects.create(
                child=child,
                purpose=text.purpose,
                decision="given",
                caregiver=None if text.purpose == "assent" else caregiver,
                text=text,
                decided_on=dt.date(2026, 1, 20),
            )
    return child


@pytest.fixture
def child_factory(db):
    return make_child


@pytest.fixture
def child(sunrise):
    return make_child(sunrise)


@pytest.fixture
def other_child(hilltop):
    return make_child(hilltop, first="Ayanda", last="Zulu", sex="F")


@pytest.fixture
def wave(mini_version, sunrise, hilltop):
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=mini_version,
    )
    wave.schools.set([sunrise, hilltop])
    return wave


def sign_in(client, user):
    """Sign the user in as a finished sign-in: the password and, for roles that need one, the
    code from their authenticator app. (django-axes refuses `client.login()` without a
    request; the sign-in form itself is tested in tests/access/test_sign_in_hardening.py.)"""
    client.force_login(user)
    if needs_second_factor(user):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test", defaults={"confirmed": True}
        )
        # What django_otp.login() stores once a code was accepted.
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def _person(username, role, school=None, location=None, sector="education"):
    user = get_user_model().objects.create_user(
        username, password=PASSWORD, first_name=username.capitalize()
    )
    organisation, _ = Organisation.objects.get_or_create(
        name=f"Org {sector}", defaults={"sector": sector}
    )
    staff = Staff.objects.create(user=user, organisation=organisation, role=role, location=location)
    if school is not None:
        staff.schools.add(school)
    return user


@pytest.fixture
def people(sunrise, hilltop, district):
    return {
        "fiona": _person("fiona", Role.FIELD_WORKER, sunrise, sector="ngo"),
        "tumi": _person("tumi", Role.TEACHER, sunrise),
        "sam": _person("sam", Role.SOCIAL_WORKER, sunrise, sector="social_development"),
        "nandi": _person("nandi", Role.NURSE, sunrise, sector="health"),
        "cora": _person("cora", Role.COORDINATOR, sunrise),
        "dumi": _person("dumi", Role.DISTRICT_OFFICIAL, location=district["district"]),
        "dora": _person("dora", Role.DATA_MANAGER),
        "nobody": get_user_model().objects.create_user("nobody", password=PASSWORD),
    }
