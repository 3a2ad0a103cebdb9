"""Merging a child registered twice (cwtt/quality/merging.py): everything moves to the kept
record, the duplicate stays as a merged-away record, the kept child is rescored, and every
refusal leaves the database as it was.

Who may merge (tests/conftest.py people): Dora (data manager) any two children; Cora
(coordinator) two children at Sunrise; Tumi (teacher), Sam (social worker) and Nobody never.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cwtt.access.models import AuditEntry, EmergencyAccess
from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, RiskProfile
from cwtt.cases.models import Case
from cwtt.notes.actions import note_add
from cwtt.notes.models import ChildNote
from cwtt.quality import merging
from cwtt.quality.merging import MERGE_RULES, MergeRefused, child_merge, unhandled_relations
from cwtt.registry.models import Child, ChildCaregiver, ChildMerge, PossibleDuplicate

from ..attacks import at_once, audit_changes, needs_postgres, unchanged  # noqa: TID252

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 10)


def save(child, wave, respondent="caregiver", answers=None):
    return assessment_save(
        child=child, wave=wave, respondent=respondent, answers=answers or {}, assessed_on=DAY
    )


def pair_of(a: Child, b: Child, **fields) -> PossibleDuplicate:
    low, high = sorted((a, b), key=lambda c: c.pk)
    return PossibleDuplicate.objects.create(
        child_a=low,
        child_b=high,
        score=0.97,
        reasons=["first_name:same"],
        found_by="import",
        **fields,
    )


@pytest.fixture
def twice(sunrise, child_factory, child):
    """The default child (Lwazi Mokoena at Sunrise) registered a second time at Sunrise."""
    return child_factory(sunrise, first="Lwazi", last="Mokwena")


# --- what moves -------------------------------------------------------------------------------


def test_every_relation_to_a_child_has_a_merge_rule():
    """Fails when a model gains a ForeignKey to Child: say in MERGE_RULES how a merge moves it."""
    assert unhandled_relations() == []
    known = {merging.relation_key(rel) for rel in merging.child_relations()}
    assert set(MERGE_RULES) == known  # and no rule for a relation that no longer exists


def test_a_relation_without_a_rule_stops_the_merge_before_anything_changes(
    child, twice, people, monkeypatch
):
    monkeypatch.delitem(MERGE_RULES, "notes.childnote.child")
    with unchanged(), pytest.raises(MergeRefused, match="notes.childnote.child"):
        child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Same child.")


def test_a_merge_moves_every_record_and_keeps_the_duplicate(child, twice, wave, people):
    pair = pair_of(child, twice)
    save(twice, wave, answers={"cg_meals": 1, "cg_hungry": "yes"})
    note_add(user=people["sam"], child=twice, text="Met the gran.", sensitivity="case_notes")
    EmergencyAccess.objects.create(
        user=people["sam"],
        child=twice,
        reason="Reported hurt",
        started_at=timezone.now(),
        expires_at=timezone.now() + dt.timedelta(hours=1),
    )
    Case.objects.create(child=twice, school=twice.school, status=Case.Status.CLOSED)
    cases = Case.objects.filter(child=twice).count()  # scoring proposed one: nutrition is high
    consents = twice.consent_decisions.count()
    kept_consents = child.consent_decisions.count()
    duplicate_carer = twice.caregiver_links.get().caregiver

    merge = child_merge(
        keep=child, duplicate=twice, by=people["dora"], reason="Same birth certificate.", pair=pair
    )

    assert Assessment.objects.filter(child=child).count() == 1
    assert ChildNote.objects.filter(child=child).count() == 1
    assert EmergencyAccess.objects.filter(child=child).count() == 1
    assert Case.objects.filter(child=child).count() == cases == 2
    assert child.consent_decisions.count() == consents + kept_consents
    # The duplicate's caregiver is now also the kept child's; the kept child's mother stays primary.
    link = ChildCaregiver.objects.get(child=child, caregiver=duplicate_carer)
    assert link.is_primary is False
    assert ChildCaregiver.objects.filter(child=child, is_primary=True).count() == 1
    # Nothing points at the duplicate any more, but it is still there.
    for rel in merging.child_relations():
        if MERGE_RULES[merging.relation_key(rel)] == "move":
            assert not rel.related_model._default_manager.filter(**{rel.field.name: twice})
    twice.refresh_from_db()
    assert twice.status == Child.Status.MERGED
    assert twice.merged_into == merge
    assert (merge.kept, merge.by, merge.reason) == (
        child,
        people["dora"],
        "Same birth certificate.",
    )
    assert merge.moved["assessments.assessment.child"] == 1
    # Rescored: the kept child's profile comes from the moved questionnaire.
    profile = RiskProfile.objects.get(child=child, wave=wave)
    assert profile.nutrition == "high" and profile.assessment_count == 1
    assert not RiskProfile.objects.filter(child=twice).exists()
    pair.refresh_from_db()
    assert (pair.status, pair.decided_by) == (PossibleDuplicate.Status.MERGED, people["dora"])
    # One audit entry on each child.
    entries = AuditEntry.objects.filter(object_type="child_merge", object_id=str(merge.pk))
    assert sorted(entries.values_list("child_id", flat=True)) == sorted([child.pk, twice.pk])
    assert entries.first().actor == people["dora"]


def test_profiles_of_both_records_in_one_wave_become_one_rescored_profile(
    child, twice, wave, people
):
    save(child, wave, answers={"cg_meals": 3, "cg_hit": "no"})
    save(twice, wave, respondent="nurse", answers={"ns_abuse": "yes"})
    case = Case.objects.create(
        child=twice,
        school=twice.school,
        status=Case.Status.CLOSED,
        created_from_profile=RiskProfile.objects.get(child=twice),
    )
    child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Same child.")
    profile = RiskProfile.objects.get(child=child, wave=wave)
    assert profile.assessment_count == 2
    assert profile.protection == "high" and profile.discordant is True
    case.refresh_from_db()
    assert case.created_from_profile == profile


def test_two_questionnaires_of_a_kind_in_a_wave_both_move_and_are_counted(
    child, twice, wave, people
):
    save(child, wave, answers={"cg_meals": 3})
    save(twice, wave, answers={"cg_meals": 1, "cg_hungry": "yes"})
    merge = child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Same child.")
    assert merge.moved["waves_with_two_of_a_kind"] == 1
    assert RiskProfile.objects.get(child=child, wave=wave).assessment_count == 2


def test_a_data_manager_merges_across_schools_and_the_open_case_follows_the_child(
    child, hilltop, child_factory, people
):
    moved = child_factory(hilltop, first="Lwazi", last="Mokoena")
    case = Case.objects.create(child=moved, school=hilltop, status=Case.Status.PROPOSED)
    child_merge(keep=child, duplicate=moved, by=people["dora"], reason="Moved school.")
    case.refresh_from_db()
    assert (case.child, case.school) == (child, child.school)


def test_other_pairs_with_the_duplicate_are_closed(child, twice, child_factory, sunrise, people):
    third = child_factory(sunrise, first="Lwazi", last="Mokoena", dob=dt.date(2018, 4, 3))
    other = pair_of(twice, third)
    child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Same child.")
    other.refresh_from_db()
    assert other.status == PossibleDuplicate.Status.CLOSED
    # The kept child is looked at again, and the third record is proposed against it.
    assert PossibleDuplicate.objects.filter(
        child_a=child, child_b=third, status=PossibleDuplicate.Status.PENDING
    ).exists()


# --- refusals (attack tests): the refusal, and the database as it was ------------------------


def test_a_coordinator_cannot_merge_another_schools_child(child, hilltop, child_factory, people):
    elsewhere = child_factory(hilltop, first="Lwazi", last="Mokoena")
    with unchanged(), pytest.raises(MergeRefused, match="schools you work with"):
        child_merge(keep=child, duplicate=elsewhere, by=people["cora"], reason="Same child.")
    with unchanged(), pytest.raises(MergeRefused, match="schools you work with"):
        child_merge(keep=elsewhere, duplicate=child, by=people["cora"], reason="Same child.")


def test_a_coordinator_merges_two_children_at_their_school(child, twice, people):
    child_merge(keep=child, duplicate=twice, by=people["cora"], reason="Same child.")
    assert Child.objects.get(pk=twice.pk).status == Child.Status.MERGED


@pytest.mark.parametrize("who", ["tumi", "sam", "fiona", "nandi", "dumi", "nobody"])
def test_only_data_managers_and_coordinators_merge(child, twice, people, who):
    with unchanged(), pytest.raises(MergeRefused, match="Only a data manager"):
        child_merge(keep=child, duplicate=twice, by=people[who], reason="Same child.")


def test_a_child_cannot_be_merged_into_itself(child, people):
    with unchanged(), pytest.raises(MergeRefused, match="into itself"):
        child_merge(keep=child, duplicate=child, by=people["dora"], reason="Same child.")


def test_a_decided_pair_cannot_be_replayed(child, twice, child_factory, sunrise, people):
    pair = pair_of(child, twice)
    child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Same child.", pair=pair)
    with unchanged(), pytest.raises(MergeRefused, match="already decided"):
        child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Again.", pair=pair)
    with unchanged(), pytest.raises(MergeRefused, match="already merged"):
        child_merge(keep=twice, duplicate=child, by=people["dora"], reason="Back again.")


def test_a_pair_dismissed_as_not_the_same_cannot_then_be_merged(child, twice, people):
    from cwtt.registry.actions import possible_duplicate_dismiss

    pair = pair_of(child, twice)
    possible_duplicate_dismiss(pair_id=pair.pk, by=people["dora"])
    with unchanged(), pytest.raises(MergeRefused, match="already decided"):
        child_merge(keep=child, duplicate=twice, by=people["dora"], reason="x", pair=pair)


def test_a_pair_of_other_children_is_refused(child, twice, other_child, people):
    pair = pair_of(child, other_child)
    with unchanged(), pytest.raises(MergeRefused, match="not the pair"):
        child_merge(keep=child, duplicate=twice, by=people["dora"], reason="x", pair=pair)


def test_two_open_cases_are_refused_with_a_way_forward(child, twice, people):
    Case.objects.create(child=child, school=child.school, status=Case.Status.PROPOSED)
    Case.objects.create(child=twice, school=twice.school, status=Case.Status.PROPOSED)
    with unchanged(), pytest.raises(MergeRefused, match="Close or dismiss one"):
        child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Same child.")


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_a_merge_needs_a_short_reason(child, twice, people, reason):
    with unchanged(), pytest.raises(MergeRefused):
        child_merge(keep=child, duplicate=twice, by=people["dora"], reason=reason)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_merges_at_once_make_one_merge(child, twice, people):
    pair = pair_of(child, twice)
    outcomes = at_once(
        lambda: child_merge(
            keep=child, duplicate=twice, by=people["dora"], reason="First.", pair=pair
        ),
        lambda: child_merge(
            keep=twice, duplicate=child, by=people["cora"], reason="Second.", pair=pair
        ),
    )
    refused = [o for o in outcomes if isinstance(o, MergeRefused)]
    assert len(refused) == 1, outcomes
    assert ChildMerge.objects.count() == 1
    assert Child.objects.filter(status=Child.Status.MERGED).count() == 1
    assert audit_changes(object_type="child_merge") == 2


def test_the_merged_away_record_says_where_the_child_is_now(client, child, twice, people):
    from django.urls import reverse

    from ..conftest import sign_in  # noqa: TID252

    child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Same child.")
    page = sign_in(client, people["cora"]).get(reverse("child", args=[twice.pk])).content.decode()
    assert "This child was registered twice" in page
    assert f'href="{reverse("child", args=[child.pk])}"' in page
    kept = client.get(reverse("child", args=[child.pk])).content.decode()
    assert "registered twice" not in kept


def test_an_anonymised_record_is_not_merged(child, twice, people):
    from cwtt.rights.models import Anonymisation

    Anonymisation.objects.create(child=twice, at=timezone.now(), rule="Erasure request", by="x")
    with unchanged(), pytest.raises(MergeRefused, match="anonymised"):
        child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Same child.")


def test_a_merged_away_record_is_anonymised_by_the_retention_rule_once_idle(child, twice, people):
    from cwtt.rights.retention import retention_due

    child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Same child.")
    today = timezone.localdate()
    assert twice not in retention_due(today, years=1)
    later = list(retention_due(today.replace(year=today.year + 2), years=1))
    assert twice in later
    assert child not in later  # the kept child is still active


def test_erasing_the_kept_child_erases_the_record_merged_into_it(child, twice, people):
    from cwtt.rights.actions import child_erase

    child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Same child.")
    removed = child_erase(child=child, reason="The caregiver asked on 20 November.")
    assert removed["merged_records"] == 1
    for record in (child, twice):
        record.refresh_from_db()
        assert record.first_name == "Removed"
        assert hasattr(record, "anonymisation")


def test_a_group_response_that_listed_the_duplicate_lists_the_kept_child_once(
    child, twice, wave, people
):
    from cwtt.cases.models import GroupResponse
    from cwtt.services.models import ServiceType

    both = GroupResponse.objects.create(
        school=child.school,
        wave=wave,
        need="hunger",
        status=GroupResponse.Status.ACCEPTED,
        decided_by=people["cora"],
        service_type=ServiceType.objects.create(
            code="food_test", label="Food parcels", domain="nutrition"
        ),
    )
    both.children.add(child, twice)
    only = GroupResponse.objects.create(
        school=child.school,
        wave=wave,
        need="discipline",
        status=GroupResponse.Status.DISMISSED,
        decided_by=people["cora"],
        service_type=both.service_type,
    )
    only.children.add(twice)

    merge = child_merge(keep=child, duplicate=twice, by=people["dora"], reason="Same child.")

    assert list(both.children.all()) == [child]
    assert list(only.children.all()) == [child]
    assert merge.moved["cases.groupresponse.children"] == 2
