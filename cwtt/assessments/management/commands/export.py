"""`cwtt export risk-profiles|research --output F.csv` — one row per child per wave.

risk-profiles is for the data manager (child ids and school EMIS numbers); research is
de-identified for researchers (cwtt/assessments/research_export.py).
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.models import RiskProfile, Wave
from cwtt.assessments.research_export import ExportRefused, research_export
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.tabular import csv_writer

COLUMNS = ["child_id", "school", "wave", *DOMAINS, "overall", "urgent", "discordant"]


class Command(BaseCommand):
    help = (
        "Export data. risk-profiles: child_id, school (EMIS), wave, six domain levels, overall, "
        "urgent, discordant. research: de-identified for researchers — a pseudonym per child, "
        "age in months, sex, quintile, district, wave, levels and the answers a researcher may "
        "see; no names, identifiers, dates of birth, addresses, schools or free text."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["risk-profiles", "research"])
        parser.add_argument("--output", required=True)
        parser.add_argument("--wave", help="research only: export this wave (by name), not all")

    def handle(self, *args, what: str, output: str, wave: str | None = None, **options) -> None:
        if what == "research":
            self.research(output, wave)
            return
        if wave is not None:
            raise CommandError("--wave applies to the research export only.")
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
            writer = csv_writer(target)  # text that could run as a formula is quoted
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

    def research(self, output: str, wave_name: str | None) -> None:
        wave = None
        if wave_name is not None:
            wave = Wave.objects.filter(name=wave_name).first()
            if wave is None:
                raise CommandError(f"No wave is called {wave_name!r}; see `cwtt wave list`.")
        try:
            count = research_export(output=output, wave=wave)
        except ExportRefused as refused:
            raise CommandError(str(refused)) from None
        scope = f"wave {wave.name}" if wave else "all waves"
        self.stdout.write(
            f"Wrote {count} de-identified rows ({scope}, children with research consent) "
            f"to {output}."
        )
