"""The child search page and box (cwtt/web/search.py): on every school role's home page and in
the phone menu, within the person's schools, by ID number only for those who may read ID
numbers, sent by POST (never in the address), and audited like a read of the children shown.

Who may see what (tests/conftest.py): Tumi (teacher) and the other Sunrise people see Sunrise's
children only; Dora (data manager) every school; Dumi (district official) no named child."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.registry.models import Child

from ..conftest import make_child, sign_in  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db

ID_NUMBER = "1803145123083"
SEARCH = "/search/"


@pytest.fixture
def lwazi(child):
    child.sa_id_number = ID_NUMBER
    child.save(update_fields=["sa_id_number"])
    return child


@pytest.fixture
def ayanda(other_child):  # Hilltop's: no Sunrise person may find her
    other_child.sa_id_number = "1901015800087"
    other_child.save(update_fields=["sa_id_number"])
    return other_child


def search(client, person, query):
    sign_in(client, person)
    return client.post(reverse("search"), {"q": query})


def test_the_search_address_is_fixed_and_carries_no_query():
    assert reverse("search") == SEARCH


@pytest.mark.parametrize("name", ["fiona", "tumi", "sam", "nandi", "cora", "dora"])
def test_every_role_that_works_with_children_has_the_box_on_home_and_in_the_menu(
    client, people, name
):
    sign_in(client, people[name])
    page = client.get(reverse("home")).content.decode()
    assert page.count(f'action="{SEARCH}"') == 2  # the home page's box and the phone menu's
    assert 'id="home-search"' in page and 'id="menu-search"' in page
    assert page.count('autocomplete="off"') >= 2  # the browser is asked not to keep the words
    assert 'method="get"' not in page.split('id="home-search"')[0].rsplit("<form", 1)[1]


@pytest.mark.parametrize("name", ["dumi", "nobody"])
def test_who_sees_no_named_child_has_no_box_and_no_search(client, people, lwazi, name):
    sign_in(client, people[name])
    assert f'action="{SEARCH}"' not in client.get(reverse("home")).content.decode()
    response = client.post(reverse("search"), {"q": "Lwazi"})
    assert response.status_code == 404
    assert b"Lwazi" not in response.content


def test_a_teacher_finds_her_learner_by_a_misspelt_name_and_opens_the_page(
    client, people, lwazi, ayanda
):
    response = search(client, people["tumi"], "Lwazie Mokwena")
    page = response.content.decode()
    assert response.status_code == 200
    assert "1 child found" in page
    assert f'href="/children/{lwazi.pk}/"' in page
    assert "Mokoena, Lwazi" in page and "Sunrise Primary" in page and "class 2A" in page
    assert "8 years old" in page  # born 14 March 2018; today is 23 November 2026
    assert client.get(f"/children/{lwazi.pk}/").status_code == 200


def test_another_schools_child_is_never_found(client, people, lwazi, ayanda):
    for query in ("Ayanda Zulu", "Zulu", "2A", "1901015800087"):
        page = search(client, people["cora"], query).content.decode()
        # (The words typed stay in the box; the results hold no trace of her.)
        assert "Hilltop" not in page and f"/children/{ayanda.pk}/" not in page, query


def test_the_data_manager_finds_a_child_at_any_school(client, people, lwazi, ayanda):
    page = search(client, people["dora"], "Zulu Ayanda").content.decode()
    assert f'href="/children/{ayanda.pk}/"' in page and "Hilltop Primary" in page


def test_a_teacher_cannot_find_a_child_by_an_id_number_she_may_not_read(client, people, lwazi):
    response = search(client, people["tumi"], ID_NUMBER)
    page = response.content.decode()
    assert "you cannot search by them" in page
    assert "Lwazi" not in page and f"/children/{lwazi.pk}/" not in page
    refused = AuditEntry.objects.get(action=AuditEntry.Action.REFUSED, actor=people["tumi"])
    assert refused.object_type == "child_search" and refused.child_id is None
    assert ID_NUMBER not in str(refused.detail)
    # Nor by spelling it differently, nor does the teacher's box offer numbers.
    assert "Lwazi" not in search(client, people["tumi"], "180314 5123 083").content.decode()
    assert "ID or birth certificate number" not in client.get("/").content.decode()


@pytest.mark.parametrize("name", ["cora", "sam", "dora"])
def test_who_may_read_id_numbers_finds_a_child_by_one(client, people, lwazi, name):
    page = search(client, people[name], "180314 5123 083").content.decode()
    assert f'href="/children/{lwazi.pk}/"' in page
    assert "ID or birth certificate number" in client.get("/").content.decode()


@pytest.mark.parametrize("name", ["fiona", "tumi", "nandi"])
def test_roles_without_id_numbers_never_find_by_one(client, people, lwazi, name):
    assert f"/children/{lwazi.pk}/" not in search(client, people[name], ID_NUMBER).content.decode()


def test_each_search_is_audited_per_child_shown_without_the_words_typed(client, people, lwazi):
    sister = make_child(lwazi.school, first="Lindiwe", last="Mokoena", sex="F")
    search(client, people["tumi"], "Mokoena")
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.VIEW, actor=people["tumi"])
    assert {e.child_id for e in entries} == {lwazi.pk, sister.pk}
    for entry in entries:
        assert entry.object_type == "child"
        assert entry.detail == {"via": "search", "by": "name", "shown": 2}
        assert "Mokoena" not in str(entry.detail)


def test_a_search_that_finds_nobody_is_audited_and_says_what_to_try(client, people, lwazi):
    page = search(client, people["cora"], "Zanele").content.decode()
    assert "No child found" in page
    assert "the class, for example 2A" in page
    assert "the whole ID number" in page  # the coordinator may search by number
    entry = AuditEntry.objects.get(actor=people["cora"], object_type="child_search")
    assert entry.action == AuditEntry.Action.VIEW and entry.detail["shown"] == 0
    teacher_page = search(client, people["tumi"], "Zanele").content.decode()
    assert "the whole ID number" not in teacher_page


def test_a_query_in_the_address_is_ignored(client, people, lwazi):
    sign_in(client, people["tumi"])
    page = client.get(f"{SEARCH}?q=Lwazi").content.decode()
    assert "Mokoena, Lwazi" not in page
    assert not AuditEntry.objects.filter(actor=people["tumi"], action="view").exists()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", "Type a child&#x27;s name, an ID number or a class"),
        ("   ", "Type a child&#x27;s name, an ID number or a class"),
        ("x" * 101, "Type at most 100 letters and numbers."),
    ],
)
def test_an_empty_or_huge_query_is_explained_and_searches_nothing(
    client, people, lwazi, query, message
):
    response = search(client, people["tumi"], query)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AuditEntry.objects.filter(actor=people["tumi"], action="view").exists()


def test_a_class_lists_its_learners(client, people, lwazi):
    page = search(client, people["tumi"], "2a").content.decode()
    assert f'href="/children/{lwazi.pk}/"' in page


def test_many_matches_say_how_to_narrow_them(client, people, sunrise, monkeypatch):
    from cwtt.registry import search as search_module

    monkeypatch.setattr(search_module, "RESULTS", 2)
    for first in ("Thabo", "Thato", "Tshepo"):
        make_child(sunrise, first=first, last="Mokoena", consent=False)
    page = search(client, people["tumi"], "Mokoena").content.decode()
    assert "More children match; these are the 2 closest." in page
    assert Child.objects.filter(last_name="Mokoena").count() == 3
