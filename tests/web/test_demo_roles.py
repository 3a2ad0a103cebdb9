"""The issue's "done means", tried as a new user would: sign in to the demo as each role
through the real sign-in form (with the code for roles that need one), open the same child,
see what the job needs and nothing more, and find every one of those views in the child's
audit report."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.access.sensitivity import READS
from cwtt.access.two_factor import code_now
from cwtt.consent.actions import has_consent
from cwtt.registry.models import Child
from cwtt.synthetic.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts
from cwtt.synthetic.generate import generate_district

pytestmark = pytest.mark.django_db

SCHOOL_ROLES_SEEING_THE_CHILD = {"fieldworker", "teacher", "socialworker", "nurse", "coordinator"}


def code_for(username: str) -> str:
    return code_now(TOTPDevice.objects.get(user__username=username, name="demo"))


def sign_in_as(client, username: str):
    response = client.post(
        reverse("login"), {"username": username, "password": DEMO_PASSWORD}, follow=True
    )
    if "6-digit code" in response.content.decode():
        response = client.post(
            reverse("sign_in_code"), {"code": code_for(username), "next": "/"}, follow=True
        )
    assert response.status_code == 200
    assert "Sign out" in response.content.decode(), username
    return response


@pytest.fixture
def demo(default_version):
    generate_district(schools=2, learners_per_school=12, waves=1, seed=7)
    ensure_demo_accounts()
    for found in Child.objects.filter(risk_profiles__isnull=False).order_by("pk"):
        if all(
            has_consent(found, p)
            for p in ("assessment", "share_health", "share_social_development")
        ):
            school_staff = found.school.staff.filter(user__username="teacher").exists()
            if school_staff:
                return found
    pytest.fail("the demo district has no fully consented, assessed child at the demo school")


@pytest.mark.parametrize("account", DEMO_ACCOUNTS, ids=lambda a: a.username)
def test_each_demo_role_sees_what_the_job_needs(client, demo, account):
    home = sign_in_as(client, account.username).content.decode()
    page = client.get(reverse("child", args=[demo.pk]))
    if account.username in SCHOOL_ROLES_SEEING_THE_CHILD or account.username == "datamanager":
        assert page.status_code == 200
        text = page.content.decode()
        assert demo.full_name in text
        shows_id = demo.sa_id_number and demo.sa_id_number in text
        assert bool(shows_id) == ("identity" in READS[account.role] and bool(demo.sa_id_number))
    else:
        assert page.status_code == 404
        assert demo.last_name not in home


def test_the_audit_report_lists_every_view(client, demo):
    viewers = []
    for account in DEMO_ACCOUNTS:
        client.post(reverse("logout"))
        sign_in_as(client, account.username)
        if client.get(reverse("child", args=[demo.pk])).status_code == 200:
            viewers.append(account.username)
    assert set(viewers) == SCHOOL_ROLES_SEEING_THE_CHILD | {"datamanager"}
    out = io.StringIO()
    call_command("audit", "report", "--child", str(demo.pk), stdout=out)
    report = out.getvalue()
    for username in viewers:
        assert username in report, username
