"""A child's profile as PDF: only what the reader may see, audited, and nothing for others."""

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.access import policy
from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import assessment_save
from cwtt.web.printing import child_profile_html

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(child, wave):
    child.sa_id_number = "1803145123083"
    child.save()
    assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes"},
        assessed_on=dt.date(2026, 3, 2),
    )
    return child


def html_for(user, child):
    return child_profile_html(user, policy.child_access(user, child.pk))


def test_the_print_holds_what_the_reader_may_see_and_no_more(scored, people):
    social_worker = html_for(people["sam"], scored)
    assert "Fewer than two meals yesterday" in social_worker and "Hit at home" in social_worker
    assert "1803145123083" in social_worker and "12 Test Street" in social_worker
    teacher = html_for(people["tumi"], scored)
    assert "Fewer than two meals yesterday" in teacher
    assert "Hit at home" not in teacher and "A concern was recorded here" in teacher
    assert "1803145123083" not in teacher


def test_the_pdf_is_downloaded_and_audited(client, scored, people):
    sign_in(client, people["cora"])
    response = client.get(reverse("child_profile_pdf", args=[scored.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert "Lwazi" not in response["Content-Disposition"]  # no personal data in file names
    entry = AuditEntry.objects.get(object_type="child_profile")
    assert entry.child_id == scored.pk and entry.actor == people["cora"]


def test_someone_who_may_not_see_the_child_gets_nothing(client, scored, people):
    sign_in(client, people["dumi"])
    assert client.get(reverse("child_profile_pdf", args=[scored.pk])).status_code == 404
    assert not AuditEntry.objects.filter(object_type="child_profile").exists()


def test_the_school_report_is_a_pdf_for_the_schools_team_only(client, scored, people, sunrise):
    sign_in(client, people["cora"])
    response = client.get(reverse("school_report_pdf", args=[sunrise.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(object_type="school_report").count() == 1
    sign_in(client, people["dumi"])
    assert client.get(reverse("school_report_pdf", args=[sunrise.pk])).status_code == 404
