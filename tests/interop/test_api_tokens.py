"""`cwtt user token USERNAME [--revoke]`: a REST API token for a person, printed once; making
one replaces the old, revoking stops it, a disabled account's token stops working, and each
step is in the audit trail."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from rest_framework.authtoken.models import Token

from cwtt.access.actions import user_disable
from cwtt.access.models import AuditEntry

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    """Standard output, then standard error."""
    out, err = io.StringIO(), io.StringIO()
    call_command("user", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def key_from(*args) -> str:
    """What a script gets from `TOKEN=$(cwtt user token ...)`: standard output alone."""
    out = io.StringIO()
    call_command("user", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def status_with(key: str) -> int:
    return Client().get("/api/v1/schools/", headers={"Authorization": f"Token {key}"}).status_code


def test_a_token_is_printed_once_and_opens_the_api(people):
    out = run("token", "tumi")
    key = out.splitlines()[0]
    assert len(key) == 40 and key_from("token", "tumi") != key  # a second run replaces it
    key = key_from("token", "tumi")
    assert len(key) == 40 and Token.objects.get(user=people["tumi"]).key == key
    assert "New API token for tumi" in out
    assert status_with(key) == 200
    entry = AuditEntry.objects.filter(object_type="api_token").latest("id")
    assert (entry.action, entry.object_id, entry.actor_name) == (
        "create",
        str(people["tumi"].pk),
        "command line",
    )
    assert key not in str(entry.detail)


def test_a_new_token_replaces_the_old(people):
    old = run("token", "tumi").splitlines()[0]
    new = run("token", "tumi").splitlines()[0]
    assert old != new
    assert (status_with(old), status_with(new)) == (401, 200)
    assert AuditEntry.objects.filter(object_type="api_token").latest("id").detail == {
        "replaced": True
    }


def test_a_revoked_token_no_longer_works_and_the_revocation_is_audited(people):
    key = run("token", "tumi").splitlines()[0]
    assert run("token", "tumi", "--revoke").strip() == "Revoked the API token of tumi."
    assert status_with(key) == 401
    assert AuditEntry.objects.filter(object_type="api_token", action="delete").count() == 1
    assert run("token", "tumi", "--revoke").strip() == "tumi had no API token; nothing to do."


def test_a_disabled_account_gets_no_token_and_its_old_one_stops(people):
    key = run("token", "tumi").splitlines()[0]
    user_disable(username="tumi")
    assert status_with(key) == 401
    with pytest.raises(CommandError, match="disabled"):
        run("token", "tumi")


def test_an_unknown_username_is_named(people):
    with pytest.raises(CommandError, match="no user called 'ghost'"):
        run("token", "ghost")
