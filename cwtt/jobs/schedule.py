"""The schedule, as data: which job runs how often (decision 0033).

A job runs either every `every` (counted from its last run) or once a day at `at`, local time
(the first time the worker is running at or after that time on a day). Its last run is stored in
`ScheduledRun`, so a worker that was stopped catches up with one run, not one per missed slot.

The one summary refreshed is the area dashboard's figures (cwtt/dashboards/snapshots.py): they
change once a day so that two looks cannot isolate one child's assessment. The school pages,
dashboards and worklists of a school's own team are counted when the page opens.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from . import tasks


@dataclass(frozen=True)
class Job:
    name: str
    task: object  # a django_tasks Task
    what: str
    every: dt.timedelta | None = None
    at: dt.time | None = None

    def due(self, last_run: dt.datetime | None, now: dt.datetime) -> bool:
        if self.every is not None:
            return last_run is None or now >= last_run + self.every
        assert self.at is not None
        today_at = timezone.make_aware(
            dt.datetime.combine(timezone.localdate(now), self.at), timezone.get_current_timezone()
        )
        return now >= today_at and (last_run is None or last_run < today_at)


SCHEDULE: tuple[Job, ...] = (
    Job(
        "overdue_referrals",
        tasks.overdue_referrals,
        "tell the sender and their supervisor of each newly overdue referral",
        every=dt.timedelta(minutes=15),
    ),
    Job(
        "stuck_deliveries",
        tasks.stuck_deliveries,
        "queue again the e-mails and text messages that lost their place in the queue",
        every=dt.timedelta(minutes=15),
    ),
    Job(
        "reviews_due",
        tasks.reviews_due,
        "remind the lead of each case whose review has fallen due",
        at=dt.time(6, 0),
    ),
    Job(
        "action_items_due",
        tasks.action_items_due,
        "remind the owner of each meeting action item that has fallen due",
        at=dt.time(6, 0),
    ),
    Job(
        "retention",
        tasks.retention,
        "anonymise the children the retention rule makes due",
        at=dt.time(2, 0),
    ),
    Job(
        "area_figures",
        tasks.area_figures,
        "work out the area dashboards' figures for the day",
        at=dt.time(5, 0),
    ),
    Job(
        "audit_checkpoint",
        tasks.audit_checkpoint,
        "seal new audit entries and write a signed checkpoint",
        every=dt.timedelta(hours=1),
    ),
)
