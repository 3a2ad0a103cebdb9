"""`cwtt import KIND FILE [--dry-run] [--rejects FILE]` — bulk import from CSV or XLSX."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.interop.imports import KINDS, import_file
from cwtt.registry.imports import TableError, write_rejects


class ProgressBar:
    """A one-line bar on standard error, redrawn at most every 1% (only on a terminal)."""

    def __init__(self, stream, label: str) -> None:
        self.stream, self.label, self.shown = stream, label, -1

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if percent == self.shown:
            return
        self.shown = percent
        filled = percent * 30 // 100
        self.stream.write(
            f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {done}/{total} rows"
        )
        if done >= total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = (
        "Import schools, classes, children, caregivers, staff or assessments from a .csv or "
        ".xlsx file (first row = column names; KoboToolbox and ODK Central exports are read "
        "as they are). Every row is checked first. By default nothing is written if any row "
        "has an error; with --rejects FILE the rows without errors are imported and the others "
        "written to FILE with an 'error' column, to fix and import again. Importing the same "
        "file again changes nothing. With -v 2, what happens to each row is listed. Columns per "
        "kind: docs/imports.md. Exit status 1 when a row has an error."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=list(KINDS), help="what the file lists")
        parser.add_argument("file", help="a .csv (UTF-8) or .xlsx file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and report, write nothing"
        )
        parser.add_argument(
            "--rejects",
            metavar="FILE",
            help="import the good rows and write the bad ones, with an 'error' column, to FILE "
            "(.csv or .xlsx)",
        )
        parser.add_argument("--wave", help="assessments: the wave's name, for every row")
        parser.add_argument(
            "--questionnaire",
            help="assessments: whose answers (caregiver, teacher, nurse, ...), for every row",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="no progress bar on standard error"
        )

    def handle(self, *args, kind: str, file: str, dry_run: bool, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        rejects = options.get("rejects")
        if rejects and Path(rejects).resolve() == path.resolve():
            raise CommandError("--rejects must name another file than the one imported.")
        if (options.get("wave") or options.get("questionnaire")) and not KINDS[kind].takes_wave:
            raise CommandError("--wave and --questionnaire are for assessments only.")
        show = not options.get("no_progress") and sys.stderr.isatty()
        progress = ProgressBar(sys.stderr, "Checking" if dry_run else "Importing") if show else None
        try:
            report, table = import_file(
                kind=kind,
                path=path,
                name=file,
                dry_run=dry_run,
                keep_good=bool(rejects),
                progress=progress,
                wave=options.get("wave"),
                questionnaire=options.get("questionnaire"),
            )
        except TableError as error:
            raise CommandError(f"{file}: {error}") from None
        except OSError as error:  # unreadable: permissions, a device, a file that vanished
            raise CommandError(f"{file}: cannot be read ({error.strerror or error})") from None
        for line in report.report_lines(every_row=options.get("verbosity", 1) >= 2):
            self.stdout.write(line)
        if rejects and report.rejected_rows:
            count = write_rejects(rejects, table, report)
            self.stdout.write(
                f"{count} rows with errors {'would be ' if dry_run else ''}written to {rejects}; "
                "fix them there and import that file again."
                if count != 1
                else f"1 row with errors written to {rejects}; fix it there and import that "
                "file again."
            )
        if report.errors:
            raise SystemExit(1)
