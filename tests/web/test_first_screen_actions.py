"""The page's main action comes before its long content, so a phone shows it on the first
screen (issue #13; found by the role journeys in tests/browser/test_role_days.py, which measure
it at 360 px on a 400-learner school). Here, the order in the page: the action first, the
record after it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.assessments.actions import assessment_save
from cwtt.meetings.actions import meeting_create
from cwtt.meetings.models import Attendee

from ..cases.conftest import case_at  # noqa: TID252 - shared test helper
from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db


def before(html: str, first: str, then: str) -> bool:
    assert first in html, first
    assert then in html, then
    return html.index(first) < html.index(then)


@pytest.mark.parametrize("status", ["review", "implementation"])
def test_a_case_whose_review_can_be_recorded_links_to_its_form_under_the_title(
    client, people, child, status
):
    case = case_at(child, status, lead=people["sam"].staff)
    html = sign_in(client, people["sam"]).get(reverse("case", args=[case.pk])).text
    link = '<a class="button" href="#record-review">Record a review</a>'
    assert before(html, link, "Where the case is")
    assert 'id="record-review"' in html


def test_no_review_link_where_no_review_can_be_recorded(client, people, child):
    case = case_at(child, "case_plan", lead=people["sam"].staff)  # the plan is not approved
    html = sign_in(client, people["sam"]).get(reverse("case", args=[case.pk])).text
    assert "#record-review" not in html


def test_a_questionnaire_links_to_its_correction_form_before_the_answers(
    client, people, child, wave
):
    sent = assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 3},
        assessed_on=dt.date(2026, 3, 2),
        assessor=people["fiona"],
    ).assessment
    html = sign_in(client, people["fiona"]).get(reverse("assessment", args=[sent.uuid])).text
    link = '<a class="button" href="#ask-correction">Ask for a correction</a>'
    assert before(html, link, "<h2>Answers</h2>")
    assert '<h2 id="ask-correction">Ask for a correction</h2>' in html


def test_the_meetings_first_agenda_item_comes_before_its_occasional_forms(
    client, people, sunrise, child, wave
):
    assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 0, "cg_hungry": "yes"},  # no food at all: action today
        assessed_on=dt.date(2026, 3, 2),
    )
    meeting = meeting_create(
        school=sunrise, held_on=dt.date(2026, 11, 30), kind="cop", by=people["cora"]
    )
    assert meeting.items.exists()
    sign_in(client, people["cora"])
    url = reverse("meeting", args=[meeting.pk])
    html = client.get(url).text
    # Who came is one tap away, folded; the new-topics button follows the agenda.
    assert "<details><summary>Add who came</summary>" in html
    assert before(html, "Save decision", "Add new topics since the agenda was drawn up")
    # After adding someone, the form is open again for the next person.
    added = client.post(url, {"step": "attendee", "name": "Thandi Dlamini", "sector": "ngo"})
    assert added.status_code == 302 and added.url == f"{url}?adding=1#who-h"
    assert Attendee.objects.filter(meeting=meeting, name="Thandi Dlamini").exists()
    assert "<details open><summary>Add who came</summary>" in client.get(f"{url}?adding=1").text


def test_the_action_queue_lists_the_children_before_the_teams_capacity(
    client, people, sunrise, child, wave
):
    assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes"},
        assessed_on=dt.date(2026, 3, 2),
    )
    html = sign_in(client, people["cora"]).get(reverse("school_queue", args=[sunrise.pk])).text
    assert before(html, 'id="now-h"', 'id="cap-h"')
    assert before(html, "Lwazi Mokoena", 'id="cap-h"')
