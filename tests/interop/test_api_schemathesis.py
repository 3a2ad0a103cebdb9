"""Issue #12, item 8: schemathesis walks the whole OpenAPI schema (/api/v1/schema/) with a valid
token, calling every operation with data generated from the schema, and finds no server error
and no response that breaks the schema.

Bounded so it runs in the normal suite: a handful of examples per operation, on a small school
with a child of every kind of record (assessments, a risk profile, a case with notes, a
referral, a meeting, a provider). The requests go straight to Django's WSGI handler in the
test's own transaction."""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from cwtt.access.actions import api_token_issue
from cwtt.assessments.actions import assessment_save
from cwtt.cases.models import Case, Review
from cwtt.meetings.models import AgendaItem, Meeting
from cwtt.referrals.actions import referral_create
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import Provider, ServiceType

pytestmark = pytest.mark.django_db

EXAMPLES = 8  # per operation and kind of data: 26 operations, well under a minute on SQLite


@pytest.fixture
def records(people, child, wave):
    """A school with a record of every kind to find."""
    ensure_service_types(ServiceType)
    for respondent, answers in (
        ("caregiver", {"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes"}),
        ("teacher", {"tc_abuse": "yes", "tc_absent": 7}),
    ):
        assessment_save(
            child=child,
            wave=wave,
            respondent=respondent,
            answers=answers,
            assessed_on=dt.date(2026, 3, 2),
        )
    # The high risk proposed a case: put it under review, led by Sam.
    case = Case.objects.get(child=child)
    Case.objects.filter(pk=case.pk).update(status="review", lead=people["sam"].staff)
    Review.objects.create(
        case=case,
        held_on=dt.date(2026, 11, 1),
        by=people["sam"],
        notes="Home visit.",
        next_due_on=dt.date(2026, 12, 1),
    )
    food = ServiceType.objects.get(code="food_support")
    referral_create(
        child=child,
        service_type=food,
        by=people["sam"],
        urgency="routine",
        reason="Hungry",
        provider_name="Garden",
        sector="ngo",
    )
    provider = Provider.objects.create(name="Garden", sector="ngo")
    provider.service_types.set([food])
    meeting = Meeting.objects.create(school=child.school, held_on=dt.date(2026, 11, 30))
    AgendaItem.objects.create(meeting=meeting, kind="other", position=1, child=child, text="Help")
    return {
        "child": child,
        "assessment": child.assessments.get(respondent="teacher"),
        "profile": child.risk_profiles.get(),
        "case": case,
        "referral": child.referrals.get(),
        "meeting": meeting,
        "provider": provider,
        "teacher_headers": {"Authorization": f"Token {api_token_issue(username='tumi')}"},
    }


@pytest.fixture
def headers(records):
    """Sam's token: a social worker at the school, who reads every class of detail."""
    return {"Authorization": f"Token {api_token_issue(username='sam')}"}


@pytest.fixture
def api_schema(records):
    """The schema as a client gets it, from the app itself."""
    # Django's test client keeps the test's connection open across requests; so must we, or
    # the end of the first request would close the test's transaction.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_no_operation_answers_a_server_error_or_breaks_the_schema(api_schema, headers):
    # Each operation in turn, with schema-valid data and with data that breaks the schema.
    # (schemathesis.pytest.from_fixture would do this per operation, but its lazy loader does
    # not run under pytest 9.)
    checks = [not_a_server_error, response_schema_conformance]
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 26  # 20, the two planning reads (decision 0069) and the four evidence tables
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case):
                case.call_and_validate(headers=headers, checks=checks)

            call()


def test_every_record_a_reader_gets_fits_the_schema(api_schema, headers, records):
    """Generated ids rarely name a record, so each record's own address is also called with
    the id of a real one, as teacher and social worker alike, and every answer checked."""
    checks = [not_a_server_error, response_schema_conformance]
    known = {
        "{child_id}": {"child_id": records["child"].pk},
        "{school_id}": {"school_id": records["child"].school_id},
        "{assessment_uuid}": {"assessment_uuid": str(records["assessment"].uuid)},
        "{id}": None,  # risk profiles and services: below
        "{case_id}": {"case_id": records["case"].pk},
        "{referral_id}": {"referral_id": records["referral"].pk},
        "{meeting_id}": {"meeting_id": records["meeting"].pk},
    }
    by_path = {"risk-profiles": records["profile"].pk, "services": records["provider"].pk}
    checked = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() != "GET" or not operation.path.endswith("}/"):
            continue
        parameter = operation.path.rsplit("/", 2)[1]
        values = known[parameter] or {"id": by_path[operation.path.split("/")[3]]}
        for who in (headers, records["teacher_headers"]):
            case = operation.Case(path_parameters=values)
            response = case.call(headers=who)
            assert response.status_code == 200, (operation.path, response.status_code)
            case.validate_response(response, checks=checks)
            checked += 1
    assert checked == 16


def test_every_write_that_succeeds_answers_as_the_schema_says(api_schema, headers, records):
    """Generated bodies rarely name a real child or record; these do, and their answers (a new
    questionnaire, a new referral, a referral sent, a case moved) are checked."""
    child, referral, case = records["child"], records["referral"], records["case"]
    writes = {
        ("POST", "/api/v1/assessments/"): (
            {},
            {
                "uuid": "5f1c7a52-2f0e-4a43-9d7e-0c2b9f1f3a10",
                "child": child.pk,
                "respondent": "social_worker",
                "answers": {},
                "assessed_on": "2026-11-20",
                "status": "draft",
            },
            201,
        ),
        ("POST", "/api/v1/referrals/"): (
            {},
            {
                "child": child.pk,
                "service_type": "food_support",
                "urgency": "high",
                "reason": "Hungry at school",
                "provider_name": "Soup kitchen",
                "sector": "ngo",
            },
            201,
        ),
        ("POST", "/api/v1/referrals/{referral_id}/move/"): (
            {"referral_id": referral.pk},
            {"from_status": "draft", "to": "sent"},
            200,
        ),
        ("POST", "/api/v1/cases/{case_id}/move/"): (
            {"case_id": case.pk},
            {"from_status": "review", "to": "implementation"},
            200,
        ),
    }
    done = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        key = (operation.method.upper(), operation.path)
        if key not in writes:
            continue
        path_parameters, body, status = writes[key]
        case = operation.Case(
            path_parameters=path_parameters, body=body, media_type="application/json"
        )
        response = case.call(headers=headers)
        assert response.status_code == status, (key, response.text)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
        done.append(key)
    assert sorted(done) == sorted(writes)
