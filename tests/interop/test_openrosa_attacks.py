"""The OpenRosa submission attacked (issue #12, item 3): no credentials, a revoked key, bad or
hostile XML, an unknown form or version, another school's child, a child who does not exist,
another person's instanceID, the same instanceID with other content, a questionnaire the role
does not capture, an oversized body. Each asserts the refusal and that the database did not
change."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment
from cwtt.instruments.actions import instrument_publish
from cwtt.interop.openrosa.actions import device_add, device_revoke
from tests.attacks import at_once, unchanged
from tests.conftest import FIXTURES
from tests.interop.collect import Collect, fill, instance_id_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def fiona(client, people, wave):
    return Collect(client, "fiona")


@pytest.fixture
def xform(fiona):
    listed = {f["formID"]: f for f in fiona.form_list()}
    return fiona.get(listed["mini_caregiver"]["downloadUrl"]).content.decode()


def good(child):
    return {"child_id": str(child.pk), "cg_meals": "4"}


def message(response) -> str:
    return response.content.decode()


def test_a_submission_without_credentials_is_challenged(client, fiona, xform, child):
    xml = fill(xform, good(child))
    with unchanged():
        response = client.post(
            "/submission",
            {"xml_submission_file": SimpleUploadedFile("f.xml", xml, content_type="text/xml")},
        )
    assert response.status_code == 401 and "Basic" in response["WWW-Authenticate"]
    assert not Assessment.objects.exists()


def test_a_revoked_device_key_sends_nothing(client, fiona, xform, child):
    made = device_add(username="fiona", name="Lost phone")
    phone = Collect(client, "fiona", made.key)
    device_revoke(device_id=made.device.pk)
    with unchanged():
        response = phone.client.post(
            "/submission",
            {
                "xml_submission_file": SimpleUploadedFile(
                    "f.xml", fill(xform, good(child)), content_type="text/xml"
                )
            },
            **phone.headers(),
        )
    assert response.status_code == 401 and "withdrawn" in message(response)
    assert AuditEntry.objects.filter(action="sign_in_failed", object_type="device_key").exists()


def test_a_key_works_only_with_its_own_username(client, fiona, xform, child, people):
    made = device_add(username="tumi", name="Tumi's phone")
    with unchanged():
        assert Collect(client, "fiona", made.key).head().status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        b"<data id='mini_caregiver' version='1'><child_id>1",  # cut off
        b"not xml at all",
        b"",
        # A billion laughs: defusedxml refuses entities before expanding them.
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<data id='mini_caregiver' version='1'><child_id>&lol2;</child_id></data>",
        # An external entity that would read a server file.
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<data id='mini_caregiver' version='1'><child_id>&x;</child_id></data>",
    ],
)
def test_bad_or_hostile_xml_is_refused(fiona, child, body):
    with unchanged():
        response = fiona.send(body)
    assert response.status_code == 400 and "not readable XML" in message(response)


@pytest.mark.parametrize(
    ("form_id", "version"),
    [("mini_caregiver", "2"), ("mini_caregiver", ""), ("other_caregiver", "1"), ("mini", "1")],
)
def test_an_unknown_form_or_version_is_refused(fiona, xform, child, form_id, version):
    xml = fill(xform, good(child)).replace(b'id="mini_caregiver"', f'id="{form_id}"'.encode())
    xml = xml.replace(b'version="1"', f'version="{version}"'.encode())
    with unchanged():
        response = fiona.send(xml)
    assert response.status_code == 400 and "no form" in message(response)


def test_a_form_without_an_instance_id_is_refused(fiona, xform, child):
    xml = fill(xform, good(child), instance_id="not-a-uuid")
    with unchanged():
        response = fiona.send(xml)
    assert response.status_code == 400 and "instanceID" in message(response)


@pytest.mark.parametrize("which", ["another school", "no such child", "not a number"])
def test_a_child_off_the_class_list_is_refused(fiona, xform, child, other_child, which):
    asked = {"another school": other_child.pk, "no such child": 999_999, "not a number": "1 OR 1"}
    xml = fill(xform, {**good(child), "child_id": str(asked[which])})
    before = AuditEntry.objects.filter(action="refused").count()
    with unchanged():
        response = fiona.send(xml)
    assert response.status_code == 403 and "class list" in message(response)
    assert AuditEntry.objects.filter(action="refused").count() == before + 1


def test_a_questionnaire_the_role_does_not_capture_is_refused(client, people, wave, child):
    cora = Collect(client, "cora")
    listed = {f["formID"]: f for f in cora.form_list()}
    teacher_form = cora.get(listed["mini_teacher"]["downloadUrl"]).content.decode()
    xml = fill(teacher_form, {"child_id": str(child.pk), "tc_abuse": "yes"})
    with unchanged():
        response = Collect(client, "fiona").send(xml)  # a field worker as the teacher
    assert response.status_code == 403


def test_another_persons_instance_id_is_refused_and_their_record_kept(
    people, fiona, xform, child, wave
):
    theirs = assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes"},
        assessed_on=child.date_of_birth.replace(year=2026),
        assessor=people["sam"],
    ).assessment
    xml = fill(xform, good(child), instance_id=f"uuid:{theirs.uuid}")
    with unchanged():
        response = fiona.send(xml)
    assert response.status_code == 409 and "someone else" in message(response)
    assert "cg_hit" not in message(response)  # nothing of their record is shown
    assert AuditEntry.objects.filter(
        action="refused", actor=people["fiona"], object_id=str(theirs.uuid)
    ).exists()


def test_the_same_instance_id_with_other_content_is_a_conflict(fiona, xform, child):
    xml = fill(xform, good(child))
    assert fiona.send(xml).status_code == 201
    changed = fill(
        xform, {**good(child), "cg_meals": "2", "cg_hungry": "no"}, f"uuid:{instance_id_of(xml)}"
    )
    with unchanged():
        response = fiona.send(changed)
    assert response.status_code == 409
    assert Assessment.objects.get().answers == {"cg_meals": 4}


def test_a_second_caregiver_questionnaire_for_the_child_is_a_conflict(fiona, xform, child):
    assert fiona.send(fill(xform, good(child))).status_code == 201
    with unchanged():
        response = fiona.send(fill(xform, good(child)))  # a new instanceID: filled in again
    assert response.status_code == 409 and "already sent" in message(response)


def test_answers_outside_the_instruments_rules_are_refused_by_name(fiona, xform, child):
    with unchanged():
        response = fiona.send(fill(xform, {**good(child), "cg_meals": "9"}))
    assert response.status_code == 400
    assert "cg_meals: Between 0 and 6 meals" in message(response)


def test_an_oversized_body_is_refused_before_it_is_read(settings, fiona, xform, child):
    settings.CWTT_OPENROSA_MAX_BYTES = 4096
    assert fiona.head()["X-OpenRosa-Accept-Content-Length"] == "4096"
    photo = SimpleUploadedFile("photo.jpg", b"\xff" * 8000, content_type="image/jpeg")
    with unchanged():
        response = fiona.send(fill(xform, good(child)), photo=photo)
    assert response.status_code == 413


def test_a_body_without_the_submission_part_is_refused(fiona, child):
    with unchanged():
        response = fiona.client.post(
            "/submission",
            {"other": SimpleUploadedFile("f.xml", b"<data/>", content_type="text/xml")},
            **fiona.headers(),
        )
        not_multipart = fiona.client.post(
            "/submission", b"<data/>", content_type="text/xml", **fiona.headers()
        )
    assert response.status_code == 400 and "xml_submission_file" in message(response)
    assert not_multipart.status_code == 400


def test_forms_of_a_role_that_captures_nothing_are_not_served(client, people, wave, fiona):
    url = fiona.form_list()[0]["downloadUrl"]
    dumi = Collect(client, "dumi")
    refused = dumi.get(url)
    assert refused.status_code == 404 and refused["X-OpenRosa-Version"] == "1.0"
    assert dumi.get(url.replace("form.xml", "children.csv")).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_same_form_sent_twice_at_once_is_saved_once(people, child, wave):
    """Collect's retry can overlap the first send when the answer was slow: one 201, one 202."""
    from cwtt.interop.openrosa.forms import offered_forms
    from cwtt.interop.openrosa.submission import receive

    xform = offered_forms(people["fiona"])[0].xform.xml
    xml = fill(xform, good(child))
    results = at_once(
        lambda: receive(people["fiona"], xml).status,
        lambda: receive(people["fiona"], xml).status,
    )
    assert sorted(results) == [201, 202]
    assert Assessment.objects.filter(uuid=instance_id_of(xml)).count() == 1


def test_a_version_no_wave_at_the_childs_school_uses_is_refused(fiona, xform, child):
    source = (FIXTURES / "mini.md").read_bytes().replace(b"| t1 |", b"| t2 |")
    assert instrument_publish(data=source, filename="mini.md").version.number == 2
    xml = fill(xform, good(child)).replace(b'version="1"', b'version="2"')
    with unchanged():
        response = fiona.send(xml)
    assert response.status_code == 400 and "No assessment wave" in message(response)


def test_a_password_of_a_role_with_a_second_factor_is_refused_as_a_wrong_one(client, people):
    right = Collect(client, "sam").get("/formList")
    wrong = Collect(client, "sam", "not-the-password").get("/formList")
    assert right.status_code == wrong.status_code == 401
    assert right.content == wrong.content
