"""Production start-up (CWTT_ENV=production) stops with one message naming every missing secret
and setting, instead of generating secrets per machine; the embedded default still needs nothing
(decision 0034). Each case starts a real `cwtt` process with a chosen environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
SECRETS = ("SECRET_KEY", "CWTT_ENCRYPTION_KEYS", "CWTT_PSEUDONYM_KEY", "CWTT_AUDIT_KEY")
GENERATED_FILES = {"secret_key", "encryption_key", "pseudonym_key", "audit_key"}


def production_secrets() -> dict[str, str]:
    return {
        "SECRET_KEY": "s" * 50,
        "CWTT_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "CWTT_PSEUDONYM_KEY": "p" * 50,
        "CWTT_AUDIT_KEY": "a" * 50,
    }


def run_cwtt(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`cwtt ARGS` with only the variables given (plus what Python itself needs)."""
    base = {
        key: value
        for key, value in os.environ.items()
        if key in {"PATH", "HOME", "LANG", "LC_ALL", "PYTHONPATH"}
    }
    base["CWTT_DATA_DIR"] = str(tmp_path / "data")
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "cwtt", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_secrets_stops_naming_each_one_and_generates_nothing(tmp_path):
    result = run_cwtt(tmp_path, "check", CWTT_ENV="production")
    assert result.returncode == 2
    message = result.stderr
    assert message.startswith("CWTT cannot start. CWTT_ENV=production, but these are not set:")
    for name in (*SECRETS, "DATABASE_URL", "ALLOWED_HOSTS"):
        assert name in message
    assert "Traceback" not in message
    # Nothing was generated to paper over it.
    data = tmp_path / "data"
    assert not data.exists() or not GENERATED_FILES & {p.name for p in data.iterdir()}


def test_production_names_only_what_is_missing(tmp_path):
    secrets = production_secrets()
    del secrets["CWTT_AUDIT_KEY"]
    result = run_cwtt(
        tmp_path,
        "check",
        CWTT_ENV="production",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        ALLOWED_HOSTS="cwtt.example.org",
        **secrets,
    )
    assert result.returncode == 2
    assert "these are not set: CWTT_AUDIT_KEY." in result.stderr
    for name in ("SECRET_KEY", "CWTT_ENCRYPTION_KEYS", "CWTT_PSEUDONYM_KEY", "DATABASE_URL"):
        assert name not in result.stderr


def test_a_secret_file_that_cannot_be_read_is_named_without_its_content(tmp_path):
    secrets = production_secrets()
    del secrets["SECRET_KEY"]
    result = run_cwtt(
        tmp_path,
        "check",
        CWTT_ENV="production",
        SECRET_KEY_FILE=str(tmp_path / "nowhere"),
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        ALLOWED_HOSTS="cwtt.example.org",
        **secrets,
    )
    assert result.returncode == 2
    assert f"SECRET_KEY_FILE names {tmp_path / 'nowhere'}, which cannot be read" in result.stderr


def test_production_with_every_secret_starts_and_check_deploy_lists_no_generated_secret(tmp_path):
    (tmp_path / "audit.key").write_text("k" * 50 + "\n")  # secrets may come from files
    secrets = production_secrets()
    del secrets["CWTT_AUDIT_KEY"]
    result = run_cwtt(
        tmp_path,
        "check",
        "--deploy",
        CWTT_ENV="production",
        CWTT_AUDIT_KEY_FILE=str(tmp_path / "audit.key"),
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        ALLOWED_HOSTS="cwtt.example.org",
        CWTT_TLS="true",
        **secrets,
    )
    output = result.stdout + result.stderr
    assert "operations.E001" not in output and "operations.W001" not in output, output
    assert not GENERATED_FILES & {p.name for p in (tmp_path / "data").iterdir()}


def test_embedded_generates_secrets_and_check_deploy_lists_each_generated_one(tmp_path):
    result = run_cwtt(tmp_path, "check", "--deploy", DATABASE_URL="")
    output = result.stdout + result.stderr
    assert result.returncode == 1  # errors in a deploy check fail it
    for name in SECRETS:
        assert f"{name} is not set: it was generated in the data directory" in output
    assert "operations.W001" in output  # not in production
    assert GENERATED_FILES <= {p.name for p in (tmp_path / "data").iterdir()}


@pytest.mark.parametrize("value", ["prod", "staging"])
def test_an_unknown_cwtt_env_is_refused(tmp_path, value):
    result = run_cwtt(tmp_path, "check", CWTT_ENV=value)
    assert result.returncode == 2
    assert f"CWTT_ENV='{value}' must be embedded or production." in result.stderr


def test_production_refuses_debug_pages(tmp_path):
    result = run_cwtt(
        tmp_path,
        "check",
        CWTT_ENV="production",
        CWTT_DEBUG="true",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        ALLOWED_HOSTS="cwtt.example.org",
        **production_secrets(),
    )
    assert result.returncode == 2
    assert "CWTT_ENV=production, but CWTT_DEBUG must be false" in result.stderr
