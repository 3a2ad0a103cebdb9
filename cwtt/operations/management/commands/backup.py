"""`cwtt backup FILE` — everything in the database in one file (docs/deploy.md, "Backups")."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.operations.backup import BackupRefused, backup_write


class Command(BaseCommand):
    help = (
        "Write everything in the database (and a copy of the audit checkpoints) to one zip file. "
        "The secrets are never in it: keep them apart."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the backup file to write, e.g. cwtt.zip")

    def handle(self, *args, file: Path, **options) -> None:
        try:
            result = backup_write(path=file)
        except BackupRefused as refused:
            raise CommandError(f"No backup was written. {refused}") from None
        checkpoints = (
            "and a copy of the audit checkpoints"
            if result.checkpoints
            else "(no audit checkpoints yet to copy)"
        )
        self.stdout.write(
            f"Backed up {sum(result.counts.values())} records of {len(result.counts)} kinds "
            f"{checkpoints} to {result.path}."
        )
