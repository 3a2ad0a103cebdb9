"""Confidential notes about a child: who reads and writes which kind, through the access
policy; stored encrypted; audited without their text.

Sam (social worker, Sunrise) reads and writes every kind. Nandi (nurse) reads and writes health
notes only. Tumi (teacher) reads none: she sees nothing of the notes, not even the card. Nobody
outside Sunrise can reach a Sunrise child's notes (404)."""

import pytest
from django.db import connection
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.notes.actions import NoteInvalid, NoteNotAllowed, note_add, notes_for
from cwtt.notes.models import ChildNote

from ..conftest import _person, make_child, sign_in  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db

ABUSE = "Lwazi says his uncle hits him with a belt; a welt was visible on his back."
HEALTH = "Cough for three weeks; referred to the clinic for a TB test."


def post_note(client, child, text=ABUSE, sensitivity="protection", follow=False):
    return client.post(
        reverse("note_add", args=[child.pk]),
        {"text": text, "sensitivity": sensitivity},
        follow=follow,
    )


def test_a_social_worker_adds_a_note_and_reads_it_on_the_child_page(client, people, child):
    sign_in(client, people["sam"])
    response = post_note(client, child, follow=True)
    assert response.redirect_chain[-1][0] == reverse("child", args=[child.pk])
    page = response.content.decode()
    assert "Note saved" in page
    assert "Confidential notes" in page
    assert "his uncle hits him with a belt" in page
    assert 'name="sensitivity"' in page and "Save note" in page
    note = ChildNote.objects.get()
    assert (note.author, note.sensitivity, note.text) == (people["sam"], "protection", ABUSE)


def test_the_stored_note_is_not_readable_in_the_database(people, child):
    note = note_add(user=people["sam"], child=child, text=ABUSE, sensitivity="protection")
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM notes_childnote WHERE id = %s", [note.pk])
        stored = cursor.fetchone()[0]
    assert "uncle" not in stored and "belt" not in stored


def test_a_new_note_is_audited_with_its_kind_and_length_but_never_its_text(people, child):
    note = note_add(user=people["sam"], child=child, text=ABUSE, sensitivity="protection")
    entry = AuditEntry.objects.get(object_type="note")
    assert entry.action == AuditEntry.Action.CREATE
    assert (entry.actor, entry.child_id, entry.object_id) == (people["sam"], child.pk, str(note.pk))
    assert entry.detail == {"sensitivity": "protection", "length": len(ABUSE)}
    assert "uncle" not in str(entry.detail) and "belt" not in str(entry.detail)


def test_a_teacher_sees_nothing_of_the_notes(client, people, child):
    note_add(user=people["sam"], child=child, text=ABUSE, sensitivity="protection")
    note_add(
        user=people["sam"], child=child, text="Family meeting on Friday.", sensitivity="case_notes"
    )
    assert list(notes_for(people["tumi"], child)) == []
    sign_in(client, people["tumi"])
    page = client.get(reverse("child", args=[child.pk])).content.decode()
    assert "Confidential notes" not in page
    assert "uncle" not in page and "Family meeting" not in page
    assert reverse("note_add", args=[child.pk]) not in page


def test_a_teacher_cannot_post_a_protection_note(client, people, child):
    sign_in(client, people["tumi"])
    response = post_note(client, child)
    assert response.status_code == 403
    assert "You cannot add a note of this kind" in response.content.decode()
    assert not ChildNote.objects.exists()
    assert not AuditEntry.objects.filter(object_type="note").exists()
    with pytest.raises(NoteNotAllowed):
        note_add(user=people["tumi"], child=child, text=ABUSE, sensitivity="protection")


def test_a_nurse_reads_and_writes_health_notes_but_not_protection_notes(client, people, child):
    note_add(user=people["sam"], child=child, text=ABUSE, sensitivity="protection")
    note_add(user=people["nandi"], child=child, text=HEALTH, sensitivity="health")
    assert [n.text for n in notes_for(people["nandi"], child)] == [HEALTH]
    assert {n.text for n in notes_for(people["sam"], child)} == {ABUSE, HEALTH}
    sign_in(client, people["nandi"])
    page = client.get(reverse("child", args=[child.pk])).content.decode()
    assert HEALTH in page and "uncle" not in page
    assert 'value="health"' in page and 'value="protection"' not in page
    assert post_note(client, child).status_code == 403
    assert ChildNote.objects.filter(sensitivity="protection").count() == 1


def test_someone_from_another_school_gets_not_found(client, people, sunrise, hilltop):
    sunrise_child = make_child(sunrise)
    note_add(user=people["sam"], child=sunrise_child, text=ABUSE, sensitivity="protection")
    hilda = _person("hilda", "social_worker", hilltop, sector="social_development")
    assert list(notes_for(hilda, sunrise_child)) == []
    sign_in(client, hilda)
    assert post_note(client, sunrise_child).status_code == 404
    assert ChildNote.objects.count() == 1


def test_without_consent_to_share_a_social_worker_reads_no_notes(people, sunrise):
    child = make_child(sunrise, first="Ayanda", consent=False)
    ChildNote.objects.create(
        child=child, author=people["sam"], text=ABUSE, sensitivity="case_notes"
    )
    assert list(notes_for(people["sam"], child)) == []


def test_an_empty_note_is_refused_in_plain_language(client, people, child):
    sign_in(client, people["sam"])
    response = post_note(client, child, text="  \r\n ", follow=True)
    assert "The note is empty" in response.content.decode()
    assert not ChildNote.objects.exists()


def test_a_note_longer_than_five_thousand_characters_is_refused(people, child):
    with pytest.raises(NoteInvalid, match="at most 5,000 characters; this one has 5,001"):
        note_add(user=people["sam"], child=child, text="x" * 5001, sensitivity="case_notes")
    # Line breaks from a browser (CRLF) count once, as the text box counts them.
    note = note_add(user=people["sam"], child=child, text="x\r\n" * 2500, sensitivity="case_notes")
    assert len(note.text) == 4999


def test_an_unknown_kind_of_note_is_refused(people, child):
    with pytest.raises(NoteInvalid, match="Choose what kind of note"):
        note_add(user=people["sam"], child=child, text=ABUSE, sensitivity="gossip")


def test_adding_a_note_needs_sign_in_and_a_post(client, people, child):
    response = post_note(client, child)
    assert response.status_code == 302 and reverse("login") in response["Location"]
    sign_in(client, people["sam"])
    assert client.get(reverse("note_add", args=[child.pk])).status_code == 405
    assert not ChildNote.objects.exists()
