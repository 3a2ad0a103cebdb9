"""When a case's next review falls due (docs/cases.md, "Reviews").

A case is reviewed every `CASE_REVIEW_DAYS[level]` days, by the child's current overall risk
level (the profile of the latest wave). Counting starts from the last review, or from the plan's
approval before the first review. Set `CWTT_CASE_REVIEW_DAYS` in the settings to change the
intervals without editing this file; levels it leaves out keep their default.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from cwtt.assessments.models import RiskProfile

from .models import Case

CASE_REVIEW_DAYS: dict[str, int] = {"high": 30, "moderate": 90}

# Cases under review or being implemented have a review schedule; others do not.
SCHEDULED = (Case.Status.IMPLEMENTATION, Case.Status.REVIEW)


def review_days() -> dict[str, int]:
    configured = getattr(settings, "CWTT_CASE_REVIEW_DAYS", None) or {}
    days = {**CASE_REVIEW_DAYS, **configured}
    for level, value in days.items():
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ImproperlyConfigured(
                f"CWTT_CASE_REVIEW_DAYS['{level}'] must be a whole number of days above 0, "
                f"not {value!r}."
            )
    return days


def current_level(child_id: int) -> str:
    """The child's overall level in the latest wave with a profile ("" when none)."""
    profile = (
        RiskProfile.objects.filter(child_id=child_id)
        .order_by("-wave__starts_on", "-pk")
        .values_list("overall", flat=True)
        .first()
    )
    return profile or ""


def review_interval_days(child_id: int) -> int:
    """Days between reviews at the child's current level. A low or unknown level is reviewed
    as often as the longest configured interval: an open case is never left unreviewed."""
    days = review_days()
    return days.get(current_level(child_id), max(days.values()))


def review_due_on(case: Case) -> dt.date | None:
    """The date the case's next review falls due, or None when it has no schedule (not yet
    approved, or not being implemented or reviewed)."""
    if case.status not in SCHEDULED:
        return None
    last = case.reviews.order_by("-held_on").values_list("held_on", flat=True).first()
    if last is None:
        plan = getattr(case, "plan", None)
        if plan is None or plan.approved_at is None:
            return None
        last = timezone.localdate(plan.approved_at)
    return last + dt.timedelta(days=review_interval_days(case.child_id))
