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


def test_children_without_consent_are_marked_as_not_ready_to_submit(client, people, sunrise, wave):
    children = enrol_learners(sunrise, 40, without_consent_every=10)
    sign_in(client, people["fiona"])
    pack = client.get(reverse("offline_pack")).json()
    blocked = {c["id"] for c in children_in(pack) if c["cannot_submit"]}
    # Every tenth family (the first, the eleventh, ...) has recorded no consent.
    assert blocked == {children[n].pk for n in range(0, 40, 10)}
    first = next(c for c in children_in(pack) if c["id"] == children[0].pk)
    assert "consent for assessment is not on record" in first["cannot_submit"]["caregiver"]
    other = next(c for c in children_in(pack) if c["id"] == children[1].pk)
    assert other["cannot_submit"] == {}
    assert [link["label"] for link in other["caregivers"]] == [
        f"Grace {children[1].last_name} (Mother)",
        f"Themba {children[1].last_name} (Father)",
        f"Gogo {children[1].last_name} (Grandparent)",
    ]


def test_a_child_who_has_not_assented_cannot_be_sent_their_own_questionnaire(people, sunrise):
    from cwtt.assessments.actions import consent_missing_for, consent_missing_for_many
    from cwtt.consent.models import ConsentDecision

    children = enrol_learners(sunrise, 3, without_consent_every=3)
    ConsentDecision.objects.filter(child=children[1], purpose="assent").delete()
    many = consent_missing_for_many([c.pk for c in children], ("caregiver", "child"))
    # The pack's answer for the class is the same as the capture page's for each child.
    for found in children:
        assert many[found.pk] == {
            r: message for r in ("caregiver", "child") if (message := consent_missing_for(found, r))
        }
    assert set(many[children[0].pk]) == {"caregiver", "child"}  # no consent at all
    assert set(many[children[1].pk]) == {"child"}  # consent, but no assent
    assert many[children[2].pk] == {}


def queries_to_build(client, user):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("offline_pack"))
    assert response.status_code == 200
    # The audit entries (one per child) are written in as few INSERTs as the database's limit
    # on parameters allows: on SQLite, 999 parameters make about 60 entries per INSERT.
    reads = [
        q["sql"] for q in captured if not q["sql"].startswith('INSERT INTO "access_auditentry"')
    ]
    return reads, len(children_in(response.json()))


@pytest.mark.parametrize("username", ["fiona", "cora"])
def test_the_pack_costs_the_same_queries_for_40_learners_as_for_400(
    client, people, sunrise, wave, username
):
    sign_in(client, people[username])
    client.get(reverse("offline_pack"))  # the compiled questionnaire is kept between requests
    enrol_learners(sunrise, 40)
    small, counted = queries_to_build(client, people[username])
    assert counted == 40
    enrol_learners(sunrise, 360, grade="2")
    large, counted = queries_to_build(client, people[username])
    assert counted == 400
    assert len(small) == len(large), "\n".join(q[:150] for q in small + ["-----"] + large)
