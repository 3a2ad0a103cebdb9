"""`{% child_notes child %}`: the confidential notes card on a child's page."""

from __future__ import annotations

from django import template

from ..actions import (
    MAX_NOTE_LENGTH,
    note_classes,
    note_writable_classes,
    notes_for,
    who_reads,
)
from ..models import ChildNote

register = template.Library()


@register.inclusion_tag("notes/_child_notes.html", takes_context=True)
def child_notes(context, child):
    user = context["request"].user
    classes = note_classes(user, child)
    if not classes:
        # Nothing of the card, not even that notes exist, for those who read none of them.
        return {"visible": False}
    writable = note_writable_classes(user, child)
    kinds = [
        {"value": value, "label": label, "readers": who_reads(value)}
        for value, label in ChildNote.Sensitivity.choices
        if value in writable
    ]
    notes = notes_for(user, child)
    return {
        "visible": True,
        "child": child,
        "notes": notes,
        "kinds": kinds,
        "max_length": MAX_NOTE_LENGTH,
        "csrf_token": context.get("csrf_token"),
    }
