"""Background work with nobody at a screen: `cwtt worker --once` starts the scheduled jobs that
are due and runs them. Every job is run twice and has its effect once."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from cwtt.access.models import AuditEntry, AuditHead
from cwtt.cases.models import Case, CasePlan, Review
from cwtt.meetings.models import ActionItem, Meeting
from cwtt.notifications.models import Notification
from cwtt.referrals.actions import provider_answer, referral_create, referral_move
from cwtt.referrals.models import Referral
from cwtt.registry.models import Child
from cwtt.rights.models import Anonymisation

pytestmark = pytest.mark.django_db
SAST = ZoneInfo("Africa/Johannesburg")
DAY_1 = dt.datetime(2026, 11, 2, 9, 0, tzinfo=SAST)


def clock_day(days: int) -> dt.date:
    return (DAY_1 + dt.timedelta(days=days)).date()


def worker_once() -> str:
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


def told(user, containing: str) -> int:
    return Notification.objects.filter(user=user, subject__contains=containing).count()


def send_referral(child, sbst, people, *, urgency="routine") -> Referral:
    referral = referral_create(
        child=child,
        service_type=sbst.service_types.get(),
        by=people["sam"],
        urgency=urgency,
        reason="Falling behind in reading",
        provider=sbst,
        deadline=dt.timedelta(days=7),
    )
    return referral_move(referral, "sent", people["sam"])


def test_an_overdue_referral_tells_the_sender_and_supervisor_once_with_nobody_at_a_screen(
    clock, child, sbst, people
):
    clock.move_to(DAY_1)
    referral = send_referral(child, sbst, people)
    clock.move_to(DAY_1 + dt.timedelta(days=4))
    worker_once()  # not overdue yet
    assert told(people["sam"], "overdue") == 0

    clock.move_to(DAY_1 + dt.timedelta(days=8))  # day 9: a day past the deadline
    output = worker_once()
    assert "overdue_referrals" in output
    assert told(people["sam"], f"Referral {referral.pk}") == 1
    assert told(people["sue"], f"Referral {referral.pk}") == 1
    referral.refresh_from_db()
    assert referral.overdue_notified_at is not None

    clock.move_to(DAY_1 + dt.timedelta(days=9))  # the job runs again: nobody is told twice
    assert "overdue_referrals" in worker_once()
    assert told(people["sam"], f"Referral {referral.pk}") == 1
    assert told(people["sue"], f"Referral {referral.pk}") == 1


def test_a_referral_answered_in_time_is_never_reported_overdue(clock, child, sbst, people):
    clock.move_to(DAY_1)
    referral = send_referral(child, sbst, people)
    clock.move_to(DAY_1 + dt.timedelta(days=3))
    provider_answer(
        referral,
        "delivered",
        by_name="provider link",
        delivered_on=clock_day(3),
        outcome="Assessed; reading support started",
    )
    clock.move_to(DAY_1 + dt.timedelta(days=20))
    worker_once()
    assert told(people["sam"], "overdue") == 0
    assert told(people["sue"], "overdue") == 0


def test_once_runs_only_the_jobs_that_are_due_and_prints_a_summary(clock):
    first = worker_once()
    assert first.strip().splitlines()[-1].startswith("Scheduled jobs started: overdue_referrals")
    assert "Tasks run: 7 (7 done, 0 failed)." in first
    again = worker_once()  # a moment later nothing is due
    assert again.strip() == "Scheduled jobs started: none due. Tasks run: 0 (0 done, 0 failed)."
    clock.shift(dt.timedelta(minutes=16))  # only the 15-minute jobs are due again
    assert "Scheduled jobs started: overdue_referrals, stuck_deliveries." in worker_once()


def test_a_case_review_falling_due_reminds_the_lead_once_per_due_date(clock, child, people):
    case = Case.objects.create(
        child=child, school=child.school, status="implementation", lead=people["sam"].staff
    )
    # No risk profile: reviewed at the longest interval, 90 days after approval (31 October).
    CasePlan.objects.create(case=case, approved_at=dt.datetime(2026, 8, 2, 9, tzinfo=SAST))
    worker_once()
    assert told(people["sam"], "case review is due") == 1
    clock.shift(dt.timedelta(days=1))
    worker_once()
    assert told(people["sam"], "case review is due") == 1
    case.refresh_from_db()
    assert case.review_reminded_for == dt.date(2026, 10, 31)

    # A review was held; its next one is due too (an old review recorded late): a new reminder.
    Review.objects.create(
        case=case, held_on=dt.date(2026, 8, 20), by=people["sam"], next_due_on=dt.date(2026, 11, 18)
    )
    clock.shift(dt.timedelta(days=1))
    worker_once()
    assert told(people["sam"], "case review is due") == 2


def test_a_case_without_a_lead_reminds_the_schools_coordinator(child, people):
    case = Case.objects.create(child=child, school=child.school, status="review")
    CasePlan.objects.create(case=case, approved_at=dt.datetime(2026, 8, 2, 9, tzinfo=SAST))
    worker_once()
    assert told(people["cora"], "case review is due") == 1
    assert told(people["sam"], "case review is due") == 0


def test_an_action_item_falling_due_reminds_its_owner_once(clock, sunrise, people):
    meeting = Meeting.objects.create(school=sunrise, held_on=dt.date(2026, 11, 9))
    due = ActionItem.objects.create(
        meeting=meeting,
        description="Visit the family",
        owner=people["sam"].staff,
        due_on=dt.date(2026, 11, 23),
    )
    ActionItem.objects.create(  # done already: no reminder
        meeting=meeting,
        description="Call the clinic",
        owner=people["sam"].staff,
        due_on=dt.date(2026, 11, 20),
        done_on=dt.date(2026, 11, 19),
    )
    ActionItem.objects.create(  # not due yet
        meeting=meeting,
        description="Check the grant",
        owner=people["nandi"].staff,
        due_on=dt.date(2026, 11, 30),
    )
    worker_once()
    assert told(people["sam"], "action from a meeting") == 1
    assert told(people["nandi"], "action from a meeting") == 0
    clock.shift(dt.timedelta(days=1))
    worker_once()
    assert told(people["sam"], "action from a meeting") == 1
    due.refresh_from_db()
    assert due.reminded_for == dt.date(2026, 11, 23)


def test_retention_runs_every_night_and_anonymises_a_child_once(clock, child_factory, sunrise):
    gone = child_factory(sunrise, first="Gone")
    Child.objects.filter(pk=gone.pk).update(
        status="exited", updated_at=dt.datetime(2020, 1, 10, 12, tzinfo=SAST)
    )
    clock.move_to(dt.datetime(2026, 11, 24, 1, 0, tzinfo=SAST))
    worker_once()
    worker_once()  # before 02:00 the nightly job has not run yet
    assert not Anonymisation.objects.filter(child=gone).exists()
    clock.move_to(dt.datetime(2026, 11, 24, 2, 30, tzinfo=SAST))
    assert "retention" in worker_once()
    assert Anonymisation.objects.filter(child=gone).count() == 1
    entries = AuditEntry.objects.count()
    clock.move_to(dt.datetime(2026, 11, 25, 2, 30, tzinfo=SAST))
    assert "retention" in worker_once()
    assert Anonymisation.objects.filter(child=gone).count() == 1
    assert AuditEntry.objects.count() == entries


def test_the_audit_trail_is_sealed_every_hour_with_one_checkpoint_per_new_entry_set(
    clock, child, sbst, people, settings
):
    send_referral(child, sbst, people)  # writes audit entries
    worker_once()
    head = AuditHead.objects.get(pk=1)
    assert head.length == AuditEntry.objects.count() > 0
    lines = settings.CWTT_AUDIT_CHECKPOINTS.read_text().splitlines()
    assert len(lines) == 1
    clock.shift(dt.timedelta(hours=1, minutes=1))
    assert "audit_checkpoint" in worker_once()
    assert settings.CWTT_AUDIT_CHECKPOINTS.read_text().splitlines() == lines  # nothing new
