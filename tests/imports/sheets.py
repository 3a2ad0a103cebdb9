"""Import files made in the tests: a table written as .csv or .xlsx, and the exports
KoboToolbox and ODK Central make of a form built on the mini test instrument
(tests/fixtures/mini.md), with their own columns and group paths."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from pathlib import Path

from django.core.management import call_command

from .files import workbook_bytes


def table_bytes(name: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """The table as a UTF-8 .csv, or as an .xlsx when `name` ends so."""
    if name.endswith(".xlsx"):
        return workbook_bytes([list(header), *[list(row) for row in rows]])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def write_table(folder: Path, name: str, header, rows) -> Path:
    path = folder / name
    path.write_bytes(table_bytes(name, header, rows))
    return path


def run_import(*args: str) -> tuple[str, int]:
    """`cwtt import ...`: what it printed and its exit status."""
    out = io.StringIO()
    try:
        call_command("import", *args, "--no-progress", stdout=out)
    except SystemExit as stop:
        return out.getvalue(), int(stop.code or 0)
    return out.getvalue(), 0


def instance_id() -> str:
    return f"uuid:{uuid.uuid4()}"


def kobo_caregiver_export(submissions: Sequence[dict]) -> tuple[list[str], list[list[str]]]:
    """KoboToolbox's CSV export ("XML values and headers", group separator /) of a caregiver
    form: its metadata questions, the group path before each question, the per-option columns
    of a select_multiple, and Kobo's own columns after the answers."""
    header = [
        "start",
        "end",
        "today",
        "child_id",
        "caregiver/cg_meals",
        "caregiver/cg_hungry",
        "caregiver/cg_hit",
        "caregiver/cg_worries",
        "caregiver/cg_worries/dark",
        "caregiver/cg_worries/school",
        "formhub/uuid",
        "meta/instanceID",
        "_id",
        "_uuid",
        "_submission_time",
        "_validation_status",
        "_notes",
        "_status",
        "_submitted_by",
        "__version__",
        "_tags",
        "_index",
    ]
    rows = []
    for index, given in enumerate(submissions, start=1):
        worries = given.get("worries", "")
        the_id = given.get("instance", instance_id())
        rows.append(
            [
                "2026-11-20T10:02:11.000+02:00",
                "2026-11-20T10:09:40.000+02:00",
                given.get("today", "2026-11-20"),
                str(given["child_id"]),
                str(given.get("meals", "")),
                given.get("hungry", ""),
                given.get("hit", ""),
                worries,
                "1" if "dark" in worries.split() else "0",
                "1" if "school" in worries.split() else "0",
                "5b1c2f0e9a7d4c3b8e6f1a2b3c4d5e6f",
                the_id,
                str(1000 + index),
                the_id.removeprefix("uuid:"),
                "2026-11-20T08:10:02",
                "",
                "",
                "submitted_via_web",
                given.get("submitted_by", ""),
                "vKobo1",
                "",
                str(index),
            ]
        )
    return header, rows


def odk_central_nurse_export(submissions: Sequence[dict]) -> tuple[list[str], list[list[str]]]:
    """ODK Central's CSV export (group paths joined with -) of a nurse form."""
    header = [
        "SubmissionDate",
        "start",
        "end",
        "child_id",
        "nurse-ns_height",
        "nurse-ns_weight",
        "nurse-ns_abuse",
        "meta-instanceID",
        "KEY",
        "SubmitterID",
        "SubmitterName",
        "AttachmentsPresent",
        "AttachmentsExpected",
        "Status",
        "ReviewState",
        "DeviceID",
        "Edits",
        "FormVersion",
    ]
    rows = []
    for given in submissions:
        the_id = given.get("instance", instance_id())
        rows.append(
            [
                given.get("submitted", "2026-11-19T07:45:12.345Z"),
                "2026-11-19T09:30:00.000+02:00",
                "2026-11-19T09:41:00.000+02:00",
                str(given["child_id"]),
                str(given.get("height", "")),
                str(given.get("weight", "")),
                given.get("abuse", ""),
                the_id,
                the_id,
                "17",
                given.get("submitter", "Nurse app user"),
                "0",
                "0",
                "",
                "received",
                "collect:abc123",
                "0",
                "2026112001",
            ]
        )
    return header, rows
