"""Setting which classes a teacher teaches, in the browser (decision 0065): the school's
coordinator for teachers at her schools, the data manager for any teacher. Audited; attacked
with another school's class and teacher, unknown ids, a replay and malformed requests, each
refused with the database unchanged; the page's queries do not grow with the school."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.registry.models import SchoolClass
from tests.conftest import _person, sign_in

pytestmark = pytest.mark.django_db


def klass(school, name, grade="2", year=2026):
    return SchoolClass.objects.get_or_create(
        school=school, name=name, year=year, defaults={"grade": grade}
    )[0]


@pytest.fixture
def classes(sunrise, hilltop):
    return {
        "2A": klass(sunrise, "2A"),
        "2B": klass(sunrise, "2B"),
        "old": klass(sunrise, "2A", year=2025),  # last year's: not offered
        "theirs": klass(hilltop, "2A"),  # another school's
    }


def url(user):
    return reverse("teacher_classes", args=[user.pk])


def links():
    """Every teacher–class link and every audit entry of one: what a refusal must not change."""
    through = SchoolClass.teachers.through
    return (
        sorted(through.objects.values_list("staff_id", "schoolclass_id")),
        AuditEntry.objects.filter(object_type="class_teachers").count(),
    )


def test_the_coordinator_ticks_a_teachers_classes_and_her_my_class_shows_them(
    client, people, classes
):
    tumi = people["tumi"]
    sign_in(client, people["cora"])
    page = client.get(url(tumi)).content.decode()
    assert "2A" in page and "2B" in page and "Hilltop" not in page
    response = client.post(url(tumi), {"classes": [classes["2A"].pk, classes["2B"].pk]})
    assert response.status_code == 302
    assert set(tumi.staff.classes_taught.all()) == {classes["2A"], classes["2B"]}
    entry = AuditEntry.objects.get(object_type="class_teachers")
    assert entry.actor == people["cora"]
    assert entry.detail["added"] == sorted([classes["2A"].pk, classes["2B"].pk])
    # Unticking one removes it, and is audited too.
    client.post(url(tumi), {"classes": [classes["2B"].pk]})
    assert list(tumi.staff.classes_taught.all()) == [classes["2B"]]
    assert AuditEntry.objects.filter(object_type="class_teachers").count() == 2
    client.logout()
    sign_in(client, tumi)
    mine = client.get(reverse("my_class")).content.decode()
    assert "2B" in mine


def test_a_class_elsewhere_that_the_teacher_teaches_is_left_alone(client, people, classes, hilltop):
    tumi = people["tumi"]
    tumi.staff.schools.add(hilltop)
    classes["theirs"].teachers.add(tumi.staff)
    sign_in(client, people["cora"])  # Sunrise's coordinator
    client.post(url(tumi), {"classes": [classes["2A"].pk]})
    assert set(tumi.staff.classes_taught.all()) == {classes["2A"], classes["theirs"]}


def test_the_data_manager_may_set_them_from_the_persons_page(client, people, classes):
    sign_in(client, people["dora"])
    page = client.get(reverse("administration_user", args=[people["tumi"].pk]))
    assert url(people["tumi"]) in page.content.decode()
    client.post(url(people["tumi"]), {"classes": [classes["2A"].pk]})
    assert list(people["tumi"].staff.classes_taught.all()) == [classes["2A"]]


def test_the_staff_page_links_to_each_teachers_classes(client, people, classes):
    sign_in(client, people["cora"])
    page = client.get(reverse("school_staff")).content.decode()
    assert url(people["tumi"]) in page
    assert url(people["sam"]) not in page  # not a teacher


# --- attacks: each refused, the database unchanged ------------------------------------------


@pytest.mark.parametrize(
    "sent",
    [
        ["theirs"],  # another school's class
        ["2A", "theirs"],  # one good, one not: nothing at all is saved
        ["old"],  # last year's
        ["999999"],  # unknown
        ["-1"],
        ["2A; DROP TABLE"],
        ["1e3"],
        ["x" * 5000],  # huge
        [str(n) for n in range(300)],  # too many
    ],
)
def test_a_class_that_cannot_be_chosen_changes_nothing(client, people, classes, sent):
    tumi = people["tumi"]
    classes["2B"].teachers.add(tumi.staff)
    before = links()
    sign_in(client, people["cora"])
    values = [str(classes[s].pk) if s in classes else s for s in sent]
    response = client.post(url(tumi), {"classes": values})
    assert response.status_code == 400
    assert "Nothing changed" in response.content.decode() or "Too many" in response.content.decode()
    assert links() == before


@pytest.mark.parametrize("who", ["fiona", "tumi", "sam", "nandi", "dumi", "nobody"])
def test_only_coordinators_and_the_data_manager_may_set_classes(client, people, classes, who):
    before = links()
    sign_in(client, people[who])
    teacher = people["tumi"] if who != "tumi" else _person("thandi", Role.TEACHER)
    for response in (
        client.get(url(teacher)),
        client.post(url(teacher), {"classes": [classes["2A"].pk]}),
    ):
        assert response.status_code == 404
    assert links() == before


def test_another_schools_teacher_and_unknown_people_are_not_found(client, people, classes, hilltop):
    theirs = _person("hlengiwe", Role.TEACHER, hilltop)
    before = links()
    sign_in(client, people["cora"])
    for target in (theirs.pk, people["sam"].pk, people["cora"].pk, 999999):
        response = client.post(
            reverse("teacher_classes", args=[target]), {"classes": [classes["theirs"].pk]}
        )
        assert response.status_code == 404, target
    assert client.get("/school-staff/abc/classes/").status_code == 404
    assert links() == before


def test_a_form_sent_twice_changes_nothing_the_second_time(client, people, classes):
    sign_in(client, people["cora"])
    client.post(url(people["tumi"]), {"classes": [classes["2A"].pk]})
    before = links()
    again = client.post(url(people["tumi"]), {"classes": [classes["2A"].pk]}, follow=True)
    assert "Nothing changed" in again.content.decode()
    assert links() == before


# --- queries ---------------------------------------------------------------------------------


def _queries(client, path, data=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(path, data) if data is not None else client.get(path)
    assert response.status_code in (200, 302)
    return len(captured)


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_page_costs_the_same_queries_for_a_small_and_a_large_school(
    client, people, sunrise, method
):
    """Three classes, then 24 (a 400-learner school has about a dozen), half of them taught."""
    tumi = people["tumi"]
    sign_in(client, people["cora"])
    counts = []
    for size in (3, 24):
        made = [klass(sunrise, f"C{n}", grade=str(n % 3 + 1)) for n in range(size)]
        tumi.staff.classes_taught.set(made[: size // 2])
        data = None
        if method == "post":
            data = {"classes": [c.pk for c in made[1 : size // 2 + 1]]}  # one off, one on
        counts.append(_queries(client, url(tumi), data))
    assert counts[0] == counts[1], counts
