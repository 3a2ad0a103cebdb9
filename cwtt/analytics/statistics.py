"""The statistics behind the evidence tables: plain Python over counts, no Django import, so the
tests and benchmarks call it directly (docs/evidence.md; decision 0056).

- `wilson`: a share with its Wilson 95% interval (statsmodels `proportion_confint`);
- `paired_change`: the change in a share between two waves on the same children, with Newcombe's
  hybrid score interval for a difference of paired proportions (his method 10, built from two
  statsmodels Wilson intervals) and McNemar's test (statsmodels `mcnemar`, exact binomial when
  the children who changed are few);
- `agreement`: raw agreement and Cohen's kappa between two informants on yes/no findings
  (statsmodels `cohens_kappa`);
- `matched_comparison` and `difference_interval`: served children against comparable children
  not served, matched in strata, with a 95% interval and p-value (scipy's normal distribution).

Every function takes counts and returns a small frozen record; none rounds: rounding is for
the page and the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.proportion import proportion_confint

ALPHA = 0.05  # 95% intervals throughout

# McNemar's test is exact (binomial on the children who changed) below this many changes; above
# it, the chi-squared statistic (b - c)² / (b + c) without continuity correction, as Agresti
# (2007, §8.1) gives it: the exact test already covers the small counts the correction is for.
EXACT_BELOW = 25


def _check_count(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number of at least 0, not {value!r}")
    return value


@dataclass(frozen=True, slots=True)
class Share:
    """`high` of `n` children, the share (0 to 1) and its 95% interval; None when n is 0."""

    n: int
    high: int
    share: float | None
    low: float | None
    upper: float | None


def wilson(high: int, n: int) -> Share:
    """The share `high / n` with its Wilson score 95% interval (Wilson 1927; Newcombe 1998 method
    3). Unlike the textbook Wald interval it stays inside 0..1 and keeps its coverage for small
    n and shares near 0 or 1, which small schools and rare findings (abuse) are."""
    _check_count("n", n)
    _check_count("high", high)
    if high > n:
        raise ValueError(f"high ({high}) cannot be more than n ({n})")
    if n == 0:
        return Share(0, 0, None, None, None)
    low, upper = proportion_confint(high, n, alpha=ALPHA, method="wilson")
    return Share(n, high, high / n, float(max(0.0, low)), float(min(1.0, upper)))


@dataclass(frozen=True, slots=True)
class PairedChange:
    """The same n children in two waves: the share high in each, the difference (later minus
    earlier), its 95% interval, and McNemar's p-value for "no change". None when n is 0."""

    n: int
    share_from: float | None
    share_to: float | None
    difference: float | None
    low: float | None
    upper: float | None
    p_value: float | None
    exact: bool  # McNemar's exact (binomial) version was used


def paired_change(*, both: int, only_from: int, only_to: int, neither: int) -> PairedChange:
    """Change between two waves on the same children, from the paired 2x2 table: `both` high
    in both waves, `only_from` high only in the earlier one, `only_to` only in the later one,
    `neither` in neither.

    The interval is Newcombe's hybrid score interval for paired proportions (Newcombe 1998,
    Statist. Med. 17:2635, method 10): the Wilson intervals of the two shares, combined with
    the correlation between the waves. It keeps its coverage where the Wald interval (Agresti's
    textbook one) fails: small n, shares near 0 or 1, few children changing.
    """
    for name, value in (
        ("both", both),
        ("only_from", only_from),
        ("only_to", only_to),
        ("neither", neither),
    ):
        _check_count(name, value)
    n = both + only_from + only_to + neither
    changed = only_from + only_to
    if n == 0:
        return PairedChange(0, None, None, None, None, None, None, False)
    p_from, p_to = (both + only_from) / n, (both + only_to) / n
    l_from, u_from = proportion_confint(both + only_from, n, alpha=ALPHA, method="wilson")
    l_to, u_to = proportion_confint(both + only_to, n, alpha=ALPHA, method="wilson")
    phi = _newcombe_phi(both, only_from, only_to, neither)
    difference = p_to - p_from
    low = difference - math.sqrt(
        (p_to - l_to) ** 2 - 2 * phi * (p_to - l_to) * (u_from - p_from) + (u_from - p_from) ** 2
    )
    upper = difference + math.sqrt(
        (u_to - p_to) ** 2 - 2 * phi * (u_to - p_to) * (p_from - l_from) + (p_from - l_from) ** 2
    )
    exact = changed < EXACT_BELOW
    if changed == 0:
        p_value = 1.0  # no child changed: nothing speaks against "no change"
    else:
        table = np.array([[both, only_from], [only_to, neither]])
        p_value = float(mcnemar(table, exact=exact, correction=False).pvalue)
    return PairedChange(
        n, p_from, p_to, difference, max(-1.0, low), min(1.0, upper), min(p_value, 1.0), exact
    )


def _newcombe_phi(a: int, b: int, c: int, d: int) -> float:
    """The correlation between the two waves as Newcombe's method 10 uses it: the phi
    coefficient with its numerator shrunk by n/2 towards zero when positive (his continuity
    adjustment), and 0 when a margin is empty."""
    n = a + b + c + d
    denominator = (a + b) * (c + d) * (a + c) * (b + d)
    if denominator == 0:
        return 0.0
    numerator = a * d - b * c
    if numerator > n / 2:
        numerator -= n / 2
    elif numerator >= 0:
        numerator = 0
    return numerator / math.sqrt(denominator)


