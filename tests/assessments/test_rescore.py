"""`cwtt rescore`: every profile recomputed once, in batches, resumable after a crash."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import RiskProfile
from cwtt.assessments.rescoring import rescore
from cwtt.instruments.engine.scoring import Scorer

DAY = dt.date(2026, 3, 10)


def save(child, wave, respondent="caregiver", answers=None):
    return assessment_save(
        child=child, wave=wave, respondent=respondent, answers=answers or {}, assessed_on=DAY
    )


def children_with_two_questionnaires(child_factory, school, wave, count):
    children = []
    for number in range(count):
        child = child_factory(school, first=f"Child{number}", last=f"Family{number}")
        save(child, wave, answers={"cg_meals": 1 + number % 2, "cg_hungry": "no"})
        save(child, wave, respondent="teacher", answers={"tc_abuse": "no", "tc_absent": number})
        children.append(child)
    return children


class CombineSpy:
    """Counts how many profiles were computed: each is one `Scorer.combine`."""

    def __init__(self) -> None:
        self.calls = 0
        self.original = Scorer.combine

    def __call__(self, scorer, scores):
        self.calls += 1
        return self.original(scorer, scores)


def test_rescoring_computes_each_childs_profile_once(child_factory, sunrise, wave):
    children_with_two_questionnaires(child_factory, sunrise, wave, 4)
    spy = CombineSpy()
    with mock.patch.object(Scorer, "combine", autospec=True, side_effect=spy):
        rescore()
    # Two questionnaires per child used to make each child's pair appear twice.
    assert spy.calls == 4
    assert RiskProfile.objects.count() == 4
