"""Attacks on every write to referrals (issue #10): making one for another school's child,
moving or printing another school's referral, stale and replayed sends, two sends at once,
malformed and oversized bodies, and the provider's link replayed after its answer or used
after it expired. Each asserts the refusal and that the database did not change
(tests/attacks.py; audit entries of a page being looked at are not changes).

Who may see what: Sam and Cora (Sunrise) see Sunrise's children; Hilltop's staff (Hilda, a
coordinator there) and Dumi (district: figures only) may not learn a Sunrise referral exists.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cwtt.access.roles import Role
from cwtt.referrals.actions import (
    ReferralRefused,
    feedback_link_issue,
    referral_create,
    referral_move,
)
from cwtt.referrals.models import FeedbackLink, Referral, ReferralEvent

from ..attacks import (
    NOT_A_NUMBER,
    ONE_MEGABYTE,
    at_once,
    audit_changes,
    messages_of,
    needs_postgres,
    unchanged,
)
from ..conftest import _person, sign_in

pytestmark = pytest.mark.django_db

NEW = {
    "service": "food_support",
    "urgency": "high",
    "reason": "The child goes hungry",
    "provider_name": "Hope Soup Kitchen",
    "sector": "ngo",
}


@pytest.fixture
def hilda(people, hilltop):
    return _person("hilda", Role.COORDINATOR, hilltop)


@pytest.fixture
def draft(child, people, providers):
    return referral_create(
        child=child,
        service_type=providers["soup"].service_types.get(),
        by=people["sam"],
        urgency="high",
        reason="The child goes hungry",
        provider=providers["soup"],
    )


@pytest.fixture
def sent(draft, people):
    return referral_move(draft, "sent", people["sam"])


def feedback(token: str) -> str:
    return reverse("referral_feedback", args=[token])


# --- another school's person, with Sunrise's ids ---------------------------------------------


@pytest.mark.parametrize("who", ["hilda", "dumi", "nobody"])
def test_another_schools_person_cannot_make_a_referral_for_a_sunrise_child(
    client, child, people, hilda, service_types, who
):
    user = hilda if who == "hilda" else people[who]
    sign_in(client, user)
    with unchanged():
        response = client.post(reverse("referral_new", args=[child.pk]), NEW)
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["hilda", "dumi", "nobody"])
def test_another_schools_person_cannot_move_or_print_a_sunrise_referral(
    client, sent, people, hilda, who
):
    user = hilda if who == "hilda" else people[who]
    sign_in(client, user)
    with unchanged():
        moved = client.post(
            reverse("referral", args=[sent.pk]), {"to": "cancelled", "reason": "Mine now"}
        )
        printed = client.post(reverse("referral_letter", args=[sent.pk]))
    assert (moved.status_code, printed.status_code) == (404, 404)


def test_a_provider_of_another_service_is_refused(client, child, people, providers):
    """The soup kitchen's id sent with a clinic service: refused, not quietly accepted."""
    sign_in(client, people["sam"])
    with unchanged():
        page = client.post(
            reverse("referral_new", args=[child.pk]),
            {**NEW, "service": "immunisation", "provider": providers["soup"].pk},
        )
    assert page.status_code == 200
    assert "Choose a provider that offers this service" in page.content.decode()


# --- stale and replayed sends ----------------------------------------------------------------


def test_a_replayed_new_referral_makes_one_draft(client, child, people, service_types):
    sign_in(client, people["sam"])
    client.post(reverse("referral_new", args=[child.pk]), NEW)
    assert Referral.objects.count() == 1
    with unchanged():
        page = client.post(reverse("referral_new", args=[child.pk]), NEW)
    assert page.status_code == 200
    assert "This referral is already made" in page.content.decode()


def test_sending_twice_is_refused_and_sends_once(client, draft, people):
    sign_in(client, people["sam"])
    client.post(reverse("referral", args=[draft.pk]), {"to": "sent"})
    assert Referral.objects.get(pk=draft.pk).status == "sent"
    links = FeedbackLink.objects.count()
    with unchanged():
        page = client.post(reverse("referral", args=[draft.pk]), {"to": "sent"}, follow=True)
    assert any("cannot become sent" in m for m in messages_of(page))
    assert FeedbackLink.objects.count() == links  # no second link for a refused send


