"""Sending what a phone captured offline: each record once, conflicts shown, never overwritten."""

import datetime as dt
import json
import uuid

import pytest
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, RiskProfile
from tests.conftest import make_child, sign_in

pytestmark = pytest.mark.django_db

DAY = "2026-03-05"


def record(kid, wave, **changes):
    data = {
        "uuid": str(uuid.uuid4()),
        "child": kid.pk,
        "wave": wave.pk,
        "respondent": "caregiver",
        "answers": {"cg_meals": 1, "cg_hungry": "yes"},
        "assessed_on": DAY,
        "status": "submitted",
        "base_revision": None,
    }
    data.update(changes)
    return data


def send(client, data):
    response = client.post(
        reverse("offline_sync"), json.dumps(data), content_type="application/json"
    )
    return response.status_code, response.json()


def test_a_finished_assessment_is_saved_and_the_risk_profile_updated(client, people, child, wave):
    sign_in(client, people["fiona"])
    status, body = send(client, record(child, wave))
    assert status == 200 and body["risk_updated"] is True
    saved = Assessment.objects.get(uuid=body["saved"])
    assert saved.status == "submitted" and saved.assessor == people["fiona"]
    assert RiskProfile.objects.get(child=child, wave=wave).nutrition == "high"


def test_a_retry_with_the_same_id_changes_nothing(client, people, child, wave):
    sign_in(client, people["fiona"])
    data = record(child, wave)
    first = send(client, data)
    again = send(client, data)  # the phone never heard the first answer and sends it again
    assert first[0] == again[0] == 200
    assert first[1]["revision"] == again[1]["revision"]
    assert Assessment.objects.count() == 1


def test_a_record_changed_on_the_server_meanwhile_is_a_conflict_and_nothing_is_written(
    client, people, child, wave
):
    sign_in(client, people["fiona"])
    draft = record(child, wave, status="draft", answers={"cg_meals": 3})
    status, body = send(client, draft)
    assert status == 200
    base = body["revision"]
    # Meanwhile the same draft is changed on a computer.
    assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 2},
        assessed_on=child.date_of_birth.replace(year=2026),
        status="draft",
        uuid=draft["uuid"],
        assessor=people["fiona"],
    )
    phone = dict(draft, answers={"cg_meals": 5}, status="submitted", base_revision=base)
    status, body = send(client, phone)
    assert status == 409 and body["conflict"] == "changed"
    assert body["server"]["answers"] == {"cg_meals": 2}
    assert any(
        q["name"] == "cg_meals" and q["label"] == "Meals yesterday" for q in body["questions"]
    )
    assert Assessment.objects.get(uuid=draft["uuid"]).answers == {"cg_meals": 2}
    # Having seen the server's version, the person keeps their own answer.
    resolved = dict(phone, base_revision=body["server"]["revision"])
    status, body = send(client, resolved)
    assert status == 200
    assert Assessment.objects.get(uuid=draft["uuid"]).answers == {"cg_meals": 5}


def test_a_second_finished_questionnaire_for_the_same_child_asks_before_keeping_both(
    client, people, child, wave
):
    sign_in(client, people["fiona"])
    assert send(client, record(child, wave))[0] == 200
    other = record(child, wave, answers={"cg_meals": 4})
    status, body = send(client, other)
    assert status == 409 and body["conflict"] == "also_done"
    assert Assessment.objects.count() == 1
    # Keeping both needs a reason (decision 0054): without one, nothing is saved.
    status, refused = send(client, dict(other, keep_alongside=[body["server"]["uuid"]]))
    assert status == 422 and "repeat_reason" in refused["errors"]
    assert Assessment.objects.count() == 1
    status, _ = send(
        client,
        dict(other, keep_alongside=[body["server"]["uuid"]], repeat_reason="The grandmother"),
    )
    assert status == 200 and Assessment.objects.count() == 2
    assert Assessment.objects.get(uuid=other["uuid"]).repeat_reason == "The grandmother"


def test_wrong_answers_come_back_by_question_and_nothing_is_saved(client, people, child, wave):
    sign_in(client, people["fiona"])
    status, body = send(client, record(child, wave, answers={"cg_meals": 9}))
    assert status == 422 and body["errors"]["cg_meals"] == "Between 0 and 6 meals"
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"uuid": "not-a-uuid"}, "uuid"),
        ({"child": "7"}, "child"),
        ({"answers": []}, "answers"),
        ({"status": "verified"}, "status"),
        ({"assessed_on": "5 March"}, "assessed_on"),
        ({"base_revision": 5}, "base_revision"),
    ],
)
def test_a_malformed_record_says_what_is_wrong(client, people, child, wave, change, field):
    sign_in(client, people["fiona"])
    status, body = send(client, {**record(child, wave), **change})
    assert status == 400 and field in body["errors"]
    assert not Assessment.objects.exists()


