"""Review scheduling by risk (high every 30 days, moderate every 90, configurable) and
recording a review with progress per goal."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from cwtt.access.models import AuditEntry
from cwtt.cases.actions import CaseRefused, review_record
from cwtt.cases.models import Case, Goal, GoalProgress, Review
from cwtt.cases.reviews import review_due_on

from .conftest import HIGH, LOW, MODERATE, score

pytestmark = pytest.mark.django_db

APPROVED = timezone.make_aware(dt.datetime(2026, 4, 1, 10, 0))


def test_a_high_risk_case_is_reviewed_30_days_after_the_plan_is_approved(sam_case, child, wave):
    case = sam_case("implementation", approved=APPROVED)
    score(child, wave, HIGH)
    assert review_due_on(case) == dt.date(2026, 5, 1)


def test_a_moderate_risk_case_is_reviewed_every_90_days(sam_case, child, wave):
    score(child, wave, MODERATE)
    case = sam_case("implementation", approved=APPROVED)
    assert review_due_on(case) == dt.date(2026, 6, 30)


def test_a_low_or_unknown_risk_case_is_reviewed_at_the_longest_interval(sam_case, child, wave):
    case = sam_case("implementation", approved=APPROVED)
    assert review_due_on(case) == dt.date(2026, 6, 30)  # no profile
    score(child, wave, LOW)
    assert review_due_on(case) == dt.date(2026, 6, 30)


def test_the_schedule_counts_from_the_last_review_and_follows_the_current_risk(
    sam_case, child, wave, wave2, people
):
    case = sam_case("review", approved=APPROVED)
    score(child, wave, HIGH)
    goal = Goal.objects.get()
    review = review_record(
        case=case,
        by=people["sam"],
        held_on=dt.date(2026, 4, 20),
        progress={goal.pk: ("some", "")},
    )
    assert review.next_due_on == dt.date(2026, 5, 20)
    assert review_due_on(case) == dt.date(2026, 5, 20)
    score(child, wave2, MODERATE)  # the child's risk came down in the next wave
    assert review_due_on(case) == dt.date(2026, 7, 19)


def test_the_intervals_are_configurable_in_the_settings(sam_case, child, wave, settings):
    case = sam_case("implementation", approved=APPROVED)
    score(child, wave, HIGH)
    settings.CWTT_CASE_REVIEW_DAYS = {"high": 14}
    assert review_due_on(case) == dt.date(2026, 4, 15)
    settings.CWTT_CASE_REVIEW_DAYS = {"high": 0}
    with pytest.raises(ImproperlyConfigured, match="whole number of days"):
        review_due_on(case)


def test_cases_not_yet_approved_or_closed_have_no_review_date(sam_case, child, wave):
    score(child, wave, HIGH)
    Case.objects.all().delete()  # the case proposed at scoring; one open case per child
    for status in ("proposed", "identified", "case_plan", "closed"):
        assert review_due_on(sam_case(status)) is None
        Case.objects.all().delete()  # one open case per child


def test_a_review_records_progress_on_each_goal_and_marks_achieved_goals(sam_case, people, child):
    case = sam_case("review")
    first = Goal.objects.get()
    second = Goal.objects.create(
        plan=first.plan, domain="health", description="Immunised", benchmark="Card up to date"
    )
    review = review_record(
        case=case,
        by=people["sam"],
        held_on=timezone.localdate(),
        notes="Visited the family; mother working again.",
        progress={first.pk: ("achieved", "Eats three meals"), second.pk: ("some", "")},
    )
    first.refresh_from_db()
    assert first.achieved and first.achieved_on == timezone.localdate()
    assert GoalProgress.objects.filter(review=review).count() == 2
    assert Review.objects.get().notes == "Visited the family; mother working again."
    entry = AuditEntry.objects.get(object_type="case_review")
    assert entry.child_id == child.pk and entry.detail["notes_length"] == 41
    assert "mother" not in str(entry.detail) and "meals" not in str(entry.detail)


def test_a_review_needs_progress_on_every_open_goal_and_a_past_date(sam_case, people):
    case = sam_case("review")
    with pytest.raises(CaseRefused) as refused:
        review_record(case=case, by=people["sam"], held_on=None, progress={})
    assert set(refused.value.errors) == {"held_on", "progress"}
    goal = Goal.objects.get()
    with pytest.raises(CaseRefused) as refused:
        review_record(
            case=case,
            by=people["sam"],
            held_on=timezone.localdate() + dt.timedelta(days=1),
            progress={goal.pk: ("great", "")},
        )
    assert set(refused.value.errors) == {"held_on", f"goal_{goal.pk}"}
    assert not Review.objects.exists()


def test_only_case_note_readers_write_review_notes(sam_case, people):
    case = sam_case("review", team=[people["tumi"].staff])
    goal = Goal.objects.get()
    with pytest.raises(CaseRefused) as refused:
        review_record(
            case=case,
            by=people["tumi"],
            held_on=timezone.localdate(),
            notes="Saw bruises",
            progress={goal.pk: ("some", "")},
        )
    assert "only staff who may read case notes" in refused.value.errors["notes"]
    # Without notes the teacher on the team may record the review.
    review_record(
        case=case, by=people["tumi"], held_on=timezone.localdate(), progress={goal.pk: ("some", "")}
    )


def test_reviews_are_recorded_only_once_the_plan_is_approved(sam_case, people):
    case = sam_case("case_plan")
    goal = Goal.objects.get()
    with pytest.raises(CaseRefused, match="once the plan is approved"):
        review_record(
            case=case,
            by=people["sam"],
            held_on=timezone.localdate(),
            progress={goal.pk: ("some", "")},
        )
