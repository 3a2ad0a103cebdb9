"""Pages cost a bounded number of queries, whatever the caseload: every list, dashboard,
worklist and agenda page makes exactly as many queries for a school of 48 learners a year
(three waves) as for one of 16 (two waves), with every proposed case under way, referrals in
every state, services, meetings and notes (tests/sizing.py).

Both schools are built once for the module, each inside a transaction that is rolled back, and
every page is opened as the demo account that uses it."""

from __future__ import annotations

from io import StringIO
from unittest.mock import patch

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from cwtt.assessments import research_export as research_module
from cwtt.assessments.research_export import research_export
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


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


def _measure_exports(folder) -> dict:
    """Queries for the two export commands, the research export also in batches of 10 rows."""
    research = folder / "research.csv"
    rows = research_export(output=research)  # once, so compiled instruments are cached

    def risk():
        call_command("export", "risk-profiles", output=str(folder / "r.csv"), stdout=StringIO())

    with patch.object(research_module, "BATCH", 10):
        small_batches = _queries(lambda: research_export(output=research))
    return {
        "rows": rows,
        "research": _queries(lambda: research_export(output=research)),
        "research_in_tens": small_batches,
        "risk_profiles": _queries(risk),
    }


def _measure_all(learners: int, folder) -> dict:
    world = build_school(learners)
    clients: dict = {}
    pages = {name: measure_page(world, name, clients) for name in PAGES}
    return {"world": world, "pages": pages, "exports": _measure_exports(folder)}


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
                folder = tmp_path_factory.mktemp(f"exports-{learners}")
                results[learners] = _measure_all(learners, folder)
                transaction.set_rollback(True)
            checkpoints.unlink(missing_ok=True)
    return results


def test_the_larger_school_really_has_more_casework(measured):
    small, large = measured[SMALL]["world"], measured[LARGE]["world"]
    assert large.cases >= 2 * small.cases, (small.summary, large.summary)
    assert large.referrals >= 2 * small.referrals, (small.summary, large.summary)
    assert large.corrections > small.corrections >= 2  # listed on the data quality pages
    # The child whose pages are measured has more of every kind of row, and no kind less.
    grown = {kind for kind, rows in small.child_rows.items() if large.child_rows[kind] > rows}
    assert {"assessments.assessment", "referrals.referral", "notes.childnote"} <= grown
    assert all(large.child_rows[kind] >= rows for kind, rows in small.child_rows.items())


@pytest.mark.parametrize("page", list(PAGES))
def test_the_page_costs_the_same_number_of_queries_at_any_size(measured, page):
    small, large = measured[SMALL]["pages"][page], measured[LARGE]["pages"][page]
    assert small.status == large.status == 200, (small.status, large.status)
    assert small.queries == large.queries, (
        f"{page}: {small.queries} queries at {SMALL} learners, {large.queries} at {LARGE}"
    )


def test_the_risk_profile_export_costs_the_same_queries_at_any_size(measured):
    small, large = measured[SMALL]["exports"], measured[LARGE]["exports"]
    assert small["risk_profiles"] == large["risk_profiles"], (small, large)


def test_the_research_export_reads_in_batches(measured):
    small, large = measured[SMALL]["exports"], measured[LARGE]["exports"]
    assert large["rows"] > small["rows"] > 10, (small, large)
    # Both fit in one batch of 500: the same queries.
    assert small["research"] == large["research"], (small, large)
    # In batches of 10, two queries a batch (the profiles, then their answers).
    batches = {size: -(-measured[size]["exports"]["rows"] // 10) for size in (SMALL, LARGE)}
    assert large["research_in_tens"] - small["research_in_tens"] == 2 * (
        batches[LARGE] - batches[SMALL]
    ), (small, large)
