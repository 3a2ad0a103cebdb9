"""Referral rules as data: each rule of the shipped file proposes the right service, the reader
names every problem by row and column, and the check command reports them (issue #4, item 6)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from cwtt.assessments.actions import assessment_save
from cwtt.referrals.rules import (
    DEFAULT_RULES_FILE,
    configured_rules,
    propose,
    propose_referrals,
    read_rules_file,
    read_rules_text,
)

from .conftest import details_with, finding

RULES = read_rules_file(DEFAULT_RULES_FILE).rules
RECEIVES = {"grant_status": "receives"}


def services(*findings, facts=RECEIVES):
    return {p.service: p for p in propose(details_with(*findings), facts, RULES)}


def test_the_shipped_rules_file_has_no_problems():
    result = read_rules_file(DEFAULT_RULES_FILE)
    assert result.ok, result.problems
    assert len(result.rules) >= 10


@pytest.mark.parametrize(
    "found, service, urgency, deadline",
    [
        (
            finding("hea_immun_incomplete_ns", "health", "immunisation", "high"),
            "immunisation",
            "routine",
            dt.timedelta(days=30),
        ),
        (
            finding("pro_abuse_disclosed_tc", "protection", "abuse", "high", urgent=True),
            "statutory_protection",
            "urgent",
            dt.timedelta(hours=24),
        ),
        (
            finding("pro_abuse_concern_ns", "protection", "abuse", "high"),
            "statutory_protection",
            "high",
            dt.timedelta(days=3),
        ),
        (
            finding("nut_child_hungry_cg", "nutrition", "food_quantity"),
            "food_support",
            "high",
            dt.timedelta(days=7),
        ),
        (
            finding("nut_whole_day_cg", "nutrition", "food_quantity", "high", urgent=True),
            "food_support",
            "urgent",
            dt.timedelta(hours=24),
        ),
        (
            finding("edu_reading_far_below_tc", "education", "competency", "high"),
            "educational_assessment",
            "high",  # also the education-domain rule at high, which is more urgent
            dt.timedelta(days=14),
        ),
        (
            finding("edu_maths_below_tc", "education", "competency"),
            "educational_assessment",
            "routine",
            dt.timedelta(days=30),
        ),
        (
            finding("psy_phq_moderate", "psychosocial", "caregiver_mental_health"),
            "caregiver_mental_health",
            "high",
            dt.timedelta(days=7),
        ),
        (
            finding("psy_phq_selfharm", "psychosocial", "caregiver_mental_health", "high", True),
            "caregiver_mental_health",
            "urgent",
            dt.timedelta(hours=24),
        ),
        (
            finding("pro_harsh_discipline_cg", "protection", "discipline", "moderate"),
            "family_strengthening",
            "routine",
            dt.timedelta(days=30),
        ),
        (
            finding("hea_screen_refer_ns", "health", "morbidity"),
            "eye_screening",
            "routine",
            dt.timedelta(days=30),
        ),
        (
            finding("eco_no_csg_cg", "economic", "income"),
            "grant_application",
            "routine",
            dt.timedelta(days=30),
        ),
    ],
)
def test_each_rule_proposes_its_service(found, service, urgency, deadline):
    proposed = services(found)
    assert service in proposed
    assert proposed[service].urgency == urgency
    assert proposed[service].deadline == deadline
    assert proposed[service].finding["rule"] == found["rule"]
    assert proposed[service].reason


def test_hunger_proposes_a_grant_application_only_without_the_child_support_grant():
    hungry = finding("nut_child_hungry_cg", "nutrition", "food_quantity")
    assert "grant_application" not in services(hungry)
    for status in ("not_receiving", "unknown", "applied"):
        proposal = services(hungry, facts={"grant_status": status})["grant_application"]
        assert proposal.rule == "hunger_no_grant"


def test_a_moderate_abuse_worry_does_not_propose_statutory_protection():
    unsure = finding("pro_abuse_unsure_cg", "protection", "abuse", "moderate")
    assert "statutory_protection" not in services(unsure)


def test_a_domain_at_high_proposes_its_service():
    many = finding("pro_domain_many", "protection", None, "high")
    assert services(many)["home_visit"].rule == "protection_high"


def test_proposals_come_most_urgent_first_with_one_per_service():
    found = [
        finding("nut_child_hungry_cg", "nutrition", "food_quantity"),
        finding("nut_whole_day_cg", "nutrition", "food_quantity", "high", urgent=True),
        finding("hea_immun_missed_cg", "health", "immunisation"),
        finding("pro_abuse_disclosed_ns", "protection", "abuse", "high", urgent=True),
    ]
    proposals = propose(details_with(*found), RECEIVES, RULES)
    assert [p.service for p in proposals].count("food_support") == 1
    assert [p.urgency for p in proposals][:2] == ["urgent", "urgent"]
    assert proposals[-1].service == "immunisation"


def test_no_findings_no_proposals():
    assert propose({}, RECEIVES, RULES) == []
    assert propose({"domains": {"health": {"level": "low", "findings": []}}}, {}, RULES) == []


def test_proposals_from_a_scored_mini_assessment(child, wave, service_types):
    child.grant_status = "not_receiving"
    child.save()
    outcome = assessment_save(
        child=child,
        wave=wave,
        respondent="caregiver",
        answers={"cg_meals": 1, "cg_hungry": "yes", "cg_hit": "yes", "cg_dep9": "1"},
        assessed_on=dt.date(2026, 3, 2),
    )
    proposed = {p.service: p for p in propose_referrals(outcome.profile)}
    assert proposed["food_support"].finding["rule"] == "nut_meals_high"
    assert proposed["grant_application"].rule == "hunger_no_grant"
    assert proposed["family_strengthening"].finding["rule"] == "prot_hit"
    assert proposed["caregiver_mental_health"].finding["rule"] == "psy_selfharm"


def test_another_rules_file_can_be_configured(tmp_path, settings):
    path = tmp_path / "rules.md"
    path.write_text(
        TABLE_HEAD + "| | only | | food_quantity | | | | counselling | routine | 2 days | x |\n"
    )
    settings.CWTT_REFERRAL_RULES = str(path)
    [rule] = configured_rules()
    assert rule.code == "only" and rule.deadline == dt.timedelta(days=2)


TABLE_HEAD = (
    "| referral_rules |\n"
    "| | rule | finding_rule | indicator | domain | level | child | service | urgency | deadline "
    "| reason |\n"
)


@pytest.mark.parametrize(
    "row, column, words",
    [
        ("| | r1 | | abuse | | | | magic_wand | urgent | 24 hours | x |", "service", "magic_wand"),
        ("| | r1 | | abuse | | | | home_visit | soonish | 24 hours | x |", "urgency", "soonish"),
        ("| | r1 | | abuse | | | | home_visit | urgent | tomorrow | x |", "deadline", "tomorrow"),
        ("| | r1 | | abuse | | | | home_visit | urgent | 0 days | x |", "deadline", "0 days"),
        ("| | r1 | | abuse | | extreme | | home_visit | urgent | 1 day | x |", "level", "extreme"),
        ("| | r1 | | | space | | | home_visit | urgent | 1 day | x |", "domain", "space"),
        ("| | r1 | | abuse | | | age > 5 | home_visit | urgent | 1 day | x |", "child", "age"),
        ("| | r1 | | abuse | | | | home_visit | urgent | 1 day | |", "reason", "plain"),
        ("| | R 1 | | abuse | | | | home_visit | urgent | 1 day | x |", "rule", "lower-case"),
    ],
)
def test_a_bad_row_is_named_with_its_row_and_column(row, column, words):
    good = "| | fine | | discipline | | | | family_strengthening | routine | 30 days | ok |"
    result = read_rules_text(TABLE_HEAD + good + "\n" + row + "\n")
    assert not result.ok
    [problem] = result.problems
    assert (problem.row, problem.column) == (3, column)
    assert words in str(problem) and str(problem).startswith(f"row 3, column {column}")
    assert [r.code for r in result.rules] == ["fine"]


def test_a_row_needs_exactly_one_trigger():
    both = "| | r1 | x_rule | abuse | | | | home_visit | urgent | 1 day | x |"
    none = "| | r2 | | | | | | home_visit | urgent | 1 day | x |"
    result = read_rules_text(TABLE_HEAD + both + "\n" + none + "\n")
    assert [str(p) for p in result.problems] == [
        "row 2: give exactly one trigger: finding_rule, indicator or domain "
        "(found finding_rule, indicator)",
        "row 3: give exactly one trigger: finding_rule, indicator or domain",
    ]


def test_duplicate_ids_missing_columns_and_a_missing_table_are_problems():
    row = "| | r1 | | abuse | | | | home_visit | urgent | 1 day | x |"
    assert "already used on row 2" in str(read_rules_text(TABLE_HEAD + row + "\n" + row).problems)
    assert "missing column(s): reason" in str(
        read_rules_text(
            "| referral_rules |\n| | rule | finding_rule | indicator | domain | level "
            "| child | service | urgency | deadline |\n"
        ).problems
    )
    assert "no `| referral_rules |` table" in str(read_rules_text("# nothing here").problems)


def test_an_empty_deadline_takes_the_urgency_default():
    row = "| | r1 | | abuse | | | | home_visit | urgent | | x |"
    [rule] = read_rules_text(TABLE_HEAD + row).rules
    assert rule.deadline == dt.timedelta(hours=24)


def test_the_check_command_summarises_a_good_file():
    out = io.StringIO()
    call_command("referral_rules", "check", stdout=out)
    text = out.getvalue()
    assert "no problems found" in text
    assert "abuse_disclosed" in text and "statutory_protection (urgent, 24 hours)" in text
    assert "warning" not in text  # every trigger exists in the default instrument


def test_the_check_command_lists_problems_and_exits_1(tmp_path):
    path = tmp_path / "bad.md"
    path.write_text(TABLE_HEAD + "| | r1 | | abuse | | | | magic_wand | soonish | 24 hours | x |\n")
    err = io.StringIO()
    with pytest.raises(SystemExit) as stopped:
        call_command("referral_rules", "check", str(path), stderr=err)
    assert stopped.value.code == 1
    assert "row 2, column service" in err.getvalue()
    assert "row 2, column urgency" in err.getvalue()
