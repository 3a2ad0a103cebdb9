"""Moving a case a step through the API (POST /api/v1/cases/ID/move/), as the buttons on the
case page: the coordinator confirms or dismisses a proposal, the lead, team and coordinator move
it on; steps that need an approval are refused. And the attacks: another school's person, a
teacher not on the team, a step from a status already left (stale or replayed), a step the
workflow does not allow, malformed and oversized bodies: refused, the database unchanged.

Who (tests/conftest.py, tests/interop/conftest.py): Cora coordinates Sunrise; Sam leads the
case; Tumi teaches at Sunrise but is not on the team; Hilda coordinates Hilltop.
"""

from __future__ import annotations

import pytest

from cwtt.cases.models import Case, CaseEvent

from ..attacks import ONE_MEGABYTE, audit_changes, unchanged

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(people, child):
    return Case.objects.create(
        child=child, school=child.school, status="proposed", lead=people["sam"].staff
    )


def move(client, case, from_status, to, **more):
    return client.post(f"cases/{case.pk}/move/", {"from_status": from_status, "to": to, **more})


def test_the_coordinator_confirms_and_the_lead_moves_it_on(people, api, proposed):
    confirmed = move(api("cora"), proposed, "proposed", "identified")
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["status"] == "identified"
    registered = move(api("sam"), proposed, "identified", "registered")
    assert registered.json()["status"] == "registered"
    assert CaseEvent.objects.filter(case=proposed).count() == 2
    assert audit_changes(object_type="case", object_id=str(proposed.pk)) >= 2


def test_only_the_coordinator_confirms_a_proposal(people, api, proposed):
    client = api("sam")
    with unchanged():
        response = move(client, proposed, "proposed", "identified")
    assert response.status_code == 403


def test_a_teacher_not_on_the_team_cannot_move_it(people, api, proposed):
    Case.objects.filter(pk=proposed.pk).update(status="identified")
    client = api("tumi")
    with unchanged():
        response = move(client, proposed, "identified", "registered")
    assert response.status_code == 403


def test_another_schools_coordinator_does_not_find_it(people, api, proposed):
    client = api("hilda")
    with unchanged():
        response = move(client, proposed, "proposed", "dismissed", comment="not ours")
    assert response.status_code == 404


def test_a_stale_or_replayed_step_is_refused(people, api, proposed):
    client = api("cora")
    assert move(client, proposed, "proposed", "identified").status_code == 200
    with unchanged():
        replay = move(client, proposed, "proposed", "identified")
        stale = move(client, proposed, "proposed", "dismissed", comment="duplicate")
    assert replay.status_code == stale.status_code == 409


def test_steps_the_workflow_does_not_allow_are_refused_with_the_reason(people, api, proposed):
    client = api("cora")
    with unchanged():
        skip = move(client, proposed, "proposed", "review")
        no_comment = move(client, proposed, "proposed", "dismissed")
    assert skip.status_code == no_comment.status_code == 400
    assert "comment" in no_comment.json()["errors"]
    Case.objects.filter(pk=proposed.pk).update(status="implementation")
    lead = api("sam")
    with unchanged():
        closing = move(lead, proposed, "implementation", "closed")
    assert closing.status_code == 400
    assert "approval" in closing.json()["errors"]["to"]


@pytest.mark.parametrize(
    "body",
    [
        {"from_status": "proposed", "to": "nowhere"},
        {"from_status": "proposed"},
        {"from_status": "proposed", "to": "dismissed", "comment": ONE_MEGABYTE[:6000]},
        ["proposed", "identified"],
    ],
    ids=["unknown-step", "no-step", "long-comment", "a-list"],
)
def test_malformed_steps_are_refused(people, api, proposed, body):
    client = api("cora")
    with unchanged():
        response = client.post(f"cases/{proposed.pk}/move/", body)
    assert response.status_code == 400


def test_a_huge_body_is_refused(people, api, proposed):
    client = api("cora")
    with unchanged():
        response = move(client, proposed, "proposed", "dismissed", comment=ONE_MEGABYTE)
    assert response.status_code == 413
