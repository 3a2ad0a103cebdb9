"""Signing in (issue #3, item 9): lockout after repeated failures, a second factor for the
roles that read protection detail, idle expiry, security headers and HTTPS settings.

Sam (social worker) reads protection and case-note detail, and Dora (data manager) runs
accounts: both need a code from an authenticator app. Tumi (teacher) and Fiona (field
worker) do not.
"""

import datetime as dt
import io
import logging

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.access import sensitivity
from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.access.two_factor import code_now, needs_second_factor, roles_needing_second_factor
from cwtt.settings import security_settings
from cwtt.synthetic.accounts import DEMO_PASSWORD, DEMO_TOTP_KEY, ensure_demo_accounts

from ..conftest import PASSWORD, sign_in  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db

LOCKED = (
    "Too many failed sign-ins for this username. Try again in 30 minutes or ask your data "
    "manager to unlock it."
)


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def password_sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def current_code(device):
    return code_now(device)


def another_code(device):
    right = int(current_code(device))
    # Not the current code, nor the ones either side that the tolerance accepts.
    near = {totp(device.bin_key, device.step, device.t0 + s * device.step) for s in (-1, 0, 1)}
    return next(
        f"{c:06d}" for c in ((right + k) % 1_000_000 for k in range(1, 10)) if c not in near
    )


def app_for(user):
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def fail_until_locked(client, username):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = password_sign_in(client, username, "wrong-password")
        assert b"did not match" in response.content, attempt
    return password_sign_in(client, username, "wrong-password")


# --- lockout after repeated failures


def test_five_wrong_passwords_lock_the_username_and_the_page_says_so(client, people):
    assert settings.AXES_FAILURE_LIMIT == 5
    locked = fail_until_locked(client, "tumi")
    assert locked.status_code == 429
    assert LOCKED in locked.content.decode()
    # Now even the right password is refused, and nobody is signed in.
    refused = password_sign_in(client, "tumi")
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))
    failed = AuditEntry.objects.filter(action="sign_in_failed", actor_name="tumi").count()
    assert failed == 6


def test_the_lockout_is_per_username_so_colleagues_at_the_same_address_still_sign_in(
    client, people
):
    fail_until_locked(client, "tumi")
    # The test client always comes from 127.0.0.1, like a school behind one address.
    response = password_sign_in(client, "fiona")
    assert response.status_code == 302
    assert client.get(reverse("home"), follow=True).status_code == 200


def test_the_lockout_ends_after_the_cool_off(client, people):
    from axes.models import AccessAttempt

    fail_until_locked(client, "tumi")
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=31))
    assert password_sign_in(client, "tumi").status_code == 302


def test_a_data_manager_unlocks_a_username_from_the_command_line(client, people):
    fail_until_locked(client, "tumi")
    assert run("user", "unlock", "tumi").startswith("Unlocked tumi")
    assert password_sign_in(client, "tumi").status_code == 302
    assert "was not locked out" in run("user", "unlock", "tumi")
    with pytest.raises(CommandError, match="There is no user called 'ghost'"):
        run("user", "unlock", "ghost")


def test_lockout_logs_name_no_username_or_address(client, people, caplog):
    with caplog.at_level(logging.INFO):
        fail_until_locked(client, "tumi")
    assert "AXES" in caplog.text  # the lockout is logged ...
    assert "tumi" not in caplog.text and "127.0.0.1" not in caplog.text  # ... without who


# --- who needs a second factor


def test_who_needs_a_second_factor_is_computed_from_the_sensitivity_matrix(monkeypatch, people):
    assert roles_needing_second_factor() == {Role.SOCIAL_WORKER, Role.DATA_MANAGER}
    assert needs_second_factor(people["sam"]) and needs_second_factor(people["dora"])
    for name in ("fiona", "tumi", "nandi", "cora", "dumi", "nobody"):
        assert not needs_second_factor(people[name]), name
    # Give teachers protection detail in the matrix, and teachers need a code too.
    reads = dict(sensitivity.READS)
    reads[Role.TEACHER] = reads[Role.TEACHER] | {"protection"}
    monkeypatch.setattr(sensitivity, "READS", reads)
    assert needs_second_factor(people["tumi"])


