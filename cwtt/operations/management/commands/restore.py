"""`cwtt restore FILE [--replace]` — put a backup back (docs/deploy.md, "Backups")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.operations.backup import RestoreRefused, restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `cwtt backup` into an empty database (migrated first if new), "
        "in one transaction: every record or none. Then run `cwtt audit verify`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a backup file made by `cwtt backup`")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="delete everything in this database first (it is not empty)",
        )

    def handle(self, *args, file: Path, replace: bool, **options) -> None:
        try:
            result = restore(path=file, replace=replace)
        except RestoreRefused as refused:
            raise CommandError(f"Nothing was restored. {refused}") from None
        self.stdout.write(
            f"Restored {sum(result.counts.values())} records of {len(result.counts)} kinds from "
            f"the backup of {result.made_at}. Everyone must sign in again."
        )
        if result.checkpoints_written:
            self.stdout.write(
                f"Wrote the backup's copy of the audit checkpoints to {result.checkpoints_written}."
            )
        elif result.checkpoints_kept:
            self.stdout.write(
                f"Kept the audit checkpoints already at {result.checkpoints_kept}; the copy in "
                "the backup was not used."
            )
        self.stdout.write("Check the audit trail now: cwtt audit verify")
