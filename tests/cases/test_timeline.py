"""The child's timeline on the child's page: what happened, newest first, without details."""

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.assessments.actions import assessment_save
from cwtt.cases.actions import service_record
from cwtt.cases.models import Case

from ..conftest import sign_in  # noqa: TID252 - shared test helpers
from .conftest import HIGH, score

pytestmark = pytest.mark.django_db


def timeline_of(page: str) -> str:
    return page[page.index('id="timeline-h"') :]


def test_the_timeline_lists_what_happened_newest_first_without_notes(
    client, child, wave, people, service_types
):
    score(child, wave, HIGH)
    assessment_save(
        child=child,
        wave=wave,
        respondent="teacher",
        answers={"tc_absent": 3},
        assessed_on=dt.date(2026, 6, 1),
        status="draft",
    )
    case = Case.objects.get(child=child)  # proposed when the child scored high
    case.lead = people["sam"].staff
    case.save()
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
    sign_in(client, people["tumi"])
    timeline = timeline_of(client.get(reverse("child", args=[child.pk])).content.decode())
    assert "Caregiver answered the questions (Wave 1)" in timeline
    assert "Overall risk in Wave 1: high" in timeline
    assert "counselling" in timeline.lower() and ": delivered" in timeline
    assert "Case proposed" in timeline
    assert ": agreed" in timeline  # the consent decisions
    assert "Teacher (" not in timeline  # a draft is not an event
    assert "spoke about the nights" not in timeline  # no notes
    days = [dt.date.fromisoformat(d) for d in _datetimes(timeline)]
    assert days == sorted(days, reverse=True)


def _datetimes(html: str) -> list[str]:
    import re

    return re.findall(r'<time datetime="([0-9-]+)">', html)


def test_a_reader_who_may_see_only_the_name_gets_no_timeline(client, sunrise, wave, people):
    from tests.conftest import make_child

    refused = make_child(sunrise, first="Ayanda", consent=False)
    sign_in(client, people["nandi"])  # a nurse, without the caregiver's consent to share
    page = client.get(reverse("child", args=[refused.pk])).content.decode()
    assert "Ayanda" in page and 'id="timeline-h"' not in page
