"""Cases are proposed from risk profiles: at once when a child's profile is scored high in any
area or urgent, and in bulk for a wave (after generation); idempotent; never a second open case
for a child."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from cwtt.access.models import AuditEntry
from cwtt.cases.actions import case_move, cases_propose
from cwtt.cases.models import Case

from .conftest import HIGH, LOW, MODERATE, case_at, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def bulk_scoring():
    """Scoring without the at-once proposal, as bulk generation does."""
    from cwtt.assessments.signals import profile_scored

    receivers = profile_scored.receivers[:]
    profile_scored.receivers.clear()
    profile_scored.sender_receivers_cache.clear()
    yield
    profile_scored.receivers[:] = receivers
    profile_scored.sender_receivers_cache.clear()


def test_scoring_a_child_high_in_any_area_proposes_a_case_at_once(
    child, other_child, wave, child_factory
):
    score(child, wave, HIGH)
    score(other_child, wave, LOW)
    moderate = child_factory(child.school, first="Thabo")
    score(moderate, wave, MODERATE)
    case = Case.objects.get()
    assert (case.child, case.school, case.status, case.wave) == (
        child,
        child.school,
        "proposed",
        wave,
    )
    assert case.created_from_profile.child == child
    assert case.proposed_reason == "High risk in food and nutrition."
    entry = AuditEntry.objects.get(object_type="case")
    assert entry.action == "create" and entry.child_id == child.pk
    assert entry.actor_name == "cases"
    # The wave's bulk proposal finds nothing new.
    counts = cases_propose(wave=wave)
    assert (counts.created, counts.already_open) == (0, 1)


def test_the_bulk_proposal_covers_a_wave_scored_without_it(child, other_child, wave, bulk_scoring):
    score(child, wave, HIGH)
    score(other_child, wave, LOW)
    assert not Case.objects.exists()
    assert cases_propose(wave=wave).created == 1
    assert Case.objects.get().child == child


def test_an_urgent_flag_alone_proposes_a_case_and_says_so(child, wave):
    profile = score(child, wave, LOW)
    profile.urgent = True
    profile.save()
    cases_propose(wave=wave)
    assert Case.objects.get().proposed_reason == "Needs action today (urgent flag)."


def test_proposing_twice_proposes_nothing_new(child, wave, bulk_scoring):
    score(child, wave, HIGH)
    assert cases_propose(wave=wave).created == 1
    again = cases_propose(wave=wave)
    assert (again.created, again.already_open) == (0, 1)
    assert Case.objects.count() == 1


def test_a_dismissed_proposal_is_not_proposed_again_in_the_same_wave(child, wave, wave2, people):
    score(child, wave, HIGH)
    case_move(case=Case.objects.get(), to="dismissed", by=people["cora"], comment="Known")
    counts = cases_propose(wave=wave)
    assert (counts.created, counts.already_proposed) == (0, 1)
    score(child, wave, HIGH)  # scored again in the same wave: still not proposed again
    assert Case.objects.count() == 1
    # A later wave that finds the child still at high risk proposes again.
    score(child, wave2, HIGH)
    assert Case.objects.filter(child=child, wave=wave2, status="proposed").exists()


def test_a_child_with_an_open_case_gets_no_second_one(child, wave, people):
    case_at(child, "implementation", lead=people["sam"].staff)
    score(child, wave, HIGH)
    counts = cases_propose(wave=wave)
    assert (counts.created, counts.already_open) == (0, 1)
    # The database keeps the rule too.
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(child=child, school=child.school)


def test_a_child_whose_case_was_closed_can_get_a_new_one(child, wave, people):
    case_at(child, "closed", lead=people["sam"].staff)
    score(child, wave, HIGH)
    assert Case.objects.filter(child=child).count() == 2


def test_children_who_left_the_school_are_not_proposed(child, wave):
    child.status = "exited"
    child.save()
    score(child, wave, HIGH)
    assert cases_propose(wave=wave).created == 0
    assert not Case.objects.exists()


def test_the_command_proposes_and_prints_a_summary(child, wave, bulk_scoring):
    score(child, wave, HIGH)
    out = io.StringIO()
    call_command("cases", "propose", "--wave", "Wave 1", stdout=out)
    assert out.getvalue().strip() == (
        "Wave 1: 1 proposed, 0 already had an open case, 0 were proposed from this wave before."
    )
    with pytest.raises(CommandError, match="No wave called 'Wave 9'"):
        call_command("cases", "propose", "--wave", "Wave 9")
