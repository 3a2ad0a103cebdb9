"""`cwtt measure growth|hfias|phq9|psc17 --input in.csv --output out.csv`."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.instruments.measures.csv_tool import CsvColumnError, score_rows
from cwtt.instruments.measures.registry import MEASURES
from cwtt.tabular import TableError, csv_rows


class Command(BaseCommand):
    help = (
        "Score a CSV file with a standard measure. Every input column is copied to the output "
        "and the results are added; a bad row gets an 'error' entry and the rest are scored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("measure", choices=sorted(MEASURES))
        parser.add_argument("--input", required=True, help="CSV file to read")
        parser.add_argument("--output", required=True, help="CSV file to write")

    def handle(self, *args, measure: str, input: str, output: str, **options) -> None:
        if not Path(input).is_file():
            raise CommandError(f"{input}: no such file")
        try:
            # Score into memory first, so a file that is refused leaves no half-written output.
            buffer = io.StringIO()
            summary = score_rows(measure, csv_rows(input, delimiter=","), buffer)
        except (CsvColumnError, TableError) as error:
            raise CommandError(f"{input}: {error}") from None
        except OSError as error:
            raise CommandError(f"{input}: cannot be read ({error.strerror or error})") from None
        try:
            with open(output, "w", newline="", encoding="utf-8") as target:
                target.write(buffer.getvalue())
        except OSError as error:
            raise CommandError(f"{output}: cannot be written ({error.strerror or error})") from None
        self.stdout.write(
            f"{measure}: {summary.rows} rows read, {summary.scored} scored, "
            f"{summary.errors} with errors (see the 'error' column) → {output}"
        )
