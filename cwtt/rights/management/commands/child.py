"""`cwtt child export|correct|erase ID` — a caregiver's request, acted on by the information
officer from the server's command line. Output names the child by record number only."""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.registry.models import Child
from cwtt.rights.actions import (
    CORRECTABLE,
    AnonymisationRefused,
    CorrectionInvalid,
    child_correct,
    child_erase,
    child_record_export,
)

ACTOR = "command line"


def _setting(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep:
        raise CommandError(f"--set {text}: write it as field=value, e.g. --set last_name=Dlamini")
    return name.strip(), value


class Command(BaseCommand):
    help = (
        "A child's rights under POPIA: export everything held (JSON or PDF), correct the "
        "child's details, or erase (anonymise) the child on a valid request."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write everything held on the child to a file")
        export.add_argument("child_id", type=int)
        export.add_argument("--format", choices=["json", "pdf"], required=True)
        export.add_argument("--output", required=True, help="file to write (readable by you only)")
        correct = sub.add_parser("correct", help="Correct the child's details")
        correct.add_argument("child_id", type=int)
        correct.add_argument(
            "--set",
            action="append",
            required=True,
            metavar="FIELD=VALUE",
            help=f"repeatable; fields: {', '.join(CORRECTABLE)}; dates as YYYY-MM-DD",
        )
        correct.add_argument("--reason", required=True)
        erase = sub.add_parser("erase", help="Remove the child's identity (cannot be undone)")
        erase.add_argument("child_id", type=int)
        erase.add_argument("--reason", required=True, help="the request: who, when; no names")

    def handle(self, *args, action: str, child_id: int, **options) -> None:
        child = Child.objects.select_related("household").filter(pk=child_id).first()
        if child is None:
            raise CommandError(f"There is no child with record number {child_id}.")
        getattr(self, f"handle_{action}")(child, **options)

    def handle_export(self, child: Child, format: str, output: str, **options) -> None:
        export = child_record_export(child=child, format=format, actor_name=ACTOR)
        # Personal data: the file is created readable by its owner only.
        descriptor = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "wb") as target:
            target.write(export.content)
        self.stdout.write(
            f"Wrote the record of child {child.pk} ({format.upper()}, "
            f"{len(export.content):,} bytes) to {output}."
        )

    def handle_correct(self, child: Child, set: list[str], reason: str, **options) -> None:
        changes = dict(_setting(item) for item in set)
        try:
            child_correct(child=child, changes=changes, reason=reason, actor_name=ACTOR)
        except CorrectionInvalid as invalid:
            lines = [
                f"{'record' if key == '__all__' else key}: {message}"
                for key, messages in invalid.errors.items()
                for message in messages
            ]
            raise CommandError("Nothing was saved.\n" + "\n".join(lines)) from None
        self.stdout.write(f"Corrected child {child.pk}: {', '.join(sorted(changes))}.")

    def handle_erase(self, child: Child, reason: str, **options) -> None:
        try:
            removed = child_erase(child=child, reason=reason, actor_name=ACTOR)
        except AnonymisationRefused as refused:
            raise CommandError(str(refused)) from None
        what = ", ".join(f"{key.replace('_', ' ')} {count}" for key, count in removed.items())
        self.stdout.write(f"Removed the identity of child {child.pk} ({what}).")
