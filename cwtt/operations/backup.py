"""`cwtt backup FILE` and `cwtt restore FILE` (docs/deploy.md, "Backups"; decision 0034).

A backup is one zip file: `manifest.json` (when and by which version it was made, the database's
migrations, and how many rows of each kind it holds), one JSON file per model in Django's own
serialisation (primary keys kept, so every reference and the audit chain stay as they were), and a
copy of the audit checkpoint file. Portable: made on PostgreSQL, restorable on SQLite and back.
Never in it: sign-ins (sessions) and the secrets (the audit, encryption and pseudonym keys live
in the environment; whoever restores sets the same ones).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management import call_command
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

import cwtt
from cwtt.access.audit import audit_record, checkpoint_path, key_id
from cwtt.access.models import AuditEntry, AuditHead

FORMAT = 1
MANIFEST = "manifest.json"
CHECKPOINTS = "audit-checkpoints.jsonl"
# Sign-ins are not data: a restore signs everyone out instead.
NOT_BACKED_UP = {"sessions.session"}
# Rows `cwtt migrate` writes itself, so a freshly migrated database still counts as empty. The
# backup holds its own copy of each and the restore replaces them.
WRITTEN_BY_MIGRATE = {
    "contenttypes.contenttype",
    "auth.permission",
    "consent.consenttext",
    "services.servicetype",
}


class BackupRefused(Exception):
    """The backup could not be made; nothing was written."""


class RestoreRefused(Exception):
    """The file cannot be restored here; the database was not changed."""


class ExactJSONEncoder(DjangoJSONEncoder):
    # Django's encoder cuts times to milliseconds; the audit seals hash the exact microseconds,
    # so a restored trail would no longer verify.
    def default(self, o):
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def backed_up_models() -> list[type[models.Model]]:
    return sorted(
        (
            model
            for model in apps.get_models()
            if model._meta.managed
            and not model._meta.proxy
            and model._meta.label_lower not in NOT_BACKED_UP
        ),
        key=lambda model: model._meta.label_lower,
    )


def _applied_migrations() -> dict[str, list[str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    applied: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def _counting(rows, counts: dict[str, int], label: str):
    for row in rows:
        counts[label] += 1
        yield row


@dataclass
class BackupResult:
    path: Path
    counts: dict[str, int]
    checkpoints: bool


def backup_write(*, path: Path) -> BackupResult:
    """Write a backup of everything in the database to PATH (replaced whole, or not at all)."""
    path = Path(path)
    if not path.parent.is_dir():
        raise BackupRefused(f"The folder {path.parent} does not exist.")
    # Read before the snapshot, so every checkpoint in the copy is of a chain the snapshot holds.
    try:
        checkpoints = checkpoint_path().read_bytes()
    except FileNotFoundError:
        checkpoints = None
    # The backup itself is in the trail (and in the backup): it is a read of every record.
    with transaction.atomic():
        audit_record(
            action=AuditEntry.Action.EXPORT,
            actor_name="command line",
            object_type="database",
            detail={"backup": path.name},
        )
    counts: dict[str, int] = {}
    handle, partial = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        outermost = not connection.in_atomic_block
        with transaction.atomic(), zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            if outermost and connection.vendor == "postgresql":
                # One consistent snapshot of every table while the service keeps running (SQLite
                # gets one from its write lock, taken when the transaction begins).
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            head = AuditHead.objects.filter(pk=1).first()
            for model in backed_up_models():
                label = model._meta.label_lower
                counts[label] = 0
                rows = model._default_manager.order_by("pk").iterator(chunk_size=2000)
                with archive.open(f"data/{label}.json", "w") as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8")
                    serializers.serialize(
                        "json", _counting(rows, counts, label), stream=text, cls=ExactJSONEncoder
                    )
                    text.flush()
                    text.detach()
            if checkpoints is not None:
                archive.writestr(CHECKPOINTS, checkpoints)
            manifest = {
                "format": FORMAT,
                "cwtt_version": cwtt.__version__,
                "made_at": timezone.now().isoformat(),
                "database": connection.vendor,
                "migrations": _applied_migrations(),
                "counts": counts,
                "audit": {
                    "sealed": head.length if head else 0,
                    "key_id": head.key_id if head else "",
                },
                "checkpoints": checkpoints is not None,
            }
            archive.writestr(MANIFEST, json.dumps(manifest, indent=2, sort_keys=True))
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return BackupResult(path=path, counts=counts, checkpoints=checkpoints is not None)


# --- restoring


def read_manifest(path: Path) -> dict:
    """The manifest of a backup file, after checking the file is whole. Refuses anything else."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise RestoreRefused(f"{path} does not exist.") from None
    except (zipfile.BadZipFile, OSError):
        raise RestoreRefused(
            f"{path} is not a CWTT backup, or it is damaged (it cannot be opened as one)."
        ) from None
    with archive:
        try:
            manifest = json.loads(archive.read(MANIFEST))
        except KeyError:
            raise RestoreRefused(f"{path} is not a CWTT backup: it has no {MANIFEST}.") from None
        except (ValueError, zipfile.BadZipFile, OSError, zlib.error):
            raise RestoreRefused(f"{path} is damaged: its {MANIFEST} cannot be read.") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise RestoreRefused(
                f"{path} is a backup in a format this version of CWTT does not read."
            )
        # Every member read whole once: a changed byte fails its checksum or its decompression.
        for member in archive.namelist():
            try:
                with archive.open(member) as stream:
                    while stream.read(1 << 20):
                        pass
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error):
                raise RestoreRefused(
                    f"{path} is damaged: {member} does not match its checksum."
                ) from None
        names = set(archive.namelist())
        missing = [label for label in manifest["counts"] if f"data/{label}.json" not in names]
        if missing or (manifest.get("checkpoints") and CHECKPOINTS not in names):
            raise RestoreRefused(
                f"{path} is damaged: it should hold {', '.join(missing) or CHECKPOINTS}."
            )
    return manifest


