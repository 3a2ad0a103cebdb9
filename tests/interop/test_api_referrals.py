"""Making and moving a referral through the API (POST /api/v1/referrals/ and
/api/v1/referrals/ID/move/), as on the referral pages: a draft for a child the sender may see,
then one step at a time. And the attacks: another school's child or referral, an area role, a
replayed draft, a step from a status already left (stale), a step the rules do not allow,
malformed and oversized bodies, each refused with the database unchanged (tests/attacks.py).

Who (tests/conftest.py, tests/interop/conftest.py): Sam is a social worker at Sunrise; Hilda
coordinates Hilltop; Dumi is a district official.
"""

from __future__ import annotations

import pytest
from django.test import Client

from cwtt.referrals.actions import referral_create
from cwtt.referrals.models import Referral, ReferralEvent
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import Provider, ServiceType

from ..attacks import ONE_MEGABYTE, audit_changes, unchanged

pytestmark = pytest.mark.django_db


@pytest.fixture
def food(db):
    ensure_service_types(ServiceType)
    return ServiceType.objects.get(code="food_support")


def draft(about, **changes) -> dict:
    body = {
        "child": about.pk,
        "service_type": "food_support",
        "urgency": "routine",
        "reason": "The family runs out of food before month end.",
        "provider_name": "Community Food Garden",
        "sector": "ngo",
    }
    body.update(changes)
    return body


@pytest.fixture
def sunrise_referral(people, child, food):
    return referral_create(
        child=child,
        service_type=food,
        by=people["sam"],
        urgency="routine",
        reason="Hungry at school.",
        provider_name="Garden",
        sector="ngo",
    )


def test_a_draft_is_made_sent_and_followed_to_delivery(people, api, child, food):
    client = api("sam")
    made = client.post("referrals/", draft(child))
    assert made.status_code == 201, made.json()
    referral = made.json()
    assert (referral["status"], referral["reason_withheld"]) == ("draft", False)
    assert audit_changes(action="create", object_type="referral") == 1
    sent = client.post(
        f"referrals/{referral['id']}/move/", {"from_status": "draft", "to": "sent"}
    ).json()
    assert sent["status"] == "sent"
    assert sent["feedback_url"].startswith("http://testserver/referral-feedback/")
    # The link works for the provider, without an account.
    assert Client().get(sent["feedback_url"]).status_code == 200
    for step in ("acknowledged", "accepted"):
        current = Referral.objects.get(pk=referral["id"]).status
        assert (
            client.post(
                f"referrals/{referral['id']}/move/", {"from_status": current, "to": step}
            ).status_code
            == 200
        )
    delivered = client.post(
        f"referrals/{referral['id']}/move/",
        {
            "from_status": "accepted",
            "to": "delivered",
            "delivered_on": "2026-11-20",
            "outcome": "Food parcel given",
        },
    )
    assert delivered.status_code == 200 and delivered.json()["outcome"] == "Food parcel given"
    assert ReferralEvent.objects.filter(referral_id=referral["id"]).count() == 5


def test_a_provider_from_the_directory_must_offer_the_service(people, api, child, food):
    clinic = Provider.objects.create(name="Clinic", sector="health")
    client = api("sam")
    with unchanged():
        response = client.post("referrals/", draft(child, provider=clinic.pk))
    assert response.status_code == 400
    assert "provider" in response.json()["errors"]


def test_another_schools_child_is_not_found(people, api, child, other_child, food):
    client = api("sam")
    with unchanged():
        response = client.post("referrals/", draft(other_child))
    assert response.status_code == 404
    assert other_child.first_name not in response.content.decode()


def test_an_area_role_can_neither_make_nor_move(people, api, child, sunrise_referral):
    client = api("dumi")
    with unchanged():
        made = client.post("referrals/", draft(child))
        moved = client.post(
            f"referrals/{sunrise_referral.pk}/move/", {"from_status": "draft", "to": "cancelled"}
        )
    assert made.status_code == moved.status_code == 404


def test_another_schools_person_cannot_move_the_referral(people, api, sunrise_referral):
    client = api("hilda")
    with unchanged():
        response = client.post(
            f"referrals/{sunrise_referral.pk}/move/",
            {"from_status": "draft", "to": "cancelled", "reason": "not needed"},
        )
    assert response.status_code == 404
    assert "Hungry" not in response.content.decode()


def test_the_same_draft_sent_twice_is_made_once(people, api, child, food):
    client = api("sam")
    assert client.post("referrals/", draft(child)).status_code == 201
    with unchanged():
        again = client.post("referrals/", draft(child))
    assert again.status_code == 400
    assert "already made" in again.json()["errors"]["referral"]
    assert Referral.objects.filter(child=child).count() == 1


def test_a_step_from_a_status_already_left_is_refused(people, api, sunrise_referral):
    client = api("sam")
    first = client.post(
        f"referrals/{sunrise_referral.pk}/move/", {"from_status": "draft", "to": "sent"}
    )
    assert first.status_code == 200
    with unchanged():
        stale = client.post(
            f"referrals/{sunrise_referral.pk}/move/",
            {"from_status": "draft", "to": "cancelled", "reason": "duplicate"},
        )
        replay = client.post(
            f"referrals/{sunrise_referral.pk}/move/", {"from_status": "draft", "to": "sent"}
        )
    assert stale.status_code == replay.status_code == 409
    assert Referral.objects.get(pk=sunrise_referral.pk).status == "sent"


def test_a_step_the_rules_do_not_allow_is_refused(people, api, sunrise_referral):
    client = api("sam")
    with unchanged():
        skip = client.post(
            f"referrals/{sunrise_referral.pk}/move/", {"from_status": "draft", "to": "delivered"}
        )
        no_reason = client.post(
            f"referrals/{sunrise_referral.pk}/move/", {"from_status": "draft", "to": "cancelled"}
        )
    assert skip.status_code == no_reason.status_code == 400
    assert "cannot become" in skip.json()["errors"]["to"]
    assert "Say why" in no_reason.json()["errors"]["to"]


@pytest.mark.parametrize(
    "changes",
    [
        {"child": "1; DROP TABLE registry_child"},
        {"child": 2**70},
        {"urgency": "whenever"},
        {"service_type": "no-such-help"},
        {"reason": ""},
        {"provider": -4},
    ],
)
def test_wrong_values_are_refused_with_the_field_named(people, api, child, food, changes):
    client = api("sam")
    with unchanged():
        response = client.post("referrals/", draft(child, **changes))
    assert response.status_code == 400
    assert set(changes) <= set(response.json()["errors"]), response.json()


def test_malformed_and_huge_bodies_are_refused(people, api, child, food, sunrise_referral):
    client = api("sam")
    with unchanged():
        broken = client.post("referrals/", "{oops", raw=True)
        listed = client.post(f"referrals/{sunrise_referral.pk}/move/", "[1, 2]", raw=True)
        huge = client.post("referrals/", draft(child, reason=ONE_MEGABYTE))
    assert (broken.status_code, listed.status_code, huge.status_code) == (400, 400, 413)


def test_a_refused_referral_is_audited_once_with_the_id_asked(people, api, sunrise_referral):
    from cwtt.access.models import AuditEntry

    client = api("hilda")
    client.post(f"referrals/{sunrise_referral.pk}/move/", {"from_status": "draft", "to": "sent"})
    refusals = AuditEntry.objects.filter(action="refused", actor=people["hilda"])
    assert list(refusals.values_list("object_type", "object_id")) == [
        ("referral", str(sunrise_referral.pk))
    ]
