"""The de-identified research export: one row per child per wave, nothing that names a child.

`cwtt export research --output F.csv|F.xlsx [--wave NAME]`, and for a researcher the download
on the research page (cwtt/dashboards/research.py: the schools of their area only). Each row holds a pseudonym, the child's
age in whole months at the start of the wave, sex, the school's quintile, the district, the
wave, the risk levels and the answers a researcher may see. Left out: names, ID and birth
certificate numbers, dates of birth, addresses, phone numbers, schools and EMIS numbers (one
school's children are few enough to recognise), free-text and date answers, and every answer
whose sensitivity is protection or case notes. Only children whose caregiver agreed to
research use (consent purpose `research`) are exported. docs/access.md, "Aggregates and
research exports", says why each choice was made. A codebook describes every column (a second
sheet in XLSX, `NAME-codebook.csv` beside a CSV; docs/exports.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.consent.actions import children_with_consent
from cwtt.consent.models import Purpose
from cwtt.instruments.actions import validator_for
from cwtt.instruments.engine.definition import DOMAINS, RESPONDENTS, Question
from cwtt.registry.models import Child, Location, School
from cwtt.tabular.writing import Column, ExportError, plain_value, write_table

from .codebook import level_columns, question_column
from .models import Assessment, RiskProfile, Wave

# Free text can hold a name, an address or what a child disclosed; a date can be a birthday.
WITHHELD_TYPES = frozenset({"text", "date"})
WITHHELD_SENSITIVITIES = frozenset({"protection", "case_notes"})
FIXED = [
    Column(
        "pseudonym",
        "The child under a pseudonym: the same in every export made with the same research key",
        "text",
        source="child (HMAC-SHA256 of its id with the research key)",
    ),
    Column("wave", "Assessment wave", "text", source="wave"),
    Column(
        "age_months",
        "Age in whole months completed at the start of the wave",
        "integer",
        source="child's date of birth and the wave's first day",
    ),
    Column(
        "sex",
        "Sex",
        "select_one",
        tuple((str(v), str(label)) for v, label in Child.Sex.choices),
        source="child",
    ),
    Column("quintile", "School poverty quintile, 1 (poorest) to 5", "integer", source="school"),
    Column("district", "District of the school", "text", source="school's place"),
    *level_columns(),
]
FIXED_COLUMNS = [c.name for c in FIXED]
WAVE_ORDER = Column(
    "wave_order",
    "The wave's place in time: 1 for the first wave CWTT holds, 2 for the next, and so on",
    "integer",
    source="wave (ordered by first day)",
)
COUNTED = [Assessment.Status.SUBMITTED, Assessment.Status.VERIFIED]
# Rows are read in batches small enough for SQLite's limit on query parameters.
BATCH = 500


class ExportRefused(Exception):
    pass


def pseudonym(child_id: int, key: str) -> str:
    """The same child gets the same pseudonym in every export made with the same key; without
    the key it cannot be traced back to the child."""
    digest = hmac.new(key.encode(), str(child_id).encode(), hashlib.sha256).hexdigest()
    return f"C-{digest[:16]}"


def age_in_months(born: dt.date, on: dt.date) -> int:
    """Whole months completed on `on` (a child born on 14 March is 12 months old from the next
    14 March)."""
    months = (on.year - born.year) * 12 + on.month - born.month
    return months - 1 if on.day < born.day else months


def exportable(question: Question) -> bool:
    return (
        question.takes_answer
        and question.type not in WITHHELD_TYPES
        and question.sensitivity not in WITHHELD_SENSITIVITIES
    )


def answer_columns(assessments: QuerySet[Assessment]) -> list[tuple[str, str]]:
    """(respondent, question) for every answer a researcher may see, over the instrument
    versions and respondents these assessments use: grouped by respondent, in the order of the
    newest version. A question withheld in any of those versions is withheld from all, so a
    change of sensitivity in a later version never leaks the earlier answers."""
    used = sorted(
        set(assessments.values_list("instrument_version_id", "respondent")),
        key=lambda pair: (-pair[0], pair[1]),
    )
    columns: list[tuple[str, str]] = []
    withheld: set[str] = set()
    for version_id, respondent in used:
        validator = validator_for(version_id)
        withheld.update(q.name for q in validator.definition.questions if not exportable(q))
        for question in validator.questions(respondent):
            if exportable(question) and (respondent, question.name) not in columns:
                columns.append((respondent, question.name))
    order = {r: i for i, r in enumerate(RESPONDENTS)}
    kept = [c for c in columns if c[1] not in withheld]
    return sorted(kept, key=lambda c: order.get(c[0], len(order)))


def _district(level: str, name: str, parent_name: str | None) -> str:
    if level == Location.Level.DISTRICT:
        return name
    if level == Location.Level.CIRCUIT:
        return parent_name or ""
    return ""


def research_table(
    *,
    wave: Wave | None = None,
    key: str | None = None,
    schools: QuerySet[School] | None = None,
) -> tuple[list[Column], Iterator[list[Any]]]:
    """The columns (with what the codebook says of each) and the rows as CSV and XLSX cells,
    ordered by wave and then pseudonym (not by registry order, which could follow a class
    list). With `schools`, only the children of those schools (a researcher's area)."""
    columns, rows = de_identified_table(wave=wave, key=key, schools=schools)
    return columns, ([plain_value(v) for v in row] for row in rows)


def de_identified_table(
    *,
    wave: Wave | None = None,
    key: str | None = None,
    schools: QuerySet[School] | None = None,
    panel: bool = False,
) -> tuple[list[Column], Iterator[list[Any]]]:
    """`research_table`'s columns and rows with typed values: None where blank, True/False,
    numbers, lists for select_multiple. As a `panel` (cwtt/assessments/panel_export.py): every
    wave, a `wave_order` column after `wave`, ordered by pseudonym and then wave, so each
    child's waves are together."""
    key = key or settings.CWTT_PSEUDONYM_KEY
    profiles = RiskProfile.objects.all()
    assessments = Assessment.objects.filter(status__in=COUNTED)
    if wave is not None:
        profiles = profiles.filter(wave=wave)
        assessments = assessments.filter(wave=wave)
    if schools is not None:
        profiles = profiles.filter(child__school__in=schools)
        assessments = assessments.filter(child__school__in=schools)
    answers = answer_columns(assessments)
    versions = set(assessments.values_list("instrument_version_id", flat=True).distinct())
    fixed = [*FIXED[:2], WAVE_ORDER, *FIXED[2:]] if panel else FIXED
    columns = [
        *fixed,
        *(question_column(f"{r}.{q}", versions, question=q, respondent=r) for r, q in answers),
    ]

    consenting = children_with_consent(Purpose.RESEARCH)
    # Every wave's place in time, so `wave_order` means the same in every file.
    wave_order = (
        {
            pk: n
            for n, pk in enumerate(
                Wave.objects.order_by("starts_on", "pk").values_list("pk", flat=True), 1
            )
        }
        if panel
        else {}
    )
    order = sorted(
        ((name, starts_on, wave_id) if panel else (starts_on, name, wave_id), name, profile_id)
        for profile_id, child_id, wave_id, starts_on in profiles.values_list(
            "pk", "child_id", "wave_id", "wave__starts_on"
        )
        if child_id in consenting
        for name in [pseudonym(child_id, key)]
    )

    def rows() -> Iterator[list[Any]]:
        for start in range(0, len(order), BATCH):
            batch = order[start : start + BATCH]
            found = {
                p["pk"]: p
                for p in RiskProfile.objects.filter(pk__in=[pk for _, _, pk in batch]).values(
                    "pk",
                    "child_id",
                    "wave_id",
                    "wave__name",
                    "wave__starts_on",
                    "child__date_of_birth",
                    "child__sex",
                    "child__school__quintile",
                    "child__school__location__level",
                    "child__school__location__name",
                    "child__school__location__parent__name",
                    *DOMAINS,
                    "overall",
                    "urgent",
                    "discordant",
                )
            }
            latest: dict[tuple[int, int, str], dict[str, Any]] = {}
            for child_id, wave_id, respondent, given in (
                assessments.filter(
                    child_id__in={p["child_id"] for p in found.values()},
                    wave_id__in={p["wave_id"] for p in found.values()},
                )
                .order_by("assessed_on", "updated_at", "pk")
                .values_list("child_id", "wave_id", "respondent", "answers")
            ):
                # Where one respondent answered twice in a wave, the later answers stand.
                latest[(child_id, wave_id, respondent)] = given
            for _, name, pk in batch:
                p = found[pk]
                yield [
                    name,
                    p["wave__name"],
                    *([wave_order[p["wave_id"]]] if panel else []),
                    age_in_months(p["child__date_of_birth"], p["wave__starts_on"]),
                    p["child__sex"],
                    p["child__school__quintile"],
                    _district(
                        p["child__school__location__level"],
                        p["child__school__location__name"],
                        p["child__school__location__parent__name"],
                    ),
                    *(p[d] or None for d in DOMAINS),
                    p["overall"] or None,
                    p["urgent"],
                    p["discordant"],
                    *(latest.get((p["child_id"], p["wave_id"], r), {}).get(q) for r, q in answers),
                ]

    return columns, rows()


def research_rows(
    *, wave: Wave | None = None, key: str | None = None
) -> tuple[list[str], Iterator[list[Any]]]:
    """The header (column names) and the rows of `research_table`."""
    columns, rows = research_table(wave=wave, key=key)
    return [c.name for c in columns], rows


def research_export(
    *,
    output: str | Path,
    wave: Wave | None = None,
    key: str | None = None,
    format: str | None = None,
) -> int:
    """Write the export and its codebook to `output` (CSV or XLSX, cwtt/tabular/writing.py) and
    record it in the audit trail; returns the row count.

    Written to temporary files in the same folder (readable by their owner only) and moved
    into place at the end, so a failure leaves no half-written file and no audit entry.
    """
    columns, rows = research_table(wave=wave, key=key)

    def audit(count: int) -> None:
        audit_record(
            action=AuditEntry.Action.EXPORT,
            actor_name="command line",
            object_type="research_export",
            detail={"rows": count, "file": str(output), "wave": wave.name if wave else None},
        )

    try:
        with transaction.atomic():
            return write_table(
                output, columns, rows, sheet="research", format=format, on_written=audit
            )
    except ExportError as problem:
        raise ExportRefused(str(problem)) from None
