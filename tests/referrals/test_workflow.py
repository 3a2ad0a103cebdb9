"""Referrals with a feedback loop: every legal move, illegal moves refused with the next steps,
overdue detection, consent before a referral crosses to another sector (and the legal duty
that overrides it), notifications to the sender and audit entries (issue #4, item 7)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from cwtt.access.models import AuditEntry
from cwtt.notifications.models import Notification
from cwtt.referrals.actions import (
    ReferralRefused,
    provider_answer,
    referral_create,
    referral_move,
)
from cwtt.referrals.models import TRANSITIONS, Referral, Status
from cwtt.referrals.rules import DEFAULT_DEADLINES

from ..conftest import make_child  # noqa: TID252 - shared test helpers
from .conftest import NOW, finding, store_profile

pytestmark = pytest.mark.django_db

DETAILS = {
    Status.DECLINED: {"reason": "We have no space this month"},
    Status.CANCELLED: {"reason": "The family moved away"},
    Status.DELIVERED: {
        "delivered_on": dt.date(2026, 3, 1),
        "outcome": "Parcel given",
        "feedback": "Come back monthly",
    },
}


MADE = itertools.count(1)


def make(child, people, providers, service="food_support", provider="soup", **extra):
    # Each a referral of its own: an identical draft by the same person is refused as a
    # repeat (decision 0031).
    return referral_create(
        child=child,
        service_type=providers[provider].service_types.get(code=service),
        by=people["sam"],
        urgency=extra.pop("urgency", "high"),
        reason=f"The child goes hungry ({next(MADE)})",
        provider=providers[provider],
        now=extra.pop("now", NOW),
        **extra,
    )


def walk(referral, path, by):
    for to in path:
        referral = referral_move(referral, to, by, now=NOW, **DETAILS.get(to, {}))
    return referral


LEGAL_PATHS = [
    ["sent", "acknowledged", "accepted", "delivered", "closed"],
    ["sent", "acknowledged", "declined", "closed"],
    ["cancelled"],
    ["sent", "cancelled"],
    ["sent", "acknowledged", "cancelled"],
    ["sent", "acknowledged", "accepted", "cancelled"],
]


@pytest.mark.parametrize("path", LEGAL_PATHS, ids=["-".join(p) for p in LEGAL_PATHS])
def test_every_legal_path_is_allowed_and_recorded(child, people, providers, path):
    referral = walk(make(child, people, providers), path, people["sam"])
    assert referral.status == path[-1]
    events = list(referral.events.values_list("from_status", "to_status"))
    assert events == list(zip(["", "draft", *path[:-1]], ["draft", *path], strict=True))


def test_the_legal_paths_cover_every_move_in_the_table():
    covered = {(a, b) for p in LEGAL_PATHS for a, b in zip(["draft", *p], p, strict=False)}
    table = {(a, b) for a, steps in TRANSITIONS.items() for b in steps}
    assert covered == table


@pytest.mark.parametrize(
    "path, to",
    [
        ([], "accepted"),
        ([], "delivered"),
        (["sent"], "delivered"),
        (["sent"], "declined"),
        (["sent", "acknowledged", "accepted", "delivered"], "cancelled"),
        (["cancelled"], "sent"),
        (["sent", "acknowledged", "accepted", "delivered", "closed"], "sent"),
    ],
)
def test_illegal_moves_are_refused_with_the_allowed_next_steps(child, people, providers, path, to):
    referral = walk(make(child, people, providers), path, people["sam"])
    before = referral.status
    with pytest.raises(ReferralRefused) as refused:
        referral_move(referral, to, people["sam"], **DETAILS.get(to, {}))
    message = str(refused.value)
    assert "cannot become" in message and "Next steps allowed:" in message
    for step in TRANSITIONS[before]:
        assert step in message
    assert Referral.objects.get(pk=referral.pk).status == before


def test_declining_and_cancelling_need_a_reason_and_delivery_a_date_and_outcome(
    child, people, providers
):
    referral = walk(make(child, people, providers), ["sent", "acknowledged"], people["sam"])
    with pytest.raises(ReferralRefused, match="why the referral is declined"):
        referral_move(referral, "declined", people["sam"], reason="  ")
    with pytest.raises(ReferralRefused, match="why the referral is cancelled"):
        referral_move(referral, "cancelled", people["sam"])
    referral = referral_move(referral, "accepted", people["sam"])
    with pytest.raises(ReferralRefused, match="date the service was delivered"):
        referral_move(referral, "delivered", people["sam"], outcome="done")
    with pytest.raises(ReferralRefused, match="future"):
        referral_move(
            referral, "delivered", people["sam"], delivered_on="2999-01-01", outcome="done"
        )
    with pytest.raises(ReferralRefused, match="outcome"):
        referral_move(referral, "delivered", people["sam"], delivered_on="2026-03-01")
    referral = referral_move(
        referral, "delivered", people["sam"], delivered_on="2026-03-01", outcome="Parcel given"
    )
    assert referral.delivered_on == dt.date(2026, 3, 1) and referral.outcome == "Parcel given"


def test_the_deadline_follows_the_urgency_or_the_rule(child, people, providers):
    urgent = make(child, people, providers, urgency="urgent")
    assert urgent.due_by == NOW + dt.timedelta(hours=24)
    routine = make(child, people, providers, urgency="routine")
    assert routine.due_by == NOW + DEFAULT_DEADLINES["routine"]
    ruled = make(child, people, providers, deadline=dt.timedelta(days=3))
    assert ruled.due_by == NOW + dt.timedelta(days=3)


def test_overdue_means_open_and_past_the_deadline(child, people, providers):
    from cwtt.referrals.actions import overdue_referrals

    late = make(child, people, providers, urgency="urgent")  # due NOW + 24 h
    delivered = walk(
        make(child, people, providers, urgency="urgent"),
        ["sent", "acknowledged", "accepted", "delivered"],
        people["sam"],
    )
    declined = walk(
        make(child, people, providers, urgency="urgent"),
        ["sent", "acknowledged", "declined"],
        people["sam"],
    )
    cancelled = walk(make(child, people, providers, urgency="urgent"), ["cancelled"], people["sam"])
    accepted = walk(
        make(child, people, providers, urgency="urgent"),
        ["sent", "acknowledged", "accepted"],
        people["sam"],
    )
    just_before = NOW + dt.timedelta(hours=23, minutes=59)
    after = NOW + dt.timedelta(hours=25)
    assert not overdue_referrals(just_before).exists()
    assert set(overdue_referrals(after)) == {late, accepted}
    assert late.overdue_at(after) and not late.overdue_at(just_before)
    for finished in (delivered, declined, cancelled):
        assert not finished.overdue_at(after)
    # The property uses the real clock.
    fresh = make(child, people, providers, urgency="urgent", now=timezone.now())
    assert not fresh.overdue
    past = make(
        child, people, providers, urgency="urgent", now=timezone.now() - dt.timedelta(days=2)
    )
    assert past.overdue


# --- consent before crossing to another sector ----------------------------------------------


@pytest.fixture
def unconsented(sunrise):
    return make_child(sunrise, first="Ayanda", last="Zulu", consent=False)


def test_sending_to_another_sector_without_consent_is_refused_in_plain_words(
    unconsented, people, providers
):
    for provider, service, words in [
        ("clinic", "immunisation", "sharing with health staff"),
        ("dsd", "statutory_protection", "sharing with social development"),
        ("soup", "food_support", "sharing with social development"),  # an NGO: social development
    ]:
        referral = make(unconsented, people, providers, service=service, provider=provider)
        with pytest.raises(ReferralRefused) as refused:
            referral_move(referral, "sent", people["sam"])
        assert "the caregiver has not agreed to " + words in str(refused.value)
        assert Referral.objects.get(pk=referral.pk).status == "draft"
    assert not AuditEntry.objects.filter(action="legal_duty").exists()


def test_the_school_team_needs_no_sharing_consent(unconsented, people, providers):
    referral = make(
        unconsented, people, providers, service="educational_assessment", provider="sbst"
    )
    assert referral_move(referral, "sent", people["cora"]).status == "sent"


def test_a_provider_typed_by_hand_is_checked_by_the_sector_chosen(unconsented, people, providers):
    referral = referral_create(
        child=unconsented,
        service_type=providers["clinic"].service_types.get(code="eye_screening"),
        by=people["sam"],
        urgency="routine",
        reason="Cannot see the board",
        provider_name="Dr Optician",
        sector="health",
    )
    with pytest.raises(ReferralRefused, match="sharing with health"):
        referral_move(referral, "sent", people["sam"])


def test_consent_given_lets_the_referral_go(child, people, providers):
    referral = make(child, people, providers, service="immunisation", provider="clinic")
    assert referral_move(referral, "sent", people["sam"]).status == "sent"


def test_abuse_reaches_statutory_protection_without_consent_under_the_legal_duty(
    unconsented, people, providers, wave
):
    store_profile(
        unconsented,
        wave,
        finding("pro_abuse_disclosed_tc", "protection", "abuse", "high", urgent=True),
    )
    referral = make(unconsented, people, providers, service="statutory_protection", provider="dsd")
    referral = referral_move(referral, "sent", people["sam"])
    assert referral.status == "sent"
    duty = AuditEntry.objects.get(action="legal_duty", object_type="referral")
    assert duty.detail["duty"] == "report_abuse" and "section 110" in duty.detail["law"]
    assert duty.actor == people["sam"] and duty.child_id == unconsented.pk
    assert referral.events.last().details["legal_duty"] == "report_abuse"
    # The duty is to report abuse, not to share for every other service.
    food = make(unconsented, people, providers, service="food_support", provider="soup")
    with pytest.raises(ReferralRefused, match="has not agreed"):
        referral_move(food, "sent", people["sam"])


# --- the sender keeps seeing the outcome -----------------------------------------------------


def test_the_sender_is_told_of_each_provider_answer_without_the_childs_name(
    child, people, providers
):
    referral = walk(make(child, people, providers), ["sent"], people["sam"])
    referral = provider_answer(referral, "acknowledged", by_name="provider link")
    # One answer that jumps ahead ("delivered" straight away) is one message, not three.
    provider_answer(referral, "delivered", by_name="provider link", **DETAILS["delivered"])
    notes = list(Notification.objects.filter(user=people["sam"]).order_by("pk"))
    assert [n.subject.rsplit(": ", 1)[1] for n in notes] == [
        "received by the provider",
        "service delivered",
    ]
    for note in notes:
        assert "Lwazi" not in note.subject + note.body and "Mokoena" not in note.subject + note.body
        assert note.link == f"/referrals/{referral.pk}/"


def test_the_senders_own_moves_do_not_notify_them(child, people, providers):
    walk(make(child, people, providers), ["sent", "acknowledged"], people["sam"])
    assert not Notification.objects.filter(user=people["sam"]).exists()
    referral = Referral.objects.get()
    referral_move(referral, "accepted", people["cora"])
    assert Notification.objects.filter(user=people["sam"]).count() == 1


def test_creating_and_moving_are_audited(child, people, providers):
    referral = walk(make(child, people, providers), ["sent"], people["sam"])
    created = AuditEntry.objects.get(action="create", object_type="referral")
    assert created.actor == people["sam"] and created.child_id == child.pk
    assert created.detail["service_type"] == "food_support"
    moved = AuditEntry.objects.get(action="change", object_type="referral")
    assert moved.object_id == str(referral.pk)
    assert (moved.detail["before"], moved.detail["after"]) == ("draft", "sent")


def test_a_provider_must_offer_the_service_and_a_provider_must_be_named(
    child, people, providers, service_types
):
    with pytest.raises(ReferralRefused, match="does not offer"):
        referral_create(
            child=child,
            service_type=service_types["counselling"],
            by=people["sam"],
            urgency="routine",
            reason="x",
            provider=providers["soup"],
        )
    with pytest.raises(ReferralRefused, match="type the provider's name"):
        referral_create(
            child=child,
            service_type=service_types["counselling"],
            by=people["sam"],
            urgency="routine",
            reason="x",
        )
    assert not Referral.objects.exists()
