"""`cwtt keys new` and `cwtt keys rotate [--dry-run]` (docs/access.md, "Encryption at rest")."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.access.encryption import UndecryptableValue, new_key, rotate_all


class Command(BaseCommand):
    help = (
        "Make a new encryption key, or re-encrypt every encrypted value with the first key in "
        "CWTT_ENCRYPTION_KEYS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("new", help="Print a new key to put first in CWTT_ENCRYPTION_KEYS")
        rotate = sub.add_parser(
            "rotate", help="Re-encrypt every encrypted value with the first key"
        )
        rotate.add_argument(
            "--dry-run",
            action="store_true",
            help="check that every value opens with the keys, and count, without writing",
        )
        rotate.add_argument("--batch-size", type=int, default=500, help="rows per update")

    def handle(self, *args, action: str, **options) -> None:
        if action == "new":
            self.stdout.write(new_key())
            return
        dry_run = options["dry_run"]
        try:
            counts = rotate_all(dry_run=dry_run, batch_size=max(1, options["batch_size"]))
        except UndecryptableValue as error:
            raise CommandError(f"{error} Nothing was changed for that table.") from None
        verb = "would re-encrypt" if dry_run else "re-encrypted"
        for label, count in counts.items():
            self.stdout.write(f"{label}: {verb} {count} value{'s' if count != 1 else ''}")
        total = sum(counts.values())
        summary = (
            f"{'Dry run: ' if dry_run else ''}{verb.capitalize()} {total} "
            f"value{'s' if total != 1 else ''} in {len(counts)} table"
            f"{'s' if len(counts) != 1 else ''} with the first key in CWTT_ENCRYPTION_KEYS."
        )
        self.stdout.write(summary)
