"""Pages cost a bounded number of queries, whatever the caseload: every list, dashboard,
worklist and agenda page makes exactly as many queries for a school of 48 learners a year
(three waves) as for one of 16 (two waves), with every proposed case under way, referrals in
every state, services, meetings and notes (tests/sizing.py).

Both schools are built once for the module, each inside a transaction that is rolled back, and
every page is opened as the demo account that uses it."""

from __future__ import annotations

import pytest
import time_machine
from django.db import transaction
from django.test.utils import override_settings

from cwtt.instruments.actions import (
    instrument_publish,
    rule_sensitivities_for,
    scorer_for,
    validator_for,
)
from cwtt.instruments.models import Instrument

from ..conftest import NOW  # noqa: TID252 - shared test helpers
from ..sizing import PAGES, build_school, measure_page  # noqa: TID252

# The module's fixture builds its own data, outside each test's transaction; the mark makes
# pytest-django create the test database before it.
pytestmark = pytest.mark.django_db

SMALL, LARGE = 16, 48


def _measure_all(learners: int) -> dict:
    world = build_school(learners)
    clients: dict = {}
    pages = {name: measure_page(world, name, clients) for name in PAGES}
    return {"world": world, "pages": pages}


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
                results[learners] = _measure_all(learners)
                transaction.set_rollback(True)
            checkpoints.unlink(missing_ok=True)
    return results


def test_the_larger_school_really_has_more_casework(measured):
    small, large = measured[SMALL]["world"], measured[LARGE]["world"]
    assert large.cases >= 2 * small.cases, (small.summary, large.summary)
    assert large.referrals >= 2 * small.referrals, (small.summary, large.summary)
    # The child whose pages are measured has more of every kind of row, and no kind less.
    grown = {kind for kind, rows in small.child_rows.items() if large.child_rows[kind] > rows}
    assert {"assessments.assessment", "referrals.referral", "meetings.agendaitem"} <= grown
    assert all(large.child_rows[kind] >= rows for kind, rows in small.child_rows.items())


@pytest.mark.parametrize("page", list(PAGES))
def test_the_page_costs_the_same_number_of_queries_at_any_size(measured, page):
    small, large = measured[SMALL]["pages"][page], measured[LARGE]["pages"][page]
    assert small.status == large.status == 200, (small.status, large.status)
    assert small.queries == large.queries, (
        f"{page}: {small.queries} queries at {SMALL} learners, {large.queries} at {LARGE}"
    )
