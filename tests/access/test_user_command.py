"""`cwtt user add|list|disable`: provisioning from the command line."""

import io
import sys

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest

from cwtt.registry.models import Staff

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "correct-horse-battery-77"


def run(*args, stdin=""):
    out, saved = io.StringIO(), sys.stdin
    sys.stdin = io.StringIO(stdin)  # the command reads the password as a person would pipe it
    try:
        call_command(*args, stdout=out)
    finally:
        sys.stdin = saved
    return out.getvalue()


def test_a_teacher_is_added_for_a_school_and_can_sign_in(sunrise):
    out = run(
        "user",
        "add",
        "thabo",
        "--role",
        "teacher",
        "--school",
        sunrise.emis_number,
        "--password-stdin",
        stdin=GOOD_PASSWORD + "\n",
    )
    assert out.strip() == f"Added thabo as Teacher or SBST member ({sunrise.emis_number})."
    staff = Staff.objects.get(user__username="thabo")
    assert list(staff.schools.all()) == [sunrise]
    assert authenticate(HttpRequest(), username="thabo", password=GOOD_PASSWORD) is not None


def test_a_district_official_is_added_for_a_location(district):
    run(
        "user",
        "add",
        "dina",
        "--role",
        "district_official",
        "--location",
        "GP-TD",
        "--password-stdin",
        stdin=GOOD_PASSWORD,
    )
    assert Staff.objects.get(user__username="dina").location == district["district"]


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["--role", "teacher"], GOOD_PASSWORD, "needs at least one --school"),
        (
            ["--role", "teacher", "--school", "123456789"],
            GOOD_PASSWORD,
            "No school with EMIS number 123456789",
        ),
        (["--role", "district_official"], GOOD_PASSWORD, "needs a --location"),
        (
            ["--role", "district_official", "--location", "NOPE"],
            GOOD_PASSWORD,
            "No location with code 'NOPE'",
        ),
        (["--role", "data_manager"], "short", "Password: This password is too short"),
        (
            ["--role", "data_manager"],
            "1234567890123",
            "Password: This password is entirely numeric",
        ),
    ],
)
def test_bad_details_are_explained_and_no_account_is_made(
    sunrise, district, args, password, message
):
    with pytest.raises(CommandError, match=message):
        run("user", "add", "newbie", *args, "--password-stdin", stdin=password)
    assert not get_user_model().objects.filter(username="newbie").exists()


def test_the_password_is_never_taken_from_the_command_line(sunrise):
    with pytest.raises(CommandError, match="--password-stdin"):
        run("user", "add", "x", "--role", "data_manager")


def test_a_duplicate_username_is_refused(people):
    with pytest.raises(CommandError, match="There is already a user called 'tumi'"):
        run(
            "user", "add", "tumi", "--role", "data_manager", "--password-stdin", stdin=GOOD_PASSWORD
        )


def test_list_shows_roles_schools_and_state_and_disable_stops_sign_in(people, sunrise):
    out = run("user", "list")
    assert "tumi" in out and "teacher" in out and sunrise.emis_number in out
    assert run("user", "disable", "tumi").startswith("Disabled tumi")
    assert authenticate(HttpRequest(), username="tumi", password="a-long-test-password-42") is None
    assert (
        "disabled"
        in [line for line in run("user", "list").splitlines() if line.startswith("tumi")][0]
    )
    with pytest.raises(CommandError, match="There is no user called 'ghost'"):
        run("user", "disable", "ghost")


def test_a_social_worker_is_added_with_a_supervisor_and_both_changes_are_audited(sunrise, people):
    from cwtt.access.models import AuditEntry

    run(
        "user",
        "add",
        "lindi",
        "--role",
        "social_worker",
        "--school",
        "700111111",
        "--supervisor",
        "sam",
        "--password-stdin",
        stdin="a-long-passphrase-for-lindi\n",
    )
    lindi = Staff.objects.get(user__username="lindi")
    assert lindi.supervisor.user.username == "sam"
    created = AuditEntry.objects.get(object_type="user", action="create")
    assert created.detail["role"] == "social_worker" and created.detail["supervisor"] == "sam"
    assert "passphrase" not in str(created.detail)
    run("user", "disable", "lindi")
    changed = AuditEntry.objects.get(object_type="user", action="change")
    assert changed.detail == {"before": {"active": True}, "after": {"active": False}}


def test_an_unknown_supervisor_is_refused(sunrise):
    with pytest.raises(CommandError, match="No staff member called 'ghost'"):
        run(
            "user",
            "add",
            "lindi",
            "--role",
            "social_worker",
            "--school",
            "700111111",
            "--supervisor",
            "ghost",
            "--password-stdin",
            stdin="a-long-passphrase-for-lindi\n",
        )
    assert not get_user_model().objects.filter(username="lindi").exists()
