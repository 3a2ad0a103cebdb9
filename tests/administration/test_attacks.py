"""Attacks on every administration write (issue #10): people add, disable, enable, unlock,
reset code and set-password link; waves opened and changed — by people who are not data
managers, on accounts that do not exist, replayed, and with malformed or oversized bodies;
and a set-password link used a second time. Each asserts the refusal and that the database
did not change (tests/attacks.py).

Only Dora (data manager) may use these pages; Cora, Sam, Dumi and Nobody are refused (403).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cwtt.assessments.models import Wave

from ..attacks import NOT_A_NUMBER, ONE_MEGABYTE, audit_changes, messages_of, unchanged
from ..conftest import sign_in
from .test_users import add, link_in

pytestmark = pytest.mark.django_db
User = get_user_model()

ACCOUNT_WRITES = [
    "administration_user_disable",
    "administration_user_enable",
    "administration_user_unlock",
    "administration_user_reset_code",
    "administration_user_password_link",
]


def wave_form(**changes):
    return {
        "name": "Wave 2 (2027)",
        "starts_on": "2027-02-01",
        "ends_on": "2027-04-30",
        "schools": "",
        **changes,
    }


@pytest.mark.parametrize("who", ["cora", "sam", "dumi", "nobody"])
def test_only_a_data_manager_changes_accounts_and_waves(client, people, wave, who):
    sign_in(client, people[who])
    tumi = people["tumi"]
    with unchanged():
        for name in ACCOUNT_WRITES:
            assert client.post(reverse(name, args=[tumi.pk])).status_code == 403, name
        assert client.post(reverse("administration_user_new"), {"username": "x"}).status_code == 403
        response = client.post(
            reverse("administration_wave_new"),
            wave_form(instrument_version=wave.instrument_version_id),
        )
        assert response.status_code == 403
        response = client.post(
            reverse("administration_wave", args=[wave.pk]), wave_form(name="Mine")
        )
        assert response.status_code == 403


@pytest.mark.parametrize("name", ACCOUNT_WRITES)
def test_an_account_that_does_not_exist_is_not_found(manager, people, name):
    with unchanged():
        assert manager.post(reverse(name, args=[999_999])).status_code == 404
        assert manager.post(f"/administration/users/{NOT_A_NUMBER}/disable/").status_code == 404


def test_a_data_manager_cannot_disable_their_own_account(manager, people):
    with unchanged():
        response = manager.post(
            reverse("administration_user_disable", args=[people["dora"].pk]), follow=True
        )
    assert any("You cannot disable your own account" in m for m in messages_of(response))


@pytest.mark.parametrize(
    "first,again,words",
    [
        ("administration_user_disable", "administration_user_disable", "already disabled"),
        ("administration_user_enable", "administration_user_enable", "already active"),
        ("administration_user_reset_code", "administration_user_reset_code", "nothing to do"),
        ("administration_user_unlock", "administration_user_unlock", "nothing to do"),
    ],
)
def test_a_replayed_account_change_changes_nothing_the_second_time(
    manager, people, first, again, words
):
    tumi = people["tumi"]
    sign_in(manager, people["sam"])  # Sam has an authenticator app to reset
    sign_in(manager, people["dora"])
    if first == "administration_user_enable":
        manager.post(reverse("administration_user_disable", args=[tumi.pk]))
    target = people["sam"] if "reset_code" in first else tumi
    manager.post(reverse(first, args=[target.pk]))
    with unchanged():
        response = manager.post(reverse(again, args=[target.pk]), follow=True)
    assert any(words in m for m in messages_of(response)), messages_of(response)


def test_a_replayed_new_account_makes_one_account(manager, people, sunrise):
    add(manager)
    assert User.objects.filter(username="thabo").count() == 1
    with unchanged():
        response = add(manager)
    assert response.status_code == 200
    assert "thabo" in response.content.decode() and "already" in response.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"username": ONE_MEGABYTE},
        {"first_name": ONE_MEGABYTE},
        {"organisation": ONE_MEGABYTE},
        {"phone": ONE_MEGABYTE},
        {"role": ONE_MEGABYTE},
        {"role": ""},
        {"schools": NOT_A_NUMBER},
        {"schools": ONE_MEGABYTE},
        {"location": NOT_A_NUMBER},
        {"supervisor": NOT_A_NUMBER},
        {"username": ""},
    ],
    ids=lambda c: f"{next(iter(c))}={next(iter(c.values()))[:12]}",
)
def test_a_malformed_or_oversized_new_account_is_refused_plainly(manager, sunrise, changes):
    with unchanged():
        response = add(manager, **changes)
    assert response.status_code == 200
    assert "errorlist" in response.content.decode() or "error" in response.content.decode()


def test_a_set_password_link_works_once(client, manager, people):
    response = manager.post(reverse("administration_user_password_link", args=[people["tumi"].pk]))
    link = link_in(response)
    manager.logout()
    form = client.get(link, follow=True)
    assert form.redirect_chain, "the token moves out of the address into the session"
    set_url = form.redirect_chain[-1][0]
    new = {"new_password1": "another-long-password-77", "new_password2": "another-long-password-77"}
    client.post(set_url, new)
    assert User.objects.get(pk=people["tumi"].pk).check_password("another-long-password-77")
    assert audit_changes(object_type="password", actor=people["tumi"]) == 1
    replay = {
        "new_password1": "a-third-long-password-99",
        "new_password2": "a-third-long-password-99",
    }
    with unchanged():
        again = client.get(link, follow=True)
        client.post(set_url, replay)
        client.post(link, replay)
    assert "This link no longer works" in again.content.decode()


def test_a_replayed_wave_makes_one_wave(manager, wave):
    data = wave_form(instrument_version=wave.instrument_version_id)
    manager.post(reverse("administration_wave_new"), data)
    assert Wave.objects.filter(name="Wave 2 (2027)").count() == 1
    with unchanged():
        response = manager.post(reverse("administration_wave_new"), data)
    assert "There is already a wave called" in response.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ONE_MEGABYTE},
        {"name": ""},
        {"starts_on": ONE_MEGABYTE},
        {"ends_on": "2027-01-01"},
        {"schools": ONE_MEGABYTE},
        {"instrument_version": NOT_A_NUMBER},
        {"instrument_version": 999_999},
    ],
    ids=lambda c: f"{next(iter(c))}={str(next(iter(c.values())))[:12]}",
)
def test_a_malformed_or_oversized_wave_is_refused_plainly(manager, wave, changes):
    data = wave_form(instrument_version=wave.instrument_version_id) | changes
    with unchanged():
        responses = [manager.post(reverse("administration_wave_new"), data)]
        if "instrument_version" not in changes:  # chosen when a wave opens, never changed
            responses.append(manager.post(reverse("administration_wave", args=[wave.pk]), data))
    for response in responses:
        assert response.status_code == 200
        assert "Nothing was saved" in response.content.decode()


def test_a_wave_that_does_not_exist_is_not_found(manager, wave):
    with unchanged():
        response = manager.post(reverse("administration_wave", args=[999_999]), wave_form())
    assert response.status_code == 404
