"""`cwtt backup` and `cwtt restore` (docs/deploy.md, "Backups"; decision 0034).

A backup restored into an empty database gives the same records, kind by kind, and an audit
trail that still verifies against its checkpoints; it holds no secret; a damaged file, a database
that already holds data, or another audit key is refused and changes nothing.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from cwtt.access.audit import audit_verify
from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import AnswerTerm, Assessment
from cwtt.operations.backup import RestoreRefused, backed_up_models, restore
from cwtt.registry.models import Child

from ..conftest import make_child  # noqa: TID252 - shared test helper

ROOT = Path(__file__).resolve().parents[2]


def counts() -> dict[str, int]:
    return {m._meta.label_lower: m._default_manager.count() for m in backed_up_models()}


def empty_the_database() -> None:
    # What a new database looks like after `cwtt migrate`: tables, content types, permissions.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # TRUNCATE needs the test's pending checks done
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    assert not Child.objects.exists() and not AuditEntry.objects.exists()


def backup(path: Path) -> str:
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    return out.getvalue()


@pytest.fixture
def demo_data(db):
    """A district with children, assessments, risk profiles, cases, referrals, meetings and
    accounts, every write in the audit trail, and the trail sealed with a checkpoint."""
    call_command(
        "demo", no_serve=True, schools=1, learners_per_school=8, waves=1, stdout=io.StringIO()
    )
    call_command("audit", "seal", stdout=io.StringIO())
    before = counts()
    for kind in ("registry.child", "assessments.assessment", "cases.case", "access.auditentry"):
        assert before[kind] > 0, kind
    return before


@pytest.mark.django_db(transaction=True)
def test_a_restore_into_an_empty_database_has_the_same_records_and_an_intact_audit_trail(
    demo_data, tmp_path
):
    target = tmp_path / "cwtt.zip"
    assert "Backed up" in backup(target)
    before = counts()  # with the backup's own audit entry
    assert before["access.auditentry"] == demo_data["access.auditentry"] + 1
    manifest = json.loads(zipfile.ZipFile(target).read("manifest.json"))
    assert manifest["counts"] == before

    empty_the_database()
    out = io.StringIO()
    call_command("restore", str(target), stdout=out)
    assert f"Restored {sum(before.values())} records" in out.getvalue()

    after = counts()
    # One more audit entry: the restore itself.
    assert after == {**before, "access.auditentry": before["access.auditentry"] + 1}
    restored = AuditEntry.objects.order_by("-id").first()
    assert (restored.object_type, restored.action) == ("database", "change")
    report = audit_verify()
    assert report.problems == []
    assert report.sealed == demo_data["access.auditentry"] and report.checkpoints == 1
    # The database goes on numbering after the restored rows.
    child = make_child(Child.objects.first().school, first="New")
    assert child.pk > max(Child.objects.exclude(pk=child.pk).values_list("pk", flat=True))


@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_on_a_new_machine_with_only_the_keys_and_verifies(demo_data, tmp_path):
    """Another process, another data directory, a new SQLite database (whatever the test
    database is): `cwtt restore` then `cwtt audit verify`, as a person moving machines would."""
    target = tmp_path / "cwtt.zip"
    backup(target)
    total = sum(counts().values())
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "PYTHONPATH"}}
    env.update(
        CWTT_DATA_DIR=str(tmp_path / "new-machine"),
        DATABASE_URL=f"sqlite:///{tmp_path}/new.sqlite3",
        CWTT_AUDIT_KEY=settings.CWTT_AUDIT_KEY,
        CWTT_ENCRYPTION_KEYS=",".join(settings.CWTT_ENCRYPTION_KEYS),
    )

    def cwtt(*args):
        return subprocess.run(
            [sys.executable, "-m", "cwtt", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    restored = cwtt("restore", str(target))
    assert restored.returncode == 0, restored.stderr
    assert f"Restored {total} records" in restored.stdout
    assert "Wrote the backup's copy of the audit checkpoints" in restored.stdout
    verified = cwtt("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "The audit trail is intact" in verified.stdout and "1 checkpoint(s)" in verified.stdout


@pytest.mark.django_db
def test_a_backup_holds_no_secret(people, child, tmp_path):
    target = tmp_path / "cwtt.zip"
    backup(target)
    with zipfile.ZipFile(target) as archive:
        content = b"".join(archive.read(name) for name in archive.namelist())
    for secret in (
        settings.SECRET_KEY,
        settings.CWTT_AUDIT_KEY,
        settings.CWTT_PSEUDONYM_KEY,
        *settings.CWTT_ENCRYPTION_KEYS,
    ):
        assert secret.encode() not in content
    assert b"django_session" not in content and b'"sessions.session"' not in content
    assert b"Lwazi" in content  # it does hold the records


@pytest.mark.django_db
def test_answer_codes_and_their_terms_are_restored_as_they_were(child, wave, tmp_path):
    """The codes the rescore stored come back with the answers they were made from, and the
    terms they point at keep their ids (decision 0070)."""
    assessment = assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 3},
        assessed_on=wave.starts_on,
    ).assessment
    terms = [AnswerTerm.objects.create(text=text) for text in ('"cg_meals"', "3")]
    codes = struct.pack("<2i", terms[0].pk, terms[1].pk)
    Assessment.objects.filter(pk=assessment.pk).update(answer_codes=codes)
    target = tmp_path / "cwtt.zip"
    backup(target)
    empty_the_database()
    call_command("restore", str(target), stdout=io.StringIO())

    restored = Assessment.objects.get(pk=assessment.pk)
    assert (restored.answers, restored.answer_codes) == ({"cg_meals": 3}, codes)
    assert dict(AnswerTerm.objects.values_list("pk", "text")) == {t.pk: t.text for t in terms}
    # The database goes on numbering terms after the restored ones.
    assert AnswerTerm.objects.create(text='"cg_hungry"').pk > terms[1].pk


@pytest.mark.django_db
def test_restore_refuses_a_database_that_holds_data_and_changes_nothing(people, child, tmp_path):
    target = tmp_path / "cwtt.zip"
    backup(target)
    make_child(child.school, first="Added", last="Later")
    before = counts()
    with pytest.raises(CommandError, match="already holds data .* add --replace"):
        call_command("restore", str(target))
    assert counts() == before
    assert Child.objects.filter(first_name="Added").exists()

    # Told to, it replaces everything: the child added after the backup is gone.
    call_command("restore", str(target), replace=True, stdout=io.StringIO())
    assert not Child.objects.filter(first_name="Added").exists()
    assert Child.objects.filter(first_name="Lwazi").exists()


def rewritten(source: Path, target: Path, change) -> Path:
    """A copy of the backup with one member changed and the zip's checksums made to match."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            data = change(name, old.read(name))
            if data is not None:
                new.writestr(name, data)
    return target


