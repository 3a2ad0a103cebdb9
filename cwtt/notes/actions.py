"""Reading and writing confidential notes, through the access policy.

A note carries a sensitivity class; a reader sees the notes whose class they may read for that
child (`policy.child_access`: their role's classes, narrowed when the caregiver has not agreed to
share with their sector). A person may write a note of a class they may read.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.registry.models import Child

from .models import ChildNote

MAX_NOTE_LENGTH = 5000
# The same note by the same person this soon after is the same send repeated, not a new note.
REPEAT_WITHIN = dt.timedelta(minutes=10)


class NoteInvalid(Exception):
    """The note cannot be saved as written; the message says why, in plain language."""


class NoteNotAllowed(Exception):
    """The person may not write this kind of note for this child."""


def note_classes(user, child: Child) -> frozenset[str]:
    """The note classes this user may read for the child; empty when none or when the child
    is outside their scope."""
    access = policy.child_access(user, child.pk)
    if access is None:
        return frozenset()
    return frozenset(ChildNote.Sensitivity.values) & access.classes


def note_writable_classes(user, child: Child) -> frozenset[str]:
    """The note classes this user may write: those they read and the matrix lets them write."""
    from cwtt.access.sensitivity import writable_classes

    return note_classes(user, child) & writable_classes(policy.role_of(user))


def notes_for(user, child: Child) -> QuerySet[ChildNote]:
    """The child's notes this user may read, newest first."""
    classes = note_classes(user, child)
    if not classes:
        return ChildNote.objects.none()
    return ChildNote.objects.filter(child=child, sensitivity__in=classes).select_related("author")


def note_add(*, user, child: Child, text: str, sensitivity: str) -> ChildNote:
    """Save a note, audited without its text (only its class and length)."""
    if sensitivity not in ChildNote.Sensitivity.values:
        raise NoteInvalid(_("Choose what kind of note this is."))
    if sensitivity not in note_writable_classes(user, child):
        label = ChildNote.Sensitivity(sensitivity).label
        raise NoteNotAllowed(
            _(
                "You cannot add a note of this kind (%(kind)s) for this child: only staff who "
                "may read such notes can write them."
            )
            % {"kind": label.lower()}
        )
    # Browsers send line breaks as CRLF; count them as one character, as the text box does.
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise NoteInvalid(_("The note is empty. Write the note before saving it."))
    if len(text) > MAX_NOTE_LENGTH:
        raise NoteInvalid(
            _(
                "A note can be at most %(limit)s characters; this one has %(length)s. Shorten it "
                "or split it into two notes."
            )
            % {"limit": f"{MAX_NOTE_LENGTH:,}", "length": f"{len(text):,}"}
        )
    with transaction.atomic():
        # Lock the child: a send repeated (a double click, a retry on a slow line) must find
        # the note the first one saved rather than save it twice (decision 0031).
        Child.objects.select_for_update().filter(pk=child.pk).first()
        since = timezone.now() - REPEAT_WITHIN
        recent = ChildNote.objects.filter(
            child=child, author=user, sensitivity=sensitivity, written_at__gte=since
        )
        # The text is encrypted at rest, so it is compared here rather than in the query.
        if any(earlier.text == text for earlier in recent):
            raise NoteInvalid(_("This note is already saved; it was not saved a second time."))
        note = ChildNote.objects.create(
            child=child, author=user, sensitivity=sensitivity, text=text
        )
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=user,
            object_type="note",
            object_id=note.pk,
            child_id=child.pk,
            # Never the text: the audit trail is not encrypted and is read by data managers.
            detail={"sensitivity": sensitivity, "length": len(text)},
        )
    return note


def who_reads(sensitivity: str) -> list[str]:
    """The roles that read notes of this class, for the form's hint."""
    from cwtt.access.roles import Role
    from cwtt.access.sensitivity import READS

    return [Role(role).label for role, classes in READS.items() if sensitivity in classes]
