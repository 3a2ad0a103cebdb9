"""The review queue of children who may be registered twice, as each person opens it: data
managers every pair, a coordinator the pairs at their schools, everyone else refused; each
decision by form, and every refused or malformed send leaves the database as it was.

People (tests/conftest.py): Dora (data manager) every school; Cora (coordinator) Sunrise only;
Tumi (teacher) Sunrise, no review; Nobody no access at all.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.registry.models import Child, PossibleDuplicate

from ..attacks import NOT_A_NUMBER, ONE_MEGABYTE, messages_of, unchanged  # noqa: TID252
from ..conftest import make_child  # noqa: TID252
from ..conftest import sign_in as signed_in  # noqa: TID252

pytestmark = pytest.mark.django_db

PAGE = "duplicates_review"


def pair_of(a, b) -> PossibleDuplicate:
    low, high = sorted((a, b), key=lambda c: c.pk)
    return PossibleDuplicate.objects.create(
        child_a=low,
        child_b=high,
        score=0.93,
        reasons=["first_name:same", "last_name:sounds_alike", "birth:same"],
        found_by="import",
    )


@pytest.fixture
def pairs(sunrise, hilltop):
    """One pair at Sunrise (with an ID number on one record), one at Hilltop."""
    here = make_child(sunrise, first="Lwazi", last="Mokoena")
    Child.objects.filter(pk=here.pk).update(sa_id_number="1803145800087")
    again = make_child(sunrise, first="Lwazi", last="Mokwena", consent=False)
    there = make_child(hilltop, first="Hlengiwe", last="Hillside", consent=False)
    there_again = make_child(hilltop, first="Hlengiwe", last="Hilside", consent=False)
    return {"sunrise": pair_of(here, again), "hilltop": pair_of(there, there_again)}


def decide(client, user, pair_id, **data):
    signed_in(client, user)
    return client.post(reverse("duplicate_decide", args=[pair_id]), data, follow=True)


# --- reading ------------------------------------------------------------------------------


def test_a_data_manager_sees_every_pair_side_by_side(client, people, pairs):
    response = signed_in(client, people["dora"]).get(reverse(PAGE))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Mokwena" in page and "Hilside" in page
    assert "1803145800087" in page  # data managers read identity numbers
    assert "surnames sound alike" in page and "93% likely the same child" in page
    # The children shown are audited as read.
    assert (
        AuditEntry.objects.filter(
            actor=people["dora"], object_type="possible_duplicates", action="view"
        ).count()
        == 4
    )


def test_a_coordinator_sees_only_pairs_at_their_schools(client, people, pairs):
    page = signed_in(client, people["cora"]).get(reverse(PAGE)).content.decode()
    assert "Mokwena" in page
    assert "Hilside" not in page and "Hillside" not in page


@pytest.mark.parametrize("who", ["tumi", "sam", "dumi", "nobody"])
def test_others_are_refused_the_queue(client, people, pairs, who):
    response = signed_in(client, people[who]).get(reverse(PAGE))
    assert response.status_code == 403
    assert b"Mokwena" not in response.content


def test_the_worklist_and_the_quality_page_point_at_waiting_pairs(client, people, pairs):
    signed_in(client, people["cora"])
    work = client.get(reverse("my_work")).content.decode()
    assert "1 pair of records may be one child registered twice" in work
    assert reverse(PAGE) in work
    quality = client.get(reverse("quality")).content.decode()
    assert "1 pair of records found when children were registered or imported" in quality
    teacher = signed_in(client, people["tumi"]).get(reverse("my_work")).content.decode()
    assert "registered twice" not in teacher


# --- deciding -----------------------------------------------------------------------------


def test_same_child_merge_from_the_page(client, people, pairs):
    pair = pairs["sunrise"]
    response = decide(
        client, people["cora"], pair.pk, decision="merge", keep="a", reason="Same ID at home."
    )
    assert "Merged: Lwazi Mokoena" in " ".join(messages_of(response))
    pair.refresh_from_db()
    assert pair.status == PossibleDuplicate.Status.MERGED
    assert Child.objects.get(pk=pair.child_b_id).status == Child.Status.MERGED
    assert "Mokwena" not in client.get(reverse(PAGE)).content.decode()


def test_keeping_the_second_record_merges_the_first_into_it(client, people, pairs):
    pair = pairs["sunrise"]
    decide(client, people["dora"], pair.pk, decision="merge", keep="b", reason="Newer is right.")
    assert Child.objects.get(pk=pair.child_a_id).status == Child.Status.MERGED
    assert Child.objects.get(pk=pair.child_b_id).status == Child.Status.ACTIVE


def test_not_the_same_from_the_page(client, people, pairs):
    pair = pairs["sunrise"]
    response = decide(client, people["dora"], pair.pk, decision="not_same")
    assert "two different children" in " ".join(messages_of(response))
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (
        PossibleDuplicate.Status.NOT_DUPLICATE,
        people["dora"],
    )
    assert Child.objects.filter(status=Child.Status.ACTIVE).count() == 4


# --- attacks: refused, and nothing changed --------------------------------------------------


def test_a_coordinator_cannot_decide_another_schools_pair(client, people, pairs):
    for decision in ("merge", "not_same"):
        with unchanged():
            response = decide(
                client, people["cora"], pairs["hilltop"].pk, decision=decision, keep="a", reason="x"
            )
        assert "no such pair" in " ".join(messages_of(response))


@pytest.mark.parametrize("who", ["tumi", "nobody"])
def test_a_teacher_or_a_stranger_cannot_decide(client, people, pairs, who):
    with unchanged():
        response = decide(
            client, people[who], pairs["sunrise"].pk, decision="merge", keep="a", reason="x"
        )
    assert response.status_code == 403


def test_a_replayed_decision_changes_nothing(client, people, pairs):
    pair = pairs["sunrise"]
    decide(client, people["dora"], pair.pk, decision="merge", keep="a", reason="Same child.")
    for data in (
        {"decision": "merge", "keep": "a", "reason": "Same child."},
        {"decision": "merge", "keep": "b", "reason": "Other way."},
        {"decision": "not_same"},
    ):
        with unchanged():
            response = decide(client, people["dora"], pair.pk, **data)
        assert "already decided" in " ".join(messages_of(response))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"decision": "merge", "keep": "a"}, "Say why"),
        ({"decision": "merge", "reason": "Same."}, "Choose which record"),
        ({"decision": "delete_both"}, "not one of the available choices"),
        ({"decision": "merge", "keep": "c", "reason": "x"}, "not one of the available choices"),
        ({"decision": "merge", "keep": "a", "reason": ONE_MEGABYTE}, "at most"),
        ({}, "This field is required"),
    ],
)
def test_malformed_sends_are_explained_and_change_nothing(client, people, pairs, data, words):
    with unchanged():
        response = decide(client, people["dora"], pairs["sunrise"].pk, **data)
    assert words in " ".join(messages_of(response))


def test_an_unknown_or_malformed_pair_id_changes_nothing(client, people, pairs):
    with unchanged():
        response = decide(client, people["dora"], 999999, decision="not_same")
    assert "no such pair" in " ".join(messages_of(response))
    signed_in(client, people["dora"])
    path = reverse("duplicate_decide", args=[1]).replace("1", NOT_A_NUMBER.replace(" ", "%20"))
    with unchanged():
        assert client.post(path, {"decision": "not_same"}).status_code == 404


def test_reading_the_queue_by_get_never_decides(client, people, pairs):
    signed_in(client, people["dora"])
    with unchanged():
        response = client.get(reverse("duplicate_decide", args=[pairs["sunrise"].pk]))
    assert response.status_code == 405


# --- queries ------------------------------------------------------------------------------


def _queries(client, url) -> int:
    client.get(url)  # once, so per-process caches are filled
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _more_pairs(sunrise, hilltop, count: int) -> None:
    for number in range(count):
        school = sunrise if number % 2 else hilltop
        born = dt.date(2018, 1, 1) + dt.timedelta(days=number)
        first = make_child(school, first=f"Child{number}", last="Dlamini", dob=born, consent=False)
        second = make_child(
            school, first=f"Child{number}", last="Dhlamini", dob=born, consent=False
        )
        pair_of(first, second)


def test_the_queue_costs_the_same_queries_for_few_and_many_pairs(client, people, sunrise, hilltop):
    signed_in(client, people["dora"])
    url = reverse(PAGE)
    _more_pairs(sunrise, hilltop, 3)
    few = _queries(client, url)
    _more_pairs(sunrise, hilltop, 14)  # 17 pairs: still one page
    many = _queries(client, url)
    assert few == many


def test_without_consent_to_share_with_the_readers_sector_only_general_fields_show(client, pairs):
    """A data manager employed by the health department needs the caregiver's consent to share
    with health before seeing more than names and birth dates (the second Sunrise record has
    no consent at all)."""
    from cwtt.access.roles import Role

    from ..conftest import _person  # noqa: TID252

    health = _person("hana", Role.DATA_MANAGER, sector="health")
    page = signed_in(client, health).get(reverse(PAGE)).content.decode()
    assert "Mokwena" in page  # general: still shown
    assert "not shown: no consent to share with your sector" in page
