"""The log of services delivered: who gave what, when, with what outcome; notes are case
notes."""

import datetime as dt

import pytest
from django.utils import timezone

from cwtt.access.models import AuditEntry
from cwtt.cases.actions import CaseRefused, service_record
from cwtt.cases.models import ServiceDelivered
from cwtt.services.models import Provider

pytestmark = pytest.mark.django_db


def test_a_service_on_a_case_is_logged_with_encrypted_notes_and_audited(
    sam_case, child, people, service_types
):
    case = sam_case("implementation")
    service = service_record(
        child=child,
        case=case,
        by=people["sam"],
        service_type=service_types["home_visit"],
        delivered_on=timezone.localdate(),
        outcome="delivered",
        provider_name="Sunrise Child and Youth Care",
        notes="The mother asked for help with the grant.",
    )
    assert service.provided_by == "Sunrise Child and Youth Care"
    assert ServiceDelivered.objects.get().notes == "The mother asked for help with the grant."
    entry = AuditEntry.objects.get(object_type="service_delivered")
    assert entry.child_id == child.pk and entry.detail["case"] == case.pk
    assert entry.detail["after"]["service_type"] == "home_visit"
    assert "grant" not in str(entry.detail)


def test_a_provider_from_the_directory_counts_as_who_gave_it(child, people, service_types):
    provider = Provider.objects.create(name="Hope Food Bank", sector="ngo")
    service = service_record(
        child=child,
        by=people["fiona"],
        service_type=service_types["food_support"],
        delivered_on=timezone.localdate(),
        outcome="partly",
        provider=provider,
    )
    assert service.case is None and service.provided_by == "Hope Food Bank"


def test_a_service_needs_a_type_a_date_a_provider_and_an_outcome(child, people):
    with pytest.raises(CaseRefused) as refused:
        service_record(
            child=child,
            by=people["sam"],
            service_type=None,
            delivered_on=timezone.localdate() + dt.timedelta(days=1),
            outcome="",
        )
    assert set(refused.value.errors) == {"service_type", "delivered_on", "provider", "outcome"}
    assert not ServiceDelivered.objects.exists()


def test_a_teacher_logs_a_service_but_not_case_notes(child, people, service_types):
    kwargs = dict(
        child=child,
        by=people["tumi"],
        service_type=service_types["learning_support"],
        delivered_on=timezone.localdate(),
        outcome="delivered",
        provider_name="Reading club",
    )
    with pytest.raises(CaseRefused) as refused:
        service_record(**kwargs, notes="Cries at home")
    assert "case notes" in refused.value.errors["notes"]
    service_record(**kwargs)


def test_only_the_team_logs_services_on_a_case_and_nobody_for_an_unseen_child(
    sam_case, other_child, people, service_types
):
    case = sam_case("implementation")
    with pytest.raises(CaseRefused, match="Only the case's lead"):
        service_record(
            child=case.child,
            case=case,
            by=people["tumi"],
            service_type=service_types["counselling"],
            delivered_on=timezone.localdate(),
            outcome="delivered",
            provider_name="Clinic",
        )
    with pytest.raises(CaseRefused, match="cannot record services for this child"):
        service_record(
            child=other_child,
            by=people["sam"],
            service_type=service_types["counselling"],
            delivered_on=timezone.localdate(),
            outcome="delivered",
            provider_name="Clinic",
        )
