"""`cwtt export risk-profiles --output F.csv` — one row per child per wave."""

import csv

from django.core.management.base import BaseCommand, CommandParser

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.models import RiskProfile
from cwtt.instruments.engine.definition import DOMAINS

COLUMNS = ["child_id", "school", "wave", *DOMAINS, "overall", "urgent", "discordant"]


class Command(BaseCommand):
    help = "Export data. risk-profiles: child_id, school (EMIS), wave, six domain levels, overall, urgent, discordant."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["risk-profiles"])
        parser.add_argument("--output", required=True)

    def handle(self, *args, what: str, output: str, **options) -> None:
        rows = (
            RiskProfile.objects.select_related("child__school", "wave")
            .order_by("child_id", "wave__starts_on")
            .values_list(
                "child_id",
                "child__school__emis_number",
                "wave__name",
                *DOMAINS,
                "overall",
                "urgent",
                "discordant",
            )
        )
        count = 0
        with open(output, "w", newline="", encoding="utf-8") as target:
            writer = csv.writer(target)
            writer.writerow(COLUMNS)
            for row in rows.iterator(chunk_size=2000):
                *values, urgent, discordant = row
                writer.writerow(
                    [*values, "true" if urgent else "false", "true" if discordant else "false"]
                )
                count += 1
        audit_record(
            action=AuditEntry.Action.EXPORT,
            actor_name="command line",
            object_type="risk_profiles",
            detail={"rows": count, "file": output},
        )
        self.stdout.write(f"Wrote {count} risk profiles to {output}.")
