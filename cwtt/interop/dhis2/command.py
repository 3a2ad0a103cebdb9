"""`cwtt export dhis2`: read the mapping, count, suppress, write the JSON file and post it.

Called by cwtt/assessments/management/commands/export.py. Both the file and the post are
recorded in the audit trail (object types dhis2_export and dhis2_post), the post whether it
succeeded or not: figures may have left the building either way.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.models import Wave

from .client import Dhis2Error, post_data_values
from .figures import UnmappedPlaces, published_figures
from .mapping import MappingError, load_mapping, period_of
from .payload import data_value_set

ACTOR = "command line"


def run_dhis2_export(
    *, wave: Wave, output: str | None, mapping: str | None, post: bool
) -> Iterator[str]:
    """Yields the lines to print; raises CommandError with a plain message on any problem."""
    if post:
        url, username, password = dhis2_server()
    try:
        chosen = load_mapping(mapping)
    except MappingError as problem:
        raise CommandError(str(problem)) from None
    try:
        published = published_figures(wave, chosen)
    except UnmappedPlaces as unmapped:
        raise CommandError(str(MappingError(chosen.source, unmapped.problems))) from None
    document = data_value_set(wave, chosen, published)
    count = len(document["dataValues"])
    period = chosen.period_of(wave.starts_on, wave.ends_on)
    detail = {"wave": wave.name, "period": period, "values": count, "mapping": chosen.source}

    if period_of(wave.ends_on, chosen.period_type) != period_of(wave.starts_on, chosen.period_type):
        yield (
            f"Note: wave {wave.name} runs from {wave.starts_on} to {wave.ends_on}, across more "
            f"than one {chosen.period_type} period; its figures are reported for {period} (the "
            f'period of its {chosen.period_date}, "period.date" in the mapping).'
        )
    if output is not None:
        write_json(output, document, detail)
        yield (
            f"Wrote {count} data values for {len(published.places)} org units (wave "
            f"{wave.name}, period {period}) to {output}. Small numbers are left out and the "
            "rest rounded, as on the area dashboard."
        )
    if post:
        yield from send(document, url=url, username=username, password=password, detail=detail)


def dhis2_server() -> tuple[str, str, str]:
    missing = [
        name
        for name in ("CWTT_DHIS2_URL", "CWTT_DHIS2_USERNAME", "CWTT_DHIS2_PASSWORD")
        if not getattr(settings, name, "")
    ]
    if missing:
        raise CommandError(
            f"--post needs the DHIS2 server's address and account; set {', '.join(missing)} "
            "(docs/exports.md)."
        )
    return settings.CWTT_DHIS2_URL, settings.CWTT_DHIS2_USERNAME, settings.CWTT_DHIS2_PASSWORD


def write_json(output: str, document: dict, detail: dict) -> None:
    """The file, written whole or not at all, with its audit entry."""
    target = Path(output)
    if not target.parent.is_dir():
        raise CommandError(f"The folder {target.parent} does not exist; create it first.")
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(document, file, indent=1)
            file.write("\n")
        with transaction.atomic():
            audit_record(
                action=AuditEntry.Action.EXPORT,
                actor_name=ACTOR,
                object_type="dhis2_export",
                detail={**detail, "file": str(output)},
            )
            os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def send(document: dict, *, url: str, username: str, password: str, detail: dict) -> Iterator[str]:
    timeout = getattr(settings, "CWTT_DHIS2_TIMEOUT", 60)
    try:
        summary = post_data_values(
            document, url=url, username=username, password=password, timeout=timeout
        )
    except Dhis2Error as failed:
        audit_record(
            action=AuditEntry.Action.EXPORT,
            actor_name=ACTOR,
            object_type="dhis2_post",
            detail={**detail, "url": url, "error": str(failed)},
        )
        lines = failed.summary.lines() if failed.summary is not None else []
        raise CommandError("\n".join([str(failed), *lines])) from None
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor_name=ACTOR,
        object_type="dhis2_post",
        detail={**detail, "url": url, "status": summary.status, **summary.counts},
    )
    yield f"Sent {detail['values']} data values to {url}."
    yield from summary.lines()
    if summary.status.upper() == "ERROR":
        raise CommandError("DHIS2 refused the import; see the conflicts above.")
