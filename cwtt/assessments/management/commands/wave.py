"""`cwtt wave create|list` — open assessment waves."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.assessments.actions import AssessmentInvalid, wave_create
from cwtt.assessments.models import Wave
from cwtt.instruments.models import Instrument
from cwtt.registry.models import School


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"'{text}' is not a date; use YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Create or list assessment waves."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Open a new wave")
        create.add_argument("name")
        create.add_argument("--starts", required=True, help="YYYY-MM-DD")
        create.add_argument("--ends", required=True, help="YYYY-MM-DD")
        create.add_argument(
            "--school", action="append", default=[], help="EMIS number; repeat; none = all schools"
        )
        create.add_argument("--instrument", default="cwtt", help="instrument code (latest version)")
        sub.add_parser("list", help="List waves")

    def handle(self, *args, action: str, **options) -> None:
        if action == "list":
            for wave in Wave.objects.prefetch_related("schools").select_related(
                "instrument_version__instrument"
            ):
                schools = wave.schools.count() or "all"
                self.stdout.write(
                    f"{wave.name}: {wave.starts_on} to {wave.ends_on}, schools: {schools}, "
                    f"instrument {wave.instrument_version}"
                )
            return
        instrument = Instrument.objects.filter(code=options["instrument"]).first()
        version = instrument.latest_version() if instrument else None
        if version is None:
            raise CommandError(
                f"No instrument '{options['instrument']}' is published; run `cwtt instrument publish FILE`."
            )
        emis = options["school"]
        schools = list(School.objects.filter(emis_number__in=emis))
        unknown = sorted(set(emis) - {s.emis_number for s in schools})
        if unknown:
            raise CommandError(f"No school with EMIS number {', '.join(unknown)}")
        try:
            wave = wave_create(
                name=options["name"],
                starts_on=_date(options["starts"]),
                ends_on=_date(options["ends"]),
                instrument_version=version,
                schools=schools,
            )
        except AssessmentInvalid as invalid:
            raise CommandError("; ".join(invalid.errors.values())) from None
        self.stdout.write(
            f"Created {wave.name} ({wave.starts_on} to {wave.ends_on}) for "
            f"{len(schools) or 'all'} schools, using {version}."
        )
