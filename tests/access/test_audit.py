"""The audit trail: what is recorded, and that tampering is detected."""

import datetime as dt
import io
import uuid

import pytest
from django.core.management import call_command
from django.urls import reverse

from cwtt.access.audit import audit_record, audit_seal, verify_chain
from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import assessment_save

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password-42"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return out.getvalue() + err.getvalue(), code


def actions():
    return list(AuditEntry.objects.values_list("action", flat=True))


def test_sign_in_and_failed_sign_in_are_recorded(client, people):
    client.post(reverse("login"), {"username": "tumi", "password": "wrong"})
    client.post(reverse("login"), {"username": "tumi", "password": PASSWORD})
    entries = list(AuditEntry.objects.all())
    assert [(e.action, e.actor_name) for e in entries] == [
        ("sign_in_failed", "tumi"),
        ("sign_in", "tumi"),
    ]
    assert entries[1].actor == people["tumi"]


def test_viewing_a_child_is_recorded_and_reported_for_that_child(client, people, child):
    client.force_login(people["cora"])
    client.get(reverse("child", args=[child.pk]))
    entry = AuditEntry.objects.get(action="view")
    assert (entry.actor, entry.child_id, entry.object_type) == (people["cora"], child.pk, "child")
    output, code = run("audit", "report", "--child", str(child.pk))
    assert code == 0 and "cora" in output and "Viewed" in output and "1 entries" in output


def test_a_refused_view_is_not_recorded_as_a_view(client, people, other_child):
    client.force_login(people["tumi"])
    assert client.get(reverse("child", args=[other_child.pk])).status_code == 404
    assert "view" not in actions()


def test_assessment_changes_are_recorded_with_before_and_after(child, wave, people):
    client_id = uuid.uuid4()
    common = {
        "child": child,
        "wave": wave,
        "respondent": "caregiver",
        "assessed_on": dt.date(2026, 3, 1),
        "uuid": client_id,
        "assessor": people["fiona"],
    }
    assessment_save(answers={"cg_meals": 3}, **common)
    assessment_save(answers={"cg_meals": 3}, **common)  # a retry: no change, no entry
    assessment_save(answers={"cg_meals": 4}, **common)
    create, change = AuditEntry.objects.filter(object_type="assessment")
    assert (create.action, create.detail["before"], create.detail["after"]["answers"]) == (
        "create",
        None,
        {"cg_meals": 3},
    )
    assert change.action == "change"
    assert change.detail["before"]["answers"] == {"cg_meals": 3} and change.detail["after"][
        "answers"
    ] == {"cg_meals": 4}
    assert change.actor == people["fiona"] and change.child_id == child.pk


def make_trail(child, wave):
    """Three entries (one questionnaire created, then changed twice), sealed: numbered 1 to 3
    and checkpointed outside the database."""
    record = uuid.uuid4()
    for meals in (3, 4, 5):
        assessment_save(
            child=child,
            wave=wave,
            respondent="caregiver",
            answers={"cg_meals": meals},
            assessed_on=dt.date(2026, 3, 1),
            uuid=record,
        )
    assert audit_seal().sealed == 3


def test_an_intact_trail_verifies(child, wave):
    make_trail(child, wave)
    output, code = run("audit", "verify")
    assert code == 0 and "intact: 3 entries, 3 sealed; 1 checkpoint(s)" in output


def test_entries_not_yet_sealed_verify_and_are_counted(child, wave):
    make_trail(child, wave)
    audit_record(action=AuditEntry.Action.EXPORT, object_type="report", child_id=child.pk)
    output, code = run("audit", "verify")
    assert code == 0 and "intact: 4 entries, 3 sealed" in output
    assert "1 entries are not sealed yet" in output
    output, code = run("audit", "seal")
    assert code == 0 and "Sealed 1 entries; the chain has 4; checkpoint written" in output


def test_an_edited_entry_is_detected(child, wave):
    make_trail(child, wave)
    # .update() goes straight to the database, as someone with database access could.
    AuditEntry.objects.filter(sequence=2).update(detail={"after": {"answers": {"cg_meals": 0}}})
    output, code = run("audit", "verify")
    assert code == 1
    assert "entry 2: its detail was changed after it was written" in output


