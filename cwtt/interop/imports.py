"""Bulk imports by kind, for the command line (`cwtt import KIND FILE`) and the upload page in
administration: one table of what can be imported, and `import_file`, which reads a file, runs
the kind's import and records the run in the audit trail. The imports themselves live with
their data: cwtt/registry/imports/ (schools, classes, children, caregivers, staff) and
cwtt/assessments/imports.py. docs/imports.md is the user's guide; decision 0045 says why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.imports import (
    ASSESSMENT_COLUMNS,
    ASSESSMENT_OPTIONAL_COLUMNS,
    import_assessments,
)
from cwtt.registry import imports as registry
from cwtt.registry.imports import ImportReport, Progress, Table, read_table


@dataclass(frozen=True)
class ImportKind:
    name: str
    label: str
    run: Callable[..., ImportReport]
    required: tuple[str, ...]
    optional: tuple[str, ...]
    takes_by: bool = False  # writes through actions that record who made the change
    takes_wave: bool = False  # --wave and --questionnaire


KINDS: dict[str, ImportKind] = {
    kind.name: kind
    for kind in (
        ImportKind(
            "schools",
            "Schools (a district's list, with latitude and longitude)",
            registry.import_schools,
            registry.SCHOOL_COLUMNS,
            registry.SCHOOL_OPTIONAL_COLUMNS,
        ),
        ImportKind(
            "classes",
            "Classes of a school year",
            registry.import_classes,
            registry.CLASS_COLUMNS,
            (),
        ),
        ImportKind(
            "children",
            "Class lists (learners and their caregivers)",
            registry.import_children,
            registry.CHILD_COLUMNS,
            registry.CHILD_OPTIONAL_COLUMNS,
        ),
        ImportKind(
            "caregivers",
            "Caregivers of children already in CWTT",
            registry.import_caregivers,
            registry.CAREGIVER_COLUMNS,
            registry.CAREGIVER_OPTIONAL_COLUMNS,
        ),
        ImportKind(
            "staff",
            "Staff accounts, with roles and schools (no passwords)",
            registry.import_staff,
            registry.STAFF_COLUMNS,
            registry.STAFF_OPTIONAL_COLUMNS,
            takes_by=True,
        ),
        ImportKind(
            "assessments",
            "Assessments (also KoboToolbox and ODK Central exports)",
            import_assessments,
            ASSESSMENT_COLUMNS,
            ASSESSMENT_OPTIONAL_COLUMNS,
            takes_by=True,
            takes_wave=True,
        ),
    )
}


def import_file(
    *,
    kind: str,
    path: str | Path,
    name: str = "",
    dry_run: bool,
    keep_good: bool = False,
    progress: Progress | None = None,
    by=None,
    wave: str | None = None,
    questionnaire: str | None = None,
) -> tuple[ImportReport, Table]:
    """Read `path` and import it as `kind` (see KINDS); returns the report and the rows read
    (for a rejects file). `name` is the file's name in messages (default: the path's). Raises
    TableError for a file that cannot be read or lacks a required column, before writing.

    A run that writes is recorded in the audit trail with its counts, in the same transaction
    as what it wrote; `by` is the person (None: the command line)."""
    spec = KINDS[kind]
    table = read_table(path)
    options: dict = {}
    if spec.takes_by:
        options["by"] = by
    if spec.takes_wave:
        options.update(wave=wave, questionnaire=questionnaire)
    with transaction.atomic():
        report = spec.run(
            table,
            dry_run=dry_run,
            keep_good=keep_good,
            progress=progress,
            file=name or Path(path).name,
            **options,
        )
        if report.written and report.changed_anything:
            audit_record(
                action=AuditEntry.Action.CREATE,
                object_type="import",
                detail={
                    "kind": kind,
                    "file": name or Path(path).name,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "set_aside": len(report.rejected_rows),
                },
                **({"actor": by} if getattr(by, "pk", None) else {"actor_name": "command line"}),
            )
    return report, table
