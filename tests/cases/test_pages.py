"""The case pages: a school's case list and a case page, through the access policy."""

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.cases.actions import service_record
from cwtt.cases.models import Case, Review

from ..conftest import sign_in  # noqa: TID252 - shared test helpers
from .conftest import HIGH, case_at, score

pytestmark = pytest.mark.django_db


def test_the_school_list_groups_cases_by_status(client, sam_case, child_factory, people, sunrise):
    sam_case("implementation")
    other = child_factory(sunrise, first="Thabo", last="Nkosi")
    Case.objects.create(child=other, school=sunrise, proposed_reason="High risk in education.")
    sign_in(client, people["cora"])
    page = client.get(reverse("school_cases", args=[sunrise.pk])).content.decode()
    assert page.index("Proposed") < page.index("Thabo Nkosi") < page.index("Implementation")
    assert page.index("Implementation") < page.index("Lwazi Mokoena")
    assert "High risk in education." in page


def test_a_case_page_shows_the_next_steps_the_reader_may_take(client, sam_case, people):
    case = sam_case("identified")
    sign_in(client, people["sam"])
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "Register the case" in page
    assert "Ask for approval to close" in page
    assert AuditEntry.objects.filter(object_type="case", action="view").count() == 1
    sign_in(client, people["tumi"])  # sees the case, is not on it
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "Register the case" not in page


def test_a_step_is_taken_with_a_button_and_a_refusal_is_shown(client, sam_case, people):
    case = sam_case("identified")
    sign_in(client, people["sam"])
    url = reverse("case_move", args=[case.pk])
    response = client.post(url, {"to": "registered"}, follow=True)
    assert "Done: register the case." in response.content.decode()
    response = client.post(url, {"to": "closed"}, follow=True)
    assert "needs a supervisor&#x27;s approval" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "registered"


def test_a_teacher_of_another_school_gets_not_found(client, sam_case, people, sunrise):
    case = sam_case("implementation")
    sign_in(client, people["harry"])
    assert client.get(reverse("case", args=[case.pk])).status_code == 404
    assert client.post(reverse("case_move", args=[case.pk]), {"to": "review"}).status_code == 404
    assert client.get(reverse("school_cases", args=[sunrise.pk])).status_code == 404


def test_case_notes_are_shown_to_the_social_worker_and_not_to_the_teacher(
    client, sam_case, child, people, service_types
):
    case = sam_case("review")
    Review.objects.create(
        case=case,
        held_on=dt.date(2026, 5, 1),
        by=people["sam"],
        notes="Mother disclosed violence at home",
        next_due_on=dt.date(2026, 6, 1),
    )
    service_record(
        child=child,
        case=case,
        by=people["sam"],
        service_type=service_types["counselling"],
        delivered_on=dt.date(2026, 5, 2),
        outcome="delivered",
        provider_name="Hope Counselling",
        notes="Child spoke about the nights",
    )
    sign_in(client, people["sam"])
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "Mother disclosed violence" in page and "spoke about the nights" in page
    sign_in(client, people["tumi"])
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "Hope Counselling" in page  # the service itself is shown
    assert "Mother disclosed violence" not in page and "spoke about the nights" not in page


def test_the_coordinator_confirms_and_the_plan_goes_through_approval_on_the_page(
    client, child, wave, people
):
    score(child, wave, HIGH)
    from cwtt.cases.actions import cases_propose

    cases_propose(wave=wave)
    case = Case.objects.get()
    sign_in(client, people["cora"])
    client.post(reverse("case_move", args=[case.pk]), {"to": "identified"})
    client.post(reverse("case_team", args=[case.pk]), {"lead": people["sam"].staff.pk})
    case.refresh_from_db()
    assert (case.status, case.lead) == ("identified", people["sam"].staff)

    sign_in(client, people["sam"])
    for to in ("registered", "assessed", "case_plan"):
        client.post(reverse("case_move", args=[case.pk]), {"to": to})
    client.post(
        reverse("case_goal_add", args=[case.pk]),
        {"domain": "nutrition", "description": "Eats daily", "benchmark": "No hunger reported"},
    )
    client.post(reverse("case_approval", args=[case.pk]), {"kind": "plan"})
    approval = case.approvals.get()

    sign_in(client, people["sue"])
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "Record decision" in page
    client.post(
        reverse("case_approval_decide", args=[case.pk, approval.pk]), {"decision": "approve"}
    )
    case.refresh_from_db()
    assert case.status == "implementation"
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "The next review is due on" in page


def test_the_case_page_lists_the_childs_referrals_since_the_case_opened(client, child, people):
    from cwtt.referrals.actions import referral_create
    from cwtt.services.models import ServiceType

    case = case_at(child, "implementation", lead=people["sam"].staff)
    referral_create(
        child=child,
        service_type=ServiceType.objects.get(code="food_support"),
        by=people["sam"],
        urgency="routine",
        reason="Went to bed hungry",
        provider_name="Community Food Garden",
        sector="ngo",
    )
    sign_in(client, people["sam"])
    page = client.get(reverse("case", args=[case.pk])).content.decode()
    assert "Community Food Garden" in page and "Food support" in page
