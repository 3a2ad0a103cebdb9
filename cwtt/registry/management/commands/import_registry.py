"""`cwtt import_registry schools|children FILE [--dry-run]` — load schools or class lists."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.registry.imports import (
    CHILD_COLUMNS,
    SCHOOL_COLUMNS,
    TableError,
    import_children,
    import_schools,
    read_table,
)

IMPORTERS = {"schools": import_schools, "children": import_children}


class Command(BaseCommand):
    help = (
        "Import a district's schools or class lists from a .csv or .xlsx file (first row = "
        "column names). Every row is checked first; if any row has an error nothing is written. "
        f"schools columns: {', '.join(SCHOOL_COLUMNS)}. children columns: "
        f"{', '.join(CHILD_COLUMNS)}, and optionally sa_id_number, birth_certificate_number, "
        "grant_status, caregiver_relation, caregiver_phone, address. "
        "Exit status 1 when a row has an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=sorted(IMPORTERS), help="what the file lists")
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )

    def handle(self, *args, what: str, file: str, dry_run: bool, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            report = IMPORTERS[what](read_table(path), dry_run=dry_run)
        except TableError as error:
            raise CommandError(f"{file}: {error}") from None
        except OSError as error:  # unreadable: permissions, a device, a file that vanished
            raise CommandError(f"{file}: cannot be read ({error.strerror or error})") from None
        for line in report.report_lines():
            self.stdout.write(line)
        if report.errors:
            raise SystemExit(1)
