"""Duplicate children: the matching (cwtt/registry/duplicates.py), its precision and recall on
generated near-duplicates, and the review queue filled when children are imported."""

from __future__ import annotations

import datetime as dt

import pytest

from cwtt.access.models import AuditEntry
from cwtt.registry import duplicates
from cwtt.registry.actions import duplicates_scan, possible_duplicate_dismiss
from cwtt.registry.duplicates import (
    REVIEW_AT,
    BirthLevel,
    ChildRecord,
    NameLevel,
    compare,
    compare_births,
    compare_names,
    find_matches,
    prepare,
)
from cwtt.registry.imports import import_children
from cwtt.registry.models import Child, PossibleDuplicate
from cwtt.synthetic.near_duplicates import near_duplicate_set

BORN = dt.date(2019, 3, 4)


def record(pk=1, first="Nomvula", last="Dlamini", born=BORN, sex="F", school=1, **more):
    return ChildRecord(pk, first, last, born, sex, school, **more)


def probability(a: ChildRecord, b: ChildRecord) -> float:
    left, right = prepare([a, b])
    return compare(left, right).probability


def level(a: str, b: str) -> NameLevel:
    return compare_names(duplicates._Name.of(a), duplicates._Name.of(b))


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Thabo", "Tabo"),
        ("Khumalo", "Kumalo"),
        ("Tshepo", "Chepo"),
        ("Mokoena", "Mokwena"),
        ("Dlamini", "Dhlamini"),
        ("Nkosi", "Nkozi"),
        ("Ntombi", "Ntombie"),
        ("Kgomotso", "Khomotso"),
    ],
)
def test_south_african_spelling_variants_sound_alike(a, b):
    assert level(a, b) == NameLevel.SOUNDS_ALIKE


def test_case_accents_spaces_and_hyphens_do_not_matter():
    assert level("van der Merwe", "Vandermerwe") == NameLevel.SAME
    assert level("Thandéka", "THANDEKA ") == NameLevel.SAME


@pytest.mark.parametrize(
    ("a", "b"), [("Nomvula", "Nomvulo"), ("Lerato", "Lerat"), ("Sibusiso", "Sibsuiso")]
)
def test_a_letter_wrong_missing_or_swapped_is_alike(a, b):
    assert level(a, b) in {NameLevel.ALIKE, NameLevel.SOUNDS_ALIKE}


def test_a_double_barrelled_surname_holds_the_single_one():
    assert level("Ndlovu-Dube", "Ndlovu") == NameLevel.CONTAINED
    assert level("Jansen van Rensburg", "van Rensburg") == NameLevel.CONTAINED


def test_an_initial_fits_the_name_it_stands_for_and_no_other():
    assert level("T", "Thabo") == NameLevel.INITIAL
    assert level("T. M.", "Thabo Mpho") == NameLevel.INITIAL
    assert level("S", "Thabo") == NameLevel.DIFFERENT


def test_different_names_are_different():
    assert level("Thabo", "Sipho") == NameLevel.DIFFERENT
    assert level("Lerato", "Palesa") == NameLevel.DIFFERENT


# --- dates of birth -----------------------------------------------------------------------


def test_dates_of_birth_compare_by_the_usual_slips():
    assert compare_births(BORN, BORN) == BirthLevel.SAME
    assert compare_births(BORN, dt.date(2019, 4, 3)) == BirthLevel.DAY_MONTH_SWAPPED
    assert compare_births(BORN, dt.date(2018, 3, 4)) == BirthLevel.YEAR_APART
    assert compare_births(BORN, dt.date(2019, 3, 5)) == BirthLevel.ONE_SLIP
    assert compare_births(BORN, dt.date(2019, 3, 24)) == BirthLevel.ONE_SLIP  # 04 typed 24
    assert compare_births(BORN, dt.date(2019, 9, 20)) == BirthLevel.DIFFERENT