def test_cancelling_a_cancelled_referral_is_refused(client, draft, people):
    referral_move(draft, "cancelled", people["sam"], reason="Family moved")
    sign_in(client, people["cora"])
    with unchanged():
        page = client.post(
            reverse("referral", args=[draft.pk]),
            {"to": "cancelled", "reason": "Again"},
            follow=True,
        )
    assert any("cannot become cancelled" in m for m in messages_of(page))


def test_a_letter_for_a_finished_referral_makes_no_link(client, sent, people):
    referral_move(sent, "cancelled", people["sam"], reason="Family moved")
    sign_in(client, people["sam"])
    with unchanged():
        page = client.post(reverse("referral_letter", args=[sent.pk]), follow=True)
    assert any("already given a final answer" in m for m in messages_of(page))


def test_the_providers_answer_replayed_after_a_final_answer_is_refused(client, sent, people):
    _link, token = feedback_link_issue(referral=sent, by=people["sam"])
    answer = {
        "answer": "delivered",
        "delivered_on": timezone.localdate().isoformat(),
        "outcome": "Food parcel",
    }
    client.post(feedback(token), answer)
    assert Referral.objects.get(pk=sent.pk).status == "delivered"
    with unchanged():
        page = client.post(feedback(token), answer)
        declined = client.post(feedback(token), {"answer": "declined", "reason": "Changed mind"})
    assert (page.status_code, declined.status_code) == (410, 410)
    assert "already been answered" in page.content.decode()


def test_a_second_link_cannot_answer_after_the_first_gave_the_final_answer(client, sent, people):
    _first, first = feedback_link_issue(referral=sent, by=people["sam"])
    _second, second = feedback_link_issue(referral=sent, by=people["sam"])
    client.post(feedback(first), {"answer": "declined", "reason": "Full"})
    with unchanged():
        page = client.post(feedback(second), {"answer": "accepted"})
    assert page.status_code == 410


def test_an_expired_link_answers_nothing(client, sent, people, clock):
    _link, token = feedback_link_issue(referral=sent, by=people["sam"])
    clock.shift(dt.timedelta(days=15))
    with unchanged():
        page = client.post(feedback(token), {"answer": "accepted"})
    assert page.status_code == 410
    assert "expired" in page.content.decode()


def test_a_wrong_or_huge_token_is_not_found(client, sent, people):
    feedback_link_issue(referral=sent, by=people["sam"])
    with unchanged():
        for token in ("not-a-token", "x" * 5000):
            assert client.post(feedback(token), {"answer": "accepted"}).status_code == 404


def test_the_same_answer_twice_is_refused_the_second_time(client, sent, people):
    _link, token = feedback_link_issue(referral=sent, by=people["sam"])
    client.post(feedback(token), {"answer": "acknowledged"})
    assert Referral.objects.get(pk=sent.pk).status == "acknowledged"
    with unchanged():
        page = client.post(feedback(token), {"answer": "acknowledged"})
    assert page.status_code == 200
    assert "cannot become" in page.content.decode()


