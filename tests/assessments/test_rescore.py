"""`cwtt rescore`: every profile recomputed once, in batches, resumable after a crash."""

from __future__ import annotations

import datetime as dt
import io
import json
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cwtt.access.models import AuditEntry
from cwtt.assessments import rescoring
from cwtt.assessments.actions import assessment_save, risk_profile_recompute
from cwtt.assessments.models import Assessment, RescoreRun, RiskProfile, Wave
from cwtt.assessments.rescoring import (
    DERIVED,
    BatchOutcome,
    RescoreRefused,
    ScoringRules,
    rescore,
    rescore_batch,
    rescore_start,
)
from cwtt.assessments.signals import profile_scored
from cwtt.cases.models import Case
from cwtt.instruments.actions import instrument_publish
from cwtt.instruments.engine.coded import CodedScorer
from cwtt.registry.models import Caregiver, Child
from cwtt.synthetic.generate import generate_district
from tests.conftest import FIXTURES, TODAY

DAY = dt.date(2026, 3, 10)


def save(child, wave, respondent="caregiver", answers=None):
    return assessment_save(
        child=child, wave=wave, respondent=respondent, answers=answers or {}, assessed_on=DAY
    )


def children_with_two_questionnaires(child_factory, school, wave, count, *, well_fed=False):
    """Children with a caregiver's and a teacher's questionnaire. Every other child (the first,
    third ...) had one meal yesterday (high), the others two (low); `well_fed`: all three."""
    children = []
    for number in range(count):
        child = child_factory(school, first=f"Child{number}", last=f"Family{number}")
        meals = {"cg_meals": 3} if well_fed else {"cg_meals": 1 + number % 2, "cg_hungry": "no"}
        save(child, wave, answers=meals)
        save(child, wave, respondent="teacher", answers={"tc_abuse": "no", "tc_absent": number})
        children.append(child)
    return children


class CombineSpy:
    """Counts how many profiles were computed: each is one profile given to
    `CodedScorer.summarise` (a rescore's `Scorer.combine`)."""

    def __init__(self) -> None:
        self.calls = 0
        self.original = CodedScorer.summarise

    def __call__(self, scorer, batch, *args, **kwargs):
        self.calls += batch.profiles
        return self.original(scorer, batch, *args, **kwargs)


def test_rescoring_computes_each_childs_profile_once(child_factory, sunrise, wave):
    children_with_two_questionnaires(child_factory, sunrise, wave, 4)
    spy = CombineSpy()
    with mock.patch.object(CodedScorer, "summarise", autospec=True, side_effect=spy):
        rescore()
    # Two questionnaires per child used to make each child's pair appear twice.
    assert spy.calls == 4
    assert RiskProfile.objects.count() == 4


def stricter_meals_threshold():
    """Publish a version in which two meals is already high (the mini instrument says < 2)."""
    mini = (FIXTURES / "mini.md").read_text()
    stricter = mini.replace(
        "${cg_meals} < 2 | Fewer than two meals", "${cg_meals} < 3 | Fewer than three meals"
    )
    return instrument_publish(data=stricter.encode(), filename="mini.md").version


def profile_rows():
    return {
        (p["child_id"], p["wave_id"]): p
        for p in RiskProfile.objects.values(
            "child_id",
            "wave_id",
            "instrument_version_id",
            *DERIVED[:6],
            "overall",
            "urgent",
            "discordant",
            "details",
            "assessment_count",
        )
    }


def test_a_batch_takes_the_same_number_of_queries_whatever_it_holds(
    child_factory, sunrise, wave, people, django_assert_num_queries
):
    # Well fed: no profile is high, so no case is proposed (those queries are per case).
    children = children_with_two_questionnaires(child_factory, sunrise, wave, 12, well_fed=True)
    # Named informants: their names go into the findings, so they are read with the batch.
    for child in children:
        Assessment.objects.filter(child=child, respondent="caregiver").update(
            informant_caregiver=child.caregivers.get()
        )
    Assessment.objects.filter(respondent="teacher").update(informant_staff=people["tumi"].staff)
    # Each run of three children holds one of each kind of work: a missing profile to create,
    # a stale one to update and one whose questionnaires no longer count, to delete.
    for number, child in enumerate(children):
        profiles = RiskProfile.objects.filter(child=child)
        if number % 3 == 0:
            profiles.delete()
        elif number % 3 == 1:
            profiles.update(details={})
        else:
            Assessment.objects.filter(child=child).update(status=Assessment.Status.DRAFT)
    run = rescore_start()
    rules = ScoringRules.load()
    with CaptureQueriesContext(connection) as three:
        assert rescore_batch(run.pk, rules=rules, batch_size=3) == BatchOutcome(3, 2, 1)
    with django_assert_num_queries(len(three.captured_queries)):
        assert rescore_batch(run.pk, rules=rules, batch_size=9) == BatchOutcome(9, 6, 3)
    assert RiskProfile.objects.count() == 8
    assert not RiskProfile.objects.filter(child__in=children[2::3]).exists()
    assert all(p.details for p in RiskProfile.objects.all())
    informants = RiskProfile.objects.filter(child=children[1]).get().details["domains"]
    assert informants["education"]["informant_levels"] == {"Teacher (Tumi)": "low"}
    assert "Caregiver (Grace Family1)" in informants["nutrition"]["informant_levels"]


