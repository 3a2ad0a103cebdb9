"""Which database `cwtt demo` may use: only one it made itself (decision 0034). A real
installation's accounts, children and audit trail are never touched by the demo."""

from __future__ import annotations

from enum import Enum

from django.contrib.auth import get_user_model
from django.db import connection

from cwtt.access.models import AuditEntry
from cwtt.registry.models import Child, School

from .models import DemoDatabase


class DemoDatabaseState(Enum):
    NEW = "new"  # no tables yet, or tables and nothing in them: the demo may make it its own
    DEMO = "demo"  # made by `cwtt demo` before
    OTHER = "other"  # holds accounts, schools, children or an audit trail the demo did not make


def demo_database_state() -> DemoDatabaseState:
    """Decided before `cwtt demo` migrates anything, from the tables that exist."""
    tables = set(connection.introspection.table_names())
    if "django_migrations" not in tables:
        return DemoDatabaseState.NEW
    if DemoDatabase._meta.db_table in tables and DemoDatabase.objects.filter(pk=1).exists():
        return DemoDatabaseState.DEMO
    for model in (get_user_model(), School, Child, AuditEntry):
        if model._meta.db_table in tables and model.objects.exists():
            return DemoDatabaseState.OTHER
    return DemoDatabaseState.NEW


def mark_as_demo_database() -> None:
    DemoDatabase.objects.get_or_create(pk=1)
