"""The capture form attacked as an insider would (issue #10, hole 2): a hidden `uuid` naming
someone else's record, a changed questionnaire, a step back to draft, a second questionnaire,
dates outside the wave. Each asserts the refusal and that the database did not change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, RiskProfile
from tests.conftest import TODAY, sign_in

pytestmark = pytest.mark.django_db

DISCLOSURE = {"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes", "cg_dep9": "2"}


def snapshot():
    return (
        sorted(
            Assessment.objects.values_list(
                "uuid", "respondent", "status", "answers", "assessor_id"
            ),
            key=str,
        ),
        sorted(RiskProfile.objects.values_list("child_id", "overall", "urgent")),
    )


@pytest.fixture
def disclosed(people, child, wave):
    return assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers=DISCLOSURE,
        assessed_on=dt.date(2026, 3, 2),
        assessor=people["sam"],
    ).assessment


def fionas_caregiver_interview(people, child, wave):
    return assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes"},
        assessed_on=dt.date(2026, 3, 2),
        assessor=people["fiona"],
    ).assessment


def post(client, child, respondent, wave, **fields):
    data = {"wave": wave.pk, "assessed_on": "2026-03-05", **fields}
    return client.post(reverse("capture", args=[child.pk, respondent]), data)


def test_a_hidden_uuid_naming_someone_elses_record_is_refused(
    client, people, child, wave, disclosed
):
    sign_in(client, people["fiona"])
    before = snapshot()
    response = post(client, child, "caregiver", wave, uuid=str(disclosed.uuid), save_draft="1")
    assert response.status_code == 200
    assert "captured by someone else" in response.content.decode()
    assert snapshot() == before
    assert RiskProfile.objects.get(child=child, wave=wave).urgent


def test_ones_own_record_cannot_become_another_questionnaire(client, people, child, wave):
    sign_in(client, people["fiona"])
    mine = fionas_caregiver_interview(people, child, wave)
    before = snapshot()
    response = post(client, child, "child", wave, uuid=str(mine.uuid))
    assert response.status_code in (200, 404)  # the mini instrument asks no child questions
    assert snapshot() == before


def test_a_sent_questionnaire_cannot_be_saved_back_as_a_draft(client, people, child, wave):
    sign_in(client, people["fiona"])
    mine = fionas_caregiver_interview(people, child, wave)
    before = snapshot()
    response = post(client, child, "caregiver", wave, uuid=str(mine.uuid), save_draft="1")
    assert "cannot go back to a draft" in response.content.decode()
    assert snapshot() == before


def test_a_second_caregiver_questionnaire_asks_before_keeping_both(
    client, people, child, wave, disclosed
):
    sign_in(client, people["fiona"])
    before = snapshot()
    response = post(client, child, "caregiver", wave, cg_meals="4")
    page = response.content.decode()
    assert "already sent on 2026-03-02" in page
    assert f'name="keep_alongside" value="{disclosed.uuid}"' in page
    assert snapshot() == before
    # Keeping both without saying why saves nothing and asks for the reason, the choice kept.
    form_uuid = response.context["uuid"]
    response = post(
        client,
        child,
        "caregiver",
        wave,
        cg_meals="4",
        keep_alongside=str(disclosed.uuid),
        uuid=form_uuid,
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Say why both questionnaires are kept" in page
    assert f'type="hidden" name="keep_alongside" value="{disclosed.uuid}"' in page
    assert snapshot() == before
    # She confirms it is the other caregiver's answers, and why: both are kept.
    response = post(
        client,
        child,
        "caregiver",
        wave,
        cg_meals="4",
        keep_alongside=str(disclosed.uuid),
        repeat_reason="The grandmother answered too",
        uuid=form_uuid,
    )
    assert response.status_code == 302
    assert Assessment.objects.filter(child=child, respondent="caregiver").count() == 2
    assert Assessment.objects.get(uuid=form_uuid).repeat_reason == "The grandmother answered too"


@pytest.mark.parametrize(
    "day, message",
    [
        ("2026-01-31", "must fall within the wave"),  # the day before the wave starts
        ((TODAY + dt.timedelta(days=1)).isoformat(), "in the future"),
    ],
)
def test_an_interview_date_outside_the_wave_is_refused(client, people, child, wave, day, message):
    sign_in(client, people["fiona"])
    response = post(client, child, "caregiver", wave, assessed_on=day, cg_meals="4")
    assert message in response.content.decode()
    assert not Assessment.objects.exists()


def test_the_interview_date_defaults_to_the_last_day_of_an_ended_wave(
    client, people, child, wave, clock
):
    clock.move_to(dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.UTC))
    sign_in(client, people["fiona"])
    response = client.get(reverse("capture", args=[child.pk, "caregiver"]))
    assert response.context["assessed_on"] == "2026-11-30"
