"""Every list of the REST API costs the same number of queries whatever the caseload: each list
is read as the demo account that uses it, at a school of 12 learners a year and one of 36, with
every proposed case under way, referrals in every state, services, meetings and notes
(tests/sizing.py). Lists are asked in pages of 200, so the larger school's rows all come back.

Both schools are built once for the module, each inside a transaction that is rolled back."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from cwtt.access.actions import api_token_issue
from cwtt.instruments.actions import (
    instrument_publish,
    rule_sensitivities_for,
    scorer_for,
    validator_for,
)
from cwtt.instruments.models import Instrument

from ..conftest import NOW  # noqa: TID252 - shared test helpers
from ..sizing import build_school  # noqa: TID252

pytestmark = pytest.mark.django_db

SMALL, LARGE = 12, 36
# list → the demo accounts that read it
LISTS = {
    "schools": ("coordinator", "district", "datamanager"),
    "children": ("teacher", "socialworker", "datamanager"),
    "risk-profiles": ("teacher", "socialworker", "nurse"),
    "assessments": ("fieldworker", "socialworker"),
    "cases": ("coordinator", "socialworker", "teacher"),
    "referrals": ("socialworker", "teacher", "nurse"),
    "services": ("socialworker",),
    "meetings": ("coordinator",),
}
MEASURED = [(name, user) for name, users in LISTS.items() for user in users]


def _measure(learners: int) -> dict:
    build_school(learners)
    found = {}
    for name, username in MEASURED:
        client = Client(headers={"Authorization": f"Token {api_token_issue(username=username)}"})
        url = f"/api/v1/{name}/?page_size=200"
        client.get(url)  # once, so caches filled once per process do not count
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        found[name, username] = {
            "status": response.status_code,
            "queries": len(queries),
            "rows": len(response.json()["results"]),
        }
    return found


@pytest.fixture(scope="module")
def measured(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.conf import settings

    results = {}
    checkpoints = tmp_path_factory.mktemp("audit") / "checkpoints.jsonl"
    with (
        django_db_blocker.unblock(),
        time_machine.travel(NOW, tick=True),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            CWTT_AUDIT_CHECKPOINTS=checkpoints,
        ),
    ):
        for learners in (SMALL, LARGE):
            for cache in (scorer_for, validator_for, rule_sensitivities_for):
                cache.cache_clear()
            with transaction.atomic():
                if not Instrument.objects.filter(code="cwtt").exists():
                    path = settings.CWTT_DEFAULT_INSTRUMENT
                    with open(path, "rb") as source:
                        instrument_publish(data=source.read(), filename=str(path).rsplit("/")[-1])
                results[learners] = _measure(learners)
                transaction.set_rollback(True)
            checkpoints.unlink(missing_ok=True)
    return results


@pytest.mark.parametrize(("name", "username"), MEASURED, ids=[f"{n}-{u}" for n, u in MEASURED])
def test_the_list_costs_the_same_number_of_queries_at_any_size(measured, name, username):
    small, large = measured[SMALL][name, username], measured[LARGE][name, username]
    assert small["status"] == large["status"] == 200, (small, large)
    assert small["queries"] == large["queries"], (
        f"{name} as {username}: {small['queries']} queries for {small['rows']} rows at "
        f"{SMALL} learners, {large['queries']} for {large['rows']} rows at {LARGE}"
    )


def test_the_larger_school_really_gives_longer_lists(measured):
    grown = {
        name
        for name, username in MEASURED
        if measured[LARGE][name, username]["rows"] > measured[SMALL][name, username]["rows"]
    }
    assert {"children", "risk-profiles", "assessments", "cases", "referrals"} <= grown, grown
