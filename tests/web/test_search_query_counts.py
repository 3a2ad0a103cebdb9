"""A search costs the same number of queries whatever the number of children: the demo
accounts search a synthetic district of 16 and of 48 learners a school (tests/sizing.py's
`sign_in`), by a common surname, a name with a class, a class alone and an ID number. The page is
a POST, so it is measured here rather than in tests/sizing.py's list of GET pages."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cwtt.registry.models import Child
from cwtt.synthetic.accounts import ensure_demo_accounts
from cwtt.synthetic.casework import demo_school
from cwtt.synthetic.generate import generate_district

from ..sizing import sign_in  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db

SMALL, LARGE = 16, 48
WHO = ("teacher", "coordinator", "datamanager")


def _queries_of_searches(learners: int) -> dict:
    from django.contrib.auth import get_user_model

    generate_district(schools=2, learners_per_school=learners, waves=1, seed=5)
    ensure_demo_accounts()
    school = demo_school()
    # The most common surname at the school, so the larger school has more children to rank.
    one = Child.objects.filter(school=school).order_by("pk").first()
    common = (
        Child.objects.filter(school=school)
        .values_list("last_name", flat=True)
        .order_by("last_name")
        .first()
    )
    one.sa_id_number = "1803145123083"
    one.save(update_fields=["sa_id_number"])
    queries = {
        "surname": common,
        "name and class": f"{one.first_name} {one.school_class.name}",
        "class": one.school_class.name,
        "id number": one.sa_id_number,
    }
    users = {u.username: u for u in get_user_model().objects.filter(username__in=WHO)}
    counts, shown = {}, {}
    for username in WHO:
        client = sign_in(Client(), users[username])
        for label, query in queries.items():
            client.post(reverse("search"), {"q": query})  # caches filled once per process
            with CaptureQueriesContext(connection) as captured:
                response = client.post(reverse("search"), {"q": query})
            assert response.status_code == 200
            counts[(username, label)] = len(captured)
            shown[(username, label)] = response.content.decode().count('href="/children/')
    return {"counts": counts, "shown": shown}


@pytest.fixture
def measured(default_version):
    results = {}
    for learners in (SMALL, LARGE):
        with transaction.atomic():
            results[learners] = _queries_of_searches(learners)
            transaction.set_rollback(True)
    return results


def test_a_search_costs_the_same_queries_at_any_size(measured):
    small, large = measured[SMALL], measured[LARGE]
    assert small["counts"] == large["counts"]
    # The searches really found children, and more of them in the larger district.
    assert all(small["shown"][key] > 0 for key in small["shown"] if key[1] != "id number"), small
    assert large["shown"][("coordinator", "class")] > small["shown"][("coordinator", "class")]
    assert small["shown"][("coordinator", "id number")] == 1
    assert small["shown"][("teacher", "id number")] == 0  # a teacher may not search by number