def test_a_super_user_needs_a_second_factor(db):
    admin = get_user_model().objects.create_superuser("root", password=PASSWORD)
    assert needs_second_factor(admin)


# --- setting up and entering the code


def test_a_social_worker_sets_up_an_app_then_reaches_the_pages(client, people, child):
    assert password_sign_in(client, "sam").status_code == 302
    page = reverse("child", args=[child.pk])
    # Before the code, no page with personal data opens: it sends Sam to set up an app.
    response = client.get(page)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign_in_set_up_code"))
    set_up = client.get(response["Location"])
    text = set_up.content.decode()
    assert "Set up your code" in text and "<svg" in text and "Lwazi" not in text
    device = TOTPDevice.objects.get(user=people["sam"])
    assert not device.confirmed
    assert set_up.context["key"].replace(" ", "") in text.replace(" ", "")
    done = client.post(reverse("sign_in_set_up_code"), {"code": current_code(device), "next": page})
    assert done.status_code == 302 and done["Location"] == page
    assert client.get(page).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    entry = AuditEntry.objects.get(action="change", object_type="second_factor")
    assert entry.actor == people["sam"]


def test_reloading_the_set_up_page_shows_the_same_key(client, people):
    password_sign_in(client, "dora")
    first = client.get(reverse("sign_in_set_up_code")).context["key"]
    assert client.get(reverse("sign_in_set_up_code")).context["key"] == first
    assert TOTPDevice.objects.filter(user=people["dora"]).count() == 1


def test_someone_with_an_app_is_asked_for_the_code_and_never_shown_a_new_key(client, people):
    device = app_for(people["sam"])
    password_sign_in(client, "sam")
    response = client.get(reverse("home"))
    assert response["Location"].startswith(reverse("sign_in_code"))
    page = client.get(response["Location"]).content.decode()
    assert "Enter the 6-digit code from your authenticator app" in page
    assert client.get(reverse("sign_in_set_up_code"))["Location"].startswith(
        reverse("sign_in_code")
    )
    assert TOTPDevice.objects.filter(user=people["sam"]).count() == 1
    assert client.post(reverse("sign_in_code"), {"code": current_code(device)}).status_code == 302
    assert client.get(reverse("home"), follow=True).status_code == 200


@override_settings(OTP_TOTP_THROTTLE_FACTOR=10)  # waits of 10, 20, 40 ... seconds
def test_a_wrong_code_is_refused_counted_and_audited(client, people):
    device = app_for(people["sam"])
    password_sign_in(client, "sam")
    response = client.post(reverse("sign_in_code"), {"code": another_code(device)})
    assert "That code did not match" in response.content.decode()
    assert client.get(reverse("home"))["Location"].startswith(reverse("sign_in_code"))
    entry = AuditEntry.objects.filter(action="sign_in_failed").last()
    assert (entry.actor, entry.detail) == (people["sam"], {"step": "code"})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # django-otp's throttling: straight after a wrong code even the right one must wait.
    waiting = client.post(reverse("sign_in_code"), {"code": current_code(device)})
    assert "Too many wrong codes. Wait 10 seconds" in waiting.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=11)
    )
    assert client.post(reverse("sign_in_code"), {"code": current_code(device)}).status_code == 302


def test_something_that_is_not_six_digits_is_not_counted(client, people):
    device = app_for(people["sam"])
    password_sign_in(client, "sam")
    response = client.post(reverse("sign_in_code"), {"code": "12ab"})
    assert "Enter the 6 digits" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_teacher_is_not_asked_for_a_code(client, people, child):
    password_sign_in(client, "tumi")
    assert client.get(reverse("child", args=[child.pk])).status_code == 200
    assert client.get(reverse("sign_in_code"))["Location"] == reverse("home")
    assert not TOTPDevice.objects.exists()


