"""ODK Collect's conversation with the OpenRosa server (issue #12, item 3): sign-in, the form
list a person's role and schools give, the XForm pyxform builds, the class list in the manifest,
and a finished form becoming an assessment like any other."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client

from cwtt.access.models import AuditEntry
from cwtt.assessments.models import Assessment, RiskProfile, Wave
from cwtt.consent.models import ConsentDecision
from cwtt.instruments.actions import instrument_publish
from cwtt.interop.models import DeviceKey
from cwtt.interop.openrosa.actions import device_add
from cwtt.interop.openrosa.collect import read_qr_payload
from tests.conftest import FIXTURES, make_child
from tests.interop.collect import XFORMS, Collect, fill, instance_id_of
from tests.quality.conftest import valid_answers

pytestmark = pytest.mark.django_db

CAREGIVER = {"child_id": None, "cg_meals": "1", "cg_hungry": "yes", "cg_worries": "dark school"}


def caregiver_form(collect: Collect) -> str:
    listed = {f["formID"]: f for f in collect.form_list()}
    return collect.get(listed["mini_caregiver"]["downloadUrl"]).content.decode()


def answers_for(child, **changes) -> dict[str, str]:
    return {**CAREGIVER, "child_id": str(child.pk), **changes}


def test_without_credentials_collect_is_challenged_to_sign_in(client, people, wave):
    for response in (client.get("/formList"), client.head("/submission")):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith('Basic realm="CWTT"')
        assert response["X-OpenRosa-Version"] == "1.0"
        assert "sessionid" not in response.cookies


def test_a_field_worker_is_offered_the_caregiver_questionnaire_of_the_wave(client, people, wave):
    forms = Collect(client, "fiona").form_list()
    assert [(f["formID"], f["version"]) for f in forms] == [("mini_caregiver", "1")]
    form = forms[0]
    assert form["name"] == "Mini test instrument: Caregiver"
    assert form["downloadUrl"].startswith("http://testserver/openrosa/forms/mini_caregiver/1/")
    assert form["manifestUrl"].endswith("/openrosa/forms/mini_caregiver/1/manifest")
    xform = Collect(client, "fiona").get(form["downloadUrl"])
    assert xform["X-OpenRosa-Version"] == "1.0"
    assert "no-store" in xform["Cache-Control"] and "sessionid" not in xform.cookies
    assert form["hash"] == "md5:" + hashlib.md5(xform.content).hexdigest()


def test_each_role_is_offered_only_the_questionnaires_it_captures(client, people, wave):
    offered = {
        name: [f["formID"] for f in Collect(client, name).form_list()]
        for name in ("tumi", "nandi", "cora", "dumi")
    }
    assert offered == {
        "tumi": ["mini_teacher"],
        "nandi": ["mini_nurse"],
        "cora": ["mini_caregiver", "mini_nurse", "mini_teacher"],
        "dumi": [],  # a district official captures nothing
    }


def test_the_xform_holds_the_questionnaire_the_child_from_the_class_list_and_an_instance_id(
    client, people, wave
):
    root = ET.fromstring(caregiver_form(Collect(client, "fiona")))
    data = next(iter(root.find(f".//{XFORMS}model/{XFORMS}instance")))
    assert data.get("id") == "mini_caregiver" and data.get("version") == "1"
    names = [e.tag.removeprefix(XFORMS) for e in data.iter()]
    assert names[:3] == ["data", "child_id", "assessed_on"]
    assert {"cg_meals", "cg_hungry", "meta", "instanceID"} <= set(names)
    assert not {"tc_abuse", "ns_height", "ns_abuse"} & set(names)  # other questionnaires
    external = root.find(f".//{XFORMS}instance[@id='children']")
    assert external.get("src") == "jr://file-csv/children.csv"


def test_the_manifest_brings_the_class_list_of_children_the_person_may_assess(
    client, people, sunrise, child, other_child, wave
):
    unconsented = make_child(sunrise, first="Thabo", last="Dlamini", consent=False)
    collect = Collect(client, "fiona")
    form = collect.form_list()[0]
    (media,) = collect.manifest(form["manifestUrl"])
    assert media["filename"] == "children.csv"
    before = AuditEntry.objects.filter(action="export").count()
    listed = collect.get(media["downloadUrl"])
    assert media["hash"] == "md5:" + hashlib.md5(listed.content).hexdigest()
    rows = list(csv.DictReader(io.StringIO(listed.content.decode())))
    assert rows == [{"name": str(child.pk), "label": "Lwazi Mokoena (2A, Sunrise Primary)"}]
    assert unconsented.pk not in {int(r["name"]) for r in rows}  # consent not on record yet
    # Taking the names to a phone is audited per child, as for the offline pack.
    exported = AuditEntry.objects.filter(action="export").order_by("pk")[before:]
    assert [(e.child_id, e.object_type) for e in exported] == [(child.pk, "openrosa_class_list")]


def test_the_class_list_changes_its_hash_when_a_child_joins(client, people, sunrise, child, wave):
    collect = Collect(client, "fiona")
    url = collect.form_list()[0]["manifestUrl"]
    first = collect.manifest(url)[0]["hash"]
    make_child(sunrise, first="Ayanda", last="Khumalo")
    assert collect.manifest(url)[0]["hash"] != first


def test_head_submission_says_how_much_it_takes(client, people, wave):
    response = Collect(client, "fiona").head()
    assert response.status_code == 204
    assert response["X-OpenRosa-Version"] == "1.0"
    assert int(response["X-OpenRosa-Accept-Content-Length"]) == 10 * 1024 * 1024


def test_a_finished_form_becomes_a_scored_audited_assessment(client, people, child, wave):
    collect = Collect(client, "fiona")
    xml = fill(caregiver_form(collect), answers_for(child))
    response = collect.send(xml)
    assert response.status_code == 201, response.content
    assert response["X-OpenRosa-Version"] == "1.0"
    body = ET.fromstring(response.content)
    assert body.tag == "{http://openrosa.org/http/response}OpenRosaResponse"
    assert "saved" in body[0].text
    saved = Assessment.objects.get(uuid=instance_id_of(xml))
    assert (saved.child, saved.wave, saved.respondent) == (child, wave, "caregiver")
    assert saved.assessor == people["fiona"] and saved.status == "submitted"
    assert saved.answers == {"cg_meals": 1, "cg_hungry": "yes", "cg_worries": ["dark", "school"]}
    assert saved.assessed_on.isoformat() == "2026-11-23"
    profile = RiskProfile.objects.get(child=child, wave=wave)
    assert profile.nutrition == "high" and profile.psychosocial == "moderate"
    assert AuditEntry.objects.filter(
        action="create", object_type="assessment", object_id=str(saved.uuid), actor=people["fiona"]
    ).exists()


def test_a_wave_that_has_ended_is_still_offered_as_on_the_capture_page(
    client, people, child, wave, clock
):
    """Late interviews: the capture page and the offline pack offer a wave once it has started,
    ended or not; the interview date must still fall inside the wave."""
    clock.move_to(dt.datetime(2026, 12, 10, 9, tzinfo=dt.UTC))  # Wave 1 ended on 30 November
    collect = Collect(client, "fiona")
    assert [f["formID"] for f in collect.form_list()] == ["mini_caregiver"]
    late = fill(caregiver_form(collect), answers_for(child, assessed_on="2026-12-10"))
    assert collect.send(late).status_code == 400
    assert not Assessment.objects.filter(child=child).exists()
    inside = fill(caregiver_form(collect), answers_for(child, assessed_on="2026-11-27"))
    assert collect.send(inside).status_code == 201
    assert Assessment.objects.get(child=child).assessed_on == dt.date(2026, 11, 27)


def test_a_retry_of_the_same_form_is_accepted_once(client, people, child, wave):
    collect = Collect(client, "fiona")
    xml = fill(caregiver_form(collect), answers_for(child))
    assert collect.send(xml).status_code == 201
    again = collect.send(xml)  # Collect never heard the first answer
    assert again.status_code == 202
    assert Assessment.objects.count() == 1


def test_a_teachers_questionnaire_names_the_teacher_as_informant(client, people, child, wave):
    collect = Collect(client, "tumi")
    listed = {f["formID"]: f for f in collect.form_list()}
    xform = collect.get(listed["mini_teacher"]["downloadUrl"]).content.decode()
    xml = fill(xform, {"child_id": str(child.pk), "tc_abuse": "yes", "tc_absent": "6"})
    assert collect.send(xml).status_code == 201
    saved = Assessment.objects.get(uuid=instance_id_of(xml))
    assert saved.informant_staff == people["tumi"].staff
    assert RiskProfile.objects.get(child=child, wave=wave).protection == "high"


def test_a_role_with_a_second_factor_signs_in_with_a_device_key_not_its_password(
    client, people, wave
):
    refused = Collect(client, "sam").get("/formList")  # the right password
    assert refused.status_code == 401
    made = device_add(username="sam", name="Sam's tablet")
    assert [f["formID"] for f in Collect(client, "sam", made.key).form_list()] == ["mini_caregiver"]
    device = DeviceKey.objects.get(pk=made.device.pk)
    assert device.last_used_at is not None and made.key not in device.key_hash
    assert AuditEntry.objects.filter(
        action="sign_in", actor=people["sam"], object_type="device_key"
    ).exists()


def test_a_wrong_password_counts_towards_the_lockout(client, people, wave):
    wrong = Collect(client, "fiona", "not-the-password")
    assert [wrong.get("/formList").status_code for _attempt in range(5)] == [401] * 4 + [429]
    locked = Collect(client, "fiona").get("/formList")  # now even the right one is refused
    assert locked.status_code == 429
    assert not Assessment.objects.exists()


def test_device_add_prints_a_qr_code_collect_reads_and_list_and_revoke_work(client, people, wave):
    out = io.StringIO()
    call_command(
        "device",
        "add",
        "fiona",
        "--name",
        "Tablet 3",
        "--server-url",
        "https://cwtt.example.org/",
        stdout=out,
    )
    text = out.getvalue()
    key = next(line.split()[-1] for line in text.splitlines() if "Key:" in line)
    assert "Server URL: https://cwtt.example.org\n" in text
    assert sum(text.count(c) for c in "▀▄█") > 100  # the QR code, drawn in the terminal
    device = DeviceKey.objects.get(user=people["fiona"])
    assert AuditEntry.objects.filter(
        action="create", object_type="device_key", object_id=str(device.pk)
    ).exists()
    assert Collect(client, "fiona", key).get("/formList").status_code == 200

    out = io.StringIO()
    call_command("device", "list", stdout=out)
    assert "Tablet 3" in out.getvalue() and "active" in out.getvalue()
    assert key not in out.getvalue()

    call_command("device", "revoke", str(device.pk), stdout=io.StringIO())
    assert Collect(client, "fiona", key).get("/formList").status_code == 401
    assert AuditEntry.objects.filter(
        action="change", object_type="device_key", object_id=str(device.pk)
    ).exists()


def test_the_qr_code_holds_collects_settings(people):
    from cwtt.interop.openrosa.collect import collect_settings, qr_payload

    settings = collect_settings(
        server_url="https://cwtt.example.org/", username="fiona", key="k3y", project="CWTT"
    )
    read = read_qr_payload(qr_payload(settings))
    assert read["general"] == {
        "server_url": "https://cwtt.example.org",
        "username": "fiona",
        "password": "k3y",
        "autosend": "wifi_and_cellular",
    }
    assert read["project"]["name"] == "CWTT"


def test_the_default_instrument_comes_to_collect_and_back_as_an_assessment(
    client, people, child, default_version
):
    """Done means (issue #12): a field worker's ODK Collect fetches the default instrument and
    its finished form appears as an assessment."""
    wave = Wave.objects.create(
        name="Default wave",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 12, 15),
        instrument_version=default_version,
    )
    coordinator = Collect(client, "cora")
    assert {f["formID"] for f in coordinator.form_list()} == {
        "cwtt_caregiver",
        "cwtt_teacher",
        "cwtt_nurse",
    }
    collect = Collect(client, "fiona")
    (form,) = collect.form_list()
    xform = collect.get(form["downloadUrl"]).content.decode()
    assert 'lang="isiZulu (zu)"' in xform  # the instrument's translations come along
    answers = valid_answers(default_version, "caregiver")
    typed = {k: " ".join(v) if isinstance(v, list) else str(v) for k, v in answers.items()}
    xml = fill(xform, {**typed, "child_id": str(child.pk)})
    response = collect.send(xml)
    assert response.status_code == 201, response.content
    saved = Assessment.objects.get(uuid=instance_id_of(xml))
    assert saved.wave == wave and saved.answers == answers
    assert RiskProfile.objects.filter(child=child, wave=wave).exists()


def test_consent_withdrawn_after_the_class_list_was_taken_refuses_the_form(
    client, people, child, wave
):
    collect = Collect(client, "fiona")
    xml = fill(caregiver_form(collect), answers_for(child))
    ConsentDecision.objects.filter(child=child).delete()
    response = collect.send(xml)
    assert response.status_code == 400 and b"consent" in response.content
    assert not Assessment.objects.exists()


CROSS_REFERENCE = b"""| settings |
| | form_id | form_title | version |
| | cross | Cross test | t1 |
| survey |
| | type | name | label | respondent | relevant | domain | indicator |
| | begin group | cg | Caregiver | caregiver | | | |
| | integer | cg_meals | Meals yesterday | | | nutrition | food_quantity |
| | end group | | | | | | |
| | begin group | tc | Teacher | teacher | | | |
| | integer | tc_absent | Days absent | | ${cg_meals} < 2 | education | attendance |
| | end group | | | | | | |
"""


def test_a_questionnaire_pyxform_cannot_convert_alone_leaves_the_others_listed(
    client, people, sunrise
):
    """The teacher's question reads the caregiver's answer, which the teacher's form lacks."""
    version = instrument_publish(data=CROSS_REFERENCE, filename="cross.md").version
    Wave.objects.create(
        name="Cross wave",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 12, 15),
        instrument_version=version,
    )
    assert [f["formID"] for f in Collect(client, "cora").form_list()] == ["cross_caregiver"]


