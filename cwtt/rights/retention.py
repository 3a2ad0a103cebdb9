"""The retention rule: when a child's identity is removed, and applying it.

A child is due when they have left the programme (exited or transferred) and their last
activity is more than CWTT_RETENTION_YEARS years before today. What counts as activity is
written in one place, `recent_activity`, so that the cases module can add case closure there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cwtt.registry.models import Child

from .actions import child_anonymise

# A record merged into another (registered twice) has left too: everything about the child is
# on the record kept, so the second copy of the names goes once it has been idle as long.
LEFT = (Child.Status.EXITED, Child.Status.TRANSFERRED, Child.Status.MERGED)


def retention_years() -> int:
    years = settings.CWTT_RETENTION_YEARS
    if years < 1:
        # 0 would anonymise every child the day they leave, before anyone could follow up.
        raise ImproperlyConfigured(f"CWTT_RETENTION_YEARS={years}; it must be 1 or more.")
    return years


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, in a year without one
        return day.replace(year=day.year - years, day=28)


def recent_activity(cutoff: dt.date) -> Q:
    """Activity on or after `cutoff` that keeps a child's record: the record itself changing
    (Child.updated_at), an assessment, a case closed since then, or a case still open.

    The "last activity" is the later of these dates; a child is due when every one of them is
    before the cutoff ("years after the case closed").
    """
    since = dt.datetime.combine(cutoff, dt.time.min, tzinfo=timezone.get_current_timezone())
    return (
        Q(updated_at__gte=since)
        | Q(assessments__assessed_on__gte=cutoff)
        | Q(cases__closed_at__gte=since)
        | Q(cases__status__in=OPEN_CASE_STATES)
    )


# A case in any of these keeps the child's record, whatever the dates (cwtt/cases/models.py).
# A proposal nobody confirmed is not casework and does not.
OPEN_CASE_STATES = (
    "identified",
    "registered",
    "assessed",
    "case_plan",
    "implementation",
    "review",
)


def retention_due(today: dt.date, years: int | None = None) -> QuerySet[Child]:
    """Children due for anonymisation on `today` (pass it, so a test or a dry run can look at
    any date): left the programme, last activity more than `years` (default
    CWTT_RETENTION_YEARS) years ago, and not anonymised yet."""
    cutoff = years_before(today, retention_years() if years is None else years)
    kept = Child.objects.filter(recent_activity(cutoff)).values("pk")
    return (
        Child.objects.filter(status__in=LEFT, anonymisation__isnull=True)
        .exclude(pk__in=kept)
        .order_by("pk")
    )


@dataclass
class RetentionRun:
    cutoff: dt.date
    child_ids: list[int]
    applied: bool


def retention_apply(*, today: dt.date | None = None, dry_run: bool = False) -> RetentionRun:
    """Anonymise every child due, all in one transaction (all or none), each audited."""
    today = today or timezone.localdate()
    years = retention_years()
    cutoff = years_before(today, years)
    with transaction.atomic():
        due = list(retention_due(today, years))
        if not dry_run:
            for child in due:
                child_anonymise(
                    child=child,
                    rule=(
                        f"Retention rule: {child.get_status_display().lower()}, and no activity "
                        f"for {years} years (none since {cutoff.isoformat()})"
                    ),
                    actor_name="retention rule",
                )
    return RetentionRun(cutoff, [child.pk for child in due], applied=not dry_run)
