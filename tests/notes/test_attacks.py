"""Attacks on adding a confidential note (issue #10): another school's person with a Sunrise
child's id, a person writing a kind of note they may not read, a replayed send, and malformed
or oversized bodies. Each asserts the refusal and that the database did not change
(tests/attacks.py).

Sam (social worker) writes every kind; Nandi (nurse) health notes only; Tumi (teacher) none;
Hilltop's staff may not learn a Sunrise child exists (404).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.access.roles import Role
from cwtt.notes.models import ChildNote

from ..attacks import NOT_A_NUMBER, ONE_MEGABYTE, audit_changes, messages_of, unchanged
from ..conftest import _person, sign_in

pytestmark = pytest.mark.django_db

NOTE = {"text": "Cough for three weeks; referred to the clinic.", "sensitivity": "health"}


def post(client, child_id, data):
    return client.post(reverse("note_add", args=[child_id]), data, follow=True)


@pytest.mark.parametrize("who", ["harry", "dumi", "nobody"])
def test_another_schools_person_cannot_add_a_note_to_a_sunrise_child(
    client, child, people, hilltop, who
):
    user = _person("harry", Role.TEACHER, hilltop) if who == "harry" else people[who]
    sign_in(client, user)
    with unchanged():
        response = post(client, child.pk, NOTE)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "who,sensitivity", [("tumi", "health"), ("nandi", "protection"), ("fiona", "case_notes")]
)
def test_a_person_cannot_write_a_kind_of_note_they_may_not_read(
    client, child, people, who, sensitivity
):
    sign_in(client, people[who])
    with unchanged():
        response = post(client, child.pk, {**NOTE, "sensitivity": sensitivity})
    assert response.status_code == 403
    assert "You cannot add a note of this kind" in response.content.decode()


def test_a_replayed_note_is_saved_once(client, child, people):
    sign_in(client, people["nandi"])
    post(client, child.pk, NOTE)
    assert ChildNote.objects.count() == 1
    with unchanged():
        response = post(client, child.pk, NOTE)
    assert any("already saved" in m for m in messages_of(response))


def test_the_same_words_later_are_a_new_note(client, child, people, clock):
    """Only a repeat within minutes is the same send: a note written again the next day is
    the nurse's new note."""
    sign_in(client, people["nandi"])
    post(client, child.pk, NOTE)
    clock.shift(dt.timedelta(days=1))
    sign_in(client, people["nandi"])
    post(client, child.pk, NOTE)
    assert ChildNote.objects.count() == 2
    assert audit_changes(object_type="note") == 2


@pytest.mark.parametrize(
    "data,words",
    [
        ({}, "Choose what kind of note"),
        ({"text": "x", "sensitivity": ONE_MEGABYTE}, "Choose what kind of note"),
        ({"text": "   ", "sensitivity": "health"}, "The note is empty"),
        ({"text": ONE_MEGABYTE, "sensitivity": "health"}, "A note can be at most"),
    ],
)
def test_a_malformed_or_oversized_note_is_refused_plainly(client, child, people, data, words):
    sign_in(client, people["sam"])
    with unchanged():
        response = post(client, child.pk, data)
    assert response.status_code == 200
    assert any(words in m for m in messages_of(response)), messages_of(response)


def test_a_child_id_that_is_not_a_number_is_not_found(client, people):
    sign_in(client, people["sam"])
    with unchanged():
        response = client.post(f"/children/{NOT_A_NUMBER}/notes/", NOTE)
    assert response.status_code == 404
