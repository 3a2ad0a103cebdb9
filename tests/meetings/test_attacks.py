"""Attacks on every write to meetings (issue #10): planning one, attendees, decisions, action
items, marking them done and marking the meeting held — as another school's chair, as a
Sunrise reader who does not chair, replayed, and with malformed or oversized bodies. Each
asserts the refusal and that the database did not change (tests/attacks.py).

Who may do what: Cora (Sunrise's coordinator) and Dora (data manager) chair Sunrise's meetings;
Tumi and Sam read them; Hilda (Hilltop's coordinator) may not learn a Sunrise meeting exists.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.access.roles import Role
from cwtt.meetings.actions import action_add, meeting_create
from cwtt.meetings.models import ActionItem, AgendaItem, Meeting

from ..attacks import NOT_A_NUMBER, ONE_MEGABYTE, audit_changes, unchanged
from ..conftest import TODAY, _person, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def hilda(hilltop):
    return _person("hilda", Role.COORDINATOR, hilltop)


@pytest.fixture
def meeting(sunrise, people):
    return meeting_create(school=sunrise, held_on=TODAY, kind="cop", by=people["cora"])


@pytest.fixture
def item(meeting):
    return AgendaItem.objects.create(meeting=meeting, kind="other", position=1, text="Other")


@pytest.fixture
def action(meeting, item, people):
    return action_add(
        meeting=meeting,
        item=item,
        description="Home visit",
        owner=people["sam"].staff,
        due_on=TODAY + dt.timedelta(days=7),
        by=people["cora"],
    )


def steps(item, people, action):
    return [
        {"step": "attendee", "name": "Mrs Dlamini", "sector": "community"},
        {"step": "decision", "item": item.pk, "decision": "Refer to food support."},
        {
            "step": "action",
            "item": item.pk,
            "description": "Call the clinic",
            "owner": people["sam"].staff.pk,
            "due_on": (TODAY + dt.timedelta(days=3)).isoformat(),
        },
        {"step": "done", "action": action.pk},
        {"step": "refresh"},
        {"step": "held"},
    ]


# --- another school's chair, and readers who do not chair ------------------------------------


@pytest.mark.parametrize("who", ["hilda", "tumi", "sam", "dumi", "nobody"])
def test_only_the_schools_chairs_change_a_sunrise_meeting(
    client, meeting, item, action, people, hilda, who
):
    sign_in(client, hilda if who == "hilda" else people[who])
    for data in steps(item, people, action):
        with unchanged():
            response = client.post(reverse("meeting", args=[meeting.pk]), data)
        assert response.status_code == 404, data["step"]


@pytest.mark.parametrize("who", ["hilda", "tumi", "nobody"])
def test_only_the_schools_chairs_plan_a_sunrise_meeting(client, sunrise, people, hilda, who):
    sign_in(client, hilda if who == "hilda" else people[who])
    with unchanged():
        response = client.post(
            reverse("school_meetings", args=[sunrise.pk]),
            {"held_on": TODAY.isoformat(), "kind": "sbst"},
        )
    assert response.status_code == 404


def test_ids_of_another_meeting_are_refused(client, meeting, people, hilltop, sunrise):
    """Hilltop's agenda item, staff and action, sent to Sunrise's meeting by its chair."""
    other = meeting_create(school=hilltop, held_on=TODAY, kind="cop", by=people["dora"])
    their_item = AgendaItem.objects.create(meeting=other, kind="other", position=1, text="T")
    harry = _person("harry", Role.TEACHER, hilltop)
    their_action = action_add(
        meeting=other,
        description="Theirs",
        owner=harry.staff,
        due_on=TODAY + dt.timedelta(days=2),
        by=people["dora"],
    )
    sign_in(client, people["cora"])
    url = reverse("meeting", args=[meeting.pk])
    for data, words in [
        ({"step": "decision", "item": their_item.pk, "decision": "Mine"}, "not part of this"),
        ({"step": "done", "action": their_action.pk}, "not part of this meeting"),
        ({"step": "attendee", "staff": harry.staff.pk}, "Choose a colleague from the list"),
        (
            {
                "step": "action",
                "description": "Visit",
                "owner": harry.staff.pk,
                "due_on": (TODAY + dt.timedelta(days=1)).isoformat(),
            },
            "Choose who will do it",
        ),
        (
            {
                "step": "action",
                "item": their_item.pk,
                "description": "Visit",
                "owner": people["sam"].staff.pk,
                "due_on": (TODAY + dt.timedelta(days=1)).isoformat(),
            },
            "not part of this meeting",
        ),
    ]:
        with unchanged():
            response = client.post(url, data)
        assert response.status_code == 200
        assert words in response.content.decode(), data


# --- replayed and stale sends ----------------------------------------------------------------


def test_a_replayed_plan_makes_one_meeting(client, sunrise, people):
    sign_in(client, people["cora"])
    data = {"held_on": TODAY.isoformat(), "kind": "sbst"}
    client.post(reverse("school_meetings", args=[sunrise.pk]), data)
    assert Meeting.objects.filter(school=sunrise, kind="sbst").count() == 1
    with unchanged():
        response = client.post(reverse("school_meetings", args=[sunrise.pk]), data)
    assert response.status_code == 200
    assert "already planned for that day" in response.content.decode()


def test_marking_an_action_done_twice_keeps_the_first_day(client, meeting, action, people, clock):
    sign_in(client, people["cora"])
    url = reverse("meeting", args=[meeting.pk])
    client.post(url, {"step": "done", "action": action.pk})
    assert ActionItem.objects.get(pk=action.pk).done_on == TODAY
    assert audit_changes(object_type="action_item", action="change") == 1
    clock.shift(dt.timedelta(days=2))
    sign_in(client, people["cora"])  # the session of two days ago has ended
    with unchanged():
        response = client.post(url, {"step": "done", "action": action.pk})
    assert "already marked done" in response.content.decode()


def test_marking_a_meeting_held_twice_is_refused(client, meeting, people):
    sign_in(client, people["cora"])
    url = reverse("meeting", args=[meeting.pk])
    client.post(url, {"step": "held"})
    assert Meeting.objects.get(pk=meeting.pk).status == "held"
    assert audit_changes(object_type="meeting", action="change") == 1
    with unchanged():
        response = client.post(url, {"step": "held"})
    assert "already marked as held" in response.content.decode()


def test_a_replayed_attendee_is_listed_once(client, meeting, people):
    sign_in(client, people["cora"])
    url = reverse("meeting", args=[meeting.pk])
    for data in (
        {"step": "attendee", "name": "Mrs Dlamini", "sector": "community"},
        {"step": "attendee", "staff": people["sam"].staff.pk},
    ):
        client.post(url, data)
        with unchanged():
            response = client.post(url, data)
        assert "already on the list" in response.content.decode()


def test_a_replayed_decision_changes_nothing_and_is_audited_once(client, meeting, item, people):
    sign_in(client, people["cora"])
    url = reverse("meeting", args=[meeting.pk])
    data = {"step": "decision", "item": item.pk, "decision": "Refer to food support."}
    client.post(url, data)
    with unchanged():
        client.post(url, data)
    assert audit_changes(object_type="agenda_item") == 1


# --- malformed and oversized bodies ----------------------------------------------------------


def malformed(item, people):
    soon = (TODAY + dt.timedelta(days=3)).isoformat()
    owner = people["sam"].staff.pk
    return [
        ({}, "Unknown action"),
        ({"step": ONE_MEGABYTE}, "Unknown action"),
        ({"step": "decision", "item": NOT_A_NUMBER, "decision": "x"}, "not part of this meeting"),
        ({"step": "decision", "item": item.pk, "decision": ONE_MEGABYTE}, "Keep the decision"),
        ({"step": "done", "action": NOT_A_NUMBER}, "not part of this meeting"),
        ({"step": "attendee", "staff": NOT_A_NUMBER}, "Choose a colleague from the list"),
        ({"step": "attendee", "name": ONE_MEGABYTE, "sector": "ngo"}, "Keep the name"),
        ({"step": "attendee", "name": "Mr X", "sector": ONE_MEGABYTE}, "Choose the person"),
        ({"step": "attendee", "name": "Mr X"}, "Choose the person"),
        (
            {"step": "action", "description": "A", "owner": NOT_A_NUMBER, "due_on": soon},
            "Choose who will do it",
        ),
        (
            {"step": "action", "description": ONE_MEGABYTE, "owner": owner, "due_on": soon},
            "Keep it to 300",
        ),
        (
            {"step": "action", "description": "A", "owner": owner, "due_on": "next week"},
            "Give the date it is due",
        ),
        (
            {"step": "action", "item": NOT_A_NUMBER, "description": "A", "owner": owner},
            "not part of this meeting",
        ),
    ]


def test_a_malformed_or_oversized_send_is_refused_plainly(client, meeting, item, people):
    sign_in(client, people["cora"])
    url = reverse("meeting", args=[meeting.pk])
    for data, words in malformed(item, people):
        with unchanged():
            response = client.post(url, data)
        assert response.status_code == 200
        assert words in response.content.decode(), list(data)


def test_the_htmx_decision_with_an_item_that_is_not_a_number_is_refused(client, meeting, people):
    sign_in(client, people["cora"])
    with unchanged():
        response = client.post(
            reverse("meeting", args=[meeting.pk]),
            {"step": "decision", "item": NOT_A_NUMBER, "decision": "x"},
            headers={"HX-Request": "true"},
        )
    assert response.status_code == 200
    assert "not part of this meeting" in response.content.decode()


def test_a_malformed_plan_is_refused_plainly(client, sunrise, people):
    sign_in(client, people["cora"])
    for data in (
        {},
        {"held_on": "tomorrow", "kind": "cop"},
        {"held_on": TODAY.isoformat(), "kind": ONE_MEGABYTE},
    ):
        with unchanged():
            response = client.post(reverse("school_meetings", args=[sunrise.pk]), data)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Give the date" in page or "Choose the kind" in page
