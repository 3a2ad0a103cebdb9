"""The research panel: every wave in one de-identified file, one row per child per wave (long
format), for following the same children from wave to wave.

`cwtt export panel --output F.csv|F.parquet`, and for a researcher the download on the research
page (cwtt/dashboards/research.py: the schools of their area only). The rows are those of the
research export (cwtt/assessments/research_export.py) with the same de-identification, the same
consent rule and the same pseudonym, so a child's rows link across waves and with the per-wave
files (decision 0068); a `wave_order` column (1 for the first wave) follows `wave`, and the rows
are ordered by pseudonym and then wave. As Parquet the columns are typed and the codebook is in
the file's schema; `NAME-codebook.csv` is written beside either file (docs/exports.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.registry.models import School
from cwtt.tabular.writing import Column, ExportError, write_table

from .research_export import ExportRefused, de_identified_table

PANEL_FORMATS = ("csv", "parquet")
AUDIT_TYPE = "research_panel"


def panel_table(
    *, key: str | None = None, schools: QuerySet[School] | None = None
) -> tuple[list[Column], Iterator[list[Any]]]:
    """The panel's columns and its typed rows (None where blank; see `de_identified_table`)."""
    return de_identified_table(key=key, schools=schools, panel=True)


def panel_export(*, output: str | Path, key: str | None = None, format: str | None = None) -> int:
    """Write the panel and its codebook to `output` (CSV or Parquet) and record it in the audit
    trail; returns the row count. Like every export, written to temporary files moved into place
    at the end, so a failure leaves no file and no audit entry."""
    columns, rows = panel_table(key=key)

    def audit(count: int) -> None:
        audit_record(
            action=AuditEntry.Action.EXPORT,
            actor_name="command line",
            object_type=AUDIT_TYPE,
            detail={"rows": count, "file": str(output)},
        )

    try:
        with transaction.atomic():
            return write_table(
                output,
                columns,
                rows,
                sheet="panel",
                format=format,
                on_written=audit,
                formats=PANEL_FORMATS,
                typed=True,
            )
    except ExportError as problem:
        raise ExportRefused(str(problem)) from None
