"""The default CWTT instrument: complete, clean, built on free standards, and urgent where it must be."""

from pathlib import Path

import pytest
from django.conf import settings

from cwtt.instruments.engine.definition import DOMAINS
from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.engine.scoring import Scorer

# DESIGN §2: every indicator of the CWTT, by domain.
DESIGN_INDICATORS = {
    "health": ["morbidity", "immunisation", "growth", "activity", "health_access"],
    "nutrition": ["food_security", "food_quality", "food_quantity"],
    "economic": ["income", "debt", "saving", "living_conditions", "basic_services"],
    "education": [
        "attendance",
        "progression",
        "competency",
        "caregiver_involvement",
        "homework_support",
        "school_fear",
    ],
    "protection": [
        "family_relationships",
        "supportive_adults",
        "whereabouts",
        "violence_exposure",
        "abuse",
        "discipline",
    ],
    "psychosocial": [
        "behaviour",
        "coping",
        "self_regulation",
        "problem_solving",
        "depression",
        "anxiety",
        "resilience",
        "strengths_difficulties",
        "caregiver_mental_health",
    ],
}
GIRL_7 = {"child_age_months": 84.0, "child_sex": "F", "child_csg": "receives"}


@pytest.fixture(scope="module")
def definition():
    result = read_instrument(Path(settings.CWTT_DEFAULT_INSTRUMENT))
    assert result.ok, [str(p) for p in result.problems]
    return result.definition


@pytest.fixture(scope="module")
def scorer(definition):
    return Scorer(definition)


def test_it_covers_every_domain_and_indicator_of_the_design(definition):
    found = definition.indicators()
    assert list(found) == list(DOMAINS)
    for domain, indicators in DESIGN_INDICATORS.items():
        assert set(indicators) <= set(found[domain]), domain


def test_every_indicator_has_a_risk_rule_with_a_reason_and_a_source(definition):
    for domain, indicators in DESIGN_INDICATORS.items():
        for indicator in indicators:
            rules = [r for r in definition.rules if r.domain == domain and r.indicator == indicator]
            assert rules, f"{domain}.{indicator} has no rule"
            assert all(r.reason and r.source for r in rules)


def test_caregiver_teacher_and_nurse_each_have_questions(definition):
    assert {"caregiver", "teacher", "nurse"} <= set(definition.respondents())
    assert all(
        q.sensitivity in {"general", "education", "health", "protection"}
        for q in definition.answerable()
    )


def test_it_embeds_the_free_standards_in_full(definition):
    kinds = {m.kind: m for m in definition.measures}
    assert set(kinds) == {"growth", "hfias", "phq9", "psc17"}
    assert (
        len(kinds["hfias"].inputs) == 9
        and len(kinds["phq9"].inputs) == 9
        and len(kinds["psc17"].inputs) == 17
    )


def test_it_does_not_ship_the_licensed_sdq(definition):
    text = " ".join(" ".join(q.label.values()) for q in definition.questions).lower()
    assert "sdq" not in text and "strengths and difficulties questionnaire" not in text


def urgent_rules(scorer, respondent, answers, context=GIRL_7):
    return {f.rule for f in scorer.score(respondent, answers, context).findings if f.urgent}


def test_a_disclosed_abuse_is_urgent_from_any_informant(scorer):
    assert urgent_rules(scorer, "teacher", {"tc_abuse_disclosed": "yes"})
    assert urgent_rules(scorer, "nurse", {"ns_abuse_disclosed": "yes"})
    assert urgent_rules(scorer, "caregiver", {"cg_abuse_disclosed": "yes"})
    assert not urgent_rules(scorer, "teacher", {"tc_abuse_disclosed": "no"})


def test_caregiver_thoughts_of_self_harm_are_urgent(scorer):
    assert urgent_rules(scorer, "caregiver", {"cg_phq_selfharm": "1"})
    assert not urgent_rules(scorer, "caregiver", {"cg_phq_selfharm": "0"})


def test_a_whole_day_without_food_is_urgent(scorer):
    assert urgent_rules(scorer, "caregiver", {"cg_fs_wholeday": "1"})


def test_severe_thinness_is_urgent(scorer):
    # A 7-year-old girl of 120 cm and 16.5 kg has BMI-for-age below -3 SD (WHO 2007).
    assert urgent_rules(scorer, "nurse", {"ns_height_cm": 120.0, "ns_weight_kg": 16.5})
    assert not urgent_rules(scorer, "nurse", {"ns_height_cm": 120.0, "ns_weight_kg": 22.0})
