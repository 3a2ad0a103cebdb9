"""`cwtt report cohort|change|agreement|outcomes` as files: the tables of cwtt/analytics/evidence.py
written with cwtt/tabular (safe CSV, with a codebook beside it), and recorded in the audit trail
as every export is, all or nothing: if the audit entry cannot be written, no file appears.

Numbers are written as shares (0 to 1) to three decimals and p-values to four significant
figures; a hidden cell is an empty field.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.db import transaction

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.tabular.writing import Column, write_table

from .evidence import AgreementRow, ChangeRow, CohortRow
from .outcomes import ALL_SERVICES, OutcomeRow

SHARE_NOTE = "share of 0 to 1 worked out from the rounded counts; empty when not shown"

COHORT_COLUMNS = (
    Column("area", "Area (school, circuit, district or province)", "text"),
    Column("wave", "Wave", "text"),
    Column("measure", "What is counted (a domain at high risk, or an indicator)", "text"),
    Column(
        "n", "Children in the count, rounded; empty when fewer than the small-cell limit", "integer"
    ),
    Column("high", "Children counted, rounded; empty when not shown (small cell)", "integer"),
    Column("share", f"high / n: {SHARE_NOTE}", "decimal"),
    Column("ci_low", f"Wilson 95% interval, lower end: {SHARE_NOTE}", "decimal"),
    Column("ci_high", f"Wilson 95% interval, upper end: {SHARE_NOTE}", "decimal"),
)

CHANGE_COLUMNS = (
    Column("area", "Area (school, circuit, district or province)", "text"),
    Column("measure", "What is counted (a domain at high risk, or an indicator)", "text"),
    Column("n_paired", "Children in both waves, rounded; empty when too few", "integer"),
    Column("share_from", f"Share in the earlier wave: {SHARE_NOTE}", "decimal"),
    Column("share_to", f"Share in the later wave: {SHARE_NOTE}", "decimal"),
    Column("difference", "share_to - share_from; empty when not shown", "decimal"),
    Column("ci_low", "Newcombe's 95% interval for the paired difference, lower end", "decimal"),
    Column("ci_high", "Newcombe's 95% interval for the paired difference, upper end", "decimal"),
    Column("p_value", "McNemar's test of no change (exact when fewer than 25 changed)", "decimal"),
)

AGREEMENT_COLUMNS = (
    Column("indicator", "Indicator of the instrument", "text"),
    Column("informant_a", "First informant", "text"),
    Column("informant_b", "Second informant", "text"),
    Column("n", "Children assessed by both, rounded; empty when too few", "integer"),
    Column(
        "agreement",
        "Share of children on whom they agree (0 to 1); empty when not shown",
        "decimal",
    ),
    Column("kappa", "Cohen's kappa; empty when not shown or undefined", "decimal"),
)


def _fixed(value: float | None, places: int = 3) -> str:
    return "" if value is None else f"{value:.{places}f}"


def _p(value: float | None) -> str:
    return "" if value is None else f"{value:.4g}"


def _whole(value: int | None) -> str:
    return "" if value is None else str(value)


def cohort_lines(rows: Iterable[CohortRow]) -> Iterable[list[str]]:
    for r in rows:
        yield [
            r.area, r.wave, r.measure, _whole(r.n), _whole(r.high),
            _fixed(r.share), _fixed(r.ci_low), _fixed(r.ci_high),
        ]  # fmt: skip


def change_lines(rows: Iterable[ChangeRow]) -> Iterable[list[str]]:
    for r in rows:
        yield [
            r.area, r.measure, _whole(r.n_paired), _fixed(r.share_from), _fixed(r.share_to),
            _fixed(r.difference), _fixed(r.ci_low), _fixed(r.ci_high), _p(r.p_value),
        ]  # fmt: skip


def agreement_lines(rows: Iterable[AgreementRow]) -> Iterable[list[str]]:
    for r in rows:
        yield [
            r.indicator, r.informant_a, r.informant_b, _whole(r.n),
            _fixed(r.agreement), _fixed(r.kappa),
        ]  # fmt: skip


def write_report(
    *,
    report: str,
    output: str | Path,
    columns: Sequence[Column],
    lines: Iterable[Sequence[Any]],
    detail: dict[str, Any],
) -> int:
    """Write one report as CSV with its codebook and record it in the audit trail."""

    def audit(count: int) -> None:
        audit_record(
            action=AuditEntry.Action.EXPORT,
            actor_name="command line",
            object_type=f"evidence_{report}",
            detail={"rows": count, "file": str(output), **detail},
        )

    with transaction.atomic():
        return write_table(
            output, columns, lines, sheet=f"evidence {report}", format="csv", on_written=audit
        )


OUTCOME_COLUMNS = (
    Column("area", "Area (school, circuit, district or province)", "text"),
    Column("domain", "Area of wellbeing the service is for", "text"),
    Column(
        "service",
        f"Kind of service, or '{ALL_SERVICES}' for every service of the domain together",
        "text",
    ),
    Column("outcome", "Level went down, or at high risk at follow-up", "text"),
    Column(
        "n_treated",
        "Children served between the waves (moderate or high at baseline) with a comparable "
        "child not served, rounded; empty when too few",
        "integer",
    ),
    Column(
        "n_controls",
        "Comparable children not served (same school, grade and baseline level), rounded; "
        "empty when too few",
        "integer",
    ),
    Column(
        "n_unmatched",
        "Children served with no comparable child not served (left out), rounded; empty when "
        "not shown",
        "integer",
    ),
    Column(
        "share_treated", f"Share of the served children with the outcome: {SHARE_NOTE}", "decimal"
    ),
    Column(
        "share_controls",
        "Share of comparable children not served with the outcome, weighted to the served "
        f"children's school, grade and level: {SHARE_NOTE}",
        "decimal",
    ),
    Column("difference", "share_treated - share_controls; empty when not shown", "decimal"),
    Column("ci_low", "95% interval for the difference, lower end", "decimal"),
    Column("ci_high", "95% interval for the difference, upper end", "decimal"),
    Column("p_value", "Test of no difference (stratified, normal approximation)", "decimal"),
)


def outcome_lines(rows: Iterable[OutcomeRow]) -> Iterable[list[str]]:
    for r in rows:
        yield [
            r.area, r.domain, r.service, r.outcome, _whole(r.n_treated), _whole(r.n_controls),
            _whole(r.n_unmatched), _fixed(r.share_treated), _fixed(r.share_controls),
            _fixed(r.difference), _fixed(r.ci_low), _fixed(r.ci_high), _p(r.p_value),
        ]  # fmt: skip
