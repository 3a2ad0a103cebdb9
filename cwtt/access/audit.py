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


def _content(entry: AuditEntry) -> str:
    return json.dumps(
        {
            "sequence": entry.sequence,
            "at": entry.at.isoformat(),
            "actor": entry.actor_id,
            "actor_name": entry.actor_name,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "child_id": entry.child_id,
            "detail": entry.detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        cls=DjangoJSONEncoder,
    )


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
            detail=json.loads(json.dumps(dict(detail or {}), cls=DjangoJSONEncoder)),
            previous_hash=head.last_hash,
        )
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
    for entry in AuditEntry.objects.order_by("sequence").iterator(chunk_size=2000):
        if entry.sequence != expected:
            yield ChainProblem(expected, f"entries {expected} to {entry.sequence - 1} are missing")
        if entry.previous_hash != previous:
            yield ChainProblem(entry.sequence, "does not link to the entry before it")
        if entry_hash(entry.previous_hash, entry) != entry.entry_hash:
            yield ChainProblem(entry.sequence, "its content was changed after it was written")
        previous, expected = entry.entry_hash, entry.sequence + 1
    head = AuditHead.objects.filter(pk=1).first()
    length = head.length if head else 0
    if length != expected - 1 or (head and head.last_hash != previous and length):
        yield ChainProblem(
            expected - 1,
            f"the chain should have {length} entries ending in the recorded hash; the last entries were removed",
        )
