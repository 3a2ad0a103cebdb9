"""A questionnaire sent for a child who was registered twice and merged away (decision 0043):
saved on the kept record, through a chain of merges too, on every way in (ODK Collect, the
offline phone, the REST API, the capture page); the reply says so; the audit says it was
redirected. Refused, with nothing written, when the kept record is at a school the sender does
not work with, or when the kept child already has that questionnaire in the wave (decision 0054).
Class lists never offer a merged-away child.

People (tests/conftest.py): Fiona (field worker at Sunrise), Dora (data manager, merges).
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import AssessmentRefused, assessment_save
from cwtt.assessments.models import Assessment
from cwtt.interop.openrosa.forms import class_list, offered_forms
from cwtt.offline.pack import offline_pack
from cwtt.quality.merging import child_merge
from cwtt.registry.models import Child
from tests.conftest import make_child, sign_in
from tests.interop.collect import Collect, fill, instance_id_of
from tests.interop.test_api_attacks import send as api_body
from tests.offline.test_sync import record as phone_record

from ..attacks import unchanged  # noqa: TID252

pytestmark = pytest.mark.django_db

DAY = "2026-03-05"
SAME = "The same child, registered twice."
ANSWERS = {"cg_meals": "1", "cg_hungry": "yes"}


@pytest.fixture
def twice(sunrise, child, people):
    """Lwazi registered a second time at Sunrise, and merged into the first record."""
    duplicate = make_child(sunrise, first="Lwazi", last="Mokwena")
    child_merge(keep=child, duplicate=duplicate, by=people["dora"], reason=SAME)
    duplicate.refresh_from_db()
    return duplicate


@pytest.fixture
def kept_elsewhere(sunrise, hilltop, people):
    """A child registered at Sunrise and at Hilltop; the Hilltop record was kept."""
    at_sunrise = make_child(sunrise, first="Ayanda", last="Zulu", sex="F")
    at_hilltop = make_child(hilltop, first="Ayanda", last="Zulu", sex="F")
    child_merge(keep=at_hilltop, duplicate=at_sunrise, by=people["dora"], reason=SAME)
    at_sunrise.refresh_from_db()
    return at_sunrise, at_hilltop


def redirected_audit(child) -> AuditEntry:
    return AuditEntry.objects.get(
        action="create", object_type="assessment", detail__redirected_from_child=child.pk
    )


def first_questionnaire(child, wave, people):
    return assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 3},
        assessed_on=child.date_of_birth.replace(year=2026),
        assessor=people["fiona"],
    ).assessment


# --- the save itself ---------------------------------------------------------------------------


def test_a_chain_of_merges_is_followed_to_the_last_kept_record(sunrise, child, people, wave):
    first = make_child(sunrise, first="Lwazi", last="Mokwena")
    second = make_child(sunrise, first="Lwazi", last="Mokoena")
    child_merge(keep=second, duplicate=first, by=people["dora"], reason=SAME)
    child_merge(keep=child, duplicate=second, by=people["dora"], reason=SAME)
    first.refresh_from_db()
    saved = first_questionnaire(first, wave, people)
    assert saved.child == child
    assert redirected_audit(first).child_id == child.pk


def test_a_kept_record_out_of_the_senders_scope_is_refused(kept_elsewhere, wave, people):
    at_sunrise, _ = kept_elsewhere
    with unchanged(), pytest.raises(AssessmentRefused) as refused:
        first_questionnaire(at_sunrise, wave, people)
    assert "joined into one" in refused.value.errors["child"]


# --- ODK Collect --------------------------------------------------------------------------------


@pytest.fixture
def collect(client, people, wave):
    fiona = Collect(client, "fiona")
    listed = {f["formID"]: f for f in fiona.form_list()}
    return fiona, fiona.get(listed["mini_caregiver"]["downloadUrl"]).content.decode()


def test_collect_saves_on_the_kept_record_and_says_so(collect, child, twice):
    fiona, xform = collect
    xml = fill(xform, {"child_id": str(twice.pk), "cg_meals": "4"})
    response = fiona.send(xml)
    assert response.status_code == 201, response.content
    assert "joined into one" in response.content.decode()
    saved = Assessment.objects.get(uuid=instance_id_of(xml))
    assert saved.child == child
    assert redirected_audit(twice).object_id == str(saved.uuid)
    again = fiona.send(xml)  # Collect sends again when the reply was lost
    assert again.status_code == 202 and Assessment.objects.count() == 1


def test_collect_refuses_a_second_questionnaire_on_the_kept_record(
    collect, child, twice, wave, people
):
    first_questionnaire(child, wave, people)
    fiona, xform = collect
    with unchanged():
        response = fiona.send(fill(xform, {"child_id": str(twice.pk), "cg_meals": "4"}))
    assert response.status_code == 409 and "already sent" in response.content.decode()


def test_collect_refuses_a_kept_record_at_another_school(collect, kept_elsewhere):
    fiona, xform = collect
    at_sunrise, _ = kept_elsewhere
    with unchanged():
        response = fiona.send(fill(xform, {"child_id": str(at_sunrise.pk), "cg_meals": "4"}))
    assert response.status_code == 403 and "joined into one" in response.content.decode()


def test_collect_refuses_a_merged_away_child_of_another_school(
    collect, hilltop, other_child, people
):
    fiona, xform = collect
    gone = make_child(hilltop, first="Ayanda", last="Zulu", sex="F")
    child_merge(keep=other_child, duplicate=gone, by=people["dora"], reason=SAME)
    with unchanged():
        response = fiona.send(fill(xform, {"child_id": str(gone.pk), "cg_meals": "4"}))
    assert response.status_code == 403 and "class list" in response.content.decode()


def test_class_lists_and_the_phone_pack_never_offer_a_merged_away_child(people, child, twice, wave):
    fiona = people["fiona"]
    listed = {c.pk for form in offered_forms(fiona) for c in class_list(fiona, form)}
    assert child.pk in listed and twice.pk not in listed
    pack = offline_pack(fiona)
    on_phone = {kid["id"] for s in pack["schools"] for c in s["classes"] for kid in c["children"]}
    assert child.pk in on_phone and twice.pk not in on_phone


# --- the offline phone -------------------------------------------------------------------------


def sync(client, data):
    response = client.post(
        reverse("offline_sync"), json.dumps(data), content_type="application/json"
    )
    return response.status_code, response.json()


def test_the_phone_saves_on_the_kept_record_and_is_told_to_move_its_copy(
    client, people, child, twice, wave
):
    sign_in(client, people["fiona"])
    sent = phone_record(twice, wave)
    status, body = sync(client, sent)
    assert status == 200, body
    assert body["moved_to"] == child.pk and "joined into one" in body["message"]
    assert Assessment.objects.get(uuid=sent["uuid"]).child == child
    assert redirected_audit(twice)
    status, body = sync(client, sent)  # a retry after a lost reply
    assert status == 200 and body["moved_to"] == child.pk
    assert Assessment.objects.count() == 1


def test_the_phone_is_refused_a_kept_record_at_another_school(client, people, kept_elsewhere, wave):
    sign_in(client, people["fiona"])
    at_sunrise, _ = kept_elsewhere
    with unchanged():
        status, body = sync(client, phone_record(at_sunrise, wave))
    assert status == 403 and "joined into one" in body["errors"]["child"]


def test_the_phone_is_asked_about_a_second_questionnaire_on_the_kept_record(
    client, people, child, twice, wave
):
    first_questionnaire(child, wave, people)
    sign_in(client, people["fiona"])
    with unchanged():
        status, body = sync(client, phone_record(twice, wave))
    assert status == 409 and body["conflict"] == "also_done"


# --- the REST API -------------------------------------------------------------------------------


def test_the_api_saves_on_the_kept_record_and_names_it(api, child, twice, wave):
    client = api("fiona")
    sent = api_body(twice)
    response = client.post("assessments/", sent)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["child"] == child.pk and "joined into one" in body["note"]
    assert Assessment.objects.get(uuid=sent["uuid"]).child == child
    assert redirected_audit(twice)
    again = client.post("assessments/", sent)
    assert again.status_code == 200 and again.json()["child"] == child.pk


def test_the_api_refuses_a_kept_record_at_another_school(api, kept_elsewhere, wave):
    at_sunrise, _ = kept_elsewhere
    client = api("fiona")
    with unchanged():
        response = client.post("assessments/", api_body(at_sunrise))
    assert response.status_code == 403 and "joined into one" in str(response.json())


def test_the_api_refuses_a_second_questionnaire_on_the_kept_record(api, child, twice, wave, people):
    first_questionnaire(child, wave, people)
    client = api("fiona")
    with unchanged():
        response = client.post("assessments/", api_body(twice))
    assert response.status_code == 409


# --- the capture page ---------------------------------------------------------------------------


def test_the_capture_page_saves_on_the_kept_record_and_says_so(client, people, child, twice, wave):
    sign_in(client, people["fiona"])
    url = reverse("capture", args=[twice.pk, "caregiver"])
    opened = client.get(url)
    assert opened.status_code == 302
    assert opened.url.startswith(reverse("capture", args=[child.pk, "caregiver"]))
    # A page opened before the merge is sent after it.
    response = client.post(
        url,
        {"uuid": str(uuid.uuid4()), "wave": wave.pk, "assessed_on": DAY, **ANSWERS},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("child", args=[child.pk])
    assert any("joined into one" in str(m) for m in response.context["messages"])
    assert Assessment.objects.get().child == child
    assert redirected_audit(twice)


def test_the_capture_page_refuses_a_kept_record_at_another_school(
    client, people, kept_elsewhere, wave
):
    sign_in(client, people["fiona"])
    at_sunrise, _ = kept_elsewhere
    url = reverse("capture", args=[at_sunrise.pk, "caregiver"])
    with unchanged():
        response = client.post(
            url, {"uuid": str(uuid.uuid4()), "wave": wave.pk, "assessed_on": DAY, **ANSWERS}
        )
    assert response.status_code == 302 and not Assessment.objects.exists()


def test_a_child_merged_between_the_senders_checks_and_the_save_is_refused(
    sunrise, child, people, wave
):
    duplicate = make_child(sunrise, first="Lwazi", last="Mokwena")
    read_before = Child.objects.get(pk=duplicate.pk)  # the sender's read, still "active"
    child_merge(keep=child, duplicate=duplicate, by=people["dora"], reason=SAME)
    with unchanged(), pytest.raises(AssessmentRefused) as refused:
        assessment_save(  # a draft: the consent that moved with the merge is not asked for
            child=read_before,
            wave=wave,
            respondent="caregiver",
            answers={"cg_meals": 3},
            assessed_on=child.date_of_birth.replace(year=2026),
            status="draft",
            assessor=people["fiona"],
        )
    assert "Send it again" in refused.value.errors["child"]
