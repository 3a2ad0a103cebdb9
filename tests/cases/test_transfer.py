"""A child who changes school carries the case, with its history, to the new school's team."""

import pytest

from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.cases.actions import CaseRefused, case_transfer
from cwtt.cases.models import CaseEvent
from cwtt.cases.permissions import case_for
from cwtt.notifications.models import Notification

from ..conftest import _person  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db


def test_a_transferred_case_moves_to_the_new_school_with_its_history(
    sam_case, child, hilltop, people
):
    both = _person("bea", Role.NURSE, hilltop, sector="health")
    both.staff.schools.add(child.school)
    case = sam_case("implementation", team=[people["nandi"].staff, both.staff])
    CaseEvent.objects.create(case=case, from_status="review", to_status="implementation")

    case_transfer(case=case, to_school=hilltop, by=people["cora"])
    case.refresh_from_db()
    assert case.school == hilltop and case.status == "implementation"
    # Sam and Nandi do not work at Hilltop: they leave the case; Bea works at both and stays.
    assert case.lead is None
    assert list(case.team.all()) == [both.staff]
    assert case.events.count() == 2  # the history came along, with the move itself
    entry = AuditEntry.objects.get(object_type="case")
    assert entry.detail["before"]["school"] == child.school.pk
    assert entry.detail["after"] == {"school": hilltop.pk, "lead": None, "team": [both.staff.pk]}
    note = Notification.objects.get(user=people["hilda"])
    assert note.link == f"/cases/{case.pk}/" and child.first_name not in note.body


def test_the_new_school_sees_the_case_once_the_child_has_moved(sam_case, child, hilltop, people):
    case = sam_case("implementation")
    case_transfer(case=case, to_school=hilltop, by=people["hilda"])
    child.school = hilltop
    child.save()
    assert case_for(people["hilda"], case.pk) is not None
    assert case_for(people["cora"], case.pk) is None


def test_a_lead_assigned_to_the_new_school_stays(sam_case, hilltop, people):
    people["sam"].staff.schools.add(hilltop)
    case = sam_case("review")
    case_transfer(case=case, to_school=hilltop, by=people["dora"])
    case.refresh_from_db()
    assert case.lead == people["sam"].staff


def test_transfers_are_refused_to_others_and_to_the_same_school(sam_case, child, hilltop, people):
    case = sam_case("review")
    with pytest.raises(CaseRefused, match="Only the coordinator of either school"):
        case_transfer(case=case, to_school=hilltop, by=people["sam"])
    with pytest.raises(CaseRefused, match="already at Sunrise Primary"):
        case_transfer(case=case, to_school=child.school, by=people["cora"])
    case.refresh_from_db()
    assert case.school == child.school
    assert not AuditEntry.objects.filter(object_type="case").exists()
