"""`cwtt audit verify` and `cwtt audit report --child ID`."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from cwtt.access.audit import verify_chain
from cwtt.access.models import AuditEntry


class Command(BaseCommand):
    help = "Check the audit trail's hash chain, or list who saw and changed a child's data."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Detect any edited or deleted audit entry")
        report = sub.add_parser("report", help="Who saw and changed one child's data")
        report.add_argument("--child", type=int, required=True, help="the child's id")

    def handle(self, *args, action: str, **options) -> None:
        if action == "verify":
            problems = list(verify_chain())
            count = AuditEntry.objects.count()
            if problems:
                for problem in problems:
                    self.stderr.write(f"entry {problem.sequence}: {problem.message}")
                self.stderr.write(
                    f"The audit trail has been tampered with ({len(problems)} problem(s))."
                )
                raise SystemExit(1)
            self.stdout.write(f"The audit trail is intact: {count} entries, every hash checks out.")
            return
        entries = AuditEntry.objects.filter(child_id=options["child"]).select_related("actor")
        for entry in entries:
            what = entry.object_type + (f" {entry.object_id}" if entry.object_id else "")
            self.stdout.write(
                f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor_name or '-':<16} "
                f"{entry.get_action_display():<10} {what}"
            )
        self.stdout.write(f"{entries.count()} entries for child {options['child']}.")
