"""`cwtt rescore` — recompute risk profiles after an instrument change."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.assessments.actions import rescore
from cwtt.assessments.models import Wave


class Command(BaseCommand):
    help = "Recompute every child's risk profile from their assessments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--wave", action="append", help="Only this wave (by name); repeatable")

    def handle(self, *args, wave: list[str] | None = None, **options) -> None:
        waves = None
        if wave:
            waves = list(Wave.objects.filter(name__in=wave))
            missing = set(wave) - {w.name for w in waves}
            if missing:
                raise CommandError(f"No wave named {', '.join(sorted(missing))}")
        count = rescore(waves=waves)
        self.stdout.write(f"Recomputed {count} risk profiles.")