def database_holds_data() -> list[str]:
    """The kinds of record this database already holds, beyond what `cwtt migrate` writes."""
    return [
        model._meta.verbose_name_plural.capitalize()
        for model in backed_up_models()
        if model._meta.label_lower not in WRITTEN_BY_MIGRATE and model._default_manager.exists()
    ]


def _tables(models_: list[type[models.Model]]) -> list[str]:
    tables = set()
    for model in models_:
        tables.add(model._meta.db_table)
        for field in model._meta.local_many_to_many:
            if field.remote_field.through._meta.auto_created:
                tables.add(field.remote_field.through._meta.db_table)
    return sorted(tables)


@dataclass
class RestoreResult:
    counts: dict[str, int]
    made_at: str
    checkpoints_written: Path | None
    checkpoints_kept: Path | None


def restore(*, path: Path, replace: bool = False) -> RestoreResult:
    """Replace the database's contents with the backup at PATH, in one transaction: either every
    row is restored and the counts match the manifest, or nothing changes."""
    path = Path(path)
    manifest = read_manifest(path)
    if not _applied_migrations():
        call_command("migrate", verbosity=0)  # a new, empty database: nothing to lose
    here = _applied_migrations()
    there = manifest["migrations"]
    different = sorted(app for app in set(here) | set(there) if here.get(app) != there.get(app))
    if different:
        raise RestoreRefused(
            f"This backup was made by another version of CWTT ({manifest['cwtt_version']}; its "
            f"tables differ for: {', '.join(different)}). Restore it with the version that made "
            "it, then upgrade as usual (`cwtt migrate`)."
        )
    sealed_with = manifest["audit"]["key_id"]
    if sealed_with and sealed_with != key_id():
        raise RestoreRefused(
            f"The audit trail in this backup was sealed with another audit key ({sealed_with}; the "
            f"key set here is {key_id()}). Set CWTT_AUDIT_KEY to the key the installation has "
            "always used, then restore."
        )
    held = database_holds_data()
    if held and not replace:
        raise RestoreRefused(
            f"This database already holds data ({', '.join(held[:3])}"
            f"{', ...' if len(held) > 3 else ''}). Restore into an empty database, or add "
            "--replace to delete everything in this one first."
        )
    chosen = backed_up_models()
    by_label = {model._meta.label_lower: model for model in chosen}
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(path) as archive:
            fixtures = []
            for label in (label for label, n in manifest["counts"].items() if n):
                target = Path(folder) / f"{label}.json"
                target.write_bytes(archive.read(f"data/{label}.json"))
                fixtures.append(str(target))
            copy = archive.read(CHECKPOINTS) if manifest.get("checkpoints") else None
        with transaction.atomic():
            session = apps.get_model("sessions", "Session")
            flush = connection.ops.sql_flush(no_style(), _tables([*chosen, session]))
            if connection.vendor == "postgresql":
                # TRUNCATE refuses while foreign-key checks of earlier writes are still pending
                # (a caller's transaction); run them now, then defer again for the load.
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            connection.ops.execute_sql_flush(flush)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            if fixtures:
                call_command("loaddata", *fixtures, verbosity=0)
            counts = {
                label: by_label[label]._default_manager.count() for label in manifest["counts"]
            }
            wrong = [label for label, n in counts.items() if n != manifest["counts"][label]]
            if wrong:
                raise RestoreRefused(
                    f"{path} is damaged: it should hold "
                    + ", ".join(f"{manifest['counts'][k]} {k}, not {counts[k]}" for k in wrong)
                    + ". Nothing was restored."
                )
            audit_record(
                action=AuditEntry.Action.CHANGE,
                actor_name="command line",
                object_type="database",
                detail={"restored_from": path.name, "made_at": manifest["made_at"]},
            )
    ContentType.objects.clear_cache()
    written = kept = None
    if copy is not None:
        # The checkpoint file kept off this machine is the one to trust; the copy in the backup
        # only helps a new machine that has none.
        target = checkpoint_path()
        if target.exists():
            kept = target
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            with os.fdopen(fd, "wb") as out:
                out.write(copy)
            written = target
    return RestoreResult(
        counts=counts,
        made_at=manifest["made_at"],
        checkpoints_written=written,
        checkpoints_kept=kept,
    )
