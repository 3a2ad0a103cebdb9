"""Offline sync attacked as an insider would (issue #10, holes 1 to 3): another person's record,
a changed questionnaire, a step back, a replay, a stale revision, ten at once, malformed and
oversized bodies. Each asserts the refusal and that the database did not change."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, RiskProfile
from cwtt.offline.pack import revision_of
from cwtt.offline.sync import sync_record
from tests.conftest import _person, make_child, sign_in
from tests.offline.test_sync import record as shared_record
from tests.offline.test_sync import send

pytestmark = pytest.mark.django_db

DAY = "2026-03-05"
# The social worker's caregiver interview: hungry (general), hit at home (protection) and
# the caregiver's thoughts of self-harm (health). A field worker reads general answers only.
DISCLOSURE = {"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes", "cg_dep9": "2"}


def record(kid, wave, **changes):
    """A caregiver questionnaire as a phone sends it, empty unless answers are given."""
    return shared_record(kid, wave, **{"answers": {}, **changes})


def snapshot():
    """Everything the attacks could change: every assessment and profile, field by field."""
    return (
        sorted(
            Assessment.objects.values_list(
                "uuid", "respondent", "status", "answers", "assessed_on", "assessor_id"
            ),
            key=str,
        ),
        sorted(RiskProfile.objects.values_list("child_id", "wave_id", "overall", "urgent")),
    )


@pytest.fixture
def disclosed(people, child, wave):
    """Sam (social worker) interviewed the caregiver, who disclosed harm: the child is urgent."""
    saved = assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers=DISCLOSURE,
        assessed_on=child.date_of_birth.replace(year=2026),
        assessor=people["sam"],
    ).assessment
    assert RiskProfile.objects.get(child=child, wave=wave).urgent
    return saved


def test_a_conflict_shows_a_field_worker_none_of_the_protection_or_health_answers(
    client, people, child, wave, disclosed
):
    sign_in(client, people["fiona"])
    before = snapshot()
    # An empty questionnaire is refused for its missing answers before anything is compared.
    status, body = send(client, record(child, wave))
    assert status == 422 and "cg_hit" not in json.dumps(body)
    status, body = send(client, record(child, wave, answers={"cg_meals": 4}))
    assert status == 409 and body["conflict"] == "also_done"
    text = json.dumps(body)
    for hidden in ("cg_hit", "cg_dep9"):
        assert hidden not in text
    assert body["server"]["answers"] == {"cg_meals": 1, "cg_hungry": "yes"}
    assert body["server"]["withheld"] == []  # of someone else's record, nothing more is said
    assert {q["name"] for q in body["questions"]} <= {"cg_meals", "cg_hungry", "cg_worries"}
    assert snapshot() == before
    shown = AuditEntry.objects.get(
        action="view", object_type="assessment", object_id=str(disclosed.uuid)
    )
    assert shown.actor == people["fiona"] and shown.child_id == child.pk
    assert shown.detail["answers_shown"] == ["cg_hungry", "cg_meals"]


def test_a_teacher_harvests_nothing_from_other_questionnaires(
    client, people, child, wave, disclosed
):
    sign_in(client, people["tumi"])
    teacher = record(child, wave, respondent="teacher", answers={"tc_abuse": "no"})
    assert send(client, teacher)[0] == 200
    # Sending the caregiver's questionnaire is not the teacher's to do: nothing comes back.
    status, body = send(client, record(child, wave))
    assert status == 403 and "cg_" not in json.dumps(body)


def test_someone_elses_record_cannot_be_overwritten_with_its_id_and_revision(
    client, people, child, wave, disclosed
):
    sign_in(client, people["fiona"])
    before = snapshot()
    attack = record(
        child,
        wave,
        uuid=str(disclosed.uuid),
        base_revision=revision_of(disclosed),
        status="draft",
        answers={},
    )
    status, body = send(client, attack)
    assert status == 403 and "someone else" in body["errors"]["uuid"]
    assert AuditEntry.objects.filter(
        action="refused", object_type="assessment", object_id=str(disclosed.uuid)
    ).exists()
    assert "cg_hit" not in json.dumps(body)
    # The same with the questionnaire submitted and new answers: refused as well.
    status, _ = send(client, dict(attack, status="submitted", answers={"cg_meals": 3}))
    assert status == 403
    assert snapshot() == before
    assert RiskProfile.objects.get(child=child, wave=wave).urgent


def test_a_record_cannot_become_another_questionnaire(client, people, child, wave):
    sign_in(client, people["fiona"])
    mine = record(child, wave, answers={"cg_meals": 1, "cg_hungry": "yes"})
    status, body = send(client, mine)
    assert status == 200
    before = snapshot()
    changed = dict(mine, respondent="child", answers={}, base_revision=body["revision"])
    status, body = send(client, changed)
    assert status == 403 and "cannot become another" in body["errors"]["respondent"]
    assert snapshot() == before


def test_a_sent_questionnaire_cannot_step_back_to_a_draft(client, people, child, wave):
    sign_in(client, people["fiona"])
    mine = record(child, wave, answers={"cg_meals": 1, "cg_hungry": "yes"})
    status, body = send(client, mine)
    before = snapshot()
    back = dict(mine, status="draft", answers={}, base_revision=body["revision"])
    status, body = send(client, back)
    assert status == 403 and "cannot go back to a draft" in body["errors"]["status"]
    assert snapshot() == before
    assert RiskProfile.objects.get(child=child, wave=wave).nutrition == "high"


def test_a_replay_changes_nothing_and_writes_no_audit_entry(client, people, child, wave):
    sign_in(client, people["fiona"])
    mine = record(child, wave, answers={"cg_meals": 1, "cg_hungry": "yes"})
    assert send(client, mine)[0] == 200
    before, entries = snapshot(), AuditEntry.objects.count()
    for _ in range(3):
        assert send(client, mine)[0] == 200
    assert snapshot() == before and AuditEntry.objects.count() == entries


def test_a_stale_revision_of_ones_own_record_shows_only_readable_answers(
    client, people, child, wave
):
    # Fiona captured the whole caregiver interview, protection and health included (writing is
    # wider than reading); it was changed on a computer meanwhile.
    sign_in(client, people["fiona"])
    mine = record(child, wave, status="draft", answers={"cg_meals": 3, "cg_hit": "yes"})
    status, body = send(client, mine)
    stale = body["revision"]
    assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 2, "cg_hit": "no"},
        assessed_on=child.date_of_birth.replace(year=2026),
        status="draft",
        uuid=mine["uuid"],
        assessor=people["fiona"],
    )
    before = snapshot()
    status, body = send(client, dict(mine, answers={"cg_meals": 5}, base_revision=stale))
    assert status == 409 and body["conflict"] == "changed"
    assert body["server"]["answers"] == {"cg_meals": 2}
    assert body["server"]["withheld"] == ["cg_hit"]  # her phone keeps its own answer for it
    assert snapshot() == before
    # She keeps her meals answer; the answer she was not shown stays as the server has it.
    resolved = dict(mine, answers={"cg_meals": 5}, base_revision=body["server"]["revision"])
    assert send(client, resolved)[0] == 200
    assert Assessment.objects.get(uuid=mine["uuid"]).answers == {"cg_meals": 5, "cg_hit": "no"}


def test_another_schools_wave_or_child_is_refused(client, people, child, other_child, wave):
    sign_in(client, people["fiona"])
    before = snapshot()
    assert send(client, record(other_child, wave))[0] == 404
    assert AuditEntry.objects.filter(
        action="refused", object_type="child", object_id=str(other_child.pk)
    ).exists()
    elsewhere = record(child, wave)
    elsewhere["wave"] = wave.pk + 999
    assert send(client, elsewhere)[0] == 422
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000,  # nested far beyond any questionnaire
        json.dumps({"a": "x" * 3_000_000}),  # over the upload limit
        "\xff\xfe not text",
        "",
    ],
    ids=["deeply-nested", "oversized", "not-utf8", "empty"],
)
def test_a_malformed_or_huge_body_gets_a_400_with_a_message(client, people, child, wave, body):
    sign_in(client, people["fiona"])
    before = snapshot()
    response = client.post(
        reverse("offline_sync"), body.encode("latin-1"), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]
    assert snapshot() == before


def test_keep_alongside_must_name_record_ids(client, people, child, wave, disclosed):
    sign_in(client, people["fiona"])
    before = snapshot()
    status, body = send(client, record(child, wave, keep_alongside=["not-an-id"]))
    assert status == 400 and "keep_alongside" in body["errors"]
    assert snapshot() == before


def test_an_interview_date_outside_the_wave_is_refused(client, people, child, wave):
    sign_in(client, people["fiona"])
    for day in ("2026-01-15", "2026-11-24"):  # before the wave; tomorrow (the future)
        status, body = send(client, record(child, wave, assessed_on=day))
        assert status == 422 and "assessed_on" in body["errors"]
    assert not Assessment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_fifty_phones_syncing_at_once_are_all_saved_none_told_the_database_is_locked(
    people, sunrise, wave
):
    phones = []
    for n in range(50):
        user = _person(f"phone{n}", Role.FIELD_WORKER, sunrise)
        kid = make_child(sunrise, first=f"Child{n}")
        phone = Client(raise_request_exception=False)
        sign_in(phone, user)
        phones.append((phone, record(kid, wave, answers={"cg_meals": 4})))
    start = threading.Barrier(len(phones))
    answers: list[int] = []

    def send_now(phone, data):
        try:
            start.wait()
            answers.append(send_status(phone, data))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send_now, args=phone) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(answers) == [200] * 50, sorted(answers)
    assert Assessment.objects.filter(wave=wave, status="submitted").count() == 50


def send_status(client, data) -> int:
    response = client.post(
        reverse("offline_sync"), json.dumps(data), content_type="application/json"
    )
    return response.status_code


@pytest.mark.django_db(transaction=True)
def test_ten_questionnaires_sent_at_once_for_one_child_keep_only_one(people, child, wave):
    field_workers = [_person(f"fw{n}", Role.FIELD_WORKER, child.school) for n in range(10)]
    start = threading.Barrier(len(field_workers))
    answers: list[int] = []

    def phone(user):
        try:
            start.wait()
            data = record(child, wave, answers={"cg_meals": 4})
            answers.append(sync_record(user, data).status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=phone, args=(user,)) for user in field_workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [200] + [409] * 9
    assert Assessment.objects.filter(child=child, wave=wave, status="submitted").count() == 1
