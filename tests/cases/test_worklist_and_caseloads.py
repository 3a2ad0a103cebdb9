"""Cases in worklists, meeting agendas and caseloads."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cwtt.cases.actions import approval_request
from cwtt.cases.models import Case
from cwtt.meetings.actions import meeting_create
from cwtt.worklists.caseload import caseloads, workers_for
from cwtt.worklists.tasks import tasks_for

from ..conftest import sign_in  # noqa: TID252 - shared test helper
from .conftest import HIGH, case_at, score

pytestmark = pytest.mark.django_db

LONG_AGO = timezone.now() - dt.timedelta(days=60)


def test_a_proposed_case_is_on_the_coordinators_worklist(child, wave, people):
    score(child, wave, HIGH)  # proposes a case at once
    tasks = tasks_for(people["cora"].staff, timezone.localdate())
    assert [t.kind for t in tasks] == ["Proposed case"]
    assert child.full_name in tasks[0].text
    assert tasks_for(people["tumi"].staff, timezone.localdate()) == []


def test_a_late_review_is_first_on_the_leads_worklist(child, wave, people):
    case = case_at(child, "implementation", lead=people["sam"].staff, approved=LONG_AGO)
    score(child, wave, HIGH)  # high risk: reviewed every 30 days, so 30 days late now
    [task] = tasks_for(people["sam"].staff, timezone.localdate())
    assert task.kind == "Case review" and task.overdue(timezone.localdate())
    assert task.link == reverse("case", args=[case.pk])


def test_a_closure_request_waits_on_the_supervisors_worklist(child, people):
    case = case_at(child, "review", lead=people["sam"].staff)
    approval_request(case=case, kind="closure", by=people["sam"], closure_reason="plan_achieved")
    kinds = [t.kind for t in tasks_for(people["sue"].staff, timezone.localdate())]
    assert "Approval" in kinds
    assert "Approval" not in [t.kind for t in tasks_for(people["sam"].staff, timezone.localdate())]


def test_a_review_due_is_on_the_meeting_agenda(child, wave, people, sunrise):
    case_at(child, "implementation", lead=people["sam"].staff, approved=LONG_AGO)
    score(child, wave, HIGH)
    meeting = meeting_create(
        school=sunrise, held_on=timezone.localdate(), kind="cop", by=people["cora"]
    )
    assert meeting.items.filter(kind="review_due", child=child).exists()


def test_caseloads_count_open_cases_per_lead_for_those_who_share_out_work(
    child, child_factory, sunrise, people, client
):
    case_at(child, "implementation", lead=people["sam"].staff, approved=LONG_AGO)
    case_at(child_factory(sunrise, first="Two"), "case_plan", lead=people["sam"].staff)
    case_at(child_factory(sunrise, first="Three"), "closed", lead=people["sam"].staff)
    assert people["sam"].staff in workers_for(people["sue"])  # Sue supervises Sam
    assert people["sam"].staff in workers_for(people["cora"])  # Cora coordinates the school
    assert workers_for(people["tumi"]) == []
    [load] = [c for c in caseloads([people["sam"].staff], timezone.localdate())]
    assert load.open_cases == 2
    assert load.by_status == {"Implementation": 1, "Case plan": 1}
    sign_in(client, people["cora"])
    page = client.get(reverse("caseloads")).content.decode()
    assert "Sam" in page and "Implementation: 1" in page
    assert Case.objects.count() == 3


def test_many_proposals_are_one_task_pointing_to_the_schools_action_queue(
    child_factory, sunrise, wave, people
):
    for number in range(5):
        score(child_factory(sunrise, first=f"Child{number}"), wave, HIGH)
    [task] = tasks_for(people["cora"].staff, timezone.localdate())
    # Sam and Sue (social workers) and Nandi (nurse): 4 new cases a month each (decision 0059).
    assert task.text == "5 proposed cases at Sunrise Primary: 12 places this month"
    assert task.link == reverse("school_queue", args=[sunrise.pk])
