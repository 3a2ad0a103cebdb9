"""Posting a dataValueSets document to DHIS2 and reading the import summary it answers.

`POST {CWTT_DHIS2_URL}/api/dataValueSets` with HTTP Basic authentication
(CWTT_DHIS2_USERNAME, CWTT_DHIS2_PASSWORD) and a JSON body. DHIS2 answers with an import
summary: at the top (before version 2.38) or under "response" (from 2.38, which also answers
409 when some values were refused). Standard library only (urllib): one request needs no more.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

COUNTS = ("imported", "updated", "ignored", "deleted")
# How many of DHIS2's conflict messages are printed; the rest are counted.
SHOWN_CONFLICTS = 10


class Dhis2Error(Exception):
    """The post failed; the message says why in plain words."""

    def __init__(self, message: str, summary: ImportSummary | None = None) -> None:
        super().__init__(message)
        self.summary = summary


@dataclass(frozen=True)
class ImportSummary:
    status: str
    counts: dict[str, int]
    conflicts: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        counts = ", ".join(f"{self.counts.get(k, 0)} {k}" for k in COUNTS)
        lines = [f"DHIS2 import {self.status}: {counts}."]
        for conflict in self.conflicts[:SHOWN_CONFLICTS]:
            lines.append(f"  conflict: {conflict}")
        if len(self.conflicts) > SHOWN_CONFLICTS:
            lines.append(f"  ... and {len(self.conflicts) - SHOWN_CONFLICTS} more conflicts.")
        return lines


def import_summary(body: Any) -> ImportSummary | None:
    """The import summary in a DHIS2 answer, from either version's layout; None if absent."""
    if not isinstance(body, dict):
        return None
    summary = body if "importCount" in body else body.get("response")
    if not isinstance(summary, dict) or "importCount" not in summary:
        return None
    count = summary.get("importCount") or {}
    conflicts = []
    for conflict in summary.get("conflicts") or []:
        if isinstance(conflict, dict):
            conflicts.append(
                " ".join(str(conflict.get(k, "")) for k in ("object", "value")).strip()
            )
    return ImportSummary(
        status=str(summary.get("status") or body.get("status") or "done"),
        counts={k: int(count.get(k) or 0) for k in COUNTS},
        conflicts=conflicts,
    )


def post_data_values(
    document: dict[str, Any], *, url: str, username: str, password: str, timeout: float = 60
) -> ImportSummary:
    """Send the document; returns DHIS2's import summary, or raises Dhis2Error."""
    endpoint = url.rstrip("/") + "/api/dataValueSets"
    credentials = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
    request = urllib.request.Request(
        endpoint,
        data=json.dumps(document).encode("utf-8"),
        method="POST",
        headers={
            "Authorization": f"Basic {credentials}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - http(s) only, checked in settings
            body = _json(answer.read())
    except urllib.error.HTTPError as error:
        body = _json(error.read())
        summary = import_summary(body)
        raise Dhis2Error(_refusal(error.code, endpoint, body), summary) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        raise Dhis2Error(
            f"Could not reach the DHIS2 server at {endpoint} ({reason}). Check CWTT_DHIS2_URL "
            "and that the server is up and reachable from this machine; nothing was sent."
        ) from None
    summary = import_summary(body)
    if summary is None:
        raise Dhis2Error(
            f"DHIS2 at {endpoint} answered, but not with an import summary: is CWTT_DHIS2_URL "
            "the address of the DHIS2 server (without /api)?"
        )
    return summary


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


def _refusal(status: int, endpoint: str, body: Any) -> str:
    if status == 401:
        return (
            f"DHIS2 at {endpoint} refused the user name or password (401): check "
            "CWTT_DHIS2_USERNAME and CWTT_DHIS2_PASSWORD."
        )
    if status == 403:
        return (
            f"DHIS2 at {endpoint} refused (403): the DHIS2 user may not write data values for "
            "these data elements or org units."
        )
    message = body.get("message") if isinstance(body, dict) else None
    kind = "refused the data" if status < 500 else "had an error of its own"
    said = f": {message}" if message else ""
    return f"DHIS2 at {endpoint} {kind} ({status}){said}."
