"""`cwtt rescore` reads answers as their codes, stores them where they are missing, and gives
the same profiles as recomputing each child one by one (docs/decisions/0070-answer-codes.md)."""

from __future__ import annotations

import json
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cwtt.assessments import rescoring
from cwtt.assessments.actions import risk_profile_recompute
from cwtt.assessments.models import AnswerTerm, Assessment, RiskProfile, Wave
from cwtt.assessments.rescoring import rescore_run, rescore_start
from cwtt.registry.models import Caregiver, Child
from cwtt.synthetic.generate import generate_district
from tests.conftest import TODAY


def rescore_to_end():
    return rescore_run(rescore_start(restart=True).pk)


def stored_profiles():
    names = ["instrument_version_id", *rescoring.DERIVED[:-1], "details"]
    return {
        (row[0], row[1]): (*row[2:-1], json.dumps(row[-1]))
        for row in RiskProfile.objects.values_list("child_id", "wave_id", *names)
    }


def recomputed_one_by_one():
    for child_id, wave_id in list(stored_profiles()):
        risk_profile_recompute(
            child=Child.objects.get(pk=child_id), wave=Wave.objects.get(pk=wave_id)
        )
    return stored_profiles()


def answers_read(queries) -> int:
    """How many of the queries read the answers' JSON."""
    column = connection.ops.quote_name("answers")
    return sum(
        1 for q in queries.captured_queries if q["sql"].startswith("SELECT") and column in q["sql"]
    )


@pytest.fixture
def district_answers(default_version):
    generate_district(schools=1, learners_per_school=40, waves=2, seed=7, today=TODAY)
    assert Assessment.objects.filter(answer_codes__isnull=True).exists()


def test_a_first_rescore_stores_every_counting_questionnaires_codes_and_a_second_reads_no_json(
    district_answers,
):
    rescore_to_end()
    counting = Assessment.objects.filter(status__in=rescoring.COUNTING)
    assert not counting.filter(answer_codes__isnull=True).exists()
    after_first = stored_profiles()

    RiskProfile.objects.update(details={})  # every profile must be written again
    with CaptureQueriesContext(connection) as queries:
        run = rescore_to_end()

    assert run.changed == run.done == len(after_first)
    assert answers_read(queries) == 0
    assert stored_profiles() == after_first == recomputed_one_by_one()


def test_an_answer_with_no_code_is_read_from_its_json_and_scores_the_same(district_answers):
    # Free text where a rule reads a choice (an import may bring such answers): no code.
    assessment = Assessment.objects.filter(respondent="caregiver").first()
    assessment.answers = {**assessment.answers, "cg_abuse_concern": "Yes, the neighbour said so"}
    assessment.save(update_fields=["answers"])
    rescore_to_end()
    RiskProfile.objects.update(details={})

    with CaptureQueriesContext(connection) as queries:
        rescore_to_end()

    assert answers_read(queries) == 1  # the batch holding that questionnaire
    assert stored_profiles() == recomputed_one_by_one()
    texts = set(AnswerTerm.objects.values_list("text", flat=True))
    assert json.dumps("Yes, the neighbour said so") not in texts


def test_changed_answers_lose_their_codes_and_are_scored_as_they_now_are(district_answers):
    rescore_to_end()
    assessment = Assessment.objects.filter(respondent="caregiver").first()
    before = RiskProfile.objects.get(child=assessment.child, wave=assessment.wave)
    assessment.answers = {**assessment.answers, "cg_abuse_disclosed": "yes"}
    assessment.save()  # the profile is not recomputed here: the rescore must see the change
    RiskProfile.objects.filter(pk=before.pk).update(protection="low", details={})
    assessment.refresh_from_db()
    assert assessment.answer_codes is None

    rescore_to_end()

    assert RiskProfile.objects.get(pk=before.pk).protection == "high"
    assert Assessment.objects.get(pk=assessment.pk).answer_codes is not None
    assert stored_profiles() == recomputed_one_by_one()


def test_terms_hold_question_names_numbers_and_choice_names_only(district_answers):
    Caregiver.objects.update(first_name="Nomvula")
    first = Assessment.objects.filter(respondent="caregiver").first()
    first.answers = {**first.answers, "cg_good_at": "Nomvula says she sings"}
    first.save(update_fields=["answers"])

    rescore_to_end()

    rules = rescoring.ScoringRules.load()
    definition = rescoring.batch_scorer_for(
        next(iter(rules.in_force.values())).pk
    ).scorer.definition
    choices = {c.name for options in definition.choices.values() for c in options}
    questions = {q.name for q in definition.answerable()}
    for text in AnswerTerm.objects.values_list("text", flat=True):
        value = json.loads(text)
        if isinstance(value, str):
            assert value in questions | choices | {""}, text
        elif isinstance(value, list):
            assert set(value) <= choices, text
        else:
            assert value is None or isinstance(value, bool | int | float), text
    assert not AnswerTerm.objects.filter(text__contains="Nomvula").exists()


def test_a_batch_that_fails_after_storing_new_terms_forgets_them(district_answers):
    real = rescoring._update_profiles
    calls = []

    def fail_once(updated):
        calls.append(len(updated))
        if len(calls) == 1:
            raise RuntimeError("the disk is full")
        return real(updated)

    RiskProfile.objects.update(details={})
    run = rescore_start()
    rules = rescoring.ScoringRules.load()
    with mock.patch.object(rescoring, "_update_profiles", side_effect=fail_once):
        with pytest.raises(RuntimeError):
            rescoring.rescore_batch(run.pk, rules=rules, batch_size=20)
        # Nothing of that batch is kept: no terms, no codes, and the codebook knows it.
        assert not AnswerTerm.objects.exists()
        assert not Assessment.objects.filter(answer_codes__isnull=False).exists()
        assert rules.codebook.highest == 0
        while rescoring.rescore_batch(run.pk, rules=rules, batch_size=20).pairs:
            pass
    rescoring.rescore_finish(run.pk)
    assert stored_profiles() == recomputed_one_by_one()


def test_a_worker_reads_the_terms_another_worker_stored_since_it_started(district_answers):
    run = rescore_start()
    started_first, started_later = rescoring.ScoringRules.load(), rescoring.ScoringRules.load()
    rescoring.rescore_batch(run.pk, rules=started_later, batch_size=1000)  # stores terms
    assert started_first.codebook.highest == 0 < started_later.codebook.highest

    RiskProfile.objects.update(details={})
    run = rescore_start(restart=True)
    while rescoring.rescore_batch(run.pk, rules=started_first, batch_size=1000).pairs:
        pass
    rescoring.rescore_finish(run.pk)

    assert started_first.codebook.highest == AnswerTerm.objects.latest("pk").pk
    assert stored_profiles() == recomputed_one_by_one()
