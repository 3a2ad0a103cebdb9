"""Contradictions worth a second look, kept as data: one row per rule, each written in the
instrument's own expression language (docs/instrument-format.md) over the questions of the
default instrument, with the plain-language explanation a coordinator reads.

A rule fires when the answers cannot all be true at once, or are very unlikely to be: facts
that two informants should agree on (days missed against the class register), or two answers
of one questionnaire that exclude each other. Informants who see the child differently (a
teacher sees less hunger than the caregiver) are not contradictions: scoring already shows that
as "informants disagree", and it is information, not an error.

Rules are evaluated on one child's latest submitted answers in the wave, all questionnaires
together. A rule whose questions are not all in the wave's instrument version is skipped, so a
later version that renames a question silently drops the rule (tests/quality checks that every
rule's questions exist in cwtt/instruments/data/cwtt_default.md). An unanswered question never
makes a rule fire (docs/decisions/0003-expression-language.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True, slots=True)
class ContradictionRule:
    code: str
    when: str  # fires when true
    explanation: str | Promise


CONTRADICTIONS: tuple[ContradictionRule, ...] = (
    ContradictionRule(
        "attendance_register",
        "abs(${cg_days_missed} - ${tc_days_absent}) >= 5",
        _(
            "The caregiver and the teacher's class register differ by 5 or more school days on "
            "how many days the child missed last month. Check the register and ask the "
            "caregiver again."
        ),
    ),
    ContradictionRule(
        "repeated_grade",
        "(${cg_repeated} = 'yes' and ${tc_repeated} = 'no') "
        "or (${cg_repeated} = 'no' and ${tc_repeated} = 'yes')",
        _(
            "The caregiver and the teacher give opposite answers on whether the child has "
            "repeated a grade. The school's records can settle it."
        ),
    ),
    ContradictionRule(
        "chronic_condition",
        "${cg_chronic} = 'no' and (${ns_chronic} = 'treated' or ${ns_chronic} = 'not_treated')",
        _(
            "The nurse recorded a long-term condition, but the caregiver says the child has "
            "none. Check with the nurse which is right."
        ),
    ),
    ContradictionRule(
        "parent_died_lives_with_both",
        "${cg_lives_with} = 'both_parents' and "
        "(${cg_orphan} = 'mother' or ${cg_orphan} = 'father' or ${cg_orphan} = 'both')",
        _(
            "The caregiver says the child lives with both parents, and also that a parent has "
            "died. One answer may be wrong, or a step-parent counted as a parent."
        ),
    ),
    ContradictionRule(
        "grant_but_no_money",
        "${cg_csg_child} = 'yes' and selected(${cg_income_source}, 'none')",
        _(
            "The caregiver says the child gets the Child Support Grant, and also that no money "
            "comes into the household. The grant is money coming in."
        ),
    ),
    ContradictionRule(
        "meals_but_no_food",
        "${cg_meals_yesterday} >= 2 and selected(${cg_food_groups}, 'none')",
        _(
            "The caregiver says the child ate two or more meals yesterday, but none of the listed "
            "foods, not even pap, bread or rice."
        ),
    ),
    ContradictionRule(
        "went_without_food_never_worried",
        "${cg_fs_wholeday} >= 2 and ${cg_fs_worry} = 0",
        _(
            "The caregiver says someone in the household went a whole day and night without "
            "food 3 or more times in 4 weeks, but never worried about having enough food. The "
            "food questions may have been read too fast or answered in the wrong order."
        ),
    ),
)
