"""The scoring engine, on the mini instrument: findings, combining informants, discordance."""

from pathlib import Path

import pytest

from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.engine.scoring import Scorer

FIXTURES = Path(__file__).parent.parent / "fixtures"
CHILD = {"child_age_months": 60.32, "child_sex": "F", "child_csg": "receives"}


@pytest.fixture(scope="module")
def scorer():
    result = read_instrument(FIXTURES / "mini.md")
    assert result.ok, result.problems
    return Scorer(result.definition)


def test_a_rule_that_fires_gives_its_level_and_reason(scorer):
    score = scorer.score("caregiver", {"cg_meals": 1, "cg_hungry": "yes"}, CHILD)
    assert {(f.rule, f.level) for f in score.findings} == {
        ("nut_meals_high", "high"),
        ("nut_hungry", "moderate"),
    }
    assert score.level("nutrition") == "high"
    assert score.findings[0].reason == "Fewer than two meals yesterday"


def test_a_domain_answered_without_concerns_is_low_and_an_unanswered_one_has_no_level(scorer):
    score = scorer.score("caregiver", {"cg_meals": 3}, CHILD)
    assert score.level("nutrition") == "low"
    assert score.level("education") is None


def test_rules_only_read_their_own_respondents_answers(scorer):
    # A teacher's assessment never triggers caregiver rules, even with the same answer names.
    score = scorer.score("teacher", {"tc_abuse": "no", "tc_absent": 0}, CHILD)
    assert score.findings == []
    assert score.covered == frozenset({"protection", "education"})


def test_the_highest_level_any_informant_gives_wins(scorer):
    caregiver = scorer.score("caregiver", {"cg_meals": 3, "cg_hit": "no"}, CHILD)
    teacher = scorer.score("teacher", {"tc_abuse": "yes", "tc_absent": 6}, CHILD)
    profile = scorer.combine([caregiver, teacher])
    assert profile.domains["protection"].level == "high"
    assert profile.domains["education"].level == "moderate"
    assert profile.domains["nutrition"].level == "low"
    assert profile.domains["health"].level is None
    assert profile.overall == "high"


def test_sharp_disagreement_between_informants_is_flagged(scorer):
    caregiver = scorer.score("caregiver", {"cg_meals": 3, "cg_hit": "no"}, CHILD)
    nurse = scorer.score("nurse", {"ns_abuse": "yes"}, CHILD)
    profile = scorer.combine([caregiver, nurse])
    protection = profile.domains["protection"]
    assert protection.discordant is True
    assert protection.informant_levels == {"caregiver": "low", "nurse": "high"}
    assert profile.discordant_domains == ["protection"]


def test_moderate_against_low_is_not_discordant(scorer):
    caregiver = scorer.score("caregiver", {"cg_meals": 3, "cg_hit": "yes"}, CHILD)
    nurse = scorer.score("nurse", {"ns_abuse": "no"}, CHILD)
    assert scorer.combine([caregiver, nurse]).domains["protection"].discordant is False


def test_domain_rules_count_indicators_across_informants(scorer):
    caregiver = scorer.score("caregiver", {"cg_meals": 3, "cg_hit": "yes"}, CHILD)
    alone = scorer.combine([caregiver])
    assert alone.domains["protection"].level == "moderate"
    teacher = scorer.score("teacher", {"tc_abuse": "yes"}, CHILD)
    both = scorer.combine([caregiver, teacher])
    assert any(f.rule == "prot_many" for f in both.domains["protection"].findings)


def test_urgent_rules_raise_urgent_flags_with_their_reasons(scorer):
    score = scorer.score("caregiver", {"cg_meals": 0, "cg_dep9": "1"}, CHILD)
    profile = scorer.combine([score])
    assert profile.urgent
    assert {f.rule for f in profile.urgent_findings} == {"nut_meals_none", "psy_selfharm"}


def test_measures_feed_rules_using_the_childs_age_and_sex(scorer):
    # WHO's example girl (60.32 months): 113.8 cm, 18.7 kg is well nourished...
    fine = scorer.score("nurse", {"ns_height": 113.8, "ns_weight": 18.7}, CHILD)
    assert fine.measures["growth_haz"] == pytest.approx(0.96)
    assert fine.findings == []
    # ...while 95 cm for the same girl is stunted, and 13 kg at 113.8 cm (BAZ -4.8) severely thin.
    stunted = scorer.score("nurse", {"ns_height": 95.0, "ns_weight": 14.0}, CHILD)
    assert "hea_stunted" in {f.rule for f in stunted.findings}
    thin = scorer.score("nurse", {"ns_height": 113.8, "ns_weight": 13.0}, CHILD)
    assert "hea_sev_thin" in {f.rule for f in thin.findings}
    assert scorer.combine([thin]).urgent


def test_a_measure_with_a_missing_input_simply_has_no_value(scorer):
    score = scorer.score("nurse", {"ns_height": 110.0}, CHILD)
    assert score.measures == {}
    assert score.findings == []


def test_an_out_of_range_measure_input_is_reported_not_raised(scorer):
    score = scorer.score("nurse", {"ns_height": 500.0, "ns_weight": 20.0}, CHILD)
    assert score.measure_problems and "height" in score.measure_problems[0]


def test_profile_serialises_to_plain_data(scorer):
    profile = scorer.combine([scorer.score("caregiver", {"cg_meals": 1}, CHILD)])
    data = profile.to_dict()
    assert data["domains"]["nutrition"]["findings"][0]["reason"] == "Fewer than two meals yesterday"
    assert data["overall"] == "high"


def test_the_written_out_serialisation_equals_dataclasses_asdict(scorer):
    from dataclasses import asdict

    profile = scorer.combine(
        [
            scorer.score("caregiver", {"cg_meals": 0, "cg_hit": "yes", "cg_dep9": "2"}, CHILD),
            scorer.score("teacher", {"tc_abuse": "yes", "tc_absent": 9}, CHILD),
            scorer.score("nurse", {"ns_height": 95.0, "ns_weight": 10.0, "ns_abuse": "no"}, CHILD),
        ],
    )
    assert profile.urgent_findings and any(d.findings for d in profile.domains.values())
    assert profile.to_dict() == asdict(profile)


def test_a_rule_is_as_sensitive_as_the_answers_it_reads(scorer):
    from cwtt.instruments.engine.definition import rule_sensitivities

    classes = rule_sensitivities(scorer.definition)
    assert classes["nut_meals_high"] == frozenset({"general"})
    assert classes["prot_hit"] == frozenset({"protection"})
    assert classes["prot_abuse_tc"] == frozenset({"protection"})
    # Measures pass on their inputs' class: growth reads the nurse's health measurements.
    assert classes["hea_sev_thin"] == frozenset({"health"})
    assert classes["edu_absent"] == frozenset({"education"})
