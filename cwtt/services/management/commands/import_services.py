"""`cwtt import_services FILE [--dry-run]` — load the service directory."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.services.imports import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    TableError,
    import_providers,
    read_table,
)


class Command(BaseCommand):
    help = (
        "Import service providers (clinics, offices, NGOs, programmes) from a .csv or .xlsx "
        f"file (first row = column names): {', '.join(REQUIRED_COLUMNS)}, and optionally "
        f"{', '.join(OPTIONAL_COLUMNS)}. service_types and catchment hold codes separated by "
        "';'. A provider with the same name is updated. Every row is checked first; if any row "
        "has an error nothing is written (exit status 1). See docs/services.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )

    def handle(self, *args, file: str, dry_run: bool, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            report = import_providers(read_table(path), dry_run=dry_run, source=path.name)
        except TableError as error:
            raise CommandError(f"{file}: {error}") from None
        except OSError as error:  # unreadable: permissions, a device, a file that vanished
            raise CommandError(f"{file}: cannot be read ({error.strerror or error})") from None
        for line in report.report_lines():
            self.stdout.write(line)
        if report.errors:
            raise SystemExit(1)
