"""`cwtt referral_rules check [FILE]` — check a referral rules file (docs/referrals.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from cwtt.referrals.rules import deadline_words, read_rules_file, rules_path


def instrument_names() -> tuple[set[str], set[str]]:
    """Rule ids and indicators of the default instrument, to warn about triggers that never
    fire (another instrument may have them, so these are warnings, not problems)."""
    from cwtt.instruments.engine.reader import read_instrument

    definition = read_instrument(settings.CWTT_DEFAULT_INSTRUMENT).definition
    if definition is None:
        return set(), set()
    rules = {r.code for r in definition.rules}
    indicators = {r.indicator for r in definition.rules if r.indicator}
    return rules, indicators


class Command(BaseCommand):
    help = "Check a referral rules file: list its problems by row and column, or summarise it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="List the file's problems, or summarise its rules")
        check.add_argument("file", nargs="?", help="default: the rules in force")

    def handle(self, *args, action: str, file: str | None = None, **options) -> None:
        path = file or str(rules_path())
        result = read_rules_file(path)
        if not result.ok:
            self.stderr.write(f"{path}: {len(result.problems)} problem(s):")
            for problem in result.problems:
                self.stderr.write(f"  - {problem}")
            raise SystemExit(1)
        rules, indicators = instrument_names()
        for rule in result.rules:
            unknown = sorted(rule.finding_rules - rules) if rules else []
            if unknown:
                self.stdout.write(
                    self.style.WARNING(
                        f"warning: {rule.code}: {', '.join(unknown)} not in the default instrument"
                    )
                )
            if rule.indicator and indicators and rule.indicator not in indicators:
                self.stdout.write(
                    self.style.WARNING(
                        f"warning: {rule.code}: indicator {rule.indicator} "
                        "not in the default instrument"
                    )
                )
        for rule in result.rules:
            condition = f" if {rule.child}" if rule.child else ""
            self.stdout.write(
                f"  {rule.code}: {rule.trigger}{condition} → {rule.service} "
                f"({rule.urgency}, {deadline_words(rule.deadline)})"
            )
        self.stdout.write(
            self.style.SUCCESS(f"{path}: {len(result.rules)} rules, no problems found.")
        )
