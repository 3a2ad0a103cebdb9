"""Attacks on the API's one write, sending a questionnaire (POST /api/v1/assessments/): another
school's child, a questionnaire the role does not capture, another person's record, a replay, a
stale revision, a step back from submitted, a session without its CSRF token, malformed,
deeply nested and oversized bodies. Each asserts the refusal AND that the database did not
change (tests/attacks.py).

Who (tests/conftest.py, tests/interop/conftest.py): Fiona (field worker) and Sue (social
worker) both capture caregiver questionnaires at Sunrise; Tumi teaches there; Hilda coordinates
Hilltop and may not learn that a Sunrise child exists.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client

from cwtt.access.models import AuditEntry
from cwtt.assessments.models import Assessment, RiskProfile

from ..attacks import NOT_A_NUMBER, ONE_MEGABYTE, audit_changes, unchanged
from ..conftest import sign_in

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 2)


def send(about, **changes) -> dict:
    body = {
        "uuid": str(uuid.uuid4()),
        "child": about.pk,
        "respondent": "caregiver",
        "answers": {"cg_meals": 1, "cg_hungry": "yes"},
        "assessed_on": DAY.isoformat(),
        "status": "submitted",
    }
    body.update(changes)
    return body


def test_a_questionnaire_is_saved_scored_and_audited(people, api, child, wave):
    response = api("fiona").post("assessments/", send(child))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["created"] and body["risk_updated"]
    saved = Assessment.objects.get(uuid=body["uuid"])
    assert (saved.assessor, saved.status, saved.wave) == (people["fiona"], "submitted", wave)
    assert RiskProfile.objects.get(child=child, wave=wave).nutrition == "high"
    assert audit_changes(action="create", object_type="assessment", object_id=body["uuid"]) == 1


def test_a_replay_changes_nothing(people, api, child, wave):
    body = send(child)
    client = api("fiona")
    assert client.post("assessments/", body).status_code == 201
    with unchanged():
        again = client.post("assessments/", body)
    assert again.status_code == 200
    assert again.json()["changed"] is False and again.json()["created"] is False
    assert Assessment.objects.filter(child=child).count() == 1


def test_another_schools_child_is_not_found(people, api, child, other_child, wave):
    client = api("fiona")
    with unchanged():
        response = client.post("assessments/", send(other_child))
    assert response.status_code == 404
    assert other_child.first_name not in response.content.decode()
    assert AuditEntry.objects.filter(action="refused", actor=people["fiona"]).exists()


def test_hilltops_coordinator_cannot_send_for_a_sunrise_child(people, api, child, wave):
    client = api("hilda")
    with unchanged():
        assert client.post("assessments/", send(child)).status_code == 404


def test_a_questionnaire_the_role_does_not_capture_is_refused(people, api, child, wave):
    client = api("tumi")
    with unchanged():
        response = client.post("assessments/", send(child))
    assert response.status_code == 403
    assert "respondent" in response.json()["errors"]


def test_an_area_role_cannot_send(people, api, child, wave):
    client = api("dumi")
    with unchanged():
        assert client.post("assessments/", send(child)).status_code == 404


def test_another_persons_record_cannot_be_changed(people, api, child, wave):
    body = send(child, status="draft")
    created = api("fiona").post("assessments/", body).json()
    client = api("sue")
    with unchanged():
        response = client.post(
            "assessments/",
            {**body, "answers": {"cg_meals": 5}, "base_revision": created["revision"]},
        )
    assert response.status_code == 403
    assert "someone else" in response.json()["errors"]["uuid"]


def test_a_stale_revision_is_refused(people, api, child, wave, clock):
    client = api("fiona")
    body = send(child, status="draft")
    first = client.post("assessments/", body).json()
    clock.shift(dt.timedelta(minutes=5))
    second = client.post(
        "assessments/",
        {**body, "answers": {"cg_meals": 2}, "base_revision": first["revision"]},
    )
    assert second.status_code == 200 and second.json()["changed"], second.json()
    clock.shift(dt.timedelta(minutes=5))
    with unchanged():
        stale = client.post(
            "assessments/",
            {**body, "answers": {"cg_meals": 4}, "base_revision": first["revision"]},
        )
        missing = client.post("assessments/", {**body, "answers": {"cg_meals": 4}})
    assert stale.status_code == missing.status_code == 409
    assert "base_revision" in stale.json()["errors"]
    assert Assessment.objects.get(uuid=body["uuid"]).answers == {"cg_meals": 2}


def test_a_sent_questionnaire_cannot_go_back_to_a_draft(people, api, child, wave):
    client = api("fiona")
    body = send(child)
    saved = client.post("assessments/", body).json()
    with unchanged():
        response = client.post(
            "assessments/", {**body, "status": "draft", "base_revision": saved["revision"]}
        )
    assert response.status_code == 403
    assert "status" in response.json()["errors"]


def test_an_id_of_another_childs_record_is_refused(people, api, child, child_factory, wave):
    client = api("fiona")
    body = send(child)
    client.post("assessments/", body)
    sibling = child_factory(child.school, first="Sipho")
    with unchanged():
        response = client.post("assessments/", {**body, "child": sibling.pk})
    assert response.status_code == 409


def test_a_second_questionnaire_of_the_same_kind_asks_the_sender(people, api, child, wave):
    api("fiona").post("assessments/", send(child))
    client = api("sue")
    with unchanged():
        response = client.post("assessments/", send(child))
    assert response.status_code == 409
    assert response.json()["already_sent"]


def test_wrong_answers_are_named_and_nothing_is_saved(people, api, child, wave):
    client = api("fiona")
    with unchanged():
        response = client.post("assessments/", send(child, answers={"cg_meals": 40}))
    assert response.status_code == 400
    assert response.json()["errors"]["cg_meals"] == "Between 0 and 6 meals"


def test_a_wave_that_does_not_cover_the_school_is_refused(people, api, child, wave):
    from cwtt.assessments.models import Wave

    elsewhere = Wave.objects.create(
        name="Elsewhere",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=wave.instrument_version,
    )
    elsewhere.schools.set([wave.schools.exclude(pk=child.school_id).get()])
    client = api("fiona")
    with unchanged():
        response = client.post("assessments/", send(child, wave=elsewhere.pk))
    assert response.status_code == 400
    assert "wave" in response.json()["errors"]


def test_another_childs_caregiver_is_refused_as_informant(people, api, child, other_child, wave):
    stranger = other_child.caregivers.get()
    client = api("fiona")
    with unchanged():
        response = client.post("assessments/", send(child, informant_caregiver=stranger.pk))
    assert response.status_code == 400
    assert "informant_caregiver" in response.json()["errors"]


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        "[" * 100_000,  # deeper than the parser can go
        '{"uuid": NaN}',
        "",
        b"\xff\xfe not utf-8",
    ],
    ids=["broken", "nested", "nan", "empty", "not-utf8"],
)
def test_a_malformed_body_is_refused(people, api, child, wave, body):
    client = api("fiona")
    with unchanged():
        response = client.post("assessments/", body, raw=True)
    assert response.status_code == 400, response.content[:200]


@pytest.mark.parametrize(
    "changes",
    [
        {"child": NOT_A_NUMBER},
        {"child": -1},
        {"uuid": "not-a-uuid"},
        {"answers": ["cg_meals", 1]},
        {"assessed_on": "yesterday"},
        {"respondent": "headmaster"},
        {"status": "verified"},
        {"keep_alongside": "everything"},
    ],
)
def test_wrong_types_are_refused_with_the_field_named(people, api, child, wave, changes):
    client = api("fiona")
    with unchanged():
        response = client.post("assessments/", send(child, **changes))
    assert response.status_code == 400
    assert set(changes) <= set(response.json()["errors"])


def test_a_huge_body_is_refused_before_it_is_read(people, api, child, wave):
    client = api("fiona")
    with unchanged():
        response = client.post(
            "assessments/", send(child, answers={"cg_meals": 1, "note": ONE_MEGABYTE})
        )
    assert response.status_code == 413


def test_a_browser_session_needs_its_csrf_token_to_write(people, child, wave):
    client = sign_in(Client(enforce_csrf_checks=True), people["fiona"])
    import json

    with unchanged():
        response = client.post(
            "/api/v1/assessments/", json.dumps(send(child)), content_type="application/json"
        )
    assert response.status_code == 403
    assert "CSRF" in response.json()["errors"]["detail"]


def test_a_revoked_token_writes_nothing(people, api, child, wave):
    from cwtt.access.actions import api_token_revoke

    client = api("fiona")
    api_token_revoke(username="fiona")
    with unchanged():
        assert client.post("assessments/", send(child)).status_code == 401


def test_answers_the_sender_may_not_read_back_are_kept_when_they_change_their_draft(
    people, api, child, wave
):
    client = api("tumi")
    body = send(
        child, respondent="teacher", status="draft", answers={"tc_abuse": "yes", "tc_absent": 1}
    )
    first = client.post("assessments/", body).json()
    # What the teacher reads back holds no abuse answer; she changes the absences only.
    assert client.get(f"assessments/{body['uuid']}/").json()["answers"] == {"tc_absent": 1}
    changed = client.post(
        "assessments/",
        {**body, "answers": {"tc_absent": 3}, "base_revision": first["revision"]},
    )
    assert changed.status_code == 200, changed.json()
    assert Assessment.objects.get(uuid=body["uuid"]).answers == {"tc_abuse": "yes", "tc_absent": 3}
