"""`cwtt generate` — an invented demo district with learners, families, staff and waves."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.instruments.models import InstrumentVersion
from cwtt.synthetic.generate import GenerateError, generate_district


class Command(BaseCommand):
    help = (
        "Generate a realistic synthetic district: schools, Foundation Phase learners, households, "
        "caregivers, organisations, staff, yearly assessment waves and risk profiles. Every name "
        "and number is invented; the same seed gives the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schools", type=int, default=4, help="Number of schools (default 4)")
        parser.add_argument(
            "--learners-per-school",
            type=int,
            default=60,
            help="Foundation Phase learners per school in each year (default 60)",
        )
        parser.add_argument(
            "--waves",
            type=int,
            default=2,
            help="Yearly waves, the last being the latest one already over (default 2)",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1)")
        parser.add_argument(
            "--instrument-version",
            type=int,
            metavar="ID",
            help="Answer with this instrument version (default: the latest 'cwtt' version)",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Validate every generated answer set against the instrument (slower)",
        )

    def handle(self, *args, **options) -> None:
        version = None
        if options["instrument_version"] is not None:
            version = InstrumentVersion.objects.filter(pk=options["instrument_version"]).first()
            if version is None:
                raise CommandError(
                    f"No instrument version with id {options['instrument_version']}."
                )
        progress = self.stdout.write if options["verbosity"] >= 2 else None
        try:
            summary = generate_district(
                schools=options["schools"],
                learners_per_school=options["learners_per_school"],
                waves=options["waves"],
                seed=options["seed"],
                instrument_version=version,
                progress=progress,
                check=options["check"],
            )
        except GenerateError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(summary.line())
