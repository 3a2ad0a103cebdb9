"""Finding children (cwtt/registry/search.py): close spellings, same-sounding names, swapped
names, identity numbers and classes, only within the schools given, with keys kept up to date
by every way a child is written."""

from __future__ import annotations

import datetime as dt

import pytest

from cwtt.registry.models import Child, ChildSearchKey, School, SchoolClass
from cwtt.registry.search import find_children, looks_like_identity_number, name_score
from cwtt.registry.search_keys import child_keys, words

from ..conftest import make_child  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db

ID_NUMBER = "1803145123083"


@pytest.fixture
def pupils(sunrise, hilltop):
    made = {
        "nomvula": make_child(sunrise, first="Nomvula", last="Dlamini", sex="F", consent=False),
        "thabo": make_child(sunrise, first="Thabo", last="Mokoena", consent=False),
        "thandi": make_child(sunrise, first="Thandiwe", last="Nkosi", sex="F", consent=False),
        "sipho": make_child(sunrise, first="Sipho", last="Khumalo", consent=False),
        "lerato": make_child(sunrise, first="Lerato", last="Mokoena", sex="F", consent=False),
        "hilltop_thabo": make_child(hilltop, first="Thabo", last="Mokoena", consent=False),
    }
    made["sipho"].sa_id_number = ID_NUMBER
    made["sipho"].birth_certificate_number = "B 2018/0314"
    made["sipho"].save()
    return made


def search(query, schools, identity_allowed=True, **options):
    return find_children(query=query, schools=schools, identity_allowed=identity_allowed, **options)


def names(result) -> list[str]:
    return [c.full_name for c in result.children]


def sunrise_only(pupils):
    return School.objects.filter(pk=pupils["nomvula"].school_id)


@pytest.mark.parametrize(
    "typed",
    ["Nomvula Dlamini", "nomvulo dlamini", "Nomvlua", "Dhlamini Nomvula", "  NOMVULA  ", "Nómvula"],
)
def test_a_child_is_found_by_her_name_spelt_in_the_ways_people_spell_it(pupils, typed):
    result = search(typed, sunrise_only(pupils))
    assert names(result)[:1] == ["Nomvula Dlamini"], names(result)
    assert result.by == "name"


def test_a_name_heard_not_seen_is_found_tabo_finds_thabo(pupils):
    assert names(search("Tabo", sunrise_only(pupils))) == ["Thabo Mokoena"]


def test_swapped_first_and_last_names_rank_the_same_as_the_right_order(pupils):
    right = search("Thabo Mokoena", sunrise_only(pupils))
    swapped = search("Mokoena Thabo", sunrise_only(pupils))
    assert names(right)[0] == names(swapped)[0] == "Thabo Mokoena"
    assert right.matches[0].score == swapped.matches[0].score == 100


def test_the_child_matching_every_word_comes_before_those_matching_one(pupils):
    # Lerato shares the surname only (a sister, perhaps): shown, after Thabo, who matches
    # both words, though both are misspelt.
    ranked = search("Tabo Mokwena", sunrise_only(pupils)).matches
    assert [m.child.full_name for m in ranked][:1] == ["Thabo Mokoena"]
    assert all(m.score < ranked[0].score for m in ranked[1:])
    ranked = search("Thabo Mokoena", sunrise_only(pupils)).matches
    assert [m.child.first_name for m in ranked] == ["Thabo", "Lerato"]
    assert ranked[1].score < ranked[0].score


def test_an_exact_name_ranks_above_a_close_one(pupils):
    ranked = search("Thandiwe", sunrise_only(pupils)).matches
    assert ranked[0].child.first_name == "Thandiwe" and ranked[0].score == 100


@pytest.mark.parametrize("typed", ["Khosi", "Nomv"])
def test_a_spelling_neither_alike_nor_sounding_alike_and_a_word_start_are_not_found(pupils, typed):
    # The limits docs/search.md states.
    assert search(typed, sunrise_only(pupils)).matches == []


