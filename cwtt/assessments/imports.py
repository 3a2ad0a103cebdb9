"""Import assessments from CSV or XLSX, including the exports of KoboToolbox and ODK Central
(`cwtt import assessments FILE [--wave NAME] [--questionnaire RESPONDENT]`).

One row per filled questionnaire. Each row becomes an assessment through `assessment_save`,
exactly as one sent from the capture page: the same answer checks, consent rule, one
questionnaire of a kind per child and wave, scoring and audit.

- The child: `child_id` (CWTT's number for the child, the one a form's `child_id` question is
  filled with); with a `school_emis` column, the child must be at that school.
- The questionnaire (whose answers these are: caregiver, teacher, nurse, ...): `--questionnaire`,
  else a `respondent` column, else the one whose questions the file's columns name most.
- The wave: `--wave`, else a `wave` column (by name), else the wave whose dates hold the
  assessment date and that includes the child's school.
- The date: `assessed_on`, else the form's `today`, else the day of `start`, else of the
  submission (`_submission_time` or `SubmissionDate`), in Johannesburg time.
- The record's id: the instance id (`meta-instanceID`, `meta/instanceID`, `KEY`, `_uuid`, or a
  `uuid` column; the `uuid:` prefix is dropped), so importing an export again never makes a
  second record. A file without one gets an id made from the child, wave and questionnaire,
  which is as safe to import twice.
- Answers: one column per question, named as in the instrument, or with its group path
  (`caregiver/cg_meals` from KoboToolbox, `caregiver-cg_meals` from ODK Central).
- The capturer: a `SubmitterName` or `_submitted_by` that is a CWTT username becomes the
  assessor; that person must be assigned to the child's school.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils import timezone

from cwtt.access.roles import SCHOOL_ROLES
from cwtt.instruments.actions import validator_for
from cwtt.instruments.engine.definition import gettext_noop, marked
from cwtt.registry.imports.common import (
    ImportReport,
    Progress,
    TableError,
    _chunks,
    _fold,
    _numbered_rows,
    _Row,
    layout_names,
    run_row_by_row,
)
from cwtt.registry.models import Child, Staff

from .actions import AssessmentConflict, AssessmentInvalid, assessment_save
from .models import Assessment, Wave

ASSESSMENT_COLUMNS = ("child_id",)
ASSESSMENT_OPTIONAL_COLUMNS = ("respondent", "wave", "assessed_on", "school_emis")
# Where the record's id and the date may come from, in the order they are looked for.
ID_COLUMNS = ("meta_instance_id", "instance_id", "key", "uuid")
DATE_COLUMNS = ("assessed_on", "today", "start", "submission_time", "submission_date")
SUBMITTER_COLUMNS = ("submitter_name", "submitted_by")
# Ids made for rows without an instance id: the same child, wave and questionnaire give the
# same id, so a second import of the file finds the record the first one made.
ROW_ID_NAMESPACE = uuid_module.UUID("6d1c7e0a-4b8e-4f0c-9a55-2f6a3c1b9e12")


def import_assessments(
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool,
    keep_good: bool = False,
    progress: Progress | None = None,
    file: str = "",
    wave: str | None = None,
    questionnaire: str | None = None,
    by=None,
) -> ImportReport:
    """Save each row as a submitted assessment. `wave` (a name) and `questionnaire` (a
    respondent) apply to every row when given. `by` is the person importing (None: the command
    line); it is in the import's audit entry, not the assessor of each record."""
    report = ImportReport(kind="assessments", dry_run=dry_run, keep_good=keep_good, file=file)
    if not isinstance(rows, list):
        rows = list(rows)
    waves = _waves(wave)
    raw_names = _raw_column_names(rows)
    respondent, questions = _questionnaire(waves, raw_names, questionnaire)
    numbered = _numbered_rows(
        rows,
        ASSESSMENT_COLUMNS,
        ASSESSMENT_OPTIONAL_COLUMNS,
        report,
        also_read=[*questions, *ID_COLUMNS, *DATE_COLUMNS, *SUBMITTER_COLUMNS],
    )
    children = _children(numbered)
    assessors = _assessors(numbered)
    first_row: dict[uuid_module.UUID, int] = {}

    def handle(row: _Row) -> str | None:
        child = _child(row, children)
        if child is None:
            return None
        assessor = _assessor(row, assessors, child)
        if row.failed:
            return None
        row_respondent = questionnaire or row.get("respondent").strip().lower() or respondent
        if row_respondent != respondent:
            row.error(
                "respondent",
                marked(
                    gettext_noop(
                        "respondent '%(given)s' differs from the questionnaire the columns are for (%(respondent)s); import each questionnaire's file on its own."
                    ),
                    given=row.get("respondent"),
                    respondent=respondent,
                ),
            )
            return None
        assessed_on, date_column = _assessed_on(row)
        if assessed_on is None:
            return None
        row_wave = _wave(row, waves, child, assessed_on, fixed=wave is not None)
        if row_wave is None:
            return None
        record_id, id_column = _record_id(row, child, row_wave, respondent)
        if record_id is None:
            return None
        if record_id in first_row:
            row.error(
                id_column,
                marked(
                    gettext_noop(
                        "this submission (%(id)s) appears again on row %(row)s; it is already on row %(first)s. Give each submission one row."
                    ),
                    id=record_id,
                    row=row.number,
                    first=first_row[record_id],
                ),
            )
            return None
        first_row[record_id] = row.number
        answers = {name: row.get(name) for name in questions if row.get(name)}
        stored = Assessment.objects.filter(uuid=record_id).first()
        if _same_as_stored(stored, child, row_wave, respondent, assessed_on, answers):
            # Not even saved again, so the record and its risk profile stay exactly as they are.
            return "unchanged"
        before = {"answers": stored.answers, "status": stored.status} if stored else None
        try:
            outcome = assessment_save(
                child=child,
                wave=row_wave,
                respondent=respondent,
                answers=answers,
                assessed_on=assessed_on,
                status=Assessment.Status.SUBMITTED,
                uuid=record_id,
                assessor=assessor,
            )
        except AssessmentInvalid as invalid:
            columns = {
                "consent": "child_id",
                "keep_alongside": "child_id",
                "wave": "wave",
                "assessed_on": date_column,
                "uuid": id_column,
                "respondent": "respondent",
                "status": "status",
            }
            for name, message in invalid.errors.items():
                if isinstance(invalid, AssessmentConflict):
                    message = message.replace(
                        "If this one is from another person (for example a second caregiver), "
                        "choose to keep both; otherwise there is nothing more to send.",
                        "Remove the row, or capture the second one on the child's page.",
                    )
                row.error(columns.get(name, name), message)
            return None
        if outcome.created:
            return "created"
        after = {"answers": outcome.assessment.answers, "status": outcome.assessment.status}
        return "unchanged" if before == after else "updated"

    return run_row_by_row(report, numbered, handle, progress=progress)


