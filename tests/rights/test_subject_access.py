"""Subject access: everything held on a child, as JSON and as a readable PDF, for the
information officer (data manager) only, and every export audited."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile

import pytest
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.assessments.models import Assessment
from cwtt.registry.models import Child
from cwtt.rights.subject_access import child_record, record_html, reverse_relations

from ..conftest import sign_in  # noqa: TID252 - shared test helper
from .conftest import run

pytestmark = pytest.mark.django_db


def sections(record):
    return {section["key"]: section for section in record["sections"]}


def pdf_text(pdf: bytes, child: Child) -> str:
    """The PDF's text: from pdftotext when installed, else from the pages WeasyPrint laid out
    for the same record (the PDF's own text streams are compressed glyph ids)."""
    if shutil.which("pdftotext"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(pdf)
            file.flush()
            return subprocess.run(
                ["pdftotext", file.name, "-"], capture_output=True, check=True, text=True
            ).stdout
    from weasyprint import HTML

    document = HTML(string=record_html(child_record(child))).render()
    assert len(document.pages) >= 1
    return " ".join(
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if hasattr(box, "text")
    )


def test_the_json_record_holds_every_related_record(client, people, assessed_child):
    sign_in(client, people["dora"])
    response = client.get(reverse("child_record_json", args=[assessed_child.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    record = json.loads(response.content)
    found = sections(record)
    # Every model pointing at Child has its section, found by walking the relations.
    for rel in reverse_relations(Child):
        assert rel.related_model._meta.label_lower in found
    child = found["child"]["records"][0]["fields"]
    assert child["First name"] == "Lwazi" and child["Date of birth"] == "2018-03-14"
    assert child["School"] == "Sunrise Primary" and child["Sex"] == "Male"
    assert found["household"]["records"][0]["fields"]["Address"] == "12 Test Street"
    caregiver = found["registry.childcaregiver"]["records"][0]["fields"]
    assert (caregiver["First name"], caregiver["Relation"]) == ("Grace", "Mother")
    assessments = found["assessments.assessment"]["records"]
    assert len(assessments) == 2
    answers = {
        row["Question"]: row["Answer"] for a in assessments for row in a["tables"]["Answers"]
    }
    assert answers["Went to bed hungry?"] == "Yes"
    assert answers["Anything else the family wants us to know?"] == "Lwazi's uncle Sipho drinks"
    reasons = [
        r["Reason"] for r in found["assessments.riskprofile"]["records"][0]["tables"]["Reasons"]
    ]
    # The whole record, protection details included: it is what the caregiver may ask for.
    assert "Nurse saw signs of abuse" in reasons and "Fewer than two meals yesterday" in reasons
    audit = found["audit"]["records"]
    assert {"Created"} <= {entry["fields"]["What"] for entry in audit}
    assert all(entry["fields"]["When"][:4].isdigit() for entry in audit)


def test_the_record_shows_the_answers_in_words_and_not_the_codes_packed_from_them(
    assessed_child,
):
    Assessment.objects.filter(child=assessed_child).update(answer_codes=bytes(range(8)))
    record = sections(child_record(assessed_child))
    for assessment in record["assessments.assessment"]["records"]:
        assert "Answer codes" not in assessment["fields"]
        assert assessment["tables"]["Answers"]
    assert "bytes of binary data" not in json.dumps(record)


def test_a_model_added_later_is_in_the_record_without_code_for_it(
    client, people, assessed_child, later_models
):
    LaterNote, LaterConsent, LaterMeeting = later_models
    LaterNote.objects.create(child=assessed_child, text="Seen crying at break")
    meeting = LaterMeeting.objects.create(minutes="Agreed a home visit")
    meeting.children.add(assessed_child)
    LaterConsent.objects.create(
        child=assessed_child, caregiver=assessed_child.caregivers.first(), agreed=True
    )
    found = sections(child_record(assessed_child))
    notes = found["rights.laternote"]["records"]  # its relation is hidden (related_name="+")
    assert notes[0]["fields"]["What was noted"] == "Seen crying at break"
    consent = found["rights.laterconsent"]
    assert consent["title"] == "Later consents"
    assert consent["records"][0]["fields"]["Agreed to take part"] is True
    assert consent["records"][0]["fields"]["Caregiver"] == "Grace Mokoena"
    meetings = found["rights.latermeeting"]["records"]  # through a many-to-many relation
    assert meetings[0]["fields"] == {"ID": meeting.pk, "Minutes": "Agreed a home visit"}


def test_the_pdf_is_a_readable_pdf_named_without_the_child(client, people, assessed_child):
    sign_in(client, people["dora"])
    response = client.get(reverse("child_record_pdf", args=[assessed_child.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert f'filename="child-record-{assessed_child.pk}.pdf"' in disposition
    assert "Lwazi" not in disposition and "Mokoena" not in disposition
    assert "no-store" in response.get("Cache-Control", "")
    text = pdf_text(response.content, assessed_child)
    assert "Lwazi Mokoena" in text
    assert "This is everything the Child Wellbeing Tracking Tool holds about" in text
    assert "Nurse saw signs of abuse" in text


def test_the_record_page_offers_both_downloads_to_the_data_manager(client, people, assessed_child):
    sign_in(client, people["dora"])
    page = client.get(reverse("child_record", args=[assessed_child.pk])).content.decode()
    assert "Download as PDF" in page and "Download as JSON" in page
    assert reverse("child_record_pdf", args=[assessed_child.pk]) in page
    assert "style=" not in page.split('<main id="main">')[1]


@pytest.mark.parametrize("who", ["tumi", "cora", "sam", "fiona", "nandi"])
def test_school_staff_who_see_the_child_are_told_plainly_they_cannot_export(
    client, people, assessed_child, who
):
    sign_in(client, people[who])
    for name in ["child_record", "child_record_pdf", "child_record_json"]:
        response = client.get(reverse(name, args=[assessed_child.pk]))
        assert response.status_code == 403
        assert b"Only the information officer" in response.content
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


@pytest.mark.parametrize("who", ["dumi", "nobody"])
def test_people_who_do_not_see_the_child_get_not_found(client, people, assessed_child, who):
    sign_in(client, people[who])
    for name in ["child_record", "child_record_pdf", "child_record_json"]:
        assert client.get(reverse(name, args=[assessed_child.pk])).status_code == 404


def test_a_child_of_another_school_is_not_found_for_a_teacher(client, people, other_child):
    sign_in(client, people["tumi"])
    assert client.get(reverse("child_record_pdf", args=[other_child.pk])).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, assessed_child):
    response = client.get(reverse("child_record_json", args=[assessed_child.pk]))
    assert response.status_code == 302


def test_every_export_is_audited(client, people, assessed_child):
    sign_in(client, people["dora"])
    client.get(reverse("child_record_json", args=[assessed_child.pk]))
    client.get(reverse("child_record_pdf", args=[assessed_child.pk]))
    exports = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).order_by("id")
    assert [(e.actor, e.object_type, e.object_id, e.child_id, e.detail) for e in exports] == [
        (people["dora"], "child_record", str(assessed_child.pk), assessed_child.pk, {"format": f})
        for f in ["json", "pdf"]
    ]


def test_the_command_writes_the_record_for_its_owner_only_and_audits_it(assessed_child, tmp_path):
    target = tmp_path / "record.json"
    output, status = run(
        "child", "export", str(assessed_child.pk), "--format", "json", "--output", str(target)
    )
    assert status == 0
    assert f"child {assessed_child.pk}" in output and "Lwazi" not in output
    assert json.loads(target.read_text())["name"] == "Lwazi Mokoena"
    assert os.stat(target).st_mode & 0o077 == 0
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert (entry.actor_name, entry.child_id, entry.detail) == (
        "command line",
        assessed_child.pk,
        {"format": "json"},
    )
    pdf = tmp_path / "record.pdf"
    assert (
        run("child", "export", str(assessed_child.pk), "--format", "pdf", "--output", str(pdf))[1]
        == 0
    )
    assert pdf.read_bytes().startswith(b"%PDF")


def test_the_command_says_when_there_is_no_such_child(tmp_path, db):
    output, status = run(
        "child", "export", "999", "--format", "json", "--output", str(tmp_path / "x")
    )
    assert status == 1 and "no child with record number 999" in output
