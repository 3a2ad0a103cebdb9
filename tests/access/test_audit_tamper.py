"""The audit trail against an insider: someone who can write the database (a database
administrator, a super-user with a SQL client) but does not hold the audit key and cannot write
the checkpoint file (decision 0026). Every attack here goes straight to the database with
.update(), .delete() or raw inserts, as such a person would."""

import datetime as dt
import hashlib
import io
import json
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from cwtt.access.audit import (
    GENESIS,
    _canonical,
    _content,
    audit_erase_details,
    audit_record,
    audit_record_many,
    audit_seal,
    audit_verify,
    detail_digest,
    legacy_hash,
)
from cwtt.access.models import AuditEntry, AuditHead

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return out.getvalue() + err.getvalue(), code


def write(count, child_id=7, start=0):
    for number in range(start, start + count):
        audit_record(
            action=AuditEntry.Action.VIEW,
            actor_name=f"person{number}",
            object_type="child",
            object_id=child_id,
            child_id=child_id,
            detail={"via": "assignment", "n": number},
        )


def problems():
    return [(p.where, p.message) for p in audit_verify().problems]


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_clean_sealed_trail_verifies_with_its_checkpoint():
    write(5)
    result = audit_seal()
    assert (result.sealed, result.length, result.checkpoint_written) == (5, 5, True)
    report = audit_verify()
    assert report.problems == [] and (report.sealed, report.unsealed, report.checkpoints) == (
        5,
        0,
        1,
    )
    assert list(AuditEntry.objects.order_by("id").values_list("sequence", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
    ]


def test_entries_written_in_one_insert_are_each_sealed_and_verify():
    count = audit_record_many(
        action=AuditEntry.Action.EXPORT, actor=None, object_type="offline_pack", child_ids=[4, 5]
    )
    assert count == 2 and problems() == []
    assert audit_seal().sealed == 2 and problems() == []
    AuditEntry.objects.filter(child_id=5).update(child_id=6)
    assert ("entry 2", "its content was changed after it was written") in problems()


def test_an_insider_who_changes_an_actor_and_rehashes_with_sha256_is_caught():
    write(3)
    audit_seal()
    write(1, start=3)  # and one not yet sealed
    for entry in AuditEntry.objects.order_by("id")[1:4:2]:  # the 2nd (sealed), the 4th (not)
        entry.actor_name = "someone else"
        # Everything the insider can compute without the key: plain SHA-256 of the content.
        AuditEntry.objects.filter(pk=entry.pk).update(
            actor_name="someone else",
            mac=sha256(_content(entry)),
            chain_hash=sha256(_canonical([entry.sequence, entry.mac])),
        )
    found = problems()
    assert ("entry 2", "its content was changed after it was written") in found
    assert ("entry 2", "does not link to the entry before it") in found
    fourth = AuditEntry.objects.order_by("id")[3]
    assert (
        f"entry not yet sealed (id {fourth.pk})",
        "its content was changed after it was written",
    ) in found
    output, code = run("audit", "verify")
    assert code == 1 and "The audit trail has been tampered with" in output


def test_deleting_the_newest_sealed_entries_and_moving_the_head_is_caught_by_the_checkpoint():
    write(5)
    audit_seal()
    third = AuditEntry.objects.get(sequence=3)
    AuditEntry.objects.filter(sequence__gt=3).delete()
    # The database alone now looks whole: three linked entries, the head pointing at the third.
    AuditHead.objects.filter(pk=1).update(length=3, last_hash=third.chain_hash)
    found = problems()
    assert len(found) == 1
    assert "the chain had 5 sealed entries then, but the database has 3" in found[0][1]
    output, code = run("audit", "verify")
    assert code == 1 and "sealed entries were removed" in output
    # Sealing over the gap is refused too, so the evidence is not papered over.
    output, code = run("audit", "seal")
    assert code == 1 and "the checkpoint file says the chain had 5 entries" in output.lower()


def test_deleting_a_sealed_entry_and_renumbering_the_rest_is_caught():
    write(5)
    audit_seal()
    AuditEntry.objects.filter(sequence=2).delete()
    for sequence in (3, 4, 5):
        AuditEntry.objects.filter(sequence=sequence).update(sequence=sequence - 1)
    AuditHead.objects.filter(pk=1).update(length=4)
    found = problems()
    assert ("entry 2", "does not link to the entry before it") in found
    assert any("the chain had 5 sealed entries then, but the database has 4" in m for _, m in found)


def test_emptying_the_whole_trail_is_caught_by_the_checkpoint():
    write(3)
    audit_seal()
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()
    found = problems()
    assert any("the chain had 3 sealed entries then, but the database has 0" in m for _, m in found)


def test_an_entry_forged_without_the_key_is_caught_sealed_or_not():
    write(2)
    audit_seal()
    forged = AuditEntry(
        at=AuditEntry.objects.first().at,
        actor_name="innocent",
        action=AuditEntry.Action.VIEW,
        object_type="child",
        object_id="7",
        child_id=7,
        detail={"via": "assignment"},
        nonce="0" * 32,
    )
    forged.detail_digest = detail_digest(forged.detail)
    forged.mac = sha256(_content(forged))
    forged.save()
    assert (
        f"entry not yet sealed (id {forged.pk})",
        "its content was changed after it was written",
    ) in problems()
    # Sealing keeps it in the chain as evidence, and says so.
    output, code = run("audit", "seal")
    assert code == 1 and "1 of them were not written with the audit key" in output
    assert ("entry 3", "its content was changed after it was written") in problems()


def test_an_entry_dressed_as_one_from_before_the_keyed_trail_is_caught():
    write(2)
    audit_seal()
    head = AuditHead.objects.get(pk=1)
    fake = AuditEntry(
        sequence=3,
        at=AuditEntry.objects.first().at,
        actor_name="innocent",
        action=AuditEntry.Action.VIEW,
        object_type="child",
        object_id="7",
        child_id=7,
        detail={},
        previous_hash=head.last_hash,
    )
    fake.entry_hash = legacy_hash(fake.previous_hash, fake)
    fake.save()
    assert ("entry 3", "has no seal: it was written without the audit key") in problems()


def test_a_copy_of_a_real_entry_is_caught():
    write(2)
    original = AuditEntry.objects.first()
    copy = AuditEntry.objects.filter(pk=original.pk).values()[0]
    del copy["id"]
    AuditEntry.objects.bulk_create([AuditEntry(**copy)])
    copied = AuditEntry.objects.order_by("-id").first()
    assert problems() == [(f"entry not yet sealed (id {copied.pk})", "is a copy of another entry")]


def test_an_edited_checkpoint_line_is_caught(settings):
    write(2)
    audit_seal()
    path = settings.CWTT_AUDIT_CHECKPOINTS
    line = json.loads(path.read_text())
    line["sequence"] = 1
    path.write_text(json.dumps(line) + "\n")
    found = problems()
    assert any(m == "its signature does not match: edited" for _, m in found)


def test_a_missing_checkpoint_file_is_said_plainly(settings):
    write(2)
    audit_seal()
    settings.CWTT_AUDIT_CHECKPOINTS.unlink()
    output, code = run("audit", "verify")
    assert code == 1
    assert f"checkpoint file: is missing ({settings.CWTT_AUDIT_CHECKPOINTS})" in output
    assert "restore it from your copy" in output


def test_a_missing_key_is_said_plainly_and_nothing_is_judged(settings):
    write(1)
    settings.CWTT_AUDIT_KEY = ""
    for command in ("verify", "seal"):
        output, code = run("audit", command)
        assert code == 1 and "The audit key is not set. Set CWTT_AUDIT_KEY" in output
    assert AuditEntry.objects.filter(sequence__isnull=False).count() == 0


def test_another_key_is_said_plainly_and_sealing_with_it_is_refused(settings):
    write(2)
    audit_seal()
    settings.CWTT_AUDIT_KEY = "a-different-key-" + "x" * 40
    write(1, start=2)
    output, code = run("audit", "verify")
    assert code == 1 and "the audit key was changed or lost" in output
    output, code = run("audit", "seal")
    assert code == 1 and "sealed with another audit key" in output
    assert AuditEntry.objects.filter(sequence__isnull=True).count() == 1


def test_erasure_after_sealing_still_verifies():
    write(3, child_id=7)
    write(1, child_id=8, start=3)
    audit_seal()
    assert audit_erase_details(7, reason="erasure request") == 3
    assert problems() == []
    assert audit_seal().sealed == 1  # the erasure's own entry
    assert problems() == []
    blanked = AuditEntry.objects.filter(child_id=7, object_type="child")
    assert [e.detail for e in blanked] == [{}, {}, {}]
    assert AuditEntry.objects.get(child_id=8).detail != {}


def test_sealing_twice_gives_the_same_chain_and_one_checkpoint(settings):
    write(4)
    first = audit_seal()
    rows = list(AuditEntry.objects.order_by("id").values_list("sequence", "chain_hash"))
    second = audit_seal()
    assert (second.sealed, second.length, second.checkpoint_written) == (0, 4, False)
    assert list(AuditEntry.objects.order_by("id").values_list("sequence", "chain_hash")) == rows
    assert first.checkpoint_written
    assert len(settings.CWTT_AUDIT_CHECKPOINTS.read_text().splitlines()) == 1
    output, code = run("audit", "seal")
    assert code == 0 and "Sealed 0 entries; the chain has 4; no new checkpoint needed." in output


def test_a_checkpoint_lost_after_the_seal_is_written_by_the_next_seal(settings):
    write(2)
    audit_seal()
    settings.CWTT_AUDIT_CHECKPOINTS.write_text("")  # as if the write after commit had failed
    report = audit_verify()
    assert report.problems == [] and "no checkpoint yet" in report.notes[0]
    assert audit_seal().checkpoint_written
    assert audit_verify().notes == []


# --- entries written before the keyed trail (decision 0026: the first seal adopts them)


def write_legacy(count):
    """Entries as the unkeyed chain wrote them before decision 0026."""
    previous = GENESIS
    for sequence in range(1, count + 1):
        entry = AuditEntry(
            sequence=sequence,
            at=dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC),
            actor_name=f"old{sequence}",
            action=AuditEntry.Action.VIEW,
            object_type="child",
            object_id="7",
            child_id=7,
            detail={"via": "assignment"},
            previous_hash=previous,
        )
        entry.detail_digest = detail_digest(entry.detail)
        entry.entry_hash = previous = legacy_hash(previous, entry)
        entry.save()
    AuditHead.objects.update_or_create(pk=1, defaults={"length": count, "last_hash": previous})


