"""`cwtt instrument check|publish|trim|list|export` — validate, version and trim instruments."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cwtt.assessments.wave_answers import UnknownWave, wave_answers, waves_named
from cwtt.instruments.actions import InstrumentRejected, instrument_publish
from cwtt.instruments.calibration import flag_shares, shares_table
from cwtt.instruments.engine.definition import DOMAIN_LABELS, InstrumentDefinition
from cwtt.instruments.engine.reader import InstrumentFileError, read_instrument, read_sheets
from cwtt.instruments.models import Instrument
from cwtt.instruments.trimming import (
    report_table,
    trim,
    trimmed_definition,
    write_trimmed_xlsform,
)
from cwtt.tabular import xlsx_row


class Command(BaseCommand):
    help = "Check, publish, trim, list or export instruments (XLSForm plus CWTT scoring)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="List the file's problems, or summarise it")
        check.add_argument("file")
        check.add_argument(
            "--against",
            metavar="WAVE",
            help="Also print the share of the wave's children each rule and domain would flag",
        )
        publish = sub.add_parser("publish", help="Add the file as the next version")
        publish.add_argument("file")
        trim = sub.add_parser(
            "trim",
            help="From past waves, the fewest questions that still find the children rated high; "
            "cross-validated, written as a new instrument version (.xlsx) to pilot",
        )
        trim.add_argument("--waves", required=True, help="Wave names, separated by commas")
        trim.add_argument("--sensitivity", type=float, default=0.9)
        trim.add_argument("--folds", type=int, default=5)
        trim.add_argument("--by", choices=["school", "child"], default="school")
        trim.add_argument("--output", required=True)
        sub.add_parser("list", help="Instruments and their versions")
        export = sub.add_parser("export", help="Write a .md instrument as .xlsx (or back)")
        export.add_argument("file")
        export.add_argument("--output", required=True)

    def handle(self, *args, action: str, **options) -> None:
        getattr(self, f"handle_{action}")(**options)

    def _print_problems(self, problems) -> None:
        self.stderr.write(f"{len(problems)} problem(s):")
        for problem in problems:
            self.stderr.write(f"  - {problem}")

    def handle_check(self, file: str, **options) -> None:
        result = read_instrument(file)
        for warning in result.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        if not result.ok:
            self._print_problems(result.problems)
            raise SystemExit(1)
        assert result.definition is not None
        self.stdout.write(summarise(result.definition))
        self.stdout.write(self.style.SUCCESS(f"{file}: no problems found."))
        if options.get("against"):
            self.stdout.write("")
            self.stdout.write(_shares_against(result.definition, options["against"]))

    def handle_publish(self, file: str, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{file}: no such file")
        try:
            outcome = instrument_publish(data=path.read_bytes(), filename=path.name)
        except InstrumentRejected as rejected:
            self._print_problems(rejected.problems)
            raise SystemExit(1) from None
        for warning in outcome.warnings:
            self.stdout.write(self.style.WARNING(f"warning: {warning}"))
        version = outcome.version
        if outcome.created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Published {version.instrument.code} version {version.number} "
                    f"({version.version_label or 'no label'}) from {path.name}. "
                    "Run `cwtt rescore` to recompute existing risk profiles with it."
                )
            )
        else:
            self.stdout.write(
                f"{path.name} is identical to {version.instrument.code} version "
                f"{version.number}; nothing published."
            )

    def handle_trim(
        self, waves: str, sensitivity: float, folds: int, by: str, output: str, **options
    ) -> None:
        if not output.endswith(".xlsx"):
            raise CommandError("--output must end in .xlsx")
        if not 0 < sensitivity <= 1:
            raise CommandError("--sensitivity must be above 0 and at most 1, e.g. 0.9")
        names = [n.strip() for n in waves.split(",") if n.strip()]
        try:
            chosen = waves_named(names)
        except UnknownWave as error:
            raise CommandError(str(error)) from None
        # The newest version the waves were answered with: its rules say who is "high".
        version = max(
            (w.instrument_version for w in chosen), key=lambda v: (v.instrument_id, v.number)
        )
        if len({w.instrument_version.instrument_id for w in chosen}) > 1:
            raise CommandError("the waves use different instruments; trim one instrument at a time")
        children = wave_answers(chosen)
        if not children:
            raise CommandError(f"the waves {waves} have no submitted or verified assessments")
        definition = version.parsed()
        try:
            result = trim(definition, children, sensitivity=sensitivity, k=folds, by=by)
        except ValueError as error:
            raise CommandError(str(error)) from None
        label = f"{version.version_label or version.number}-trim{round(sensitivity * 100)}"
        trimmed = trimmed_definition(definition, result.kept, label)
        sheets = read_sheets(bytes(version.source), version.source_name)
        write_trimmed_xlsform(sheets, trimmed, output, label)
        self.stdout.write(report_table(result))
        checked = read_instrument(output)
        if not checked.ok:
            self._print_problems(checked.problems)
            raise SystemExit(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"Wrote {output}: {definition.code} version {label}, "
                f"{len(result.kept)} of {result.total_questions} questions. Check it with "
                "`cwtt instrument check`, then publish it to pilot."
            )
        )

    def handle_list(self, **options) -> None:
        instruments = Instrument.objects.prefetch_related("versions")
        if not instruments:
            self.stdout.write("No instruments published yet.")
        for instrument in instruments:
            self.stdout.write(f"{instrument.code}: {instrument.title}")
            for version in instrument.versions.all():
                self.stdout.write(
                    f"  version {version.number}  {version.version_label:<10} "
                    f"{version.published_at:%Y-%m-%d %H:%M}  {version.source_name}"
                )

    def handle_export(self, file: str, output: str, **options) -> None:
        from openpyxl import Workbook

        source = Path(file)
        if not source.is_file():
            raise CommandError(f"{file}: no such file")
        if not output.endswith(".xlsx"):
            raise CommandError("--output must end in .xlsx")
        try:
            sheets = read_sheets(source.read_bytes(), source.name)
        except InstrumentFileError as error:
            raise CommandError(f"{file}: {error}") from None
        workbook = Workbook()
        workbook.remove(workbook.active)
        for sheet in sheets.values():
            worksheet = workbook.create_sheet(sheet.name)
            # Text is kept exactly (it is the instrument) but stored as text, never a formula.
            worksheet.append(xlsx_row(worksheet, sheet.headers))
            for _, row in sheet.rows:
                worksheet.append(xlsx_row(worksheet, [row.get(h, "") for h in sheet.headers]))
        workbook.save(output)
        self.stdout.write(
            f"Wrote {output} with sheets {', '.join(s.name for s in sheets.values())}."
        )


def _shares_against(definition: InstrumentDefinition, wave_name: str) -> str:
    """The file's rules run over a wave's stored answers (never written anywhere)."""
    try:
        waves = waves_named([wave_name])
    except UnknownWave as error:
        raise CommandError(str(error)) from None
    children = wave_answers(waves)
    if not children:
        raise CommandError(f"the wave {wave_name} has no submitted or verified assessments")
    return f"Wave {wave_name}. " + shares_table(definition, flag_shares(definition, children))


def summarise(definition: InstrumentDefinition) -> str:
    lines = [
        f"{definition.title} ({definition.code}, version label {definition.version_label or '-'})",
    ]
    answerable = definition.answerable()
    by_respondent = {r: len(definition.answerable(r)) for r in definition.respondents()}
    lines.append(
        f"{len(answerable)} questions"
        + (": " + ", ".join(f"{n} {r}" for r, n in by_respondent.items()) if by_respondent else "")
    )
    repeats = definition.repeats_for()
    if repeats:
        lines.append(
            "Repeats (asked per row, not scored): "
            + ", ".join(
                f"{r.name} ({len(definition.repeat_questions(r.name))} questions a row)"
                for r in repeats
            )
        )
    if definition.measures:
        lines.append(
            "Measures: "
            + ", ".join(f"{m.name} ({m.kind}, {m.respondent})" for m in definition.measures)
        )
    indicators = definition.indicators()
    lines.append(f"{len(definition.rules)} scoring rules; domains and indicators:")
    for domain, codes in indicators.items():
        rules = [r for r in definition.rules if r.domain == domain]
        questions = [q for q in answerable if q.domain == domain]
        lines.append(
            f"  {DOMAIN_LABELS[domain]} ({domain}): {len(questions)} questions, {len(rules)} rules"
        )
        for code in codes:
            count = sum(1 for q in questions if q.indicator == code)
            scored = sum(1 for r in rules if r.indicator == code)
            lines.append(
                f"    - {definition.indicator_label(domain, code)} [{code}]: "
                f"{count} questions, {scored} rules"
            )
    if definition.languages:
        lines.append("Languages: " + ", ".join(definition.languages))
    return "\n".join(lines)