def test_a_different_name_is_not_a_match(pupils):
    result = search("Zanele", sunrise_only(pupils))
    assert result.matches == [] and result.by == "name"


def test_another_schools_child_is_never_found_by_name_number_or_class(pupils, hilltop):
    sunrise = sunrise_only(pupils)
    found = {c.pk for c in search("Thabo Mokoena", sunrise).children}
    assert pupils["hilltop_thabo"].pk not in found and pupils["thabo"].pk in found
    pupils["hilltop_thabo"].sa_id_number = "1901015800087"
    pupils["hilltop_thabo"].save()
    assert search("1901015800087", sunrise).matches == []
    assert search("1901015800087", School.objects.filter(pk=hilltop.pk)).children == [
        pupils["hilltop_thabo"]
    ]
    assert pupils["hilltop_thabo"] not in search("2A", sunrise).children


def test_no_school_means_no_child(pupils):
    assert search("Thabo", School.objects.none()).matches == []


@pytest.mark.parametrize("typed", [ID_NUMBER, "180314 5123 083", "180314-5123-083"])
def test_a_child_is_found_by_the_id_number_however_it_is_typed(pupils, typed):
    result = search(typed, sunrise_only(pupils))
    assert result.by == "identity_number" and result.children == [pupils["sipho"]]


def test_a_child_is_found_by_the_birth_certificate_number(pupils):
    assert search("b20180314", sunrise_only(pupils)).children == [pupils["sipho"]]


def test_a_number_is_only_found_whole(pupils):
    assert search(ID_NUMBER[:-1], sunrise_only(pupils)).matches == []


def test_someone_who_may_not_read_id_numbers_cannot_search_by_one(pupils):
    result = search(ID_NUMBER, sunrise_only(pupils), identity_allowed=False)
    assert result.refused_identity and result.matches == []


def test_a_name_never_matches_an_id_number_key(pupils):
    # The kind of key is hashed with it: digits typed among words are not looked up as numbers.
    assert search(f"Sipho {ID_NUMBER}", sunrise_only(pupils), identity_allowed=False).children == [
        pupils["sipho"]
    ]


def test_a_class_lists_its_children_and_narrows_a_name(pupils):
    sunrise = sunrise_only(pupils)
    klass = SchoolClass.objects.create(
        school=pupils["thabo"].school, grade="3", name="3B", year=2026
    )
    lerato = pupils["lerato"]
    lerato.school_class = klass
    lerato.save(update_fields=["school_class"])
    by_class = search("3b", sunrise)
    assert by_class.by == "class" and by_class.children == [lerato]
    assert search("Mokoena 3B", sunrise).children == [lerato]
    assert {c.first_name for c in search("Mokoena 2A", sunrise).children} == {"Thabo"}


def test_past_the_limit_the_result_says_there_are_more(pupils):
    result = search("Mokoena", sunrise_only(pupils), limit=1)
    assert len(result.matches) == 1 and result.more


def test_keys_follow_a_change_of_name_and_number(pupils):
    thabo = pupils["thabo"]
    thabo.last_name = "Zwane"
    thabo.save(update_fields=["last_name", "updated_at"])
    sunrise = sunrise_only(pupils)
    assert thabo not in search("Mokoena Thabo", sunrise).children[:1]
    assert search("Zwane", sunrise).children == [thabo]
    keys = set(ChildSearchKey.objects.filter(child=thabo).values_list("key", flat=True))
    assert keys == child_keys(thabo)


def test_saving_other_fields_leaves_the_keys_alone(pupils, django_assert_num_queries):
    with django_assert_num_queries(1):
        pupils["thabo"].save(update_fields=["grant_status"])


def test_keys_hold_no_name_or_number_as_text(pupils):
    stored = " ".join(ChildSearchKey.objects.values_list("key", flat=True))
    for word in ("nomvula", "dlamini", "thabo", ID_NUMBER):
        assert word not in stored.lower()


def test_words_drop_accents_and_punctuation():
    assert words("Ntombi-Zodwa  O'Brien Nómvula") == ["ntombi", "zodwa", "o", "brien", "nomvula"]