def test_an_edited_digest_or_field_is_detected(child, wave):
    make_trail(child, wave)
    AuditEntry.objects.filter(sequence=2).update(detail_digest="0" * 64)
    AuditEntry.objects.filter(sequence=3).update(actor_name="someone else")
    problems = {(p.where, p.message) for p in verify_chain()}
    assert ("entry 2", "its content was changed after it was written") in problems
    assert ("entry 3", "its content was changed after it was written") in problems


def test_erasing_a_childs_details_keeps_the_chain_verifiable(child, other_child, wave):
    from cwtt.access.audit import audit_erase_details

    make_trail(child, wave)
    assessment_save(
        child=other_child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 4},
        assessed_on=dt.date(2026, 3, 2),
    )
    assert audit_erase_details(child.pk, reason="erasure request 2026-11") == 3
    for entry in AuditEntry.objects.filter(child_id=child.pk).exclude(object_type="audit_detail"):
        assert entry.detail == {} and entry.detail_erased_at is not None
        assert entry.action and entry.at  # who did what and when stays
    assert AuditEntry.objects.get(child_id=other_child.pk).detail != {}
    assert list(verify_chain()) == []
    output, code = run("audit", "verify")
    assert code == 0


def test_blanking_details_without_a_recorded_erasure_is_detected(child, wave):
    from django.utils import timezone

    make_trail(child, wave)
    AuditEntry.objects.filter(sequence=2).update(detail={}, detail_erased_at=timezone.now())
    problems = [(p.where, p.message) for p in verify_chain()]
    assert problems == [("entry 2", "its detail was blanked without a recorded erasure")]


def test_a_deleted_entry_is_detected(child, wave):
    make_trail(child, wave)
    AuditEntry.objects.filter(sequence=2).delete()  # a queryset delete bypasses the model's guard
    problems = [(p.where, p.message) for p in verify_chain()]
    assert ("entry 2", "entries 2 to 2 are missing") in problems
    assert ("entry 3", "does not link to the entry before it") in problems


def test_removing_the_newest_entries_is_detected(child, wave):
    make_trail(child, wave)
    AuditEntry.objects.filter(sequence=3).delete()
    output, code = run("audit", "verify")
    assert code == 1
    assert "the chain had 3 sealed entries then, but the database has 2" in output
    assert "chain head: does not match the sealed entries" in output


def test_entries_cannot_be_changed_or_deleted_through_the_application(child, wave):
    make_trail(child, wave)
    entry = AuditEntry.objects.first()
    entry.actor_name = "someone else"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()


def test_asking_for_another_schools_children_leaves_one_refusal_per_request(
    client, people, child, other_child
):
    client.force_login(people["tumi"])
    missing = other_child.pk + 1000
    for child_id in (other_child.pk, missing, other_child.pk):
        assert client.get(reverse("child", args=[child_id])).status_code == 404
    refusals = list(AuditEntry.objects.filter(action="refused"))
    assert [(e.actor, e.object_type, e.object_id) for e in refusals] == [
        (people["tumi"], "child", str(other_child.pk)),
        (people["tumi"], "child", str(missing)),
        (people["tumi"], "child", str(other_child.pk)),
    ]
    # The id asked and the page, nothing about the child (who may not even exist).
    for entry in refusals:
        assert entry.child_id is None
        assert entry.detail == {"page": "child", "status": 404}
    assert other_child.first_name not in str(refusals[0].detail)
    # A child in Tumi's school is seen as usual, with no refusal.
    assert client.get(reverse("child", args=[child.pk])).status_code == 200
    assert AuditEntry.objects.filter(action="refused").count() == 3


def test_refusals_on_other_records_name_the_record_asked(client, people, other_child):
    client.force_login(people["tumi"])
    assert client.get(reverse("child_record", args=[other_child.pk])).status_code == 404
    assert client.get(reverse("case", args=[987654])).status_code == 404
    assert list(
        AuditEntry.objects.filter(action="refused").values_list("object_type", "object_id")
    ) == [("child", str(other_child.pk)), ("case", "987654")]
