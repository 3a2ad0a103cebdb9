"""Attacks on recording consent (issue #10): another school's person, a person whose role
does not take consent, another child's caregiver, a replayed send, malformed and oversized
bodies — each refused with the database unchanged (tests/attacks.py). And hole 9: a nurse who
records a caregiver's agreement to share with health (which lets health staff, herself
included, read the child's details at once) cannot do so unseen: the decision names who
recorded it, the day it was taken and when it was entered, and the school's coordinator is
told and sees it on the child's consent page.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cwtt.access import policy
from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.consent.models import ConsentDecision
from cwtt.notifications.models import Notification

from ..attacks import NOT_A_NUMBER, ONE_MEGABYTE, unchanged
from ..conftest import _person, make_child, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def unconsented(sunrise):
    return make_child(sunrise, first="Sipho", last="Ndlovu", consent=False)


@pytest.fixture
def mother(unconsented):
    return unconsented.caregivers.get()


def url(child):
    return reverse("consent", args=[child.pk])


def agree(mother, purpose="share_health", **extra):
    return {
        "purpose": purpose,
        "decision": "given",
        "caregiver": mother.pk,
        "decided_on": timezone.localdate().isoformat(),
        **extra,
    }


@pytest.mark.parametrize("who", ["harry", "dumi", "nobody", "tumi"])
def test_who_may_not_record_consent_is_refused(client, unconsented, mother, people, hilltop, who):
    """Hilltop's teacher and the district cannot reach the child; Tumi sees the child but a
    teacher does not take consent."""
    user = _person("harry", Role.NURSE, hilltop) if who == "harry" else people[who]
    sign_in(client, user)
    with unchanged():
        response = client.post(url(unconsented), agree(mother))
    assert response.status_code == 404


def test_another_childs_caregiver_is_refused(client, unconsented, child, people):
    sign_in(client, people["nandi"])
    other_mother = child.caregivers.get()
    with unchanged():
        response = client.post(url(unconsented), agree(other_mother))
    assert response.status_code == 200
    assert "Choose one of the child&#x27;s caregivers" in response.content.decode()


def test_a_replayed_decision_is_recorded_once(client, unconsented, mother, people):
    sign_in(client, people["nandi"])
    client.post(url(unconsented), agree(mother))
    assert ConsentDecision.objects.filter(child=unconsented).count() == 1
    with unchanged():
        response = client.post(url(unconsented), agree(mother))
    assert response.status_code == 200
    assert "This decision is already recorded" in response.content.decode()


def test_withdrawing_twice_is_refused(client, unconsented, mother, people):
    sign_in(client, people["sam"])
    client.post(url(unconsented), agree(mother, "share_social_development"))
    withdraw = agree(mother, "share_social_development", decision="withdrawn")
    client.post(url(unconsented), withdraw)
    with unchanged():
        response = client.post(url(unconsented), withdraw)
    assert "There is no agreement in force to withdraw" in response.content.decode()


@pytest.mark.parametrize(
    "change,words",
    [
        ({"purpose": ONE_MEGABYTE}, "is not a purpose"),
        ({"decision": ONE_MEGABYTE}, "Choose agreed, did not agree"),
        ({"caregiver": NOT_A_NUMBER}, "Choose one of the child"),
        ({"caregiver": ONE_MEGABYTE}, "Choose one of the child"),
        ({"decided_on": "yesterday"}, "Enter the date of the decision"),
        ({"decided_on": ONE_MEGABYTE}, "Enter the date of the decision"),
        ({"decided_on": "2999-01-01"}, "The date is in the future"),
        ({"caregiver": ""}, "Choose the caregiver who gave or refused consent"),
    ],
)
def test_a_malformed_or_oversized_decision_is_refused_plainly(
    client, unconsented, mother, people, change, words
):
    sign_in(client, people["nandi"])
    with unchanged():
        response = client.post(url(unconsented), {**agree(mother), **change})
    assert response.status_code == 200
    page = response.content.decode()
    assert "The decision was not recorded" in page
    assert words in page.replace("&#x27;", "'")
    assert len(page) < 200_000  # what was sent is not echoed back whole


# --- hole 9: a consent taken in the field is attributed, dated and seen by the coordinator ---


def test_a_nurses_consent_is_attributed_dated_and_shown_to_the_coordinator(
    client, unconsented, mother, people
):
    taken_on = timezone.localdate() - dt.timedelta(days=2)
    sign_in(client, people["nandi"])
    assert "health" not in policy.child_access(people["nandi"], unconsented.pk).classes
    client.post(url(unconsented), agree(mother, decided_on=taken_on.isoformat()))

    decision = ConsentDecision.objects.get(child=unconsented)
    assert decision.recorded_by == people["nandi"]
    assert decision.decided_on == taken_on
    assert decision.recorded_at is not None
    entry = AuditEntry.objects.get(object_type="consent", action="create")
    assert entry.actor == people["nandi"] and entry.child_id == unconsented.pk
    # The agreement is in force at once for health staff ...
    assert "health" in policy.child_access(people["nandi"], unconsented.pk).classes
    # ... and the coordinator is told who recorded it and for which day, without the name.
    told = Notification.objects.get(user=people["cora"])
    assert "Nandi" in told.body and f"{taken_on.day} {taken_on:%B %Y}" in told.body
    assert unconsented.first_name not in told.subject + told.body
    assert told.link == url(unconsented)
    assert not Notification.objects.filter(user=people["nandi"]).exists()
    # On the consent page the coordinator sees who recorded it and when it was entered.
    sign_in(client, people["cora"])
    page = client.get(url(unconsented)).content.decode()
    assert "Nandi" in page
    assert timezone.localtime(decision.recorded_at).strftime("%H:%M") in page


def test_the_coordinator_recording_consent_is_not_told_of_it(client, unconsented, mother, people):
    sign_in(client, people["cora"])
    client.post(url(unconsented), agree(mother))
    assert ConsentDecision.objects.filter(child=unconsented).count() == 1
    assert not Notification.objects.exists()


def test_a_refusal_or_an_assessment_consent_does_not_notify(client, unconsented, mother, people):
    sign_in(client, people["fiona"])
    client.post(url(unconsented), agree(mother, "assessment"))
    client.post(url(unconsented), agree(mother, "share_health", decision="refused"))
    assert ConsentDecision.objects.filter(child=unconsented).count() == 2
    assert not Notification.objects.exists()
