"""`cwtt retention apply [--dry-run]` — anonymise every child the retention rule makes due."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.rights.retention import retention_apply, retention_years


class Command(BaseCommand):
    help = (
        "Remove the identity of every child who exited or transferred and has had no activity "
        "for CWTT_RETENTION_YEARS years. Lists record numbers only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        apply = sub.add_parser("apply", help="Anonymise everyone due, in one transaction")
        apply.add_argument("--dry-run", action="store_true", help="list who is due; change nothing")
        apply.add_argument(
            "--on",
            type=dt.date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="with --dry-run: who would be due on that date",
        )

    def handle(self, *args, action: str, dry_run: bool, on: dt.date | None, **options) -> None:
        if on is not None and not dry_run:
            raise CommandError("--on only goes with --dry-run: the rule is applied as of today.")
        run = retention_apply(today=on, dry_run=dry_run)
        ids = ", ".join(str(pk) for pk in run.child_ids) or "none"
        self.stdout.write(
            f"Due (exited or transferred, no activity since before {run.cutoff.isoformat()}, "
            f"{retention_years()} years): {ids}"
        )
        if dry_run:
            self.stdout.write(f"Dry run: {len(run.child_ids)} children due; nothing was changed.")
        else:
            self.stdout.write(
                f"Anonymised {len(run.child_ids)} children; each is in the audit trail."
            )
