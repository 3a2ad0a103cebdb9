import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.http import HttpRequest

from cwtt.assessments.models import RiskProfile
from cwtt.synthetic.accounts import DEMO_ACCOUNTS, DEMO_PASSWORD


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
    # Running it again reuses the district rather than generating a second one.
    count = RiskProfile.objects.count()
    call_command("demo", no_serve=True, stdout=io.StringIO())
    assert RiskProfile.objects.count() == count
