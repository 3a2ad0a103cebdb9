"""`cwtt export assessments|risk-profiles|research|panel|dhis2 ...` — a wave's data as files.

- assessments and risk-profiles are for the data manager (child ids and school EMIS numbers;
  cwtt/assessments/wave_export.py);
- research is de-identified for researchers (cwtt/assessments/research_export.py);
- panel is the same for every wave in one file, CSV or Parquet (cwtt/assessments/panel_export.py);
- each as CSV (with `NAME-codebook.csv` beside it) or XLSX (the codebook on a second sheet);
- dhis2 writes aggregate figures as DHIS2 dataValueSets JSON, and can post them
  (cwtt/interop/dhis2/).

docs/exports.md says what each file holds.
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.assessments.models import Wave
from cwtt.assessments.panel_export import PANEL_FORMATS, panel_export
from cwtt.assessments.research_export import ExportRefused, research_export
from cwtt.assessments.wave_export import wave_export
from cwtt.tabular.writing import FORMATS, ExportError


class Command(BaseCommand):
    help = (
        "Export a wave's data. assessments: one row per assessment with the answers a data "
        "manager may read (needs --wave). risk-profiles: child_id, school (EMIS), wave, six "
        "domain levels, overall, urgent, discordant, instrument version. research: "
        "de-identified for researchers — a pseudonym per child, age in months, sex, quintile, "
        "district, wave, levels and the answers a researcher may see; no names, identifiers, "
        "dates of birth, addresses, schools or free text. Each as CSV (with NAME-codebook.csv "
        "beside it) or XLSX (codebook on a second sheet). panel: the research rows of every "
        "wave in one file, ordered by pseudonym then wave, as CSV or Parquet (typed columns, "
        "the codebook in the file and beside it). dhis2: aggregate figures as DHIS2 "
        "dataValueSets JSON (needs --wave; --post sends them to CWTT_DHIS2_URL)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "what", choices=["assessments", "risk-profiles", "research", "panel", "dhis2"]
        )
        parser.add_argument(
            "--output", help="the file to write (.csv, .xlsx, .parquet for panel, .json for dhis2)"
        )
        parser.add_argument("--wave", help="export this wave (by name); every wave if left out")
        parser.add_argument(
            "--format",
            choices=sorted({*FORMATS, *PANEL_FORMATS}),
            help="csv or xlsx, for panel csv or parquet (default: from the file name)",
        )
        parser.add_argument(
            "--mapping", help="dhis2: the mapping file to use instead of the shipped one"
        )
        parser.add_argument(
            "--post", action="store_true", help="dhis2: also send the figures to CWTT_DHIS2_URL"
        )

    def handle(self, *args, what: str, **options) -> None:
        output, wave_name, format = options["output"], options["wave"], options["format"]
        wave = self.wave(wave_name)
        if what == "dhis2":
            self.dhis2(wave, output, options)
            return
        if options["mapping"] or options["post"]:
            raise CommandError("--mapping and --post apply to the dhis2 export only.")
        if output is None:
            raise CommandError("Give the file to write with --output.")
        if what == "panel":
            self.panel(output, wave_name, format)
            return
        if format == "parquet":
            raise CommandError("Only the panel export is written as Parquet; use csv or xlsx.")
        if what == "research":
            try:
                count = research_export(output=output, wave=wave, format=format)
            except ExportRefused as refused:
                raise CommandError(str(refused)) from None
            scope = f"wave {wave.name}" if wave else "all waves"
            self.stdout.write(
                f"Wrote {count} de-identified rows ({scope}, children with research consent) "
                f"to {output}, with its codebook."
            )
            return
        if what == "assessments" and wave is None:
            raise CommandError("Say which wave's assessments to export with --wave NAME.")
        try:
            count, withheld = wave_export(what=what, output=output, wave=wave, format=format)
        except ExportError as problem:
            raise CommandError(str(problem)) from None
        kind = "assessments" if what == "assessments" else "risk profiles"
        left_out = (
            f" {withheld} questions of classes a data manager may not read were left out."
            if withheld
            else ""
        )
        self.stdout.write(f"Wrote {count} {kind} to {output}, with its codebook.{left_out}")

    def panel(self, output: str, wave_name: str | None, format: str | None) -> None:
        if wave_name is not None:
            raise CommandError(
                "The panel holds every wave; for one wave use `cwtt export research --wave`."
            )
        try:
            count = panel_export(output=output, format=format)
        except ExportRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            f"Wrote {count} de-identified rows (every wave, one row per child per wave, "
            f"children with research consent) to {output}, with its codebook."
        )

    def wave(self, name: str | None) -> Wave | None:
        if name is None:
            return None
        wave = Wave.objects.filter(name=name).first()
        if wave is None:
            raise CommandError(f"No wave is called {name!r}; see `cwtt wave list`.")
        return wave

    def dhis2(self, wave: Wave | None, output: str | None, options) -> None:
        # The command is the entry point for every export; the DHIS2 code lives with the other
        # ways CWTT talks to other systems.
        from cwtt.interop.dhis2.command import run_dhis2_export

        if wave is None:
            raise CommandError("Say which wave to report with --wave NAME.")
        if options["format"]:
            raise CommandError("--format applies to the CSV and XLSX exports; dhis2 writes JSON.")
        if output is None and not options["post"]:
            raise CommandError("Give the file to write with --output, or send it with --post.")
        for line in run_dhis2_export(
            wave=wave, output=output, mapping=options["mapping"], post=options["post"]
        ):
            self.stdout.write(line)
