"""When a case's next review falls due (docs/cases.md, "Reviews").

A case is reviewed every `CASE_REVIEW_DAYS[level]` days, by the child's current overall risk
level (the profile of the latest wave). Counting starts from the last review, or from the plan's
approval before the first review. Set `CWTT_CASE_REVIEW_DAYS` in the settings to change the
intervals without editing this file; levels it leaves out keep their default.

Lists ask for many cases at once: `with_review_schedule` adds what `review_due_on` needs to
each case in the list's own query, so a list costs the same number of queries at any caseload.
The date stored on each review (`Review.next_due_on`) is what was due when it was recorded;
the schedule follows the child's risk since then, so it is worked out here (decision 0035).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from cwtt.assessments.models import RiskProfile

from .models import Case, CasePlan, Review

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


def _latest_profiles():
    return RiskProfile.objects.order_by("-wave__starts_on", "-pk")


def current_level(child_id: int) -> str:
    """The child's overall level in the latest wave with a profile ("" when none)."""
    profile = _latest_profiles().filter(child_id=child_id).values_list("overall", flat=True)
    return profile.first() or ""


def interval_for_level(level: str) -> int:
    """Days between reviews at this level. A low or unknown level is reviewed as often as the
    longest configured interval: an open case is never left unreviewed."""
    days = review_days()
    return days.get(level, max(days.values()))


def review_interval_days(child_id: int) -> int:
    """Days between reviews at the child's current level."""
    return interval_for_level(current_level(child_id))


def with_review_schedule(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases, each with the date of its last review, its plan's approval and its child's
    current level, read in the same query; `review_due_on` then asks the database nothing."""
    return cases.annotate(
        last_review_on=Subquery(
            Review.objects.filter(case=OuterRef("pk")).order_by("-held_on").values("held_on")[:1]
        ),
        plan_approved_at=Subquery(
            CasePlan.objects.filter(case=OuterRef("pk")).values("approved_at")[:1]
        ),
        current_level=Subquery(
            _latest_profiles().filter(child_id=OuterRef("child_id")).values("overall")[:1]
        ),
    )


def review_due_on(case: Case) -> dt.date | None:
    """The date the case's next review falls due, or None when it has no schedule (not yet
    approved, or not being implemented or reviewed). Free for a case read through
    `with_review_schedule`; three small queries otherwise."""
    if case.status not in SCHEDULED:
        return None
    annotated = hasattr(case, "last_review_on")
    if annotated:
        last = case.last_review_on
    else:
        last = case.reviews.order_by("-held_on").values_list("held_on", flat=True).first()
    if last is None:
        if annotated:
            approved_at = case.plan_approved_at
        else:
            plan = getattr(case, "plan", None)
            approved_at = plan.approved_at if plan is not None else None
        if approved_at is None:
            return None
        last = timezone.localdate(approved_at)
    level = (case.current_level or "") if annotated else current_level(case.child_id)
    return last + dt.timedelta(days=interval_for_level(level))
