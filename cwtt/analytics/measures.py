"""What the cohort tables count: the six domains, and the key indicators the CWTT study
published (docs/evidence.md).

A key indicator is a set of the instrument's scoring rules (cwtt/instruments/data/cwtt_default.md,
`scoring` sheet): a child counts when any of them fired in the child's risk profile, at any
level. Its n is the children assessed by an informant who answers those rules (e.g. the
caregiver), so a child whose caregiver was not interviewed is neither counted nor in n. A wave
answered with an instrument that has none of a measure's rules leaves that measure out.
"""

from __future__ import annotations

from dataclasses import dataclass

from cwtt.instruments.engine.definition import DOMAIN_LABELS, DOMAINS


@dataclass(frozen=True)
class KeyIndicator:
    code: str
    label: str
    rules: frozenset[str]


KEY_INDICATORS: tuple[KeyIndicator, ...] = (
    KeyIndicator(
        "violence_exposure",
        "Exposed to violence at home or in the community",
        frozenset(
            {
                "pro_violence_home_cg",
                "pro_violence_home_often_cg",
                "pro_violence_community_cg",
                "pro_violence_community_often_cg",
            }
        ),
    ),
    KeyIndicator(
        "caregiver_safety_concern",
        "Caregiver very worried about the child's safety",
        frozenset({"pro_safety_worry_cg"}),
    ),
    KeyIndicator(
        "victim_of_abuse",
        "Told of abuse (by the child or caregiver)",
        frozenset({"pro_abuse_disclosed_cg", "pro_abuse_disclosed_tc", "pro_abuse_disclosed_ns"}),
    ),
    KeyIndicator(
        "child_hunger",
        "Child went to bed hungry in the past 4 weeks",
        frozenset({"nut_child_hungry_cg", "nut_child_hungry_often_cg"}),
    ),
    KeyIndicator(
        "fewer_than_three_meals",
        "Fewer than three meals yesterday",
        frozenset({"nut_meals_few_cg", "nut_meals_one_cg"}),
    ),
    KeyIndicator(
        "harsh_discipline",
        "Harsh physical discipline at home",
        frozenset({"pro_harsh_discipline_cg", "pro_hit_often_cg"}),
    ),
)


def domain_measure(domain: str) -> str:
    return f"high risk: {DOMAIN_LABELS[domain]}"


DOMAIN_MEASURES = tuple(domain_measure(d) for d in DOMAINS)