# --- two at once -----------------------------------------------------------------------------


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_identical_referrals_sent_at_once_make_one(child, people, providers):
    def make():
        return referral_create(
            child=child,
            service_type=providers["soup"].service_types.get(),
            by=people["sam"],
            urgency="high",
            reason="The child goes hungry",
            provider=providers["soup"],
        )

    outcomes = at_once(make, make)
    assert sum(isinstance(o, ReferralRefused) for o in outcomes) == 1, outcomes
    assert Referral.objects.count() == 1
    assert audit_changes(object_type="referral") == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_colleagues_acting_on_one_proposal_at_once_make_one_referral(child, people, providers):
    def make(who):
        return lambda: referral_create(
            child=child,
            service_type=providers["soup"].service_types.get(),
            by=people[who],
            urgency="high",
            reason="Household hunger",
            provider=providers["soup"],
            rule="nutrition_food_support",
        )

    outcomes = at_once(make("sam"), make("cora"))
    assert sum(isinstance(o, ReferralRefused) for o in outcomes) == 1, outcomes
    assert Referral.objects.count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_answers_through_the_link_at_once_record_one(client, sent, people):
    from cwtt.referrals.actions import feedback_answer, feedback_link_find

    _link, token = feedback_link_issue(referral=sent, by=people["sam"])

    def answer(kind, **details):
        return lambda: feedback_answer(link=feedback_link_find(token), answer=kind, **details)

    outcomes = at_once(
        answer("declined", reason="Full"),
        answer("delivered", delivered_on=timezone.localdate(), outcome="Parcel"),
    )
    assert sum(isinstance(o, ReferralRefused) for o in outcomes) == 1, outcomes
    final = ReferralEvent.objects.filter(referral=sent, to_status__in=["declined", "delivered"])
    assert final.count() == 1


# --- malformed and oversized bodies ----------------------------------------------------------

NEW_MALFORMED = [
    ({}, "Choose the service"),
    ({**NEW, "service": ONE_MEGABYTE}, "Choose the service"),
    ({**NEW, "provider": NOT_A_NUMBER}, "Choose a provider that offers this service"),
    ({**NEW, "urgency": "yesterday"}, "Choose how urgent"),
    ({**NEW, "reason": ONE_MEGABYTE}, "Keep the reason to"),
    ({**NEW, "provider_name": ONE_MEGABYTE}, "Keep the provider"),
    ({**NEW, "sector": ONE_MEGABYTE}, "Choose the sector"),
    ({**NEW, "proposal": ONE_MEGABYTE, "reason": ""}, "Say why"),
]


@pytest.mark.parametrize("data,words", NEW_MALFORMED)
def test_a_malformed_or_oversized_new_referral_is_refused_plainly(
    client, child, people, providers, data, words
):
    sign_in(client, people["sam"])
    with unchanged():
        page = client.post(reverse("referral_new", args=[child.pk]), data)
    assert page.status_code == 200
    assert "The referral was not saved" in page.content.decode()
    assert words in page.content.decode()


MOVE_MALFORMED = [
    ({}, "is not a referral state"),
    ({"to": ONE_MEGABYTE}, "is not a referral state"),
    ({"to": "cancelled"}, "Say why the referral is cancelled"),
    ({"to": "cancelled", "reason": ONE_MEGABYTE}, "Keep each text to"),
    ({"to": "acknowledged", "comment": ONE_MEGABYTE}, "Keep each text to"),
    ({"to": "delivered", "delivered_on": "yesterday", "outcome": "Given"}, "cannot become"),
]


@pytest.mark.parametrize("data,words", MOVE_MALFORMED)
def test_a_malformed_or_oversized_move_is_refused_plainly(client, sent, people, data, words):
    sign_in(client, people["sam"])
    with unchanged():
        page = client.post(reverse("referral", args=[sent.pk]), data, follow=True)
    assert page.status_code == 200
    assert any(words in m for m in messages_of(page)), messages_of(page)


def test_a_malformed_or_oversized_provider_answer_is_refused_plainly(client, sent, people):
    _link, token = feedback_link_issue(referral=sent, by=people["sam"])
    for data, words in [
        ({}, "Choose one of the answers"),
        ({"answer": ONE_MEGABYTE}, "Choose one of the answers"),
        ({"answer": "declined"}, "Say why the referral is declined"),
        ({"answer": "declined", "reason": ONE_MEGABYTE}, "Keep each text to"),
        ({"answer": "delivered", "delivered_on": "31/02/2026", "outcome": "x"}, "Give the date"),
        (
            {
                "answer": "delivered",
                "delivered_on": timezone.localdate().isoformat(),
                "outcome": "Parcel",
                "feedback": ONE_MEGABYTE,
            },
            "Keep each text to",
        ),
    ]:
        with unchanged():
            page = client.post(feedback(token), data)
        assert page.status_code == 200
        assert words in page.content.decode(), data.keys()