def test_signing_out_works_before_the_code(client, people):
    password_sign_in(client, "sam")
    assert client.post(reverse("logout"))["Location"] == reverse("login")
    assert client.get(reverse("home"))["Location"].startswith(reverse("login"))


def test_the_next_address_cannot_lead_off_site(client, people):
    device = app_for(people["sam"])
    password_sign_in(client, "sam")
    response = client.post(
        reverse("sign_in_code"), {"code": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("home")


def test_reset_code_makes_the_person_set_up_an_app_again(client, people):
    sign_in(client, people["sam"])
    assert client.get(reverse("home"), follow=True).status_code == 200
    assert run("user", "reset-code", "sam").startswith("Reset the code for sam")
    assert not TOTPDevice.objects.filter(user=people["sam"]).exists()
    # The session confirmed with the old app is no longer enough.
    assert client.get(reverse("home"))["Location"].startswith(reverse("sign_in_set_up_code"))
    assert AuditEntry.objects.filter(action="delete", object_type="second_factor").exists()
    assert "nothing to do" in run("user", "reset-code", "tumi")


# --- the demo accounts


def test_demo_code_prints_a_working_code_for_a_demo_account_only(client, db):
    ensure_demo_accounts()
    device = TOTPDevice.objects.get(user__username="socialworker", name="demo")
    assert device.key == DEMO_TOTP_KEY and device.confirmed
    assert not TOTPDevice.objects.filter(user__username="teacher").exists()
    code = run("demo_code", "socialworker").split()[0]
    assert code == current_code(device)
    password_sign_in(client, "socialworker", DEMO_PASSWORD)
    assert client.post(reverse("sign_in_code"), {"code": code}).status_code == 302
    assert client.get(reverse("home"), follow=True).status_code == 200
    with pytest.raises(CommandError, match="'teacher' has no demo code"):
        run("demo_code", "teacher")


def test_demo_code_refuses_accounts_that_are_not_demo_accounts(people):
    app_for(people["sam"])
    with pytest.raises(CommandError, match="'sam' is not a demo account"):
        run("demo_code", "sam")
    # A real account that shares a demo username keeps its own secret key.
    real = get_user_model().objects.create_user("socialworker", password=PASSWORD)
    TOTPDevice.objects.create(user=real, name="demo", confirmed=True)
    with pytest.raises(CommandError, match="has no demo code"):
        run("demo_code", "socialworker")


# --- sessions, headers and HTTPS


# Idle sign-outs, and why a page's own refreshes do not count: tests/access/test_idle_sign_out.py


def directives(header):
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_carry_a_content_security_policy_with_no_inline_script(client):
    policy = directives(client.get(reverse("login"))["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src-elem"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]


def test_over_https_cookies_are_secure_and_browsers_are_told_to_stay_on_https(client, people):
    tls = security_settings(tls=True)
    assert tls["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600 and tls["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    plain = security_settings(tls=False, secure_cookies=True)
    assert plain["SESSION_COOKIE_SECURE"] and plain["CSRF_COOKIE_SECURE"]
    assert not plain["SECURE_SSL_REDIRECT"] and plain["SECURE_HSTS_SECONDS"] == 0
    assert not plain["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    with override_settings(**tls):
        insecure = client.get(reverse("login"))
        assert insecure.status_code == 301 and insecure["Location"].startswith("https://")
        page = client.get(reverse("login"), headers={"X-Forwarded-Proto": "https"})
        assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        signed = client.post(
            reverse("login"),
            {"username": "tumi", "password": PASSWORD},
            headers={"X-Forwarded-Proto": "https"},
        )
        assert signed.cookies["sessionid"]["secure"]


def test_without_https_nothing_forces_it(client):
    assert settings.SECURE_HSTS_SECONDS == 0 and not settings.SECURE_SSL_REDIRECT
    assert "Strict-Transport-Security" not in client.get(reverse("login"), secure=True)
