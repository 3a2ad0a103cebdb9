"""`Scorer.measures_of`: the standard measures one assessment feeds, with the measure's own
output keys, for pages that show the numbers (the child's growth), worked out exactly as
scoring works them out; and `measure_sensitivity`, the class of what a measure reads."""

from pathlib import Path

import pytest

from cwtt.instruments.engine.definition import measure_sensitivity, rule_sensitivities
from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.engine.scoring import Scorer

FIXTURES = Path(__file__).parent.parent / "fixtures"
# WHO's anthroplus example: a girl of 60.32 months, 113.8 cm, 18.7 kg.
GIRL = {"child_age_months": 60.32, "child_sex": "F", "child_csg": "receives"}


@pytest.fixture(scope="module")
def scorer():
    result = read_instrument(FIXTURES / "mini.md")
    assert result.ok, result.problems
    return Scorer(result.definition)


def test_a_nurses_measurement_gives_the_growth_measure_with_its_inputs(scorer):
    [outcome] = scorer.measures_of("nurse", {"ns_height": 113.8, "ns_weight": 18.7}, GIRL)
    assert (outcome.name, outcome.kind, outcome.problem) == ("growth", "growth", "")
    assert dict(outcome.inputs) == {
        "sex": "F",
        "age_months": 60.32,
        "height_cm": 113.8,
        "weight_kg": 18.7,
    }
    assert (outcome.result["haz"], outcome.result["waz"], outcome.result["baz"]) == (
        0.96,
        0.21,
        -0.58,
    )


def test_the_numbers_are_the_ones_the_scoring_rules_read(scorer):
    answers = {"ns_height": 98.0, "ns_weight": 15.0}
    [outcome] = scorer.measures_of("nurse", answers, GIRL)
    score = scorer.score("nurse", answers, GIRL)
    for key in ("haz", "waz", "baz", "stunted", "severely_thin"):
        assert score.measures[f"growth_{key}"] == outcome.result[key]
    assert outcome.result["stunted"] is True
    assert "hea_stunted" in {f.rule for f in score.findings}


def test_a_measure_with_an_unanswered_input_is_left_out_as_in_scoring(scorer):
    assert scorer.measures_of("nurse", {"ns_height": 113.8}, GIRL) == []
    assert scorer.score("nurse", {"ns_height": 113.8}, GIRL).measures == {}


def test_a_measure_that_cannot_be_worked_out_says_why(scorer):
    older = {**GIRL, "child_age_months": 240}
    [outcome] = scorer.measures_of("nurse", {"ns_height": 150, "ns_weight": 45}, older)
    assert outcome.result is None
    assert "beyond 228 months" in outcome.problem


def test_only_the_measures_of_the_kind_asked_for_and_the_respondent(scorer):
    answers = {"ns_height": 113.8, "ns_weight": 18.7}
    assert scorer.measures_of("nurse", answers, GIRL, kind="hfias") == []
    assert scorer.measures_of("caregiver", answers, GIRL) == []
    assert scorer.measures_of("nobody", answers, GIRL) == []


def test_a_measure_is_as_sensitive_as_the_answers_it_reads(scorer):
    definition = scorer.definition
    [growth] = [m for m in definition.measures if m.kind == "growth"]
    # Height and weight are health answers; the child's sex and age are registry facts.
    assert measure_sensitivity(definition, growth) == frozenset({"health"})
    # The rules that read the measure's results carry the same class.
    assert rule_sensitivities(definition)["hea_stunted"] == frozenset({"health"})