# --- whole records ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "second",
    [
        record(2),  # copied from another list
        record(2, first="Nomvulo"),
        record(2, first="Dlamini", last="Nomvula"),  # first name and surname swapped
        record(2, first="N"),
        record(2, last="Dlamini-Mahlangu"),
        record(2, born=dt.date(2019, 4, 3)),
        record(2, born=dt.date(2018, 3, 4), school=2),  # moved school, a year wrong
        record(2, first="Nomvulo", last="Dhlamini"),
    ],
)
def test_one_child_written_another_way_is_proposed(second):
    assert probability(record(1), second) >= REVIEW_AT


def test_twins_are_not_proposed():
    """Same surname, birthday, school and mother; only the first name differs."""
    mother = {"caregiver_names": ("Zanele Dlamini",), "caregiver_phones": ("0821234567",)}
    sister = record(1, first="Nomvula", **mother)
    brother = record(2, first="Sipho", sex="M", **mother)
    twin_sister = record(3, first="Lerato", **mother)
    assert probability(sister, brother) < 0.01
    assert probability(sister, twin_sister) < 0.01


def test_brothers_and_sisters_are_not_proposed():
    mother = {"caregiver_names": ("Zanele Dlamini",), "caregiver_phones": ("0821234567",)}
    older = record(1, first="Nomvula", born=dt.date(2017, 6, 1), **mother)
    younger = record(2, first="Nomvula", born=dt.date(2019, 3, 4), **mother)  # named alike
    assert probability(older, younger) < REVIEW_AT


def test_the_same_caregiver_phone_counts_for_a_match():
    elsewhere = record(2, first="Nomvulo", school=2, caregiver_phones=("+27 82 123 4567",))
    without = record(1)
    with_phone = record(1, caregiver_phones=("082 123 4567",))  # the same number, written locally
    assert probability(with_phone, elsewhere) > probability(without, elsewhere)


def test_reasons_are_codes_without_names():
    left, right = prepare([record(1), record(2, first="Nomvulo", born=dt.date(2019, 4, 3))])
    match = compare(left, right)
    assert "first_name:alike" in match.reasons or "first_name:sounds_alike" in match.reasons
    assert "birth:day_month_swapped" in match.reasons
    assert not any("Nomvul" in reason for reason in match.reasons)
    assert all(label for label in duplicates.reason_labels(match.reasons))


# --- precision and recall -----------------------------------------------------------------

# The bars: the review queue is read by a person, so a wrong proposal costs a minute ("Not the
# same"), while a missed duplicate splits a child's history. Recall is held higher than
# precision. Measured on this fixed set (seed 12, 6,000 children, 600 registered twice, 2% twins):
# precision 0.98 and recall 0.99 at REVIEW_AT; the bars leave room for a tuning change, not
# for a worse method. `cwtt duplicates evaluate` prints the same figures at several thresholds.
PRECISION_BAR = 0.95
RECALL_BAR = 0.97


@pytest.fixture(scope="module")
def generated():
    return near_duplicate_set(children=6000, seed=12)


def test_precision_and_recall_on_generated_near_duplicates(generated):
    found = {(m.a, m.b) for m in find_matches(generated.records)}
    right = found & generated.truth
    precision = len(right) / len(found)
    recall = len(right) / len(generated.truth)
    assert precision >= PRECISION_BAR, precision
    assert recall >= RECALL_BAR, recall
    assert not found & generated.twins  # no twin pair is proposed


def test_blocking_keeps_the_pairs_compared_few(generated):
    """Comparing every pair of 6,600 records would be 21.8 million comparisons."""
    pairs = duplicates.candidate_pairs(prepare(generated.records))
    assert len(pairs) < 10 * len(generated.records)


def test_the_generated_set_is_the_same_for_the_same_seed():
    a = near_duplicate_set(children=300, seed=3)
    b = near_duplicate_set(children=300, seed=3)
    assert a.records == b.records and a.truth == b.truth
    assert a.truth != near_duplicate_set(children=300, seed=4).truth