def test_rescoring_applies_a_new_threshold_to_every_profile_in_batches(
    child_factory, sunrise, wave
):
    children_with_two_questionnaires(child_factory, sunrise, wave, 5)
    assert RiskProfile.objects.filter(nutrition="high").count() == 3  # one meal: 3 of 5
    v2 = stricter_meals_threshold()
    assert rescore(batch_size=2) == 5
    assert RiskProfile.objects.filter(nutrition="high").count() == 5
    assert set(RiskProfile.objects.values_list("instrument_version", flat=True)) == {v2.pk}
    run = RescoreRun.objects.get()
    assert (run.status, run.done, run.total, run.changed, run.deleted) == ("finished", 5, 5, 5, 0)
    entry = AuditEntry.objects.get(object_type="risk_profiles")
    assert entry.detail == {"waves": "all", "recomputed": 5, "changed": 5, "deleted": 0}


def test_a_rescore_that_crashed_continues_after_its_last_batch(child_factory, sunrise, wave):
    children_with_two_questionnaires(child_factory, sunrise, wave, 7)
    stricter_meals_threshold()
    real_plan = rescoring._plan
    batches = []

    def crash_on_the_second_batch(*args, **kwargs):
        batches.append(args[0])
        if len(batches) == 2:
            raise RuntimeError("the machine went down")
        return real_plan(*args, **kwargs)

    spy = CombineSpy()
    with mock.patch.object(CodedScorer, "summarise", autospec=True, side_effect=spy):
        with mock.patch.object(rescoring, "_plan", side_effect=crash_on_the_second_batch):
            with pytest.raises(RuntimeError):
                rescore(batch_size=3)
        run = RescoreRun.objects.get()
        assert (run.status, run.done, run.total) == ("running", 3, 7)
        assert RiskProfile.objects.filter(nutrition="high").count() == 3 + 2  # 3 done, 2 left
        assert spy.calls == 3
        # Run again: it continues the same run after the first batch.
        assert rescore(batch_size=3) == 7
    assert spy.calls == 7  # every profile computed once in all
    assert RescoreRun.objects.get().status == "finished"
    resumed = profile_rows()
    # A fresh full rescore changes nothing: the resumed one left the same result.
    fresh = rescoring.rescore_run(rescore_start(restart=True).pk)
    assert (fresh.done, fresh.changed, fresh.deleted) == (7, 0, 0)
    assert profile_rows() == resumed
    assert RiskProfile.objects.filter(nutrition="high").count() == 7


def test_a_rescore_of_other_waves_is_refused_while_one_is_unfinished(child, wave, mini_version):
    save(child, wave, answers={"cg_meals": 3})
    other = Wave.objects.create(
        name="Wave 2",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=mini_version,
    )
    unfinished = rescore_start(waves=[wave])
    with pytest.raises(RescoreRefused) as refused:
        rescore_start(waves=[other])
    assert "A rescore of Wave 1 started on" in str(refused.value)
    assert list(RescoreRun.objects.values_list("pk", "status")) == [(unfinished.pk, "running")]
    # The same waves continue it; --restart abandons it for a new one.
    assert rescore_start(waves=[wave]).pk == unfinished.pk
    restarted = rescore_start(waves=[other], restart=True)
    unfinished.refresh_from_db()
    assert unfinished.status == "abandoned" and restarted.status == "running"
    assert restarted.wave_ids == [other.pk]


