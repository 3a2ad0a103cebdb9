"""Shared helpers for the attack tests (tests/*/test_attacks.py): "the database did not change".

`unchanged()` takes a snapshot of every domain table — each row's fields, hashed — and, after
the block, says which tables changed. Audit rows that record a change (create, change, delete,
legal duty, export) count; audit rows of page views and failed sign-ins do not, since looking at
a page is not a change. Sessions and sign-in lockout records are not domain tables.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.db import close_old_connections, connection

from cwtt.access.models import AuditEntry

ONE_MEGABYTE = "x" * (1024 * 1024)
NOT_A_NUMBER = "1; DROP TABLE registry_child"

# Apps whose tables hold the domain (not sessions, lockouts, OTP devices' throttling counters).
DOMAIN_APPS = (
    "auth",
    "registry",
    "assessments",
    "cases",
    "referrals",
    "meetings",
    "notes",
    "consent",
    "services",
    "notifications",
    "rights",
    "instruments",
)
# Audit entries of these kinds are written by merely looking, being refused (an attack leaves
# its trace: cwtt/access/middleware.py) or failing to sign in.
NOT_CHANGES = {
    AuditEntry.Action.VIEW,
    AuditEntry.Action.REFUSED,
    AuditEntry.Action.SIGN_IN,
    AuditEntry.Action.SIGN_IN_FAILED,
    AuditEntry.Action.SIGN_OUT,
}
# Fields that move on their own when a signed-in person opens a page: opening a case marks
# the person's own notifications about it read (decision 0049), as the inbox does. Tests of
# that marking check `read_at` themselves (tests/cases/test_my_work_and_triage.py).
IGNORED_FIELDS = {("auth", "user"): {"last_login"}, ("notifications", "notification"): {"read_at"}}


def _rows(model) -> list[tuple]:
    ignored = IGNORED_FIELDS.get((model._meta.app_label, model._meta.model_name), set())
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in ignored]
    return [tuple(map(repr, row)) for row in model.objects.order_by("pk").values_list(*names)]


def snapshot() -> dict[str, tuple[int, str]]:
    """{table: (row count, hash of every row)} for the domain tables and the audit changes."""
    found: dict[str, tuple[int, str]] = {}
    models = [m for m in apps.get_models() if m._meta.app_label in DOMAIN_APPS]
    for model in models:
        rows = _rows(model)
        found[model._meta.db_table] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
        for field in model._meta.many_to_many:
            through = field.remote_field.through
            rows = _rows(through)
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            found[through._meta.db_table] = (len(rows), digest)
    changes = list(
        AuditEntry.objects.exclude(action__in=NOT_CHANGES)
        .order_by("id")
        .values_list("action", "object_type", "object_id", "detail")
    )
    found["audit changes"] = (len(changes), hashlib.sha256(repr(changes).encode()).hexdigest())
    return found


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(
        f"{table}: {before.get(table, (0,))[0]} -> {after.get(table, (0,))[0]} rows"
        for table in set(before) | set(after)
        if before.get(table) != after.get(table)
    )


@contextmanager
def unchanged() -> Iterator[None]:
    """Assert that nothing in the domain tables (nor any audited change) differs after the
    block."""
    before = snapshot()
    yield
    assert changed_tables(before, snapshot()) == []


def audit_changes(**filters) -> int:
    """How many audit entries of changes (not views) match."""
    return AuditEntry.objects.exclude(action__in=NOT_CHANGES).filter(**filters).count()


def messages_of(response) -> list[str]:
    """The flash messages a redirect was followed with, or the page was rendered with."""
    return [str(m) for m in response.context["messages"]] if response.context else []


needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every write; two writers at once need PostgreSQL",
)


def at_once(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads that start together, each on its own database connection;
    returns each call's result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 - the test looks at what each raised
            results[index] = error
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        # Generous: on a loaded machine a call that waits for the other's lock can take a while,
        # and a call still running would read here as one that returned nothing.
        thread.join(timeout=120)
    return results