def test_not_json_is_refused_with_a_message(client, people):
    sign_in(client, people["fiona"])
    response = client.post(reverse("offline_sync"), "{oops", content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["errors"]["record"]


def test_a_child_of_another_school_is_not_found(client, people, other_child, wave):
    sign_in(client, people["fiona"])
    status, body = send(client, record(other_child, wave))
    assert status == 404 and "Hilltop" not in json.dumps(body)
    assert not Assessment.objects.exists()


def test_a_questionnaire_outside_the_role_is_refused(client, people, child, wave):
    sign_in(client, people["tumi"])  # a teacher does not interview caregivers
    status, _ = send(client, record(child, wave))
    assert status == 403
    assert not Assessment.objects.exists()


def test_without_consent_only_a_draft_is_kept(client, people, sunrise, wave):
    refused = make_child(sunrise, first="Ayanda", consent=False)
    sign_in(client, people["fiona"])
    status, body = send(client, record(refused, wave))
    assert status == 422 and "consent" in body["errors"]
    assert send(client, record(refused, wave, status="draft"))[0] == 200


def test_the_pack_holds_the_class_lists_and_forms_and_each_child_is_audited(
    client, people, child, other_child, wave
):
    sign_in(client, people["fiona"])
    response = client.get(reverse("offline_pack"))
    assert response.status_code == 200
    pack = response.json()
    names = [k["name"] for s in pack["schools"] for c in s["classes"] for k in c["children"]]
    assert names == [child.full_name]  # not Hilltop's child
    # A field worker interviews caregivers and children; this instrument asks no child questions.
    assert [r[0] for r in pack["respondents"]] == ["caregiver"]
    form = pack["forms"][f"{wave.instrument_version_id}:caregiver:"]
    assert "Meals yesterday" in form and "data-relevant" in form
    # Limits travel with the form, so the phone marks an answer outside them at once.
    assert 'data-constraint-message="Between 0 and 6 meals"' in form
    assert "Concerned about abuse?" not in form  # the teacher's questions are not hers
    assert AuditEntry.objects.filter(
        action="export", object_type="offline_pack", child_id=child.pk
    ).exists()
    assert not AuditEntry.objects.filter(
        child_id=other_child.pk, object_type="offline_pack"
    ).exists()


def test_the_pack_carries_the_persons_own_drafts(client, people, child, wave):
    sign_in(client, people["fiona"])
    send(client, record(child, wave, status="draft", answers={"cg_meals": 3}))
    pack = client.get(reverse("offline_pack")).json()
    assert [d["answers"] for d in pack["drafts"]] == [{"cg_meals": 3}]


def test_unlock_checks_the_password_and_counts_failures(client, people):
    sign_in(client, people["fiona"])
    bad = client.post(reverse("offline_unlock"), {"password": "wrong"})
    assert bad.status_code == 400 and "not your password" in bad.json()["errors"]["password"]
    from tests.conftest import PASSWORD

    assert client.post(reverse("offline_unlock"), {"password": PASSWORD}).status_code == 200


def test_roles_that_do_not_capture_get_no_pack(client, people):
    sign_in(client, people["dumi"])
    assert client.get(reverse("offline_pack")).status_code == 403
    assert client.get(reverse("offline")).status_code == 403


def test_the_service_worker_and_manifest_are_served_without_sign_in(client):
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker["Service-Worker-Allowed"] == "/"
    assert "/offline/" in worker.content.decode()
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"


def test_signing_out_tells_the_browser_to_forget_the_devices_data(client, people):
    sign_in(client, people["fiona"])
    response = client.post(reverse("logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_the_pack_has_each_questionnaire_in_every_language_of_the_instrument(
    client, people, child, default_version
):
    from cwtt.assessments.models import Wave

    wave = Wave.objects.create(
        name="Wave 2",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=default_version,
    )
    sign_in(client, people["fiona"])
    pack = client.get(reverse("offline_pack")).json()
    assert ["zu", "isiZulu"] in pack["languages"]
    english = pack["forms"][f"{default_version.pk}:caregiver:"]
    zulu = pack["forms"][f"{default_version.pk}:caregiver:zu"]
    assert "was the child sick" in english
    assert "ingane ike yagula yini" in zulu
    assert wave.pk in [w["id"] for w in pack["waves"]]
