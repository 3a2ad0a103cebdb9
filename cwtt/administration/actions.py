"""Writes made from the administration pages (issue #5; decision 0020).

Each calls the one action that owns the change — accounts in cwtt/access/actions.py, the
registry import in cwtt/registry/imports.py, waves in cwtt/assessments/actions.py, instruments
in cwtt/instruments/actions.py — and, where that action does not record who made the change,
adds the audit entry with the signed-in person in the same transaction: a change is never
committed without its entry, and a refused one leaves neither.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from django.db import transaction

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import wave_change, wave_create
from cwtt.assessments.models import Wave
from cwtt.instruments.actions import PublishOutcome, instrument_publish
from cwtt.instruments.models import InstrumentVersion
from cwtt.registry.imports import ImportReport, import_children, import_schools, read_table
from cwtt.registry.models import School

IMPORTERS: Mapping[str, Callable[..., ImportReport]] = {
    "schools": import_schools,
    "children": import_children,
}


def registry_file_import(
    *, kind: str, filename: str, data: bytes, dry_run: bool, by
) -> ImportReport:
    """Import (or, with `dry_run`, only check) an uploaded schools file or class list through
    the registry import, which writes nothing while any row has an error. Raises
    registry.imports.TableError for a file that cannot be read at all."""
    importer = IMPORTERS[kind]
    # read_table tells CSV from XLSX by the name's ending; the upload is kept only while read.
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("upload" + Path(filename).suffix.lower())
        path.write_bytes(data)
        rows = read_table(path)
    with transaction.atomic():
        report = importer(rows, dry_run=dry_run)
        if report.written:
            audit_record(
                action=AuditEntry.Action.CREATE,
                actor=by,
                object_type="registry_import",
                detail={
                    "kind": kind,
                    "file": filename,
                    "rows": report.rows,
                    "created": report.created,
                    "updated": report.updated,
                },
            )
    return report


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
