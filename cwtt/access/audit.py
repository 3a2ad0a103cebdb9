"""Writing and checking the audit trail (docs/access.md, "Audit trail").

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own content in a
canonical JSON form; `verify_chain` recomputes every hash, so an entry edited or deleted in the
database — by anyone, a super-user included — breaks the chain at that point.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)


def detail_digest(detail: Mapping[str, Any]) -> str:
    return hashlib.sha256(_canonical(detail).encode()).hexdigest()


def _content(entry: AuditEntry) -> str:
    content = {
        "sequence": entry.sequence,
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "child_id": entry.child_id,
    }
    # Entries written before digests existed hash their detail directly.
    if entry.detail_digest:
        content["detail_digest"] = entry.detail_digest
    else:
        content["detail"] = entry.detail
    return _canonical(content)


def entry_hash(previous_hash: str, entry: AuditEntry) -> str:
    return hashlib.sha256((previous_hash + _content(entry)).encode()).hexdigest()


def audit_record(
    *,
    action: str,
    actor=None,
    actor_name: str = "",
    object_type: str = "",
    object_id: Any = "",
    child_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Runs inside the caller's transaction, so a rolled-back change leaves no
    entry, and a change is never committed without its entry."""
    user = actor if getattr(actor, "pk", None) else None
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        entry = AuditEntry(
            sequence=head.length + 1,
            at=timezone.now(),
            actor=user,
            actor_name=actor_name or (user.get_username() if user else ""),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            child_id=child_id,
            # Round-trip through JSON so the hash is computed over what the database stores.
            detail=json.loads(_canonical(dict(detail or {}))),
            previous_hash=head.last_hash,
        )
        entry.detail_digest = detail_digest(entry.detail)
        entry.entry_hash = entry_hash(head.last_hash, entry)
        entry.save()
        head.last_hash, head.length = entry.entry_hash, entry.sequence
        head.save(update_fields=["last_hash", "length"])
    return entry


@dataclass
class ChainProblem:
    sequence: int
    message: str


def verify_chain() -> Iterator[ChainProblem]:
    """Every break in the chain: an edited entry, a missing one, or a head that disagrees."""
    previous, expected = GENESIS, 1
    erased: list[tuple[int, int | None]] = []  # (sequence, child) of entries with blanked detail
    erasures: dict[int | None, int] = {}  # child -> sequence of the last recorded erasure
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        if entry.detail_erased_at is not None:
            erased.append((entry.sequence, entry.child_id))
        if entry.object_type == "audit_detail" and entry.action == AuditEntry.Action.DELETE:
            erasures[entry.child_id] = entry.sequence
        if entry.sequence != expected:
            yield ChainProblem(expected, f"entries {expected} to {entry.sequence - 1} are missing")
        if entry.previous_hash != previous:
            yield ChainProblem(entry.sequence, "does not link to the entry before it")
        if entry_hash(entry.previous_hash, entry) != entry.entry_hash:
            yield ChainProblem(entry.sequence, "its content was changed after it was written")
        elif (
            entry.detail_digest
            and entry.detail_erased_at is None
            and detail_digest(entry.detail) != entry.detail_digest
        ):
            yield ChainProblem(entry.sequence, "its detail was changed after it was written")
        previous, expected = entry.entry_hash, entry.sequence + 1
    for sequence, child_id in erased:
        if erasures.get(child_id, 0) < sequence:
            yield ChainProblem(sequence, "its detail was blanked without a recorded erasure")
    head = AuditHead.objects.filter(pk=1).first()
    length = head.length if head else 0
    if length != expected - 1 or (head and head.last_hash != previous and length):
        yield ChainProblem(
            expected - 1,
            f"the chain should have {length} entries ending in the recorded hash; the last entries were removed",
        )


def audit_erase_details(child_id: int, *, reason: str, actor=None) -> int:
    """Blank the details (answers before and after, reasons given, corrected values) of every
    entry about a child, under the child's right to erasure. Who did what and when stays; each
    entry's digest keeps the chain verifiable. Older entries without a digest cannot be blanked
    without breaking the chain and are left. Records the erasure itself. Returns the count."""
    with transaction.atomic():
        erased = (
            AuditEntry.objects.filter(child_id=child_id, detail_erased_at__isnull=True)
            .exclude(detail_digest="")
            .update(detail={}, detail_erased_at=timezone.now())
        )
        audit_record(
            action=AuditEntry.Action.DELETE,
            actor=actor,
            actor_name="" if actor else "command line",
            object_type="audit_detail",
            object_id=child_id,
            child_id=child_id,
            detail={"entries": erased, "reason": reason},
        )
    return erased
