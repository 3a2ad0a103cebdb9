"""`cwtt plan workforce|targeting ...` — the planning tables as CSV files (docs/planning.md).

Both write the same suppressed and rounded figures the Planning page shows (cwtt/planning/
published.py), for every school in the database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.planning import exports
from cwtt.planning.sources import BY_CHOICES
from cwtt.planning.workforce import DEFAULT_COSTS, DEFAULT_REVIEW_WEEKS, PlanningError
from cwtt.tabular.cells import csv_writer


def _positive_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise CommandError(f"Expected a whole number, not {text!r}.") from None


class Command(BaseCommand):
    help = (
        "Planning tables as CSV. workforce: social workers, nurses, learner support agents and "
        "community workers needed per school, circuit or district for a caseload and review "
        "interval, against today's staff, with annual costs. targeting: schools ranked by the "
        "children at high risk that the services within reach have no place for."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        work = sub.add_parser("workforce", help="workers needed against today's staff, with costs")
        work.add_argument("--caseload", required=True, help="cases per worker, e.g. 60")
        work.add_argument(
            "--review-weeks",
            default=str(DEFAULT_REVIEW_WEEKS),
            help="weeks between reviews of a case (default 4)",
        )
        work.add_argument("--by", default="district", choices=BY_CHOICES)
        work.add_argument("--costs", default=str(DEFAULT_COSTS), help="unit costs (JSON or CSV)")
        work.add_argument("--wave", help="the wave's name (default: the latest)")
        work.add_argument("--output", required=True, help="the CSV file to write")
        target = sub.add_parser("targeting", help="schools ranked by unmet need")
        target.add_argument("--wave", required=True, help="the wave's name")
        target.add_argument("--months", default="12", help="planning period in months (12)")
        target.add_argument("--output", required=True, help="the CSV file to write")

    def handle(self, *args, action: str, **options) -> None:
        output = Path(options["output"])
        if output.suffix.lower() != ".csv":
            raise CommandError(f"The output must be a .csv file, not {output.name}.")
        if not output.parent.is_dir():
            raise CommandError(f"The folder {output.parent} does not exist.")
        try:
            if action == "workforce":
                header, rows, summary = exports.workforce_csv(
                    caseload=_positive_int(options["caseload"]),
                    review_weeks=_positive_int(options["review_weeks"]),
                    by=options["by"],
                    costs_file=options["costs"],
                    wave_name=options["wave"],
                )
            else:
                header, rows, summary = exports.targeting_csv(
                    wave_name=options["wave"], months=_positive_int(options["months"])
                )
        except PlanningError as problem:
            raise CommandError(str(problem)) from None
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv_writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        self.stdout.write(f"{summary} Wrote {len(rows)} rows to {output}.")
