"""Referrals feed the meeting agenda (overdue ones) and the sender's worklist."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from cwtt.referrals.actions import referral_create, referral_move
from cwtt.referrals.agenda import overdue_referrals
from cwtt.referrals.worklist import referral_tasks

pytestmark = pytest.mark.django_db


MADE = itertools.count(1)


def make(child, people, provider, code, when):
    return referral_create(
        child=child,
        service_type=provider.service_types.get(code=code),
        by=people["sam"],
        urgency="routine",
        reason=f"x {next(MADE)}",  # each its own referral, not a repeat (decision 0031)
        provider=provider,
        now=when,
    )


def test_overdue_referrals_are_on_the_schools_agenda_without_protection_detail(
    child, other_child, people, providers, sunrise
):
    old = timezone.now() - dt.timedelta(days=40)
    make(child, people, providers["soup"], "food_support", old)
    make(child, people, providers["dsd"], "statutory_protection", old)
    make(child, people, providers["soup"], "food_support", timezone.now())  # not yet due
    make(other_child, people, providers["soup"], "food_support", old)  # another school
    topics = list(overdue_referrals(sunrise, old))
    assert len(topics) == 2
    assert {t.kind for t in topics} == {"overdue_referral"}
    texts = " ".join(t.text for t in topics)
    assert "food support" in texts and "protection" not in texts.lower()
    assert all(t.child_id == child.pk for t in topics)


def test_the_sender_sees_their_open_and_answered_referrals_as_tasks(child, people, providers):
    now = timezone.now()
    draft = make(child, people, providers["soup"], "food_support", now)
    done = make(child, people, providers["soup"], "food_support", now)
    for to in ("sent", "acknowledged", "accepted"):
        done = referral_move(done, to, people["sam"])
    done = referral_move(
        done, "delivered", people["sam"], delivered_on=dt.date.today(), outcome="Given"
    )
    closed = make(child, people, providers["soup"], "food_support", now)
    referral_move(closed, "cancelled", people["sam"], reason="Moved")
    tasks = list(referral_tasks(people["sam"].staff, dt.date.today()))
    by_link = {t.link: t for t in tasks}
    assert set(by_link) == {f"/referrals/{draft.pk}/", f"/referrals/{done.pk}/"}
    assert "send it" in by_link[f"/referrals/{draft.pk}/"].text
    assert by_link[f"/referrals/{done.pk}/"].due_on is None
    assert list(referral_tasks(people["cora"].staff, dt.date.today())) == []