@pytest.mark.django_db
def test_restore_refuses_a_damaged_file_and_changes_nothing(people, child, tmp_path):
    good = tmp_path / "cwtt.zip"
    backup(good)
    empty_the_database()
    raw = good.read_bytes()

    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(raw[: len(raw) // 2])
    flipped = tmp_path / "flipped.zip"
    # A bit changed inside the first member's compressed data: its checksum no longer matches.
    offset = 30 + len(zipfile.ZipFile(good).infolist()[0].filename) + 10
    flipped.write_bytes(raw[:offset] + bytes([raw[offset] ^ 0xFF]) + raw[offset + 1 :])
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("not a backup")
    no_manifest = rewritten(
        good, tmp_path / "no-manifest.zip", lambda n, d: None if n == "manifest.json" else d
    )
    no_children = rewritten(
        good,
        tmp_path / "no-children.zip",
        lambda n, d: None if n == "data/registry.child.json" else d,
    )

    cases = {
        truncated: "is not a CWTT backup, or it is damaged",
        flipped: "is damaged: .* does not match its checksum",
        not_zip: "is not a CWTT backup, or it is damaged",
        no_manifest: "is not a CWTT backup: it has no manifest.json",
        no_children: "is damaged: it should hold registry.child",
        tmp_path / "missing.zip": "does not exist",
    }
    for path, message in cases.items():
        with pytest.raises(CommandError, match="Nothing was restored. .*" + message):
            call_command("restore", str(path))
        assert not Child.objects.exists() and not AuditEntry.objects.exists(), path


@pytest.mark.django_db
def test_a_file_whose_rows_disagree_with_its_manifest_is_rolled_back_whole(people, child, tmp_path):
    good = tmp_path / "cwtt.zip"
    backup(good)

    def claim_more_children(name, data):
        if name != "manifest.json":
            return data
        manifest = json.loads(data)
        manifest["counts"]["registry.child"] += 1
        return json.dumps(manifest)

    edited = rewritten(good, tmp_path / "edited.zip", claim_more_children)
    empty_the_database()
    with pytest.raises(RestoreRefused, match="should hold 2 registry.child, not 1"):
        restore(path=edited)
    # Loaded and then rolled back: not one row stayed, not even the accounts.
    assert not Child.objects.exists() and not AuditEntry.objects.exists()
    assert not Child._meta.apps.get_model("auth", "User").objects.exists()


@pytest.mark.django_db
def test_restore_refuses_a_backup_sealed_with_another_audit_key(people, child, tmp_path):
    call_command("audit", "seal", stdout=io.StringIO())
    good = tmp_path / "cwtt.zip"
    backup(good)
    empty_the_database()
    settings.CWTT_AUDIT_KEY = "another-key-" * 5
    with pytest.raises(CommandError, match="sealed with another audit key"):
        call_command("restore", str(good))
    assert not Child.objects.exists()