def test_a_run_older_than_the_latest_version_starts_over(child, wave, clock):
    save(child, wave, answers={"cg_meals": 2, "cg_hungry": "no"})
    old = rescore_start()
    clock.shift(dt.timedelta(minutes=5))
    stricter_meals_threshold()
    new = rescore_start()
    old.refresh_from_db()
    assert old.status == "abandoned" and new.pk != old.pk


def test_only_profiles_whose_levels_moved_are_announced_and_propose_cases(
    child_factory, sunrise, wave
):
    children_with_two_questionnaires(child_factory, sunrise, wave, 4)
    Case.objects.all().delete()
    announced = []

    def listen(sender, profile, **kwargs):
        announced.append(profile.child_id)

    profile_scored.connect(listen)
    try:
        rescore()
        assert announced == []  # nothing moved: nothing to say
        stricter_meals_threshold()
        rescore()
    finally:
        profile_scored.disconnect(listen)
    turned_high = sorted(
        RiskProfile.objects.filter(child__first_name__in=["Child1", "Child3"]).values_list(
            "child_id", flat=True
        )
    )
    assert sorted(announced) == turned_high  # two meals became high; one meal already was
    # The cases app hears it too: those two children now have a proposed case.
    assert sorted(Case.objects.values_list("child_id", flat=True)) == turned_high


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_command_shows_progress_on_one_line_and_a_summary(child_factory, sunrise, wave):
    children_with_two_questionnaires(child_factory, sunrise, wave, 5)
    stricter_meals_threshold()
    out = Terminal()
    call_command("rescore", batch_size=2, stdout=out)
    text = out.getvalue()
    assert text.count("\r") == 3  # batches of 2, 2 and 1, each rewriting the same line
    assert "\rRescored 4 of 5 profiles (80%)" in text
    summary = text.splitlines()[-1]
    assert summary.startswith("Recomputed 5 risk profiles in")
    assert summary.endswith("5 changed, 0 deleted (no assessments left).")


def test_the_command_writes_plain_lines_to_a_log(child_factory, sunrise, wave):
    children_with_two_questionnaires(child_factory, sunrise, wave, 3)
    out = io.StringIO()
    call_command("rescore", batch_size=2, stdout=out)
    lines = out.getvalue().splitlines()
    assert "\r" not in out.getvalue()
    # The first batch is reported at once, the next only after LOG_EVERY_SECONDS.
    assert lines[0].startswith("Rescored 2 of 3 profiles (66%)")
    assert lines[1].startswith("Recomputed 3 risk profiles in")
    assert len(lines) == 2


def test_the_command_continues_an_unfinished_run_and_says_so(child_factory, sunrise, wave):
    children_with_two_questionnaires(child_factory, sunrise, wave, 3)
    run = rescore_start()
    rescore_batch(run.pk, rules=ScoringRules.load(), batch_size=2)
    out = io.StringIO()
    call_command("rescore", stdout=out)
    assert "2 of 3 profiles were already done." in out.getvalue().splitlines()[0]
    run.refresh_from_db()
    assert (run.status, run.done) == ("finished", 3)


def test_the_command_refuses_other_waves_while_a_run_is_unfinished(child, wave):
    save(child, wave, answers={"cg_meals": 3})
    run = rescore_start(waves=[wave])
    Wave.objects.create(
        name="Wave 2",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=wave.instrument_version,
    )
    with pytest.raises(CommandError, match="add --restart to start over"):
        call_command("rescore", wave=["Wave 2"], stdout=io.StringIO())
    run.refresh_from_db()
    assert (run.status, run.done) == ("running", 0)
    assert RescoreRun.objects.count() == 1


def test_ctrl_c_stops_the_command_with_a_way_to_continue(child_factory, sunrise, wave):
    children_with_two_questionnaires(child_factory, sunrise, wave, 5)
    real_plan = rescoring._plan
    batches = []

    def interrupted_on_the_second_batch(*args, **kwargs):
        batches.append(1)
        if len(batches) == 2:
            raise KeyboardInterrupt
        return real_plan(*args, **kwargs)

    with mock.patch.object(rescoring, "_plan", side_effect=interrupted_on_the_second_batch):
        with pytest.raises(CommandError) as stopped:
            call_command("rescore", batch_size=2, stdout=io.StringIO())
    assert str(stopped.value) == (
        "Stopped after 2 of 5 profiles. Run `cwtt rescore` again to continue from there."
    )
    assert RescoreRun.objects.get().done == 2


