"""Getting back in after a forgotten password (cwtt/access/password_reset.py; decision 0055):
a link by e-mail that the person asks for themselves, or a one-time password from a
coordinator (staff at her schools) or a data manager. Attacked as an outsider and an insider
would: every refusal leaves the database as it was.

Who may do what (tests/conftest.py): Cora (coordinator, Sunrise) resets Tumi, Sam, Fiona and
Nandi of Sunrise; not Dora (data manager), not Hilltop's staff, not herself. Dora resets anyone
but herself and an administrator. Tumi (teacher) resets nobody.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.access.actions import password_link_issue
from cwtt.access.models import AuditEntry, PasswordChangeDue
from cwtt.access.password_reset import (
    REQUESTS_PER_ADDRESS,
    REQUESTS_PER_CLIENT,
    one_time_password,
    password_reset_by_staff,
)
from cwtt.access.roles import Role
from cwtt.administration.views import locked_out_usernames
from cwtt.jobs.worker import run_queued
from tests.attacks import ONE_MEGABYTE, snapshot
from tests.conftest import PASSWORD, _person, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "kettle-Horizon-1997-apple"
LINK = re.compile(r"https?://[^/\s]+(/sign-in/forgotten/[^/\s]+/[^/\s]+/)")


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def tumi(people):
    user = people["tumi"]
    user.email = "tumi@example.org"
    user.save()
    return user


def ask(client, email, capture):
    """Ask for a link as the page does; the worker then sends what was queued."""
    with capture(execute=True):
        response = client.post(reverse("password_reset"), {"email": email})
    run_queued()
    return response


def link_in(message) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def password_of(user) -> str:
    return get_user_model().objects.get(pk=user.pk).password


def unchanged_state():
    return (
        snapshot(),
        PasswordChangeDue.objects.count(),
        sorted(get_user_model().objects.values_list("pk", "password", "is_active")),
    )


# --- by e-mail ---------------------------------------------------------------------------------


def test_a_known_address_gets_a_link_that_carries_the_token_not_the_address(
    client, tumi, django_capture_on_commit_callbacks
):
    response = ask(client, "Tumi@Example.org", django_capture_on_commit_callbacks)
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["tumi@example.org"]
    link = link_in(mail.outbox[0])
    assert "tumi" not in link and "example.org" not in link
    entry = AuditEntry.objects.get(object_type="password_reset_request")
    assert entry.object_id == str(tumi.pk) and entry.detail["known"] is True
    assert entry.actor is None  # whoever typed the address is not known to be Tumi
    # The audit trail counts requests by a keyed digest, never the address itself.
    assert "example.org" not in str(entry.detail)


def test_an_unknown_address_gets_the_same_reply_and_no_mail(
    client, tumi, django_capture_on_commit_callbacks
):
    known = ask(client, "tumi@example.org", django_capture_on_commit_callbacks)
    unknown = ask(client, "nobody@example.org", django_capture_on_commit_callbacks)
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    done = client.get(reverse("password_reset_done")).content.decode()
    assert "If an account has that address" in done
    assert len(mail.outbox) == 1  # Tumi's only
    assert AuditEntry.objects.filter(
        object_type="password_reset_request", detail__known=False
    ).exists()


def test_requests_are_throttled_per_address(client, tumi, django_capture_on_commit_callbacks):
    for _ in range(REQUESTS_PER_ADDRESS + 2):
        response = ask(client, "tumi@example.org", django_capture_on_commit_callbacks)
        assert response["Location"] == reverse("password_reset_done")  # the same reply
    assert len(mail.outbox) == REQUESTS_PER_ADDRESS
    assert (
        AuditEntry.objects.filter(
            object_type="password_reset_request", detail__throttled=True
        ).count()
        == 2
    )


def test_the_link_sets_a_new_password_lifts_the_lockout_and_keeps_the_second_factor(
    client, people, django_capture_on_commit_callbacks
):
    sam = people["sam"]  # a social worker: signs in with a code too
    sam.email = "sam@example.org"
    sam.save()
    device = TOTPDevice.objects.create(user=sam, name="phone", confirmed=True)
    AccessAttempt.objects.create(
        username="sam",
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=9,
        attempt_time=timezone.now(),
    )
    assert locked_out_usernames(["sam"]) == {"sam"}
    ask(client, "sam@example.org", django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    form = client.get(link, follow=True)
    assert "Your username is <strong>sam</strong>" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.status_code == 302 and done["Location"] == reverse("login")
    sam.refresh_from_db()
    assert sam.check_password(NEW_PASSWORD)
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()
    assert locked_out_usernames(["sam"]) == set()
    change = AuditEntry.objects.get(object_type="password", actor=sam)
    assert change.detail == {"via": "e-mailed reset link", "lockout_lifted": True}


def test_asking_for_a_link_does_not_lift_a_lockout(
    client, tumi, django_capture_on_commit_callbacks
):
    AccessAttempt.objects.create(
        username="tumi",
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=9,
        attempt_time=timezone.now(),
    )
    ask(client, "tumi@example.org", django_capture_on_commit_callbacks)
    assert locked_out_usernames(["tumi"]) == {"tumi"}


def _use(client, link, password=NEW_PASSWORD):
    form = client.get(link, follow=True)
    return form, client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {"new_password1": password, "new_password2": password},
    )


def test_a_replayed_link_is_refused_and_changes_nothing(
    client, tumi, django_capture_on_commit_callbacks
):
    ask(client, "tumi@example.org", django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    _use(client, link)
    before = unchanged_state()
    form, _ = _use(client, link, "another-Password-2026-x")
    assert "This link no longer works" in form.content.decode()
    assert unchanged_state() == before


def test_an_expired_link_is_refused_and_changes_nothing(
    client, tumi, clock, settings, django_capture_on_commit_callbacks
):
    ask(client, "tumi@example.org", django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    clock.shift(dt.timedelta(minutes=settings.CWTT_PASSWORD_RESET_MINUTES + 1))
    before = unchanged_state()
    form, _ = _use(client, link)
    assert "This link no longer works" in form.content.decode()
    assert unchanged_state() == before


def test_an_altered_link_or_a_welcome_links_token_opens_nothing(client, tumi, people):
    welcome = password_link_issue(user=tumi, by=people["dora"])
    before = unchanged_state()
    for link in (
        reverse("password_reset_confirm", args=[welcome.uidb64, welcome.token]),
        reverse("password_reset_confirm", args=[welcome.uidb64, "cafe-0123456789abcdef"]),
    ):
        form, _ = _use(client, link)
        assert "This link no longer works" in form.content.decode()
    assert unchanged_state() == before


def test_a_disabled_account_gets_no_link_and_an_earlier_link_stops_working(
    client, tumi, django_capture_on_commit_callbacks
):
    ask(client, "tumi@example.org", django_capture_on_commit_callbacks)
    link = link_in(mail.outbox[0])
    tumi.is_active = False
    tumi.save()
    ask(client, "tumi@example.org", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1  # nothing new for the disabled account
    before = unchanged_state()
    form, _ = _use(client, link)
    assert "This link no longer works" in form.content.decode()
    assert unchanged_state() == before


def test_a_forged_host_gets_no_link(client, tumi, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("password_reset"), {"email": "tumi@example.org"}, HTTP_HOST="evil.example"
        )
    run_queued()
    assert response.status_code == 400 and mail.outbox == []


def test_a_huge_or_malformed_address_is_refused_and_changes_nothing(
    client, tumi, django_capture_on_commit_callbacks
):
    before = unchanged_state()
    for email in (ONE_MEGABYTE + "@example.org", "not an address", ""):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("password_reset"), {"email": email})
        assert response.status_code in (200, 400)
        if response.status_code == 200:
            assert "Nothing was saved" in response.content.decode()
    run_queued()
    assert mail.outbox == []
    assert unchanged_state() == before


# --- by a coordinator or a data manager -------------------------------------------------------


def reset(client, by, user):
    sign_in(client, by)
    return client.post(reverse("administration_user_password_reset", args=[user.pk]))


def test_a_coordinator_gives_her_teacher_a_one_time_password_to_change_at_next_sign_in(
    client, people
):
    tumi = people["tumi"]
    response = reset(client, people["cora"], tumi)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    password = re.search(r'<code class="link-once">([a-z0-9-]+)</code>', response.content.decode())
    assert password, response.content.decode()
    tumi.refresh_from_db()
    assert tumi.check_password(password.group(1)) and not tumi.check_password(PASSWORD)
    assert PasswordChangeDue.objects.get(user=tumi).set_by == people["cora"]
    entry = AuditEntry.objects.get(object_type="password", object_id=str(tumi.pk))
    assert entry.actor == people["cora"] and entry.detail["must_change"] is True
    assert password.group(1) not in str(entry.detail)

    # Tumi signs in with it: every page sends her to choose her own first.
    client.logout()
    client.post(reverse("login"), {"username": "tumi", "password": password.group(1)})
    assert client.get(reverse("home"))["Location"] == reverse("password_change_due")
    changed = client.post(
        reverse("password_change_due"),
        {
            "old_password": password.group(1),
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 302
    assert client.get(reverse("home")).status_code == 200  # still signed in, free to go on
    assert not PasswordChangeDue.objects.filter(user=tumi).exists()
    tumi.refresh_from_db()
    assert tumi.check_password(NEW_PASSWORD)


def test_a_reset_keeps_the_second_factor_and_lifts_the_lockout(people):
    sam = people["sam"]
    device = TOTPDevice.objects.create(user=sam, name="phone", confirmed=True)
    AccessAttempt.objects.create(
        username="sam",
        ip_address="10.0.0.1",
        user_agent="x",
        failures_since_start=9,
        attempt_time=timezone.now(),
    )
    password_reset_by_staff(user=sam, by=people["cora"])
    assert TOTPDevice.objects.filter(pk=device.pk, confirmed=True).exists()
    assert locked_out_usernames(["sam"]) == set()


def test_a_data_manager_resets_anyone_but_herself_and_an_administrator(client, people):
    assert reset(client, people["dora"], people["dumi"]).status_code == 200
    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    before = unchanged_state()
    for user in (root, people["dora"]):
        assert (
            client.post(reverse("administration_user_password_reset", args=[user.pk])).status_code
            == 404
        )
    assert unchanged_state() == before


@pytest.mark.parametrize(
    "by, whom",
    [
        ("cora", "hilltop_teacher"),  # another school's staff
        ("cora", "dora"),  # a data manager
        ("cora", "dumi"),  # a district official
        ("cora", "cora"),  # herself: she uses the e-mail link
        ("tumi", "fiona"),  # a teacher resets nobody
        ("nobody", "tumi"),  # no role at all
    ],
)
def test_a_reset_outside_ones_remit_is_not_found_and_changes_nothing(
    client, people, hilltop, by, whom
):
    people["hilltop_teacher"] = _person("hana", Role.TEACHER, hilltop)
    before = unchanged_state()
    response = reset(client, people[by], people[whom])
    assert response.status_code == 404
    assert unchanged_state() == before


def test_a_reset_of_a_disabled_account_is_refused_and_changes_nothing(client, people):
    tumi = people["tumi"]
    tumi.is_active = False
    tumi.save()
    before = unchanged_state()
    response = reset(client, people["cora"], tumi)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "This account is disabled" in page
    assert unchanged_state() == before


def test_a_reset_needs_a_post_and_a_huge_body_changes_nothing(client, people, hilltop):
    hana = _person("hana", Role.TEACHER, hilltop)
    sign_in(client, people["cora"])
    before = unchanged_state()
    url = reverse("administration_user_password_reset", args=[people["tumi"].pk])
    assert client.get(url).status_code == 405
    elsewhere = reverse("administration_user_password_reset", args=[hana.pk])
    assert client.post(elsewhere, {"junk": ONE_MEGABYTE}).status_code == 404
    assert (
        client.post("/administration/users/99999999999999999999/reset-password/").status_code == 404
    )
    assert unchanged_state() == before


def test_the_coordinators_staff_page_lists_only_her_schools_staff(client, people, hilltop):
    _person("hana", Role.TEACHER, hilltop)
    sign_in(client, people["cora"])
    page = client.get(reverse("school_staff")).content.decode()
    assert "Tumi" in page and "Sam" in page
    assert "Hana" not in page and "Dora" not in page and "Cora" not in page.split("<h1>")[1]


def test_one_time_passwords_are_readable_and_differ():
    made = {one_time_password() for _ in range(50)}
    assert len(made) == 50
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", p) for p in made)
    assert not any(set("01ilo") & set(p) for p in made)


def _staff_page_queries(client, people, sunrise, start, extra):
    for n in range(start, start + extra):
        _person(f"teacher{n}", Role.TEACHER, sunrise)
    sign_in(client, people["cora"])
    url = reverse("school_staff")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_staff_page_costs_the_same_queries_for_few_or_many_staff(client, people, sunrise):
    few = _staff_page_queries(client, people, sunrise, 0, 1)
    many = _staff_page_queries(client, people, sunrise, 1, 12)
    assert few == many


def test_requests_are_throttled_per_browser(client, tumi, django_capture_on_commit_callbacks):
    for n in range(REQUESTS_PER_CLIENT):
        ask(client, f"someone{n}@example.org", django_capture_on_commit_callbacks)
    response = ask(client, "tumi@example.org", django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("password_reset_done")  # the same reply
    assert mail.outbox == []  # but this browser asked too often: no mail


def test_a_reset_by_a_colleague_ends_the_persons_other_sign_ins(client, people):
    tumi = people["tumi"]
    elsewhere = Client()
    sign_in(elsewhere, tumi)
    assert elsewhere.get(reverse("home")).status_code == 200
    reset(client, people["cora"], tumi)
    response = elsewhere.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_welcome_link_for_an_account_disabled_since_opens_nothing(client, tumi, people):
    welcome = password_link_issue(user=tumi, by=people["dora"])
    tumi.is_active = False
    tumi.save()
    before = unchanged_state()
    link = reverse("set_password", args=[welcome.uidb64, welcome.token])
    form, _ = _use(client, link)
    assert "This link no longer works" in form.content.decode()
    assert unchanged_state() == before


def test_after_a_reset_the_code_is_asked_first_then_the_new_password(client, people):
    sam = people["sam"]  # a social worker: signs in with a code from his app
    TOTPDevice.objects.create(user=sam, name="phone", confirmed=True)
    password = password_reset_by_staff(user=sam, by=people["cora"])
    client.post(reverse("login"), {"username": "sam", "password": password})
    assert client.get(reverse("home"))["Location"].startswith(reverse("sign_in_code"))
    client.logout()
    sign_in(client, sam)  # signed in with the password and the code
    assert client.get(reverse("home"))["Location"] == reverse("password_change_due")
    assert client.get(reverse("password_change_due")).status_code == 200
