"""Encryption at rest (issue #3, item 10): the column holds a token, never the text; keys come
from the settings at call time; rotation re-encrypts with the first key so an old key can go."""

import io
import os
import stat

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from cwtt import settings as project_settings
from cwtt.access.encryption import UndecryptableValue
from cwtt.access.models import AuditEntry
from cwtt.notes.models import ChildNote

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()
STRANGER = Fernet.generate_key().decode()
TEXT = "Grace said Lwazi's uncle hits him when he drinks.\nSeen bruise on left arm — 3 March."


def raw_text(note) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM notes_childnote WHERE id = %s", [note.pk])
        return cursor.fetchone()[0]


def add_note(child, author, text=TEXT, sensitivity="protection"):
    return ChildNote.objects.create(child=child, author=author, text=text, sensitivity=sensitivity)


def rotate(*args) -> str:
    out = io.StringIO()
    call_command("keys", "rotate", *args, stdout=out)
    return out.getvalue()


def test_the_database_column_holds_a_token_not_the_text(child, people):
    note = add_note(child, people["sam"])
    stored = raw_text(note)
    assert "uncle" not in stored and "Lwazi" not in stored and "bruise" not in stored
    assert stored.startswith("gAAAA")  # a Fernet token


def test_the_text_reads_back_exactly_as_written(child, people):
    note = add_note(child, people["sam"], text="Ngiyabonga — ümlaut, emoji 🙂,\nnew line.")
    assert ChildNote.objects.get(pk=note.pk).text == "Ngiyabonga — ümlaut, emoji 🙂,\nnew line."


def test_the_same_text_encrypts_differently_each_time(child, people):
    first, second = add_note(child, people["sam"]), add_note(child, people["sam"])
    assert raw_text(first) != raw_text(second)


def test_an_encrypted_field_cannot_be_searched(child, people):
    add_note(child, people["sam"])
    with pytest.raises(FieldError, match="encrypted and cannot be searched"):
        list(ChildNote.objects.filter(text__contains="uncle"))
    assert ChildNote.objects.filter(text__isnull=False).count() == 1


def test_a_token_made_with_the_old_key_still_opens_when_that_key_is_second(child, people):
    with override_settings(CWTT_ENCRYPTION_KEYS=[OLD]):
        note = add_note(child, people["sam"])
    with override_settings(CWTT_ENCRYPTION_KEYS=[NEW, OLD]):
        assert ChildNote.objects.get(pk=note.pk).text == TEXT


def test_rotation_re_encrypts_with_the_new_key_so_the_old_key_can_be_removed(child, people):
    with override_settings(CWTT_ENCRYPTION_KEYS=[OLD]):
        notes = [add_note(child, people["sam"], text=f"{TEXT} ({n})") for n in range(5)]
    with override_settings(CWTT_ENCRYPTION_KEYS=[NEW, OLD]):
        output = rotate("--batch-size", "2")
        assert "notes.ChildNote: re-encrypted 5 values" in output
    for note in notes:
        token = raw_text(note).encode()
        assert Fernet(NEW).decrypt(token)  # now the new key's token
    with override_settings(CWTT_ENCRYPTION_KEYS=[NEW]):
        assert sorted(n.text for n in ChildNote.objects.all()) == sorted(n.text for n in notes)
    entry = AuditEntry.objects.get(object_type="encryption_keys")
    assert entry.action == AuditEntry.Action.CHANGE
    assert entry.actor_name == "command line"
    assert entry.detail == {"counts": {"notes.ChildNote": 5}}


def test_a_dry_run_changes_nothing(child, people):
    with override_settings(CWTT_ENCRYPTION_KEYS=[OLD]):
        note = add_note(child, people["sam"])
    before = raw_text(note)
    with override_settings(CWTT_ENCRYPTION_KEYS=[NEW, OLD]):
        output = rotate("--dry-run")
    assert "would re-encrypt 1 value" in output and "Dry run" in output
    assert raw_text(note) == before
    assert not AuditEntry.objects.filter(object_type="encryption_keys").exists()


def test_a_value_no_key_opens_raises_a_clear_error_instead_of_showing_the_token(child, people):
    with override_settings(CWTT_ENCRYPTION_KEYS=[OLD]):
        note = add_note(child, people["sam"])
    with override_settings(CWTT_ENCRYPTION_KEYS=[STRANGER]):
        with pytest.raises(UndecryptableValue) as raised:
            ChildNote.objects.get(pk=note.pk)
    message = str(raised.value)
    assert "notes.ChildNote.text" in message
    assert "cannot be decrypted with any key in CWTT_ENCRYPTION_KEYS" in message
    assert "was a key removed before rotation finished?" in message
    assert "gAAAA" not in message


def test_rotation_stops_and_changes_nothing_when_a_value_cannot_be_opened(child, people):
    with override_settings(CWTT_ENCRYPTION_KEYS=[OLD]):
        opens = add_note(child, people["sam"])
    with override_settings(CWTT_ENCRYPTION_KEYS=[STRANGER]):
        add_note(child, people["sam"])
    before = raw_text(opens)
    with override_settings(CWTT_ENCRYPTION_KEYS=[NEW, OLD]):
        with pytest.raises(CommandError, match="cannot be decrypted with any key"):
            rotate()
    assert raw_text(opens) == before


def test_a_bad_key_in_the_settings_names_the_setting(child, people):
    with override_settings(CWTT_ENCRYPTION_KEYS=["not-a-key"]):
        with pytest.raises(ImproperlyConfigured, match="Key number 1 in CWTT_ENCRYPTION_KEYS"):
            add_note(child, people["sam"])


def test_keys_new_prints_a_usable_key():
    out = io.StringIO()
    call_command("keys", "new", stdout=out)
    key = out.getvalue().strip()
    assert Fernet(key).decrypt(Fernet(key).encrypt(b"x")) == b"x"


# --- where the keys come from (cwtt/settings.py)


@pytest.fixture
def no_key_in_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("CWTT_ENCRYPTION_KEYS", raising=False)
    monkeypatch.delenv("CWTT_ENCRYPTION_KEYS_FILE", raising=False)
    monkeypatch.setattr(project_settings, "DATA_DIR", tmp_path)
    return tmp_path


def test_keys_come_from_the_environment_first_one_first(no_key_in_environment, monkeypatch):
    monkeypatch.setenv("CWTT_ENCRYPTION_KEYS", f"{NEW}, {OLD}")
    assert project_settings._encryption_keys() == [NEW, OLD]


def test_keys_can_come_from_a_file(no_key_in_environment, monkeypatch):
    path = no_key_in_environment / "keys"
    path.write_text(f"{NEW}\n{OLD}\n")
    monkeypatch.setenv("CWTT_ENCRYPTION_KEYS_FILE", str(path))
    assert project_settings._encryption_keys() == [NEW, OLD]


def test_a_bad_key_in_the_environment_names_the_variable(no_key_in_environment, monkeypatch):
    monkeypatch.setenv("CWTT_ENCRYPTION_KEYS", f"{NEW},secret-but-wrong")
    with pytest.raises(ValueError, match="CWTT_ENCRYPTION_KEYS: key number 2") as raised:
        project_settings._encryption_keys()
    assert "secret-but-wrong" not in str(raised.value)


def test_without_a_key_one_is_generated_once_and_kept_private(no_key_in_environment):
    first = project_settings._encryption_keys()
    assert project_settings._encryption_keys() == first
    key_file = no_key_in_environment / "encryption_key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first) == 1 and Fernet(first[0])
