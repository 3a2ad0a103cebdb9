import io

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from cwtt.assessments.models import RiskProfile
from cwtt.registry.models import Child
from cwtt.synthetic.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD, ensure_demo_accounts
from cwtt.synthetic.models import DemoDatabase


@pytest.mark.django_db(transaction=True)
def test_demo_sets_up_a_district_and_prints_one_working_account_per_role():
    out = io.StringIO()
    call_command("demo", no_serve=True, schools=2, learners_per_school=12, waves=1, stdout=out)
    text = out.getvalue()
    assert f"password for all: {DEMO_PASSWORD}" in text
    for account in DEMO_ACCOUNTS:
        assert account.username in text
        request = HttpRequest()  # django-axes checks sign-ins against a request
        assert authenticate(request, username=account.username, password=DEMO_PASSWORD) is not None
    assert RiskProfile.objects.exists()
    assert DemoDatabase.objects.exists()  # marked as the demo's own
    # Running it again reuses the district rather than generating a second one.
    count = RiskProfile.objects.count()
    call_command("demo", no_serve=True, stdout=io.StringIO())
    assert RiskProfile.objects.count() == count


# --- the demo never touches a real installation (decision 0034)


def _real_coordinator():
    """Someone's own account that happens to be called like a demo account."""
    user = get_user_model().objects.create_user("coordinator", password="their-own-password-77")
    TOTPDevice.objects.create(user=user, name="phone", key=TOTP_KEY, confirmed=True)
    return user


TOTP_KEY = "3132333435363738393031323334353637383930"


@pytest.mark.django_db
def test_demo_refuses_a_database_it_did_not_make_and_changes_no_account():
    user = _real_coordinator()
    password = user.password
    with pytest.raises(CommandError) as refused:
        call_command("demo", no_serve=True, stdout=io.StringIO())
    message = str(refused.value)
    assert "This database was not made by `cwtt demo`" in message
    assert "CWTT_ENV=embedded DATABASE_URL= CWTT_DATA_DIR=./demo-data cwtt demo" in message
    user.refresh_from_db()
    assert user.password == password
    assert list(TOTPDevice.objects.values_list("user__username", "name", "key")) == [
        ("coordinator", "phone", TOTP_KEY)
    ]
    assert get_user_model().objects.count() == 1
    assert not DemoDatabase.objects.exists() and not Child.objects.exists()


@pytest.mark.django_db
def test_demo_accounts_never_change_an_account_the_demo_did_not_make():
    user = _real_coordinator()
    password = user.password
    ready = ensure_demo_accounts()
    assert "coordinator" not in {account.username for account in ready}
    assert len(ready) == len(DEMO_ACCOUNTS) - 1
    user.refresh_from_db()
    assert user.password == password and not hasattr(user, "staff")
    assert list(TOTPDevice.objects.filter(user=user).values_list("name", "key")) == [
        ("phone", TOTP_KEY)
    ]
    # The accounts the demo made are its own: reset on the next start, so the password works.
    teacher = get_user_model().objects.get(username="teacher")
    teacher.set_password("changed-by-someone-1")
    teacher.save()
    ensure_demo_accounts()
    assert authenticate(HttpRequest(), username="teacher", password=DEMO_PASSWORD) is not None
    user.refresh_from_db()
    assert user.password == password


@pytest.mark.django_db
def test_demo_never_runs_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production installation .* never runs here"):
        call_command("demo", no_serve=True, stdout=io.StringIO())
    assert not get_user_model().objects.exists() and not DemoDatabase.objects.exists()