def _same_as_stored(
    stored: Assessment | None,
    child: Child,
    wave: Wave,
    respondent: str,
    assessed_on: dt.date,
    answers: Mapping[str, str],
) -> bool:
    """Whether saving the row would leave the stored record exactly as it is."""
    if stored is None or not stored.counts:
        return False
    if (stored.child_id, stored.wave_id, stored.respondent, stored.assessed_on) != (
        child.pk,
        wave.pk,
        respondent,
        assessed_on,
    ):
        return False
    checked = validator_for(stored.instrument_version_id).validate(
        respondent, answers, today=assessed_on
    )
    return checked.ok and checked.answers == stored.answers


def _raw_column_names(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    raw = getattr(rows, "raw_columns", None)
    if raw:
        return list(raw.values())
    return list(dict.fromkeys(key for row in rows for key in row if key))


def _waves(name: str | None) -> list[Wave]:
    waves = list(Wave.objects.select_related("instrument_version").order_by("starts_on", "pk"))
    load_wave_schools(waves)
    if name is None:
        if not waves:
            raise TableError(
                marked(
                    gettext_noop("CWTT has no wave yet; open one in administration first."),
                )
            )
        return waves
    chosen = [wave for wave in waves if _fold(wave.name) == _fold(name)]
    if not chosen:
        names = ", ".join(wave.name for wave in waves) or "none yet"
        raise TableError(
            marked(
                gettext_noop("there is no wave named '%(name)s'. Waves: %(names)s."),
                name=name,
                names=names,
            )
        )
    return chosen


def _questionnaire(
    waves: Sequence[Wave], raw_names: Sequence[str], chosen: str | None
) -> tuple[str, list[str]]:
    """The questionnaire the file's columns answer, and its question names (over the
    instrument versions of `waves`)."""
    questions: dict[str, list[str]] = {}
    for version_id in {wave.instrument_version_id for wave in waves}:
        validator = validator_for(version_id)
        for respondent in validator.definition.respondents() or [""]:
            names = questions.setdefault(respondent, [])
            for question in validator.questions(respondent or None):
                if question.name not in names:
                    names.append(question.name)
    if chosen is not None:
        if chosen not in questions:
            raise TableError(
                marked(
                    gettext_noop(
                        "'%(chosen)s' is not a questionnaire of the wave's instrument; use one of %(known)s."
                    ),
                    chosen=chosen,
                    known=", ".join(sorted(questions)),
                )
            )
        return chosen, questions[chosen]
    scores = {
        respondent: sum(1 for name in layout_names(raw_names, names).values() if name in names)
        for respondent, names in questions.items()
    }
    best = max(scores.values(), default=0)
    winners = [respondent for respondent, score in scores.items() if score == best]
    if best == 0 or len(winners) > 1:
        raise TableError(
            marked(
                gettext_noop(
                    "CWTT cannot tell which questionnaire this file answers: no column is named as a question, or the columns fit several. Name it with --questionnaire (one of %(known)s)."
                ),
                known=", ".join(sorted(questions)),
            )
        )
    return winners[0], questions[winners[0]]


def _children(rows: Sequence[_Row]) -> dict[int, Child]:
    wanted = sorted({int(v) for row in rows if (v := row.get("child_id")).isdigit()})
    found: dict[int, Child] = {}
    for chunk in _chunks(wanted):
        found.update(Child.objects.select_related("school").in_bulk(chunk))
    return found


def _child(row: _Row, children: Mapping[int, Child]) -> Child | None:
    raw = row.get("child_id")
    if not raw:
        row.error(
            "child_id",
            marked(
                gettext_noop("child_id is blank; every row needs the child's CWTT number."),
            ),
        )
        return None
    child = children.get(int(raw)) if raw.isdigit() else None
    if child is None:
        row.error(
            "child_id",
            marked(
                gettext_noop(
                    "child_id '%(value)s' is not a child in CWTT; it is the number at the end of the address of the child's page (and the value a form's child_id question holds)."
                ),
                value=raw,
            ),
        )
        return None
    emis = row.get("school_emis")
    if emis and emis != child.school.emis_number:
        row.error(
            "school_emis",
            marked(
                gettext_noop(
                    "child %(child)s is at another school, not %(emis)s; check the child_id."
                ),
                child=child.pk,
                emis=emis,
            ),
        )
        return None
    return child


def _assessors(rows: Sequence[_Row]) -> dict[str, Staff]:
    names = {row.get(column) for row in rows for column in SUBMITTER_COLUMNS if row.get(column)}
    staff = Staff.objects.filter(user__username__in=names).select_related("user")
    return {member.user.username: member for member in staff.prefetch_related("schools")}


def _assessor(row: _Row, assessors: Mapping[str, Staff], child: Child):
    for column in SUBMITTER_COLUMNS:
        staff = assessors.get(row.get(column))
        if staff is None:
            continue
        if staff.role in SCHOOL_ROLES and child.school_id not in {
            school.pk for school in staff.schools.all()
        }:
            row.error(
                column,
                marked(
                    gettext_noop(
                        "%(username)s is not assigned to child %(child)s's school, so cannot have captured this assessment."
                    ),
                    username=staff.user.username,
                    child=child.pk,
                ),
            )
            return None
        return staff.user
    return None


def _assessed_on(row: _Row) -> tuple[dt.date | None, str]:
    for column in DATE_COLUMNS:
        raw = row.get(column)
        if not raw:
            continue
        try:
            moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            try:
                return dt.date.fromisoformat(raw[:10]), column
            except ValueError:
                row.error(
                    column,
                    marked(
                        gettext_noop(
                            "%(column)s '%(value)s' is not a date CWTT can read; write it as YYYY-MM-DD."
                        ),
                        column=column,
                        value=raw,
                    ),
                )
                return None, column
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.date(), column
    row.error(
        "assessed_on",
        marked(
            gettext_noop(
                "no date for this assessment: give an assessed_on column (YYYY-MM-DD), or keep the export's today, start or submission time column."
            ),
        ),
    )
    return None, "assessed_on"


def _wave(
    row: _Row, waves: Sequence[Wave], child: Child, on: dt.date, *, fixed: bool
) -> Wave | None:
    if fixed:
        return waves[0]
    name = row.get("wave")
    if name:
        found = [wave for wave in waves if _fold(wave.name) == _fold(name)]
        if not found:
            row.error(
                "wave",
                marked(
                    gettext_noop("wave '%(name)s' is not a wave in CWTT."),
                    name=name,
                ),
            )
            return None
        return found[0]
    fitting = [
        wave
        for wave in waves
        if wave.starts_on <= on <= wave.ends_on
        and (not wave.school_ids or child.school_id in wave.school_ids)
    ]
    if len(fitting) != 1:
        if not fitting:
            template = gettext_noop(
                "no wave runs on %(day)s at the child's school; give a wave column or --wave."
            )
        else:
            template = gettext_noop(
                "more than one wave runs on %(day)s at the child's school; give a wave column "
                "or --wave."
            )
        row.error("wave", marked(template, day=on.isoformat()))
        return None
    return fitting[0]


def _record_id(
    row: _Row, child: Child, wave: Wave, respondent: str
) -> tuple[uuid_module.UUID | None, str]:
    for column in ID_COLUMNS:
        raw = row.get(column)
        if not raw:
            continue
        text = raw[5:] if raw.lower().startswith("uuid:") else raw
        try:
            return uuid_module.UUID(text), column
        except ValueError:
            row.error(
                column,
                marked(
                    gettext_noop("%(column)s '%(value)s' is not an instance id (a UUID)."),
                    column=column,
                    value=raw,
                ),
            )
            return None, column
    name = f"{child.pk}/{wave.pk}/{respondent}"
    return uuid_module.uuid5(ROW_ID_NAMESPACE, name), "child_id"


def load_wave_schools(waves: Iterable[Wave]) -> None:
    """Each wave's school ids as `school_ids` (empty: every school), in one query."""
    through = Wave.schools.through
    ids: dict[int, set[int]] = {}
    for wave_id, school_id in through.objects.values_list("wave_id", "school_id"):
        ids.setdefault(wave_id, set()).add(school_id)
    for wave in waves:
        wave.school_ids = ids.get(wave.pk, set())
