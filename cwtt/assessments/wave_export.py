"""A wave's assessments and risk profiles for the data manager, as CSV or XLSX with a codebook.

`cwtt export assessments --wave NAME --output F.csv|F.xlsx` and `cwtt export risk-profiles
[--wave NAME] --output F.csv|F.xlsx` (docs/exports.md). These files identify children (their
record id and school), so they are for the data manager's own work: cleaning, matching and
reporting. Researchers get the de-identified export instead (research_export.py).

Which answers: those a data manager may read (cwtt/access/sensitivity.py READS for the data
manager role: general, contact and identity classes). Answers of other classes (education,
health, protection, case notes) are left out of the file and the codebook; the command says
how many questions were left out. The research export carries education and health answers,
de-identified (decision 0046).

A repeat's answers (a list of rows) take two columns: `REPEAT_rows`, the number of rows, and
`REPEAT`, the rows as JSON text, a list of {question: answer} (decision 0053).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.access.sensitivity import readable_classes
from cwtt.instruments.actions import validator_for
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.tabular.writing import Column, write_table

from .codebook import level_columns, question_column, repeat_columns
from .models import Assessment, Respondent, RiskProfile, Wave

# Rows are read in batches: an assessment's answers are a JSON document each.
BATCH = 2000
READER_ROLE = Role.DATA_MANAGER


@dataclass(frozen=True)
class Table:
    columns: list[Column]
    rows: Iterator[list[Any]]
    withheld: int = 0  # questions left out for their sensitivity


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)  # select_multiple, as XLSForm writes it
    return value


IDENTIFYING = [
    Column(
        "child_id",
        "The child's record number in CWTT",
        "integer",
        sensitivity="identity",
        source="child",
    ),
    Column("school", "EMIS number of the child's school", "text", source="school"),
    Column("wave", "Assessment wave", "text", source="wave"),
]


def risk_profile_table(wave: Wave | None = None) -> Table:
    """One row per child per wave (every wave unless `wave`), ordered by child and wave."""
    profiles = RiskProfile.objects.order_by("child_id", "wave__starts_on")
    if wave is not None:
        profiles = profiles.filter(wave=wave)
    columns = [
        *IDENTIFYING,
        *level_columns(),
        Column(
            "instrument_version",
            "Instrument version that worked out the levels",
            "text",
            source="risk profile",
        ),
    ]
    values = profiles.values_list(
        "child_id",
        "child__school__emis_number",
        "wave__name",
        *DOMAINS,
        "overall",
        "urgent",
        "discordant",
        "instrument_version_id",
    )

    def rows() -> Iterator[list[Any]]:
        for *row, version_id in values.iterator(chunk_size=BATCH):
            yield [*(_cell(v) for v in row), _version(version_id)]

    return Table(columns, rows())


def _version(version_id: int) -> str:
    definition = validator_for(version_id).definition
    return f"{definition.code} {definition.version_label or f'#{version_id}'}"


def answer_questions(assessments: QuerySet[Assessment]) -> tuple[list[str], set[int], int]:
    """The questions these assessments answer that a data manager may read, in the order of
    the newest version and then older ones; the versions used; and how many questions were
    left out for their sensitivity (a question withheld in any version is withheld)."""
    versions = sorted(
        set(assessments.values_list("instrument_version_id", flat=True).distinct()), reverse=True
    )
    allowed = readable_classes(READER_ROLE)
    names: list[str] = []
    withheld: set[str] = set()
    for version_id in versions:
        for question in validator_for(version_id).definition.answerable():
            if question.sensitivity not in allowed:
                withheld.add(question.name)
            elif question.name not in names:
                names.append(question.name)
    kept = [n for n in names if n not in withheld]
    return kept, set(versions), len(withheld)


def answer_repeats(assessments: QuerySet[Assessment], versions: set[int]) -> tuple[list[str], int]:
    """The repeats these assessments' versions ask whose every question a data manager may
    read, in the order of the newest version; and how many were left out."""
    allowed = readable_classes(READER_ROLE)
    names: list[str] = []
    withheld: set[str] = set()
    for version_id in sorted(versions, reverse=True):
        definition = validator_for(version_id).definition
        for repeat in definition.repeats_for():
            if not definition.repeat_sensitivities(repeat.name) <= allowed:
                withheld.add(repeat.name)
            elif repeat.name not in names:
                names.append(repeat.name)
    return [n for n in names if n not in withheld], len(withheld)


def _rows_json(rows: Any) -> str:
    """A repeat's rows as JSON text (a list of {question: answer}), "" when there are none."""
    return json.dumps(rows, ensure_ascii=False, sort_keys=True) if rows else ""


def assessment_table(wave: Wave) -> Table:
    """One row per assessment of the wave (every status), ordered by child, date and
    respondent, with a column per question a data manager may read."""
    assessments = Assessment.objects.filter(wave=wave)
    questions, versions, withheld = answer_questions(assessments)
    repeats, repeats_withheld = answer_repeats(assessments, versions)
    columns = [
        Column(
            "assessment",
            "The assessment's id (made by the phone or browser)",
            "text",
            source="assessment",
        ),
        *IDENTIFYING,
        Column(
            "respondent",
            "Who answered",
            "select_one",
            tuple((str(v), str(label)) for v, label in Respondent.choices),
            source="assessment",
        ),
        Column("assessed_on", "Date of the interview", "date", source="assessment"),
        Column(
            "status",
            "Draft, submitted or verified",
            "select_one",
            tuple((str(v), str(label)) for v, label in Assessment.Status.choices),
            source="assessment",
        ),
        Column("instrument_version", "Instrument version answered", "text", source="assessment"),
        *(question_column(name, versions, question=name) for name in questions),
        *(column for name in repeats for column in repeat_columns(name, versions)),
    ]
    values = assessments.order_by("child_id", "assessed_on", "respondent", "pk").values_list(
        "uuid",
        "child_id",
        "child__school__emis_number",
        "wave__name",
        "respondent",
        "assessed_on",
        "status",
        "instrument_version_id",
        "answers",
    )

    def rows() -> Iterator[list[Any]]:
        for *row, version_id, answers in values.iterator(chunk_size=BATCH):
            uuid, *rest = row
            yield [
                str(uuid),
                *(_cell(v) for v in rest),
                _version(version_id),
                *(_cell((answers or {}).get(name)) for name in questions),
                *(
                    cell
                    for name in repeats
                    for cell in (
                        len((answers or {}).get(name) or []),
                        _rows_json((answers or {}).get(name)),
                    )
                ),
            ]

    return Table(columns, rows(), withheld + repeats_withheld)


def wave_export(
    *, what: str, output: str | Path, wave: Wave | None, format: str | None = None
) -> tuple[int, int]:
    """Write `what` ("assessments" or "risk-profiles") with its codebook and record it in the
    audit trail, all or nothing. Returns (rows, questions withheld)."""
    table = assessment_table(wave) if what == "assessments" else risk_profile_table(wave)
    object_type = "assessments" if what == "assessments" else "risk_profiles"

    def audit(count: int) -> None:
        audit_record(
            action=AuditEntry.Action.EXPORT,
            actor_name="command line",
            object_type=object_type,
            detail={"rows": count, "file": str(output), "wave": wave.name if wave else None},
        )

    with transaction.atomic():
        count = write_table(
            output,
            table.columns,
            table.rows,
            sheet=object_type.replace("_", " "),
            format=format,
            on_written=audit,
        )
    return count, table.withheld
