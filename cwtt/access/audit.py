"""Writing, sealing and checking the audit trail (docs/access.md, "Audit trail"; decision 0026).

Three layers, each needing the audit key (`CWTT_AUDIT_KEY`), which the database does not hold:

- **Written:** `audit_record` inserts one entry with its own MAC (HMAC-SHA256 of its content,
  the detail's digest included). It takes no shared lock, so audited writes never wait on each
  other. Someone who can write the database but lacks the key cannot edit or forge an entry
  unseen.
- **Sealed:** `audit_seal` numbers the entries written since the last seal, chains them (HMAC of
  the previous chain hash and the entry's MAC) and appends a signed checkpoint to a file outside
  the database (`CWTT_AUDIT_CHECKPOINTS`). Only the sealer locks anything.
- **Verified:** `audit_verify` checks every MAC, the chain, and every checkpoint in the file
  against the chain, so deleting, reordering or truncating sealed entries is detected.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from .models import AuditEntry, AuditHead

GENESIS = "0" * 64
SEAL_BATCH = 2000


class AuditKeyMissing(Exception):
    """No audit key is configured: nothing can be written, sealed or checked."""

    def __init__(self) -> None:
        super().__init__(
            "The audit key is not set. Set CWTT_AUDIT_KEY (or CWTT_AUDIT_KEY_FILE, the file that "
            "holds it) to the key this installation has always used."
        )


class AuditSealRefused(Exception):
    """The database's chain disagrees with what must be true before sealing more."""


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)


def detail_digest(detail: Mapping[str, Any]) -> str:
    return hashlib.sha256(_canonical(detail).encode()).hexdigest()


def _key() -> bytes:
    key = getattr(settings, "CWTT_AUDIT_KEY", None)
    if not key:
        raise AuditKeyMissing()
    return key.encode()


def _hmac(purpose: str, message: str) -> str:
    # The purpose keeps an entry's MAC, a chain link and a checkpoint signature from ever being
    # taken for one another, though one key makes all three.
    return hmac.new(_key(), f"{purpose}\n{message}".encode(), hashlib.sha256).hexdigest()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def key_id() -> str:
    """A short name for the configured key, safe to print and store: tells which key sealed."""
    return _hmac("key-id", "")[:16]


def _content(entry: AuditEntry) -> str:
    content: dict[str, Any] = {
        "at": entry.at.isoformat(),
        "actor": entry.actor_id,
        "actor_name": entry.actor_name,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "child_id": entry.child_id,
    }
    if entry.nonce:
        content["nonce"] = entry.nonce
    else:
        # Entries from before decision 0026 carried their position in their hash; this keeps
        # their content exactly as the old chain hashed it.
        content["sequence"] = entry.sequence
    # Entries written before digests existed hash their detail directly.
    if entry.detail_digest:
        content["detail_digest"] = entry.detail_digest
    else:
        content["detail"] = entry.detail
    return _canonical(content)


def entry_mac(entry: AuditEntry) -> str:
    return _hmac("entry", _content(entry))


def link_hash(previous: str, entry: AuditEntry) -> str:
    return _hmac("chain", f"{entry.sequence}:{previous}:{entry.mac}")


def legacy_hash(previous_hash: str, entry: AuditEntry) -> str:
    """The unkeyed hash of entries written before decision 0026."""
    return hashlib.sha256((previous_hash + _content(entry)).encode()).hexdigest()


