"""`cwtt user add|list|disable|unlock|reset-code|token|teaches` — provision staff accounts for
many schools at once, lift a sign-in lockout, reset a lost second factor, give or revoke a
REST API token (docs/api.md), link a teacher to her class."""

from __future__ import annotations

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.access.actions import (
    ProvisioningError,
    api_token_issue,
    api_token_revoke,
    class_teacher_add,
    second_factor_reset,
    user_add,
    user_disable,
    user_unlock,
)
from cwtt.access.roles import Role


class Command(BaseCommand):
    help = (
        "Add, list or disable staff accounts, unlock a sign-in, reset a second factor, give or "
        "revoke a REST API token, link a teacher to her class. "
        "Role names are listed in docs/access.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Create a staff account")
        add.add_argument("username")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--school", action="append", default=[], help="EMIS number; repeatable")
        add.add_argument("--location", help="district or province code, for area roles")
        add.add_argument("--organisation", help="organisation name (created if new)")
        add.add_argument("--first-name", default="")
        add.add_argument("--last-name", default="")
        add.add_argument("--phone", default="", help="mobile number for urgent text messages")
        add.add_argument("--supervisor", help="username told of this person's emergency access")
        add.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )
        sub.add_parser("list", help="List accounts with role and schools")
        disable = sub.add_parser("disable", help="Stop a user signing in")
        disable.add_argument("username")
        unlock = sub.add_parser("unlock", help="Let a locked-out username try to sign in again")
        unlock.add_argument("username")
        reset_code = sub.add_parser(
            "reset-code", help="Remove a person's authenticator app (lost phone)"
        )
        reset_code.add_argument("username")
        token = sub.add_parser(
            "token", help="Print a new REST API token for a person (replaces their old one)"
        )
        token.add_argument("username")
        token.add_argument(
            "--revoke", action="store_true", help="Stop the person's token working instead"
        )
        teaches = sub.add_parser("teaches", help="Link a teacher to her class (her My class)")
        teaches.add_argument("username")
        teaches.add_argument("emis_number", help="the school's EMIS number")
        teaches.add_argument("class_name", help="the class's name, for example 2A")

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"handle_{action.replace('-', '_')}")(**options)

    def handle_add(self, username: str, password_stdin: bool, **options) -> None:
        if not password_stdin:
            # A password on the command line would sit in the shell history and process list.
            raise CommandError("Give the password on standard input with --password-stdin.")
        password = sys.stdin.readline().rstrip("\n")
        try:
            staff = user_add(
                username=username,
                role=options["role"],
                password=password,
                schools=options["school"],
                location=options["location"],
                organisation=options["organisation"],
                first_name=options["first_name"],
                last_name=options["last_name"],
                supervisor=options["supervisor"],
                phone=options["phone"],
            )
        except ProvisioningError as error:
            raise CommandError("\n".join(error.problems)) from None
        where = ", ".join(s.emis_number for s in staff.schools.all()) or (
            staff.location.code if staff.location else "no school or area"
        )
        self.stdout.write(f"Added {username} as {staff.get_role_display()} ({where}).")

    def handle_list(self, **options) -> None:
        users = (
            get_user_model()
            .objects.select_related("staff__location")
            .prefetch_related("staff__schools")
            .order_by("username")
        )
        for user in users:
            staff = getattr(user, "staff", None)
            role = staff.role if staff else "-"
            where = ""
            if staff:
                where = ",".join(s.emis_number for s in staff.schools.all()) or (
                    staff.location.code if staff.location else ""
                )
            state = "active" if user.is_active else "disabled"
            self.stdout.write(f"{user.username:<20} {role:<20} {state:<9} {where}")
        self.stdout.write(f"{users.count()} accounts.")

    def handle_disable(self, username: str, **options) -> None:
        try:
            user_disable(username=username)
        except ProvisioningError as error:
            raise CommandError("\n".join(error.problems)) from None
        self.stdout.write(f"Disabled {username}: they can no longer sign in.")

    def handle_unlock(self, username: str, **options) -> None:
        try:
            removed = user_unlock(username=username)
        except ProvisioningError as error:
            raise CommandError("\n".join(error.problems)) from None
        if removed:
            self.stdout.write(f"Unlocked {username}: they can try to sign in again now.")
        else:
            self.stdout.write(f"{username} was not locked out; nothing to do.")

    def handle_reset_code(self, username: str, **options) -> None:
        try:
            removed = second_factor_reset(username=username)
        except ProvisioningError as error:
            raise CommandError("\n".join(error.problems)) from None
        if removed:
            self.stdout.write(
                f"Reset the code for {username}: at their next sign-in they set up their "
                "authenticator app again."
            )
        else:
            self.stdout.write(f"{username} had no authenticator app set up; nothing to do.")

    def handle_token(self, username: str, revoke: bool, **options) -> None:
        try:
            if revoke:
                removed = api_token_revoke(username=username)
            else:
                key = api_token_issue(username=username)
        except ProvisioningError as error:
            raise CommandError("\n".join(error.problems)) from None
        if revoke:
            self.stdout.write(
                f"Revoked the API token of {username}."
                if removed
                else f"{username} had no API token; nothing to do."
            )
            return
        # The key alone on standard output, so a script can take it: TOKEN=$(cwtt user token X).
        self.stdout.write(key)
        self.stderr.write(
            f"New API token for {username} (any older one no longer works). Send it as "
            f"'Authorization: Token {key[:4]}...'; it gives {username}'s own access."
        )

    def handle_teaches(self, username: str, emis_number: str, class_name: str, **options) -> None:
        try:
            school_class = class_teacher_add(
                username=username, emis_number=emis_number, class_name=class_name
            )
        except ProvisioningError as error:
            raise CommandError("\n".join(error.problems)) from None
        self.stdout.write(f"{username} teaches {school_class}: it is now on their My class page.")
