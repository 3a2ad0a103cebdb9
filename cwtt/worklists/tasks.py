"""Each person's worklist: what is waiting for them, overdue first.

Tasks come from sources listed by name in SOURCES (meetings' action items, case reviews,
referrals awaiting a response), so each app contributes its own without this module knowing
its models. A source that cannot be imported fails loudly (no one's work silently missing). A
task says what to do and links to
the page where it is done; it carries no sensitive detail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from cwtt.registry.models import Staff


@dataclass(frozen=True)
class Task:
    kind: str  # a short label, translated: "Action from a meeting", "Case review", "Referral"
    text: str
    due_on: dt.date | None
    link: str

    def overdue(self, today: dt.date) -> bool:
        return self.due_on is not None and self.due_on < today


TaskSource = Callable[[Staff, dt.date], Iterable[Task]]

SOURCES: tuple[str, ...] = (
    "cwtt.worklists.tasks.meeting_actions",
    "cwtt.cases.worklist.case_tasks",
    "cwtt.referrals.worklist.referral_tasks",
    "cwtt.assessments.worklist.correction_tasks",
    "cwtt.quality.worklist.duplicate_tasks",
)


def meeting_actions(staff: Staff, today: dt.date) -> Iterable[Task]:
    from cwtt.meetings.actions import open_actions_for

    for action in open_actions_for(staff).select_related("meeting__school"):
        yield Task(
            kind=_("Action from a meeting"),
            text=_("%(action)s (%(school)s, meeting of %(day)s)")
            % {
                "action": action.description,
                "school": action.meeting.school.name,
                "day": date_format(action.meeting.held_on, "d F"),
            },
            due_on=action.due_on,
            link=reverse("meeting", args=[action.meeting_id]),
        )


def split_by_due(tasks: list[Task], today: dt.date) -> tuple[list[Task], list[Task]]:
    """The tasks that are overdue, and the rest, each in the order given."""
    return [t for t in tasks if t.overdue(today)], [t for t in tasks if not t.overdue(today)]


def tasks_for(staff: Staff, today: dt.date) -> list[Task]:
    tasks: list[Task] = []
    for path in SOURCES:
        source: TaskSource = import_string(path)
        tasks.extend(source(staff, today))
    # Overdue first (oldest first), then by due date, undated last.
    return sorted(
        tasks,
        key=lambda t: (not t.overdue(today), t.due_on or dt.date.max, t.kind, t.text),
    )
