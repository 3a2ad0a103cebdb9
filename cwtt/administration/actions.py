"""Writes made from the administration pages (issue #5; decision 0020).

Each calls the one action that owns the change — accounts in cwtt/access/actions.py, the
imports in cwtt/interop/imports.py, waves in cwtt/assessments/actions.py, instruments
in cwtt/instruments/actions.py — and, where that action does not record who made the change,
adds the audit entry with the signed-in person in the same transaction: a change is never
committed without its entry, and a refused one leaves neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cryptography.fernet import InvalidToken
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access.audit import audit_record
from cwtt.access.encryption import keys_in_use
from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import wave_change, wave_create
from cwtt.assessments.models import Wave
from cwtt.instruments.actions import PublishOutcome, instrument_publish
from cwtt.instruments.models import InstrumentVersion
from cwtt.interop.imports import import_file
from cwtt.registry.imports import ImportReport, Table, write_rejects
from cwtt.registry.models import School

from .models import PendingImport

# A checked upload waits at most this long for "Import" (or its rejects file for download).
KEEP_PENDING = dt.timedelta(days=1)


class StoredFileRefused(Exception):
    """The kept file cannot be imported: gone, someone else's, or not the file that was
    checked. The message says what to do; nothing was written."""


def _seal(data: bytes) -> bytes:
    return keys_in_use().encrypt(data)


def _open(token: bytes) -> bytes:
    try:
        return keys_in_use().decrypt(bytes(token))
    except InvalidToken:
        raise StoredFileRefused(
            _(
                "The kept file has been changed since it was checked, so it was not imported. "
                "Nothing was written. Upload the file again."
            )
        ) from None


def _run(pending_kind: str, filename: str, data: bytes, **options) -> tuple[ImportReport, Table]:
    # read_table tells CSV from XLSX by the name's ending; the copy on disk lives only while read.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("upload" + Path(filename).suffix.lower())
        path.write_bytes(data)
        return import_file(kind=pending_kind, path=path, name=filename, **options)


def import_upload_check(
    *, kind: str, filename: str, data: bytes, by, wave: str = "", questionnaire: str = ""
) -> tuple[ImportReport, PendingImport | None]:
    """Check an uploaded file as a dry run and, when some row could be imported, keep it
    (encrypted) for `import_upload_run`, so "Import" needs no second upload. Raises
    TableError for a file that cannot be read at all."""
    PendingImport.objects.filter(created_at__lt=timezone.now() - KEEP_PENDING).delete()
    report, _table = _run(
        kind,
        filename,
        data,
        dry_run=True,
        keep_good=True,  # the check shows which rows would be set aside in either mode
        by=by,
        wave=wave or None,
        questionnaire=questionnaire or None,
    )
    if report.rows == len(report.rejected_rows):
        return report, None
    pending = PendingImport.objects.create(
        owner=by,
        kind=kind,
        filename=filename[:255],
        wave=wave,
        questionnaire=questionnaire,
        checksum=hashlib.sha256(data).hexdigest(),
        data=_seal(data),
    )
    return report, pending


def import_upload_run(
    *, pending_id, checksum: str, keep_good: bool, by
) -> tuple[ImportReport, PendingImport | None]:
    """Import the file kept by `import_upload_check`, if it is still the file that was checked
    (`checksum`, from the check's page and the person's session). All-or-nothing, or with
    `keep_good` the rows without errors, whose rejects file is then kept for download (the
    returned PendingImport). Raises StoredFileRefused, writing nothing, otherwise."""
    pending = PendingImport.objects.filter(pk=pending_id, owner=by, rejects__isnull=True).first()
    if pending is None:
        raise StoredFileRefused(
            _(
                "That checked file is no longer here (it is kept for a day, and only for the "
                "person who uploaded it). Upload it again."
            )
        )
    data = _open(pending.data)
    actual = hashlib.sha256(data).hexdigest()
    if not (
        hmac.compare_digest(actual, pending.checksum) and hmac.compare_digest(actual, checksum)
    ):
        raise StoredFileRefused(
            _(
                "This is not the file that was checked, so it was not imported. Nothing was "
                "written. Upload the file again and check it."
            )
        )
    with transaction.atomic():
        report, table = _run(
            pending.kind,
            pending.filename,
            data,
            dry_run=False,
            keep_good=keep_good,
            by=by,
            wave=pending.wave or None,
            questionnaire=pending.questionnaire or None,
        )
        if keep_good and report.rejected_rows:
            suffix = ".xlsx" if pending.filename.lower().endswith((".xlsx", ".xlsm")) else ".csv"
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / ("rejects" + suffix)
                write_rejects(path, table, report)
                pending.rejects = _seal(path.read_bytes())
            pending.data = b""
            pending.save(update_fields=["rejects", "data"])
            return report, pending
        if report.written:
            pending.delete()  # used; a stopped all-or-nothing run keeps it for the other choice
    return report, None


def import_rejects(*, pending_id, by) -> tuple[str, bytes] | None:
    """The rejects file of an import (its name and bytes), for the person who ran it."""
    pending = PendingImport.objects.filter(pk=pending_id, owner=by, rejects__isnull=False).first()
    if pending is None:
        return None
    stem = Path(pending.filename).stem
    suffix = ".xlsx" if pending.filename.lower().endswith((".xlsx", ".xlsm")) else ".csv"
    return f"{stem}-rejects{suffix}", _open(pending.rejects)


def instrument_file_publish(*, data: bytes, filename: str, by) -> PublishOutcome:
    """Publish an uploaded instrument file as the next version of its instrument. Raises
    instruments.actions.InstrumentRejected, with every problem, before writing anything."""
    with transaction.atomic():
        outcome = instrument_publish(data=data, filename=filename, by=by)
        if outcome.created:
            version = outcome.version
            audit_record(
                action=AuditEntry.Action.CREATE,
                actor=by,
                object_type="instrument_version",
                object_id=version.pk,
                detail={
                    "instrument": version.instrument.code,
                    "number": version.number,
                    "file": filename,
                    "checksum": version.checksum,
                },
            )
    return outcome


def _wave_detail(wave: Wave, schools: Iterable[School]) -> dict[str, Any]:
    return {
        "name": wave.name,
        "starts_on": wave.starts_on.isoformat(),
        "ends_on": wave.ends_on.isoformat(),
        "instrument_version": str(wave.instrument_version),
        "schools": sorted(s.emis_number for s in schools),
    }


def wave_open(
    *,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    instrument_version: InstrumentVersion,
    schools: Iterable[School],
    by,
) -> Wave:
    """Open a wave (no schools: every school). Raises assessments.actions.AssessmentInvalid."""
    schools = list(schools)
    with transaction.atomic():
        wave = wave_create(
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            instrument_version=instrument_version,
            schools=schools,
        )
        audit_record(
            action=AuditEntry.Action.CREATE,
            actor=by,
            object_type="wave",
            object_id=wave.pk,
            detail=_wave_detail(wave, schools),
        )
    return wave


def wave_edit(
    *,
    wave: Wave,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    schools: Iterable[School],
    by,
) -> dict[str, Any]:
    """Change a wave's name, dates or schools. Returns what changed ({} for nothing)."""
    with transaction.atomic():
        changed = wave_change(
            wave=wave, name=name, starts_on=starts_on, ends_on=ends_on, schools=schools
        )
        if changed:
            audit_record(
                action=AuditEntry.Action.CHANGE,
                actor=by,
                object_type="wave",
                object_id=wave.pk,
                detail={"changed": changed},
            )
    return changed