# --- the review queue on import -----------------------------------------------------------


def class_list(**changes):
    row = {
        "school_emis": "700111111",
        "class_name": "2A",
        "grade": "2",
        "year": "2026",
        "first_name": "Lwazi",
        "last_name": "Mokoena",
        "date_of_birth": "2018-03-14",
        "sex": "M",
        "caregiver_first_name": "Grace",
        "caregiver_last_name": "Mokoena",
    }
    return [row | changes]


@pytest.mark.django_db
def test_an_imported_child_like_a_registered_one_is_queued_for_review(child):
    report = import_children(class_list(first_name="Lwazi", last_name="Mokwena"), dry_run=False)
    assert report.created == 1
    assert report.also_created["possible_duplicates"] == 1
    assert report.summary().endswith("plus 1 household, 1 caregiver, 1 possible duplicate.")
    new = Child.objects.exclude(pk=child.pk).get()
    pair = PossibleDuplicate.objects.get()
    assert (pair.child_a_id, pair.child_b_id) == (child.pk, new.pk)
    assert pair.status == PossibleDuplicate.Status.PENDING
    assert pair.score >= REVIEW_AT and pair.found_by == "import"
    assert "last_name:sounds_alike" in pair.reasons
    entry = AuditEntry.objects.get(object_type="possible_duplicate")
    assert (entry.object_id, entry.actor_name) == (str(pair.pk), "import")
    # Nothing was merged: both children are there, active.
    assert Child.objects.filter(status=Child.Status.ACTIVE).count() == 2


@pytest.mark.django_db
def test_a_dry_run_or_a_refused_import_queues_nothing(child):
    import_children(class_list(last_name="Mokwena"), dry_run=True)
    import_children(class_list(last_name="Mokwena", sex="X"), dry_run=False)
    assert not PossibleDuplicate.objects.exists()


@pytest.mark.django_db
def test_an_unlike_child_is_not_queued(child):
    import_children(
        class_list(first_name="Ayanda", last_name="Zulu", sex="F", date_of_birth="2019-07-01"),
        dry_run=False,
    )
    assert not PossibleDuplicate.objects.exists()


@pytest.mark.django_db
def test_a_pair_decided_not_the_same_is_never_proposed_again(child, people):
    import_children(class_list(last_name="Mokwena"), dry_run=False)
    pair = PossibleDuplicate.objects.get()
    possible_duplicate_dismiss(pair_id=pair.pk, by=people["dora"])
    assert duplicates_scan() == 0
    pair.refresh_from_db()
    assert pair.status == PossibleDuplicate.Status.NOT_DUPLICATE
    assert pair.decided_by == people["dora"]


@pytest.mark.django_db
def test_a_scan_finds_children_registered_twice_before_matching_existed(
    child, child_factory, sunrise, hilltop
):
    twice = child_factory(hilltop, first="Lwazi", last="Mokoena", dob=dt.date(2018, 3, 14))
    child_factory(sunrise, first="Ayanda", last="Zulu", sex="F")
    assert duplicates_scan() == 1
    pair = PossibleDuplicate.objects.get()
    assert {pair.child_a_id, pair.child_b_id} == {child.pk, twice.pk}
    assert pair.found_by == "scan"
    assert duplicates_scan() == 0  # a second scan queues nothing new


# --- the command --------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_scan_command_prints_how_many_pairs_it_queued(child, child_factory, hilltop):
    from io import StringIO

    from django.core.management import call_command

    child_factory(hilltop, first="Lwazi", last="Mokoena")
    out = StringIO()
    call_command("duplicates", "scan", stdout=out)
    assert "Queued 1 pair of children for review" in out.getvalue()
    assert "Lwazi" not in out.getvalue()  # never a name


def test_the_evaluate_command_prints_precision_and_recall():
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("duplicates", "evaluate", "--children", "600", stdout=out)
    text = out.getvalue()
    assert "600 children, 60 registered twice" in text
    assert "precision" in text and "<- review queue" in text