def test_what_counts_as_a_number():
    assert looks_like_identity_number("180314 5123 083")
    assert looks_like_identity_number("B2018/0314")
    assert not looks_like_identity_number("2A")
    assert not looks_like_identity_number("Thabo 2A")


def test_name_score_ignores_order_and_rewards_sound():
    assert name_score(["mokoena", "thabo"], "Thabo Mokoena") == 100
    assert 80 <= name_score(["tabo"], "Thabo Mokoena") < 100
    assert name_score(["zanele"], "Thabo Mokoena") == 0
    assert 0 < name_score(["thabo", "zulu"], "Thabo Mokoena") < 80


def test_generated_children_get_keys(default_version):
    from cwtt.synthetic.generate import generate_district

    generate_district(schools=1, learners_per_school=5, waves=1, seed=3)
    child = Child.objects.order_by("pk").first()
    assert set(ChildSearchKey.objects.filter(child=child).values_list("key", flat=True)) == (
        child_keys(child)
    )
    found = search(child.full_name, School.objects.all())
    assert child in found.children


def test_keys_of_a_child_born_later_stay_apart(pupils):
    # Two children with one name: both found, in name order, neither lost.
    twin = make_child(
        pupils["thabo"].school, first="Thabo", last="Mokoena", dob=dt.date(2019, 1, 2)
    )
    found = search("Thabo Mokoena", sunrise_only(pupils)).children
    assert {pupils["thabo"], twin} <= set(found)


def test_a_registry_import_gives_new_and_renamed_children_keys(sunrise):
    from cwtt.registry.imports import import_children

    from .test_imports import child_row

    import_children([child_row()], dry_run=False)
    naledi = Child.objects.get(first_name="Naledi")
    assert search("Naledi Khumalo", School.objects.all()).children == [naledi]
    import_children([child_row(first_name="Nalerdi", last_name="Khumalo-Zulu")], dry_run=False)
    naledi.refresh_from_db()
    assert naledi.first_name == "Nalerdi"  # the same child (by ID number), renamed
    assert set(ChildSearchKey.objects.filter(child=naledi).values_list("key", flat=True)) == (
        child_keys(naledi)
    )
    assert search("Zulu", School.objects.all()).children == [naledi]


def test_the_command_writes_every_childs_keys_again_under_a_new_secret_key(pupils, settings):
    from io import StringIO

    from django.core.management import call_command

    settings.SECRET_KEY = "a-new-secret-key-for-this-test-only-0123456789"
    sunrise = sunrise_only(pupils)
    assert search("Nomvula", sunrise).matches == []  # stale keys: hashed with the old secret
    out = StringIO()
    call_command("search_index", "--batch-size", "2", stdout=out)
    assert (
        out.getvalue().strip()
        == f"Wrote {ChildSearchKey.objects.count()} search keys for 6 children."
    )
    assert names(search("Nomvula", sunrise)) == ["Nomvula Dlamini"]


def test_every_school_and_some_schools_find_the_same_children(pupils, hilltop):
    # The data manager's scope (every school) skips the join to the children; it must find
    # exactly what naming every school does.
    every = School.objects.all()
    named = School.objects.filter(pk__in=[s.pk for s in every])
    for typed in ("Thabo Mokoena", ID_NUMBER, "Nomvlua"):
        assert set(search(typed, every).children) == set(search(typed, named).children), typed
    assert len(search("Thabo Mokoena", every).children) == 3  # both Thabos and Lerato


def test_the_migration_gives_children_already_registered_their_keys(pupils):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("cwtt.registry.migrations.0007_child_search_key")
    ChildSearchKey.objects.all().delete()  # as before the migration: children without keys
    migration.write_every_childs_keys(apps, None)
    for child in Child.objects.all():
        stored = set(ChildSearchKey.objects.filter(child=child).values_list("key", flat=True))
        assert stored == child_keys(child), child
    assert names(search("Nomvulo", sunrise_only(pupils))) == ["Nomvula Dlamini"]
