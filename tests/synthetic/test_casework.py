"""The demo casework (`cwtt demo`): a new user finds cases in every state, referrals in every
state, services with help given twice and meetings with a generated agenda, all made through
the action functions (so the audit trail is whole), once."""

import pytest
from django.urls import reverse

from cwtt.access.audit import verify_chain
from cwtt.access.models import AuditEntry
from cwtt.cases.models import Approval, Case, Review, ServiceDelivered
from cwtt.meetings.models import ActionItem, Meeting
from cwtt.referrals.models import FeedbackLink, Referral, Status
from cwtt.synthetic.accounts import ensure_demo_accounts
from cwtt.synthetic.casework import demo_school, ensure_demo_casework
from cwtt.synthetic.generate import generate_district

pytestmark = pytest.mark.django_db


@pytest.fixture
def district(default_version):
    generate_district(schools=2, learners_per_school=16, waves=1, seed=7)
    ensure_demo_accounts()


def test_the_demo_casework_shows_every_state_once(district, client):
    summary = ensure_demo_casework()
    school = demo_school()
    assert summary.created and summary.school == school.name

    cases = Case.objects.filter(school=school)
    assert set(cases.values_list("status", flat=True)) == set(Case.Status.values)
    dismissed = cases.get(status=Case.Status.DISMISSED)
    assert dismissed.dismissed_reason
    closed = cases.get(status=Case.Status.CLOSED)
    assert closed.closure_reason == Case.ClosureReason.PLAN_ACHIEVED
    plan = cases.get(status=Case.Status.CASE_PLAN)
    assert plan.approvals.filter(kind=Approval.Kind.PLAN, decision="").exists()
    assert plan.plan.goals.exists() and plan.plan.actions.exclude(due_on=None).exists()
    assert cases.get(status=Case.Status.IMPLEMENTATION).plan.approved_at is not None
    assert Review.objects.filter(case__school=school, progress__isnull=False).exists()
    assert cases.filter(status=Case.Status.REVIEW, events__from_status="closed").exists()

    referrals = Referral.objects.filter(child__school=school)
    assert set(referrals.values_list("status", flat=True)) == set(Status.values)
    assert summary.overdue_referrals == 1
    assert referrals.get(status=Status.DECLINED).decline_reason
    food = referrals.get(status=Status.DELIVERED)
    assert food.service_type.code == "food_support" and food.delivered_on and food.feedback
    assert FeedbackLink.objects.filter(referral=food, used_at__isnull=False).exists()

    assert summary.given_twice == 1
    assert ServiceDelivered.objects.filter(child=food.child).count() == 2
    held = Meeting.objects.get(school=school, status=Meeting.Status.HELD)
    assert held.items.exclude(decision="").exists()
    actions = ActionItem.objects.filter(meeting=held)
    assert actions.filter(done_on__isnull=False).exists()
    assert actions.filter(done_on__isnull=True, due_on__lt=held.held_on.today()).exists()
    planned = Meeting.objects.get(school=school, status=Meeting.Status.PLANNED)
    assert planned.items.filter(kind="overdue_referral").exists()

    # The coordinator's school page shows the help given twice.
    client.force_login(school.staff.get(user__username="coordinator").user)
    assert "Help given twice" in client.get(reverse("school", args=[school.pk])).content.decode()

    # Once only: a second call changes nothing.
    entries = AuditEntry.objects.count()
    again = ensure_demo_casework()
    assert not again.created
    assert again.cases == summary.cases and again.referrals == summary.referrals
    assert AuditEntry.objects.count() == entries
    assert list(verify_chain()) == []
