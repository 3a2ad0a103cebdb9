"""The scheduled jobs, as tasks for the queue. Each calls one named action of the app that owns
the rule, and each is safe to run twice: running it again does nothing more (the tests in
tests/jobs run every job twice). The return value is the one-line summary the worker prints."""

from __future__ import annotations

from django_tasks import task

from cwtt.access.audit import audit_seal
from cwtt.cases.actions import reviews_due_notify
from cwtt.dashboards.snapshots import refresh_all
from cwtt.meetings.actions import action_items_due_notify
from cwtt.notifications.actions import stuck_deliveries_requeue
from cwtt.referrals.actions import overdue_referrals_notify
from cwtt.rights.retention import retention_apply


@task()
def overdue_referrals() -> str:
    return f"{overdue_referrals_notify()} overdue referrals notified"


@task()
def reviews_due() -> str:
    return f"{reviews_due_notify()} case reviews reminded"


@task()
def action_items_due() -> str:
    return f"{action_items_due_notify()} action items reminded"


@task()
def retention() -> str:
    return f"{len(retention_apply().child_ids)} children anonymised by the retention rule"


@task()
def audit_checkpoint() -> str:
    result = audit_seal()
    written = "a checkpoint written" if result.checkpoint_written else "no new checkpoint"
    return f"{result.sealed} audit entries sealed, {written}"


@task()
def area_figures() -> str:
    return f"area figures worked out for {refresh_all()} places"



@task()
def stuck_deliveries() -> str:
    return f"{stuck_deliveries_requeue()} waiting e-mails or text messages queued again"
