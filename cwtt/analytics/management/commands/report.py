"""`cwtt report cohort|change|agreement|outcomes` — the evidence tables as CSV (docs/evidence.md)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.analytics import evidence, outcomes
from cwtt.analytics.reports import (
    AGREEMENT_COLUMNS,
    CHANGE_COLUMNS,
    COHORT_COLUMNS,
    OUTCOME_COLUMNS,
    agreement_lines,
    change_lines,
    cohort_lines,
    outcome_lines,
    write_report,
)
from cwtt.assessments.models import Wave
from cwtt.registry.models import School
from cwtt.tabular.writing import ExportError


class Command(BaseCommand):
    help = (
        "Evidence tables as CSV, small cells hidden and counts rounded as on the area pages. "
        "cohort --wave NAME --by school|circuit|district|province: per area the share of "
        "children at high risk per domain and per key indicator, with n and a Wilson 95% "
        "interval. change --from NAME --to NAME --by ...: the change on the same children, "
        "with Newcombe's paired interval and McNemar's test. agreement --wave NAME: Cohen's "
        "kappa per indicator for each pair of informants, where they disagree most first. "
        "outcomes --from NAME --to NAME --by ...: per domain and service type, children served "
        "between the waves against comparable children not served (same school, grade and "
        "baseline level): the share whose level went down and the share at high risk at "
        "follow-up, the difference with a 95% interval and a p-value."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["cohort", "change", "agreement", "outcomes"])
        parser.add_argument("--output", required=True, help="the CSV file to write")
        parser.add_argument("--wave", help="cohort, agreement: the wave (by name)")
        parser.add_argument(
            "--from", dest="earlier", help="change, outcomes: the earlier (baseline) wave"
        )
        parser.add_argument("--to", dest="later", help="change, outcomes: the later wave")
        parser.add_argument(
            "--by",
            choices=evidence.LEVELS,
            help="cohort, change, outcomes: one row per area at this level",
        )

    def handle(self, *args, what: str, output: str, **options) -> None:
        schools = School.objects.all()
        by = options["by"]
        if what in ("cohort", "change", "outcomes") and by is None:
            raise CommandError(
                "Say how to split the table with --by school|circuit|district|province."
            )
        if what in ("change", "outcomes"):
            if options["wave"]:
                raise CommandError(
                    f"{what} compares two waves: use --from NAME --to NAME, not --wave."
                )
            earlier = self.wave(options["earlier"], "--from")
            later = self.wave(options["later"], "--to")
            if earlier.pk == later.pk:
                raise CommandError(
                    "--from and --to name the same wave; choose two different waves."
                )
            if what == "change":
                rows = evidence.change(earlier, later, schools, by)
                lines, columns = change_lines(rows), CHANGE_COLUMNS
            else:
                try:
                    rows = outcomes.outcomes(earlier, later, schools, by)
                except outcomes.OutcomesError as problem:
                    raise CommandError(str(problem)) from None
                lines, columns = outcome_lines(rows), OUTCOME_COLUMNS
            detail = {"from": earlier.name, "to": later.name, "by": by}
        else:
            if options["earlier"] or options["later"]:
                raise CommandError(f"{what} reads one wave: use --wave NAME.")
            wave = self.wave(options["wave"], "--wave")
            if what == "cohort":
                rows = evidence.cohort(wave, schools, by)
                lines, columns = cohort_lines(rows), COHORT_COLUMNS
                detail = {"wave": wave.name, "by": by}
            else:
                if by:
                    raise CommandError("agreement covers every school; leave out --by.")
                rows = evidence.agreement(wave, schools)
                lines, columns = agreement_lines(rows), AGREEMENT_COLUMNS
                detail = {"wave": wave.name}
        try:
            count = write_report(
                report=what, output=output, columns=columns, lines=lines, detail=detail
            )
        except ExportError as problem:
            raise CommandError(str(problem)) from None
        hidden = sum(1 for r in rows if not r.shown)
        self.stdout.write(
            f"Wrote {count} rows to {output}, with its codebook ({hidden} with small numbers "
            "not shown)."
        )

    def wave(self, name: str | None, option: str) -> Wave:
        if not name:
            raise CommandError(f"Say which wave with {option} NAME.")
        wave = Wave.objects.filter(name=name).first()
        if wave is None:
            raise CommandError(f"No wave is called {name!r}; see `cwtt wave list`.")
        return wave
