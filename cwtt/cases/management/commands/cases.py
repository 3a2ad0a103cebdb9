"""`cwtt cases propose --wave NAME` — propose cases from a wave's risk profiles."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.assessments.models import Wave
from cwtt.cases.actions import cases_propose


class Command(BaseCommand):
    help = "Propose a case for every child high in any area or urgent in a wave (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        propose = sub.add_parser("propose", help="Propose cases from a wave's risk profiles")
        propose.add_argument("--wave", required=True, help="the wave's name")

    def handle(self, *args, action: str, **options) -> None:
        wave = Wave.objects.filter(name=options["wave"]).first()
        if wave is None:
            names = ", ".join(Wave.objects.values_list("name", flat=True)) or "none yet"
            raise CommandError(f"No wave called '{options['wave']}' (waves: {names}).")
        counts = cases_propose(wave=wave)
        self.stdout.write(f"{wave.name}: {counts}.")