def test_the_database_allows_one_running_rescore_at_a_time(db):
    RescoreRun.objects.create()
    with pytest.raises(IntegrityError), transaction.atomic():
        RescoreRun.objects.create()
    RescoreRun.objects.update(status=RescoreRun.Status.FINISHED)
    RescoreRun.objects.create()
    assert RescoreRun.objects.filter(status="running").count() == 1


def test_a_rescore_queued_for_the_worker_is_carried_out_by_it(child_factory, sunrise, wave):
    children_with_two_questionnaires(child_factory, sunrise, wave, 5)
    stricter_meals_threshold()
    out = io.StringIO()
    call_command("rescore", "--on-worker", stdout=out)
    assert "queued for the worker" in out.getvalue()
    assert RiskProfile.objects.filter(nutrition="high").count() == 3  # nothing done yet
    call_command("worker", "--once", stdout=io.StringIO())
    assert RiskProfile.objects.filter(nutrition="high").count() == 5
    assert RescoreRun.objects.get().status == "finished"


def _profiles_as_stored() -> dict[tuple[int, int], tuple]:
    """Every profile's derived columns, the details also as text (so their order counts)."""
    names = [name if name != "instrument_version" else "instrument_version_id" for name in DERIVED]
    return {
        (row[0], row[1]): (*row[2:], json.dumps(row[2 + names.index("details")]))
        for row in RiskProfile.objects.values_list("child_id", "wave_id", *names)
    }


def test_a_rescore_gives_exactly_the_profiles_recomputing_each_child_one_by_one_gives(
    default_version,
):
    generate_district(schools=2, learners_per_school=40, waves=2, seed=5, today=TODAY)
    ids = list(RiskProfile.objects.order_by("pk").values_list("pk", flat=True))
    # Every kind of write: some profiles missing (created), some wrong (updated), most right.
    RiskProfile.objects.filter(pk__in=ids[::7]).delete()
    RiskProfile.objects.filter(pk__in=ids[1::3]).update(details={}, overall="", urgent=True)

    rescore()
    fast = _profiles_as_stored()
    for child_id, wave_id in fast:
        risk_profile_recompute(
            child=Child.objects.get(pk=child_id), wave=Wave.objects.get(pk=wave_id)
        )
    one_by_one = _profiles_as_stored()

    assert fast == one_by_one
    assert len(fast) == len(ids) == 160
    # The comparison covers what differs between informants: named informants in the findings.
    informants = {
        finding["informant"]
        for _child_wave, row in fast.items()
        for domain in json.loads(row[-1])["domains"].values()
        for finding in domain["findings"]
    }
    assert any("(" in informant for informant in informants if informant)
    assert {row[DERIVED.index("overall")] for row in fast.values()} >= {"low", "high"}


def test_a_second_rescore_finds_nothing_changed_whatever_the_informants_are_called(
    default_version,
):
    """A rescore compares the details as the JSON text the database keeps (SQLite keeps what
    Django wrote; PostgreSQL reorders a jsonb value's keys): text it wrote itself must compare
    equal, also with names that need escaping or are not ASCII."""
    generate_district(schools=1, learners_per_school=30, waves=2, seed=3, today=TODAY)
    caregiver_ids = list(
        Assessment.objects.exclude(informant_caregiver=None)
        .values_list("informant_caregiver_id", flat=True)
        .distinct()
    )
    assert caregiver_ids
    names = [("Zoë", 'Müller-ǃXóõ "Mama"'), ("Nomsa\\", "Dlamini\t"), ("Ωmega", "Ngcobo 😀")]
    for number, caregiver_id in enumerate(caregiver_ids):
        first, last = names[number % len(names)]
        Caregiver.objects.filter(pk=caregiver_id).update(first_name=first, last_name=last)

    first_run = rescore_run_to_end()
    second_run = rescore_run_to_end()

    assert first_run.changed > 0  # the informants' new names are in the findings
    assert second_run.done == first_run.done
    assert second_run.changed == 0
    stored = _profiles_as_stored()
    for child_id, wave_id in stored:
        risk_profile_recompute(
            child=Child.objects.get(pk=child_id), wave=Wave.objects.get(pk=wave_id)
        )
    assert _profiles_as_stored() == stored
    assert any("Müller-ǃXóõ" in row[-1] or "M\\u00fcller" in row[-1] for row in stored.values())


def rescore_run_to_end():
    return rescoring.rescore_run(rescore_start(restart=True).pk)