def _new_entry(
    *,
    action: str,
    actor=None,
    actor_name: str = "",
    object_type: str = "",
    object_id: Any = "",
    child_id: int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    user = actor if getattr(actor, "pk", None) else None
    entry = AuditEntry(
        at=timezone.now(),
        actor=user,
        actor_name=actor_name or (user.get_username() if user else ""),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        child_id=child_id,
        # Round-trip through JSON so the digest is computed over what the database stores.
        detail=json.loads(_canonical(dict(detail or {}))),
        nonce=secrets.token_hex(16),
    )
    entry.detail_digest = detail_digest(entry.detail)
    entry.mac = entry_mac(entry)
    return entry


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
    entry, and a change is never committed without its entry. One INSERT, no shared lock."""
    entry = _new_entry(
        action=action,
        actor=actor,
        actor_name=actor_name,
        object_type=object_type,
        object_id=object_id,
        child_id=child_id,
        detail=detail,
    )
    entry.save()
    return entry


def audit_record_many(
    *,
    action: str,
    actor,
    object_type: str,
    child_ids: Iterable[int],
    detail: Mapping[str, Any] | None = None,
) -> int:
    """One entry per child for one act that touches many (e.g. an offline pack taken to a
    phone), written in one INSERT so a large read costs one statement. Returns the count."""
    entries = [
        _new_entry(
            action=action, actor=actor, object_type=object_type, child_id=child_id, detail=detail
        )
        for child_id in child_ids
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=SEAL_BATCH)
    return len(entries)


def audit_record_each(entries: Iterable[Mapping[str, Any]]) -> int:
    """Many entries, each with its own details (the arguments of `audit_record`), in one INSERT
    per batch, for a bulk write such as an import: its cost stays the same per batch rather
    than growing with every record. Returns the count."""
    made = [_new_entry(**entry) for entry in entries]
    AuditEntry.objects.bulk_create(made, batch_size=SEAL_BATCH)
    return len(made)


# --- checkpoints, outside the database


def checkpoint_path() -> Path:
    return Path(settings.CWTT_AUDIT_CHECKPOINTS)


def _signature(checkpoint: Mapping[str, Any]) -> str:
    body = {k: v for k, v in checkpoint.items() if k != "signature"}
    return _hmac("checkpoint", _canonical(body))


@dataclass(frozen=True)
class Checkpoint:
    line: int
    sequence: int
    chain_hash: str
    at: str
    key: str
    signed: bool


def read_checkpoints(path: Path | None = None) -> list[Checkpoint | str] | None:
    """Every line of the checkpoint file: a Checkpoint, or the reason the line is not one.
    None when the file does not exist."""
    path = path or checkpoint_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    found: list[Checkpoint | str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            checkpoint = Checkpoint(
                line=number,
                sequence=int(data["sequence"]),
                chain_hash=str(data["chain_hash"]),
                at=str(data["at"]),
                key=str(data.get("key", "")),
                signed=_same(str(data.get("signature", "")), _signature(data)),
            )
        except (ValueError, KeyError, TypeError):
            found.append(f"line {number} of the checkpoint file is not a checkpoint")
            continue
        found.append(checkpoint)
    return found


def _last_checkpoint(path: Path) -> Checkpoint | None:
    found = [c for c in read_checkpoints(path) or [] if isinstance(c, Checkpoint) and c.signed]
    return max(found, key=lambda c: c.sequence, default=None)


def _append_checkpoint(path: Path, head: AuditHead) -> None:
    checkpoint: dict[str, Any] = {
        "sequence": head.length,
        "chain_hash": head.last_hash,
        "at": (head.sealed_at or timezone.now()).isoformat(),
        "key": key_id(),
    }
    checkpoint["signature"] = _signature(checkpoint)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: each line lands whole at the end, even with two sealers at once.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(fd, (_canonical(checkpoint) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


# --- sealing


@dataclass
class SealResult:
    sealed: int  # entries given a place in the chain by this run
    adopted: int  # of which, entries from before decision 0026
    length: int  # the chain's length afterwards
    unsealable: int  # entries sealed although their MAC is wrong (forged or edited)
    checkpoint_written: bool
    path: Path


def _adopt_legacy(head: AuditHead, path: Path) -> list[AuditEntry]:
    """The first seal takes over the unkeyed chain of entries written before decision 0026, after
    checking it, and seals those entries with the key. Never once a checkpoint exists: from then
    on an entry without a MAC is a forgery, not an old entry."""
    legacy = list(AuditEntry.objects.filter(mac="", sequence__isnull=False).order_by("sequence"))
    if not legacy:
        return []
    if head.key_id or read_checkpoints(path):
        return []  # verify reports them as entries without a seal
    problems = list(_verify_legacy(legacy, head))
    if problems:
        raise AuditSealRefused(
            "The entries written before the keyed audit trail do not verify, so they were not "
            "sealed: " + "; ".join(f"{p.where}: {p.message}" for p in problems[:5])
        )
    previous = GENESIS
    for entry in legacy:
        entry.mac = entry_mac(entry)
        entry.chain_hash = previous = link_hash(previous, entry)
    AuditEntry.objects.bulk_update(legacy, ["mac", "chain_hash"], batch_size=SEAL_BATCH)
    head.length, head.last_hash = legacy[-1].sequence, previous
    return legacy


def audit_seal(*, path: Path | None = None) -> SealResult:
    """Number and chain every entry written since the last seal, then append a signed checkpoint
    to the file outside the database. Safe to run twice at once: the second waits for the first
    and then seals only what is left (or nothing, writing nothing)."""
    path = path or checkpoint_path()
    kid = key_id()
    last = _last_checkpoint(path)
    AuditHead.objects.get_or_create(pk=1)
    with transaction.atomic():
        # Only the sealer takes this lock; audited writes never touch the row. Writing first
        # makes SQLite's transaction a writer from its start, so a second sealer waits there too.
        AuditHead.objects.filter(pk=1).update(length=F("length"))
        head = AuditHead.objects.select_for_update().get(pk=1)
        if head.key_id and head.key_id != kid:
            raise AuditSealRefused(
                "The chain was sealed with another audit key. Set CWTT_AUDIT_KEY back to that key; "
                "sealing with a new one would leave the trail unverifiable."
            )
        if last is not None and last.sequence > head.length:
            raise AuditSealRefused(
                f"The checkpoint file says the chain had {last.sequence} entries, but the database "
                f"says {head.length}: sealed entries or the chain's head were changed. Run "
                "`cwtt audit verify`."
            )
        adopted = _adopt_legacy(head, path)
        sealed, unsealable = len(adopted), 0
        while True:
            batch = list(
                AuditEntry.objects.filter(sequence__isnull=True).order_by("id")[:SEAL_BATCH]
            )
            if not batch:
                break
            for entry in batch:
                # An entry whose MAC is wrong is still sealed, so the evidence stays in the chain
                # where verify reports it; refusing would let a forger stop all sealing.
                if not entry.mac or not _same(entry.mac, entry_mac(entry)):
                    unsealable += 1
                head.length += 1
                entry.sequence = head.length
                entry.chain_hash = head.last_hash = link_hash(head.last_hash, entry)
            AuditEntry.objects.bulk_update(batch, ["sequence", "chain_hash"])
            sealed += len(batch)
        if sealed:
            head.sealed_at = timezone.now()
        head.key_id = kid
        head.save()
    # After commit, never before: a checkpoint for a chain the database rolled back would look
    # like tampering. If this write fails, the next seal writes it (the head is ahead).
    written = False
    if head.length and (last is None or last.sequence < head.length):
        last = _last_checkpoint(path)  # another sealer may have written it meanwhile
        if last is None or last.sequence < head.length:
            _append_checkpoint(path, head)
            written = True
    return SealResult(
        sealed=sealed,
        adopted=len(adopted),
        length=head.length,
        unsealable=unsealable,
        checkpoint_written=written,
        path=path,
    )


# --- verifying


@dataclass
class ChainProblem:
    where: str  # "entry 12", "entry not yet sealed (id 40)", "checkpoint file"
    message: str


@dataclass
class AuditReport:
    problems: list[ChainProblem] = field(default_factory=list)
    sealed: int = 0
    unsealed: int = 0
    checkpoints: int = 0
    path: Path | None = None
    last_checkpoint_at: str = ""
    # Something to do that is not tampering, e.g. a checkpoint the last seal did not write.
    notes: list[str] = field(default_factory=list)


def _where(entry: AuditEntry) -> str:
    if entry.sequence is None:
        return f"entry not yet sealed (id {entry.pk})"
    return f"entry {entry.sequence}"


def _verify_legacy(entries: list[AuditEntry], head: AuditHead | None) -> Iterator[ChainProblem]:
    """The unkeyed chain of entries written before decision 0026, as it was checked then."""
    previous, expected = GENESIS, 1
    for entry in entries:
        if entry.sequence != expected:
            yield ChainProblem(
                f"entry {expected}", f"entries {expected} to {entry.sequence - 1} are missing"
            )
        if entry.previous_hash != previous:
            yield ChainProblem(_where(entry), "does not link to the entry before it")
        if legacy_hash(entry.previous_hash, entry) != entry.entry_hash:
            yield ChainProblem(_where(entry), "its content was changed after it was written")
        elif (
            entry.detail_digest
            and entry.detail_erased_at is None
            and detail_digest(entry.detail) != entry.detail_digest
        ):
            yield ChainProblem(_where(entry), "its detail was changed after it was written")
        previous, expected = entry.entry_hash, entry.sequence + 1
    length = head.length if head else 0
    if length != expected - 1 or (head and head.last_hash != previous and length):
        yield ChainProblem(
            f"entry {expected - 1}",
            f"the chain should have {length} entries ending in the recorded hash; "
            "the last entries were removed",
        )


def _check_entry(entry: AuditEntry) -> Iterator[ChainProblem]:
    if not entry.mac:
        yield ChainProblem(_where(entry), "has no seal: it was written without the audit key")
    elif not _same(entry.mac, entry_mac(entry)):
        yield ChainProblem(_where(entry), "its content was changed after it was written")
    elif (
        entry.detail_digest
        and entry.detail_erased_at is None
        and detail_digest(entry.detail) != entry.detail_digest
    ):
        yield ChainProblem(_where(entry), "its detail was changed after it was written")


def audit_verify(*, path: Path | None = None) -> AuditReport:
    """Check the whole trail: every entry's MAC, the sealed chain, every checkpoint in the file
    against the chain, and that blanked details were erased on record."""
    path = path or checkpoint_path()
    report = AuditReport(path=path)
    problems = report.problems
    _key()  # raises AuditKeyMissing before anything is judged with no key

    lines = read_checkpoints(path)
    checkpoints: dict[int, list[Checkpoint]] = {}
    kid = key_id()
    for item in lines or []:
        if isinstance(item, str):
            problems.append(ChainProblem("checkpoint file", item))
        elif not item.signed and item.key and item.key != kid:
            problems.append(
                ChainProblem(
                    f"checkpoint of {item.at}",
                    f"was signed with another audit key ({item.key}; the key set now is {kid}): "
                    "the audit key was changed or lost",
                )
            )
        elif not item.signed:
            problems.append(
                ChainProblem(f"checkpoint of {item.at}", "its signature does not match: edited")
            )
        else:
            checkpoints.setdefault(item.sequence, []).append(item)
    report.checkpoints = sum(len(found) for found in checkpoints.values())
    latest = max(
        (c for found in checkpoints.values() for c in found),
        key=lambda c: c.sequence,
        default=None,
    )
    report.last_checkpoint_at = latest.at if latest else ""

    head = AuditHead.objects.filter(pk=1).first()
    # The unkeyed chain from before decision 0026 counts only until the first seal adopts it.
    if (head is None or not head.key_id) and not lines:
        legacy = list(
            AuditEntry.objects.filter(mac="", sequence__isnull=False).order_by("sequence")
        )
        problems.extend(_verify_legacy(legacy, head))
        report.unsealed += len(legacy)
    else:
        legacy = []
    legacy_ids = {entry.pk for entry in legacy}

    previous, expected = GENESIS, 1
    erased: list[tuple[int, str, int | None]] = []  # (id, where, child) of blanked details
    erasures: dict[int | None, int] = {}  # child -> id of the last recorded erasure
    sealed = AuditEntry.objects.filter(sequence__isnull=False).order_by("sequence")
    for entry in sealed.iterator(chunk_size=SEAL_BATCH):
        if entry.pk not in legacy_ids:
            if entry.sequence != expected:
                problems.append(
                    ChainProblem(
                        f"entry {expected}",
                        f"entries {expected} to {entry.sequence - 1} are missing",
                    )
                )
            problems.extend(_check_entry(entry))
            computed = link_hash(previous, entry)
            if entry.chain_hash != computed:
                problems.append(ChainProblem(_where(entry), "does not link to the entry before it"))
            for checkpoint in checkpoints.get(entry.sequence, []):
                if not _same(checkpoint.chain_hash, computed):
                    problems.append(
                        ChainProblem(
                            _where(entry),
                            f"does not match the checkpoint of {checkpoint.at}: sealed entries "
                            "up to here were changed, removed or reordered",
                        )
                    )
            previous, expected = computed, entry.sequence + 1
            report.sealed += 1
        _note_erasure(entry, erased, erasures)

    last = expected - 1
    for sequence in sorted(s for s in checkpoints if s > last):
        for checkpoint in checkpoints[sequence]:
            problems.append(
                ChainProblem(
                    f"checkpoint of {checkpoint.at}",
                    f"the chain had {sequence} sealed entries then, but the database has "
                    f"{last}: sealed entries were removed",
                )
            )
    if report.sealed:
        if head is None or head.length != last or head.last_hash != previous:
            problems.append(
                ChainProblem(
                    "chain head",
                    "does not match the sealed entries: the head was moved or entries removed",
                )
            )
        if lines is None:
            problems.append(
                ChainProblem(
                    "checkpoint file",
                    f"is missing ({path}), but {report.sealed} entries are sealed: restore it "
                    "from your copy, or set CWTT_AUDIT_CHECKPOINTS to where it is",
                )
            )
        elif latest is None or latest.sequence < last:
            report.notes.append(
                f"The newest {last - (latest.sequence if latest else 0)} sealed entries have no "
                "checkpoint yet: run `cwtt audit seal`."
            )
    if head is not None and head.key_id and head.key_id != kid:
        problems.append(
            ChainProblem(
                "audit key",
                f"the chain was sealed with another key ({head.key_id}; the key set now is "
                f"{kid}): the audit key was changed or lost",
            )
        )

    unsealed = AuditEntry.objects.filter(sequence__isnull=True).order_by("id")
    for entry in unsealed.iterator(chunk_size=SEAL_BATCH):
        problems.extend(_check_entry(entry))
        _note_erasure(entry, erased, erasures)
        report.unsealed += 1

    copies = (
        AuditEntry.objects.exclude(mac="")
        .values("mac")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("mac", flat=True)
    )
    for entry in AuditEntry.objects.filter(mac__in=list(copies)).order_by("id")[1:]:
        problems.append(ChainProblem(_where(entry), "is a copy of another entry"))

    for entry_id, where, child_id in erased:
        if erasures.get(child_id, 0) < entry_id:
            problems.append(
                ChainProblem(where, "its detail was blanked without a recorded erasure")
            )
    return report


def _note_erasure(
    entry: AuditEntry,
    erased: list[tuple[int, str, int | None]],
    erasures: dict[int | None, int],
) -> None:
    if entry.detail_erased_at is not None:
        erased.append((entry.pk, _where(entry), entry.child_id))
    if entry.object_type == "audit_detail" and entry.action == AuditEntry.Action.DELETE:
        erasures[entry.child_id] = max(erasures.get(entry.child_id, 0), entry.pk)


def verify_chain() -> Iterator[ChainProblem]:
    """Every problem `audit_verify` finds (for callers that only need to know it is clean)."""
    yield from audit_verify().problems


def audit_erase_details(child_id: int, *, reason: str, actor=None) -> int:
    """Blank the details (answers before and after, reasons given, corrected values) of every
    entry about a child, under the child's right to erasure. Who did what and when stays; each
    entry's digest keeps its seal verifiable. Older entries without a digest cannot be blanked
    without breaking their seal and are left. Records the erasure itself. Returns the count."""
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
