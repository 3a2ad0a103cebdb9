"""Accounts from the administration pages, through the same actions as `cwtt user`: the list,
adding a person (every problem at once, nothing half-made), the one-time set-password link,
disabling, unlocking and resetting the authenticator app. Every change is in the audit trail
with the data manager as its actor."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.http import HttpRequest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.access.models import AuditEntry
from cwtt.registry.models import Organisation, Staff

pytestmark = pytest.mark.django_db
User = get_user_model()


def lock_out(client, username):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": username, "password": "wrong-password"})


def add(manager, **changes):
    data = {
        "first_name": "Thabo",
        "last_name": "Mokoena",
        "username": "thabo",
        "role": "teacher",
        "schools": "700111111",
        "location": "",
        "organisation": "",
        "supervisor": "",
        "phone": "",
    }
    return manager.post(reverse("administration_user_new"), data | changes)


def link_in(response) -> str:
    found = re.search(r"https?://[^<\s\"]+/welcome/[^<\s\"]+/", response.content.decode())
    assert found, "no set-password link on the page"
    return found.group(0)


def row_of(page: str, name: str) -> str:
    return next(row for row in page.split("<tr>") if f">{name}<" in row)


def test_the_list_shows_role_schools_and_state(manager, people, sunrise, client):
    lock_out(client.__class__(), "tumi")
    people["fiona"].is_active = False
    people["fiona"].save()
    page = manager.get(reverse("administration_users")).content.decode()
    tumi = row_of(page, "Tumi")
    assert "Teacher or SBST member" in tumi and "Sunrise Primary" in tumi
    assert "Locked out" in tumi and "Active" in tumi
    assert "Locked out" not in row_of(page, "Cora")
    assert "Authenticator app set up" in row_of(page, "Dora")  # she signed in with it
    assert "Authenticator app not set up" in row_of(page, "Sam")
    assert "Authenticator app" not in tumi  # teachers need no code
    assert "Disabled" in row_of(page, "Fiona")
    assert "Test District" in row_of(page, "Dumi")
    only_teachers = manager.get(reverse("administration_users"), {"role": "teacher"})
    assert "Tumi" in only_teachers.content.decode()
    assert "Fiona" not in only_teachers.content.decode()


def test_adding_with_bad_details_shows_every_problem_and_makes_nothing(manager, people):
    entries = AuditEntry.objects.count()
    response = add(
        manager,
        username="tumi",  # taken
        role="teacher",
        schools="700111111 123456789",  # one unknown
        supervisor="",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nothing was saved" in page
    assert "There is already a user called &#x27;tumi&#x27;." in page
    assert "No school with EMIS number 123456789." in page
    # Each problem is shown next to its field, as well as in the summary.
    assert 'id="id_username_error"' in page and 'id="id_schools_error"' in page
    assert 'aria-invalid="true"' in page
    response = add(manager, username="new person!", role="district_official", schools="")
    page = response.content.decode()
    assert "Enter a valid username" in page
    assert "This role needs a district or province." in page
    response = add(manager, username="", role="", schools="")
    page = response.content.decode()
    assert "The username is empty." in page and "Choose a role." in page
    assert not User.objects.filter(username__in=["new person!", ""]).exists()
    assert User.objects.count() == len(people)
    assert AuditEntry.objects.count() == entries


def test_a_school_role_needs_a_school(manager, people):
    page = add(manager, username="lindi", role="social_worker", schools="").content.decode()
    assert "This role needs at least one school: type its EMIS number." in page
    assert "--school" not in page
    assert not User.objects.filter(username="lindi").exists()


def test_a_new_person_gets_a_link_once_and_chooses_their_own_password(
    manager, people, sunrise, client
):
    response = add(
        manager,
        username="thabo",
        supervisor="cora",
        organisation="Sunrise Primary SGB",
        phone="060 555 0199",
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    link = link_in(response)
    thabo = User.objects.get(username="thabo")
    staff = Staff.objects.get(user=thabo)
    assert (staff.role, list(staff.schools.all()), staff.supervisor.user.username) == (
        "teacher",
        [sunrise],
        "cora",
    )
    assert Organisation.objects.filter(name="Sunrise Primary SGB").exists()
    assert not thabo.has_usable_password()
    created = AuditEntry.objects.get(object_type="user", action="create", object_id=str(thabo.pk))
    assert created.actor == people["dora"]
    assert created.detail["schools"] == ["700111111"]
    assert AuditEntry.objects.filter(
        object_type="password_link", object_id=str(thabo.pk), actor=people["dora"]
    ).exists()

    visitor = client.__class__()
    opened = visitor.get(link, follow=True)
    assert "Choose your password" in opened.content.decode()
    assert "thabo" in opened.content.decode()
    form_url = opened.redirect_chain[-1][0]
    assert "/set-password/" in form_url  # the token has left the address
    weak = visitor.post(form_url, {"new_password1": "short", "new_password2": "short"})
    assert "too short" in weak.content.decode()
    done = visitor.post(
        form_url,
        {"new_password1": "a-long-passphrase-77", "new_password2": "a-long-passphrase-77"},
    )
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert authenticate(HttpRequest(), username="thabo", password="a-long-passphrase-77")
    assert AuditEntry.objects.filter(object_type="password", actor=thabo).exists()
    # The link worked once.
    again = client.__class__().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_a_new_link_can_be_made_for_someone_who_lost_theirs(manager, people):
    tumi = people["tumi"]
    response = manager.post(reverse("administration_user_password_link", args=[tumi.pk]))
    assert "/welcome/" in link_in(response)
    assert (
        manager.get(reverse("administration_user_password_link", args=[tumi.pk])).status_code == 405
    )


def test_disable_and_enable_again(manager, people):
    tumi = people["tumi"]
    response = manager.post(reverse("administration_user_disable", args=[tumi.pk]), follow=True)
    assert "The account is disabled" in response.content.decode()
    tumi.refresh_from_db()
    assert not tumi.is_active
    changed = AuditEntry.objects.get(object_type="user", action="change", object_id=str(tumi.pk))
    assert changed.actor == people["dora"]
    assert changed.detail == {"before": {"active": True}, "after": {"active": False}}
    manager.post(reverse("administration_user_enable", args=[tumi.pk]))
    tumi.refresh_from_db()
    assert tumi.is_active


def test_a_data_manager_cannot_disable_herself(manager, people):
    dora = people["dora"]
    response = manager.post(reverse("administration_user_disable", args=[dora.pk]), follow=True)
    assert "You cannot disable your own account" in response.content.decode()
    dora.refresh_from_db()
    assert dora.is_active


def test_unlock_a_locked_out_username(manager, people, client):
    lock_out(client.__class__(), "tumi")
    page = manager.get(reverse("administration_user", args=[people["tumi"].pk])).content.decode()
    assert "Locked out" in page and "Unlock the sign-in" in page
    response = manager.post(
        reverse("administration_user_unlock", args=[people["tumi"].pk]), follow=True
    )
    assert "Unlocked" in response.content.decode()
    assert authenticate(HttpRequest(), username="tumi", password="a-long-test-password-42")
    assert AuditEntry.objects.filter(
        object_type="sign_in_lockout", action="delete", actor=people["dora"]
    ).exists()


def test_reset_a_lost_authenticator_app(manager, people):
    sam = people["sam"]
    TOTPDevice.objects.create(user=sam, name="phone", confirmed=True)
    page = manager.get(reverse("administration_user", args=[sam.pk])).content.decode()
    assert "Reset the authenticator app" in page
    response = manager.post(reverse("administration_user_reset_code", args=[sam.pk]), follow=True)
    assert "Their authenticator app is removed" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=sam).exists()
    assert AuditEntry.objects.filter(
        object_type="second_factor", action="delete", actor=people["dora"]
    ).exists()


def test_an_unknown_account_is_not_found(manager, people):
    assert manager.get(reverse("administration_user", args=[99999])).status_code == 404
    assert manager.post(reverse("administration_user_disable", args=[99999])).status_code == 404