def test_collect_needs_no_form_token_to_send(people, child, wave):
    """Collect has no CSRF token: it proves who it is on every request instead."""
    collect = Collect(Client(enforce_csrf_checks=True), "fiona")
    xml = fill(caregiver_form(collect), answers_for(child))
    assert collect.send(xml).status_code == 201


def test_a_new_version_is_offered_as_an_update_and_the_old_forms_still_arrive(
    client, people, child, wave
):
    """A form filled in on version 1 before Collect updated still counts while its wave runs."""
    collect = Collect(client, "cora")
    old_xml = fill(caregiver_form(collect), answers_for(child))
    source = (FIXTURES / "mini.md").read_bytes().replace(b"| mini | Mini", b"| mini | New mini")
    newer = instrument_publish(data=source, filename="mini.md").version
    Wave.objects.create(
        name="Wave 2",
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 12, 15),
        instrument_version=newer,
    )
    listed = {f["formID"]: f for f in collect.form_list()}
    assert listed["mini_caregiver"]["version"] == "2"  # same form, newer version
    assert listed["mini_caregiver"]["name"] == "New mini test instrument: Caregiver"
    assert collect.send(old_xml).status_code == 201
    saved = Assessment.objects.get(uuid=instance_id_of(old_xml))
    assert (saved.wave, saved.instrument_version.number) == (wave, 1)
