"""A questionnaire's history on its page: who started and sent it and when, each correction
asked for and decided with its reason, and the answers changed only as far as the reader may
read them; read in the same number of queries however many corrections it has."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cwtt.access.roles import Role
from cwtt.assessments.actions import assessment_save
from cwtt.assessments.corrections import correction_request, correction_review
from tests.conftest import _person, sign_in

pytestmark = pytest.mark.django_db


def _sent(people, child, wave):
    uuid = str(uuid_module.uuid4())
    assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1},
        assessed_on=dt.date(2026, 3, 2),
        status="draft",
        uuid=uuid,
        assessor=people["fiona"],
    )
    return assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes"},
        assessed_on=dt.date(2026, 3, 2),
        uuid=uuid,
        assessor=people["fiona"],
    ).assessment


def _corrections(people, assessment, n):
    """`n` decided corrections, alternately approved and rejected, on meals then back."""
    for i in range(n):
        assessment.refresh_from_db()
        meals = assessment.answers["cg_meals"]
        correction = correction_request(
            assessment=assessment,
            answers={"cg_meals": 2 if meals == 1 else 1, "cg_hungry": "yes"},
            reason=f"Reason number {i}",
            by=people["fiona"],
        )
        approve = i % 2 == 0
        correction_review(
            correction=correction,
            approve=approve,
            by=people["cora"],
            comment="" if approve else f"Not so, said the caregiver {i}",
        )


def test_the_history_names_who_started_sent_and_corrected_it_with_reasons(
    client, people, child, wave
):
    sent = _sent(people, child, wave)
    _corrections(people, sent, 2)
    sign_in(client, people["cora"])
    text = client.get(reverse("assessment", args=[sent.uuid])).content.decode()
    history = text[text.index('id="history-h"') :]
    for said in (
        "Started as a draft",
        "Sent",
        "Correction asked for",
        "Reason number 0",
        "Correction approved: the answers were changed",
        "Correction rejected: the answers stayed as they were",
        "Not so, said the caregiver 1",
        "Meals yesterday: 1 → 2",
        "Fiona",
        "Cora",
    ):
        assert said in history, said
    # In the order it happened: started before sent before the first correction.
    assert (
        history.index("Started as a draft")
        < history.index("Sent")
        < history.index("Reason number 0")
        < history.index("Reason number 1")
    )


def test_the_history_hides_answers_the_reader_may_not_read(client, people, child, wave, sunrise):
    sent = _sent(people, child, wave)
    correction = correction_request(
        assessment=sent,
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "no"},
        reason="Misheard the answer about home",
        by=people["sam"],
    )
    # Another social worker, who may read protection answers, approves it.
    colleague = _person("sibu", Role.SOCIAL_WORKER, sunrise, sector="social_development")
    correction_review(correction=correction, approve=True, by=colleague)
    # The field worker may not read the protection answer: she sees that a correction was
    # asked for and decided, not what it changes, nor its reason, which may tell the answer in
    # words (decision 0064).
    sign_in(client, people["fiona"])
    text = client.get(reverse("assessment", args=[sent.uuid])).content.decode()
    history = text[text.index('id="history-h"') :]
    assert "Misheard the answer about home" not in history
    assert "Its reason is shown only to people who may read every answer it changes." in history
    assert "It changes answers that are not shown to your role." in history
    assert "hit at home" not in history
    client.logout()
    sign_in(client, people["sam"])
    text = client.get(reverse("assessment", args=[sent.uuid])).content.decode()
    assert "Yes → No" in text[text.index('id="history-h"') :]
    assert "Misheard the answer about home" in text


def test_a_waiting_corrections_changes_are_shown_once_with_its_review(client, people, child, wave):
    sent = _sent(people, child, wave)
    correction_request(
        assessment=sent,
        answers={"cg_meals": 2, "cg_hungry": "yes"},
        reason="Typed 1 for 2",
        by=people["fiona"],
    )
    sign_in(client, people["cora"])
    text = client.get(reverse("assessment", args=[sent.uuid])).content.decode()
    assert text.count("Meals yesterday: 1 → 2") == 1
    assert "Approve and change the answers" in text
    assert "see above: a second person decides" in text[text.index('id="history-h"') :]


def _page_queries(client, people, child, wave, corrections):
    sent = _sent(people, child, wave)
    _corrections(people, sent, corrections)
    sign_in(client, people["cora"])
    url = reverse("assessment", args=[sent.uuid])
    client.get(url)  # warm the instrument caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_with_one_or_ten_corrections(
    client, people, child, wave, child_factory, sunrise
):
    one = _page_queries(client, people, child, wave, 1)
    client.logout()
    ten = _page_queries(client, people, child_factory(sunrise, first="Zola"), wave, 10)
    assert one == ten