@dataclass(frozen=True, slots=True)
class Agreement:
    """Two informants on the same n children: the share on which they agree (0 to 1) and
    Cohen's kappa (agreement beyond what chance would give; None when it is undefined, i.e.
    both informants gave the same answer for every child)."""

    n: int
    agreement: float | None
    kappa: float | None


def agreement(*, both: int, only_a: int, only_b: int, neither: int) -> Agreement:
    """Raw agreement and Cohen's kappa (Cohen 1960) from the 2x2 table of two informants'
    yes/no findings on the same children: `both` flagged by both, `only_a`, `only_b`, `neither`."""
    for name, value in (
        ("both", both),
        ("only_a", only_a),
        ("only_b", only_b),
        ("neither", neither),
    ):
        _check_count(name, value)
    n = both + only_a + only_b + neither
    if n == 0:
        return Agreement(0, None, None)
    raw = (both + neither) / n
    chance = ((both + only_a) * (both + only_b) + (neither + only_a) * (neither + only_b)) / n**2
    if chance >= 1:
        return Agreement(n, raw, None)
    table = np.array([[both, only_a], [only_b, neither]])
    return Agreement(n, raw, float(cohens_kappa(table, return_results=False)))


# --- matched comparison (outcomes of services, decision 0066) ----------------------------------


@dataclass(frozen=True, slots=True)
class Stratum:
    """Children alike in what is recorded (one school, grade and baseline level): `treated`
    served, `treated_yes` of whom had the outcome; `controls` not served, `controls_yes` of whom
    had it."""

    treated: int
    treated_yes: int
    controls: int
    controls_yes: int


@dataclass(frozen=True, slots=True)
class MatchedComparison:
    """Served children against comparable children who were not, in strata of alike children.
    Strata without a control (or without a served child) are left out: `unmatched` served
    children had no one to compare with. `expected_yes` is how many of the `n_treated` served
    children would have had the outcome had they done as the children not served in their
    stratum did (each stratum's controls weighted up or down to its number of served children),
    so `share_controls = expected_yes / n_treated`. `se` is the standard error of the
    difference; None when nothing is compared."""

    n_treated: int
    n_controls: int
    unmatched: int
    treated_yes: int
    expected_yes: float
    share_treated: float | None
    share_controls: float | None
    difference: float | None
    se: float | None


def matched_comparison(strata: Iterable[Stratum]) -> MatchedComparison:
    """The difference in the share with an outcome between served children and comparable
    children not served, controls weighted per stratum to the served (the effect on those
    served). Its variance is the weighted sum of each stratum's variance under "no
    difference": the stratum's pooled share p, p(1-p)·m/(m-1) for its m children (as the
    Cochran-Mantel-Haenszel test takes it) times 1/served + 1/controls. A stratum where every
    control improved still varies, small strata are not trusted too far (a simulation with
    strata of 2 to 7 children keeps 95% coverage: tests/analytics/test_outcomes.py), and the
    interval and the test agree: `difference_interval`."""
    n_treated = n_controls = unmatched = treated_yes = 0
    expected = 0.0
    kept: list[Stratum] = []
    for s in strata:
        for name in ("treated", "treated_yes", "controls", "controls_yes"):
            _check_count(name, getattr(s, name))
        if s.treated_yes > s.treated or s.controls_yes > s.controls:
            raise ValueError(f"more children with the outcome than in the group: {s}")
        if s.treated == 0:
            continue
        if s.controls == 0:
            unmatched += s.treated
            continue
        kept.append(s)
        n_treated += s.treated
        n_controls += s.controls
        treated_yes += s.treated_yes
        expected += s.treated * s.controls_yes / s.controls
    if n_treated == 0:
        return MatchedComparison(0, n_controls, unmatched, 0, 0.0, None, None, None, None)
    variance = 0.0
    for s in kept:
        size = s.treated + s.controls
        pooled = (s.treated_yes + s.controls_yes) / size
        spread = pooled * (1 - pooled) * size / (size - 1)  # unbiased, as in the CMH test
        weight = s.treated / n_treated
        variance += weight**2 * spread * (1 / s.treated + 1 / s.controls)
    share_treated = treated_yes / n_treated
    share_controls = expected / n_treated
    return MatchedComparison(
        n_treated,
        n_controls,
        unmatched,
        treated_yes,
        expected,
        share_treated,
        share_controls,
        share_treated - share_controls,
        math.sqrt(variance),
    )


@dataclass(frozen=True, slots=True)
class DifferenceInterval:
    low: float
    upper: float
    p_value: float


def difference_interval(difference: float, se: float) -> DifferenceInterval:
    """The 95% interval `difference ± z·se` (kept within -1..1) and the two-sided p-value of
    "no difference" from the normal distribution (scipy). With se 0 (no child's outcome could
    have gone otherwise) the interval is the point and nothing speaks against no difference."""
    if se <= 0 or not math.isfinite(se):
        return DifferenceInterval(difference, difference, 1.0)
    half = float(norm.ppf(1 - ALPHA / 2)) * se
    p_value = float(2 * norm.sf(abs(difference) / se))
    return DifferenceInterval(
        max(-1.0, difference - half), min(1.0, difference + half), min(1.0, p_value)
    )
