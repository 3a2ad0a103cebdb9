"""Linking a teacher to her class (`cwtt user teaches`; decision 0049): only a teacher, only at
a school she is assigned to, only an existing class; a repeat changes nothing. Every refusal
leaves the database as it was."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cwtt.access.actions import ProvisioningError, class_teacher_add
from cwtt.access.models import AuditEntry

from ..attacks import unchanged  # noqa: TID252 - shared attack helpers

pytestmark = pytest.mark.django_db


def test_a_teacher_is_linked_to_her_class_once_and_it_is_audited(people, child, sunrise):
    out = StringIO()
    call_command("user", "teaches", "tumi", sunrise.emis_number, "2A", stdout=out)
    assert "tumi teaches 2A" in out.getvalue()
    assert list(child.school_class.teachers.all()) == [people["tumi"].staff]
    entries = AuditEntry.objects.filter(object_type="class_teachers")
    assert entries.count() == 1
    with unchanged():
        class_teacher_add(username="tumi", emis_number=sunrise.emis_number, class_name="2A")


@pytest.mark.parametrize(
    ("username", "school", "class_name", "says"),
    [
        ("sam", "sunrise", "2A", "is not a teacher"),
        ("tumi", "hilltop", "2A", "is not assigned to a school"),
        ("tumi", "sunrise", "9Z", "has no class called '9Z'"),
        ("nobody", "sunrise", "2A", "is not a teacher"),
        ("ghost", "sunrise", "2A", "There is no user called 'ghost'"),
    ],
)
def test_linking_is_refused_with_a_reason_and_changes_nothing(
    people, child, other_child, sunrise, hilltop, username, school, class_name, says
):
    emis = {"sunrise": sunrise, "hilltop": hilltop}[school].emis_number
    with unchanged(), pytest.raises(ProvisioningError) as refused:
        class_teacher_add(username=username, emis_number=emis, class_name=class_name)
    assert says in str(refused.value)
    with unchanged(), pytest.raises(CommandError):
        call_command("user", "teaches", username, emis, class_name, stdout=StringIO())
