"""The statistics of the evidence tables (cwtt/analytics/statistics.py), each against numbers
worked out by hand here and against a published worked example."""

from __future__ import annotations

import math

import pytest

from cwtt.analytics.statistics import agreement, paired_change, wilson

Z = 1.959963984540054  # the 97.5th percentile of the standard normal


def wilson_by_hand(x: int, n: int) -> tuple[float, float]:
    """Wilson (1927): (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)."""
    p = x / n
    centre = p + Z**2 / (2 * n)
    spread = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return (centre - spread) / (1 + Z**2 / n), (centre + spread) / (1 + Z**2 / n)


# --- Wilson interval ---------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "n"), [(7, 12), (58, 100), (1, 40), (0, 9), (9, 9)])
def test_wilson_interval_matches_the_formula_worked_by_hand(x, n):
    found = wilson(x, n)
    low, upper = wilson_by_hand(x, n)
    assert found.share == pytest.approx(x / n)
    assert found.low == pytest.approx(max(0.0, low), abs=1e-12)
    assert found.upper == pytest.approx(min(1.0, upper), abs=1e-12)


@pytest.mark.parametrize(
    ("x", "n", "low", "upper"),
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombes_published_examples(x, n, low, upper):
    # Newcombe RG (1998) Two-sided confidence intervals for the single proportion: comparison of
    # seven methods. Statist. Med. 17:857-872, Table II, method 3 (score interval, no correction).
    found = wilson(x, n)
    assert round(found.low, 4) == low
    assert round(found.upper, 4) == upper


def test_wilson_of_no_children_is_empty_and_bad_counts_are_refused():
    assert wilson(0, 0).share is None
    with pytest.raises(ValueError, match="cannot be more than n"):
        wilson(5, 4)
    with pytest.raises(ValueError, match="whole number"):
        wilson(-1, 4)


# --- paired change -----------------------------------------------------------------------------


def test_paired_change_matches_newcombes_method_10_worked_by_hand():
    both, only_from, only_to, neither = 20, 6, 14, 60
    n = 100
    found = paired_change(both=both, only_from=only_from, only_to=only_to, neither=neither)
    p1, p2 = 26 / n, 34 / n
    l1, u1 = wilson_by_hand(26, n)
    l2, u2 = wilson_by_hand(34, n)
    # phi with Newcombe's adjustment: (ad - bc - n/2) / sqrt(product of the margins)
    phi = (20 * 60 - 6 * 14 - 50) / math.sqrt(26 * 74 * 34 * 66)
    low = (p2 - p1) - math.sqrt((p2 - l2) ** 2 - 2 * phi * (p2 - l2) * (u1 - p1) + (u1 - p1) ** 2)
    upper = (p2 - p1) + math.sqrt((u2 - p2) ** 2 - 2 * phi * (u2 - p2) * (p1 - l1) + (p1 - l1) ** 2)
    assert found.difference == pytest.approx(0.08)
    assert found.low == pytest.approx(low, abs=1e-12)
    assert found.upper == pytest.approx(upper, abs=1e-12)
    # 20 children changed, fewer than 25: the exact test, twice the binomial tail P(X <= 6 | 20, ½)
    tail = sum(math.comb(20, i) for i in range(7)) / 2**20
    assert found.exact
    assert found.p_value == pytest.approx(2 * tail)


def test_paired_change_matches_a_published_newcombe_interval():
    # Fagerland MW, Lydersen S, Laake P (2017) Statistical Analysis of Contingency Tables, ch. 8:
    # complete response before and after consolidation therapy (Cavo et al. 2012), the table
    # 59 / 6 / 16 / 80; Newcombe square-and-add interval -0.0621 (-0.1186 to -0.0046) for
    # before minus after. Ours is after minus before, so the signs turn over.
    found = paired_change(both=59, only_from=6, only_to=16, neither=80)
    assert round(found.difference, 4) == 0.0621
    assert round(found.low, 4) == 0.0046
    assert round(found.upper, 4) == 0.1186


def test_mcnemar_matches_agrestis_presidential_approval_example():
    # Agresti A (2007) An Introduction to Categorical Data Analysis, 2nd ed., §8.1, Table 8.1:
    # approval of the President's performance in two surveys a month apart, 1600 people:
    # 794 approve both times, 150 approve then disapprove, 86 disapprove then approve, 570 never.
    # Shares 0.59 and 0.55; z² = (86 - 150)² / (86 + 150) = 17.36, P < 0.001; the Wald interval
    # for the change is -0.04 ± 1.96 × 0.0095 = (-0.06, -0.02).
    found = paired_change(both=794, only_from=150, only_to=86, neither=570)
    assert (found.share_from, found.share_to) == (pytest.approx(0.59), pytest.approx(0.55))
    assert found.difference == pytest.approx(-0.04)
    assert not found.exact
    assert found.p_value == pytest.approx(math.erfc(math.sqrt(4096 / 236 / 2)))  # χ²₁ = 17.36
    assert found.p_value < 0.001
    # Newcombe's interval is close to Agresti's Wald one at this size.
    assert round(found.low, 2) == -0.06
    assert round(found.upper, 2) == -0.02


def test_no_child_changing_gives_no_difference_and_p_of_one():
    found = paired_change(both=10, only_from=0, only_to=0, neither=30)
    assert found.difference == 0
    assert found.p_value == 1.0
    assert found.low < 0 < found.upper
    assert paired_change(both=0, only_from=0, only_to=0, neither=0).difference is None


# --- Cohen's kappa -----------------------------------------------------------------------------


def test_kappa_matches_the_formula_worked_by_hand():
    both, only_a, only_b, neither = 8, 12, 4, 76
    found = agreement(both=both, only_a=only_a, only_b=only_b, neither=neither)
    observed = (8 + 76) / 100
    chance = (20 * 12 + 80 * 88) / 100**2
    assert found.n == 100
    assert found.agreement == pytest.approx(observed)
    assert found.kappa == pytest.approx((observed - chance) / (1 - chance))


def test_kappa_matches_a_textbook_example():
    # Cohen's kappa, the worked example of 50 grant proposals read by two readers: 20 yes by
    # both, 5 yes by A only, 10 yes by B only, 15 no by both; p_o = 0.7, p_e = 0.5, kappa = 0.4
    # (Wikipedia "Cohen's kappa", Examples; after Fleiss, Levin & Paik 2003, ch. 18).
    found = agreement(both=20, only_a=5, only_b=10, neither=15)
    assert found.agreement == pytest.approx(0.7)
    assert found.kappa == pytest.approx(0.4)


def test_kappa_is_undefined_when_both_informants_always_say_the_same_thing():
    found = agreement(both=0, only_a=0, only_b=0, neither=40)
    assert found.agreement == 1.0
    assert found.kappa is None
