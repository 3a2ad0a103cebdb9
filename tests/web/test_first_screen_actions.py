"""The page's main action comes before its long content, so a phone shows it on the first
screen (issue #13; found by the role journeys in tests/browser/test_role_days.py, which measure
it at 360 px on a 400-learner school). Here, the order in the page: the action first, the
record after it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.corrections import correction_request
from cwtt.meetings.actions import meeting_create
from cwtt.meetings.models import Attendee

from ..cases.conftest import case_at  # noqa: TID252 - shared test helper
from ..conftest import make_child, sign_in  # noqa: TID252 - shared test helpers
from ..quality.conftest import plant  # noqa: TID252 - shared test helper

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


def _sent(child, wave, people, meals=3):
    return assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": meals},
        assessed_on=dt.date(2026, 3, 2),
        assessor=people["fiona"],
    ).assessment


def test_data_quality_starts_with_the_work_and_keeps_the_tables_after_it(
    client, people, sunrise, wave
):
    """The counts link to each list; answers to check, corrections to decide and possible
    duplicates come before the completeness tables; a long list shows 10, the rest one tap
    away (decision 0050)."""
    for n in range(12):  # 12 answers the instrument refuses (at most 6 meals)
        plant(make_child(sunrise, first=f"Child{n:02d}"), wave, "caregiver", {"cg_meals": 9})
    sent = _sent(make_child(sunrise, first="Corrected"), wave, people)
    correction_request(
        assessment=sent, answers={"cg_meals": 4}, reason="Typed wrongly", by=people["fiona"]
    )
    html = sign_in(client, people["dora"]).get(reverse("quality")).text
    summary = html.index('aria-label="At a glance"')
    assert "<strong>12</strong> answers to check" in html
    assert "<strong>1</strong> correction to decide" in html
    for anchor in ("problems-h", "corrections-h", "duplicates-h", "complete-h", "volume-h"):
        assert summary < html.index(f'href="#{anchor}"') < html.index(f'id="{anchor}"'), anchor
    order = [
        'id="problems-h"',
        "Open the questionnaire",
        'id="corrections-h"',
        f'href="/assessments/{sent.uuid}/"',
        'id="duplicates-h"',
        'id="complete-h"',
        'id="assessors-h"',
        'id="volume-h"',
    ]
    assert [html.index(mark) for mark in order] == sorted(html.index(m) for m in order)
    # Ten answers to check on the first screen's list, two more one tap away.
    listed, more = html.split('<details class="more-rows">', 1)
    assert listed.split('id="problems-h"')[1].count('<li class="task">') == 10
    assert more.startswith("<summary>Show 2 more</summary>")


def test_data_quality_lists_only_the_corrections_the_reader_may_decide(
    client, people, sunrise, wave
):
    sent = _sent(make_child(sunrise), wave, people)
    correction_request(
        assessment=sent, answers={"cg_meals": 4}, reason="Typed wrongly", by=people["cora"]
    )
    link = f'href="/assessments/{sent.uuid}/"'
    assert link in sign_in(client, people["dora"]).get(reverse("quality")).text
    # Who asked for it does not decide it: a second person does.
    html = sign_in(client, people["cora"]).get(reverse("quality")).text
    assert link not in html
    assert "No correction waits for your decision." in html
