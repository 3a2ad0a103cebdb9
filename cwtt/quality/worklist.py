"""Duplicate-children tasks for each person's worklist (cwtt/worklists/tasks.py): the pairs of
children who may be one child registered twice, waiting for the reader's review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cwtt.registry.actions import REVIEWERS, pairs_for
from cwtt.registry.models import PossibleDuplicate, Staff
from cwtt.worklists.tasks import Task


def duplicate_tasks(staff: Staff, today: dt.date) -> Iterable[Task]:
    """One task for all the waiting pairs (one query), not one per pair."""
    if staff.role not in REVIEWERS:
        return
    waiting = pairs_for(staff.user).filter(status=PossibleDuplicate.Status.PENDING).count()
    if waiting:
        yield Task(
            kind=_("Children registered twice?"),
            text=ngettext(
                "%(n)d pair of records may be one child registered twice: look and decide",
                "%(n)d pairs of records may be one child registered twice: look and decide",
                waiting,
            )
            % {"n": waiting},
            due_on=None,
            link=reverse("duplicates_review"),
        )