def test_the_old_unkeyed_chain_verifies_and_the_first_seal_adopts_it():
    write_legacy(3)
    write(2)  # written after the upgrade, before the first seal
    report = audit_verify()
    assert report.problems == [] and report.unsealed == 5
    result = audit_seal()
    assert (result.adopted, result.sealed, result.length) == (3, 5, 5)
    assert list(AuditEntry.objects.order_by("sequence").values_list("actor_name", flat=True)) == [
        "old1",
        "old2",
        "old3",
        "person0",
        "person1",
    ]
    assert problems() == []
    # From now on an old entry is protected by the key like any other.
    AuditEntry.objects.filter(sequence=2).update(actor_name="someone else")
    assert ("entry 2", "its content was changed after it was written") in problems()


def test_a_broken_old_chain_is_reported_and_not_sealed():
    write_legacy(3)
    AuditEntry.objects.filter(sequence=2).update(actor_name="someone else")
    assert ("entry 2", "its content was changed after it was written") in problems()
    output, code = run("audit", "seal")
    assert code == 1 and "do not verify, so they were not sealed" in output
    assert not AuditEntry.objects.exclude(mac="").filter(sequence__lte=3).exists()


# --- no global lock (issue #11): PostgreSQL only, SQLite has one writer at a time

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite lets one transaction write at a time"
)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_writers_do_not_wait_for_each_other():
    holding, release = threading.Event(), threading.Event()
    failures = []

    def long_transaction():
        try:
            with transaction.atomic():
                audit_record(action=AuditEntry.Action.VIEW, actor_name="slow")
                holding.set()
                release.wait(10)
        except Exception as error:  # noqa: BLE001 - reported to the test below
            failures.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=long_transaction)
    thread.start()
    try:
        assert holding.wait(10)
        with transaction.atomic():
            # With the old single head row this write waited for the slow one and failed here.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            audit_record(action=AuditEntry.Action.VIEW, actor_name="quick")
        assert list(AuditEntry.objects.values_list("actor_name", flat=True)) == ["quick"]
    finally:
        release.set()
        thread.join(10)
    assert failures == []
    assert sorted(AuditEntry.objects.values_list("actor_name", flat=True)) == ["quick", "slow"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_sealers_at_once_seal_each_entry_once():
    write(40)
    results, failures = [], []
    start = threading.Barrier(2)

    def seal():
        try:
            start.wait(10)
            results.append(audit_seal())
        except Exception as error:  # noqa: BLE001 - reported to the test below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=seal) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert sorted(result.sealed for result in results) == [0, 40]
    assert sorted(AuditEntry.objects.values_list("sequence", flat=True)) == list(range(1, 41))
    assert problems() == []
