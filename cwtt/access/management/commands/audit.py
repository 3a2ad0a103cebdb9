"""`cwtt audit seal`, `cwtt audit verify` and `cwtt audit report --child ID` (decision 0026)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from cwtt.access.audit import AuditKeyMissing, AuditSealRefused, audit_seal, audit_verify
from cwtt.access.models import AuditEntry

# Enough to see what happened; a rewritten chain can break at every entry after the edit.
SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = (
        "Seal the audit trail (number, chain and checkpoint the newest entries), check it for "
        "tampering, or list who saw and changed a child's data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "seal", help="Chain the entries written since the last seal and append a checkpoint"
        )
        sub.add_parser("verify", help="Detect any edited, forged or deleted audit entry")
        report = sub.add_parser("report", help="Who saw and changed one child's data")
        report.add_argument("--child", type=int, required=True, help="the child's id")

    def handle(self, *args, action: str, **options) -> None:
        try:
            if action == "seal":
                return self.seal()
            if action == "verify":
                return self.verify()
        except AuditKeyMissing as missing:
            self.stderr.write(str(missing))
            raise SystemExit(1) from None
        except AuditSealRefused as refused:
            self.stderr.write(f"Nothing was sealed. {refused}")
            raise SystemExit(1) from None
        self.report(options["child"])

    def seal(self) -> None:
        result = audit_seal()
        where = (
            f"checkpoint written to {result.path}"
            if result.checkpoint_written
            else ("no new checkpoint needed")
        )
        adopted = (
            f" (of which {result.adopted} from before the keyed trail, checked first)"
            if result.adopted
            else ""
        )
        self.stdout.write(
            f"Sealed {result.sealed} entries{adopted}; the chain has {result.length}; {where}."
        )
        if result.unsealable:
            self.stderr.write(
                f"{result.unsealable} of them were not written with the audit key (forged or "
                "changed). They are kept in the chain as evidence: run `cwtt audit verify`."
            )
            raise SystemExit(1)

    def verify(self) -> None:
        report = audit_verify()
        for note in report.notes:
            self.stdout.write(note)
        if report.problems:
            for problem in report.problems[:SHOWN_PROBLEMS]:
                self.stderr.write(f"{problem.where}: {problem.message}")
            if len(report.problems) > SHOWN_PROBLEMS:
                self.stderr.write(f"... and {len(report.problems) - SHOWN_PROBLEMS} more.")
            self.stderr.write(
                f"The audit trail has been tampered with ({len(report.problems)} problem(s))."
            )
            raise SystemExit(1)
        if report.checkpoints:
            against = (
                f"{report.checkpoints} checkpoint(s) in {report.path} match, the last of "
                f"{report.last_checkpoint_at}"
            )
        else:
            against = f"no checkpoints yet in {report.path}"
        unsealed = (
            f" {report.unsealed} entries are not sealed yet: each is checked on its own, "
            "and `cwtt audit seal` adds them to the chain."
            if report.unsealed
            else ""
        )
        self.stdout.write(
            f"The audit trail is intact: {report.sealed + report.unsealed} entries, "
            f"{report.sealed} sealed; {against}.{unsealed}"
        )

    def report(self, child_id: int) -> None:
        entries = AuditEntry.objects.filter(child_id=child_id).select_related("actor")
        for entry in entries:
            what = entry.object_type + (f" {entry.object_id}" if entry.object_id else "")
            self.stdout.write(
                f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor_name or '-':<16} "
                f"{entry.get_action_display():<10} {what}"
            )
        self.stdout.write(f"{entries.count()} entries for child {child_id}.")
