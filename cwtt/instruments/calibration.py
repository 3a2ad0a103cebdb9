"""How often an instrument's rules would fire on a wave's answers: `cwtt instrument check
--against WAVE`.

Plain Python with no Django import. The command reads a wave's counting assessments into
`ChildAnswers` (cwtt/assessments/wave_answers.py) and hands them here; every child is scored
with the same engine that makes risk profiles (`Scorer.score`, then `Scorer.combine`), so the
shares are what publishing the file would give, before anyone publishes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .engine.definition import DOMAINS, InstrumentDefinition
from .engine.scoring import ProfileResult, Scorer


@dataclass(frozen=True, slots=True)
class Answered:
    """One counting assessment as scoring reads it: who answered, what, and the child's facts
    (age, sex, grant) on the day."""

    respondent: str
    answers: Mapping[str, Any]
    facts: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ChildAnswers:
    """A child's counting assessments in one wave. `child` and `group` (the school) are plain
    ids: enough to count and to split by school, and no personal data."""

    child: int
    group: int
    questionnaires: tuple[Answered, ...]


def profile_of(scorer: Scorer, child: ChildAnswers) -> ProfileResult:
    """The child's risk profile, as `assessments.actions.profile_fields` makes it."""
    return scorer.combine(
        scorer.score(q.respondent, q.answers, q.facts, informant=q.respondent)
        for q in child.questionnaires
    )


@dataclass(slots=True)
class FlagShares:
    """How many of `children` each rule and each domain flags."""

    children: int
    rule_counts: dict[str, int] = field(default_factory=dict)
    domain_high: dict[str, int] = field(default_factory=dict)
    domain_moderate_or_high: dict[str, int] = field(default_factory=dict)
    any_high: int = 0

    def share(self, count: int) -> float:
        return count / self.children if self.children else 0.0


def flag_shares(definition: InstrumentDefinition, children: Iterable[ChildAnswers]) -> FlagShares:
    """Per rule: the children for whom it fired in at least one informant's answers (a domain
    rule: on the combined result). Per domain: the children the profile puts at high, and at
    moderate or high. Each child counts once, whatever the number of informants."""
    scorer = Scorer(definition)
    shares = FlagShares(
        children=0,
        rule_counts={rule.code: 0 for rule in definition.rules},
        domain_high={d: 0 for d in DOMAINS},
        domain_moderate_or_high={d: 0 for d in DOMAINS},
    )
    for child in children:
        shares.children += 1
        profile = profile_of(scorer, child)
        fired = {f.rule for result in profile.domains.values() for f in result.findings}
        for code in fired:
            shares.rule_counts[code] += 1
        high = False
        for domain, result in profile.domains.items():
            if result.level == "high":
                shares.domain_high[domain] += 1
                high = True
            if result.level in ("moderate", "high"):
                shares.domain_moderate_or_high[domain] += 1
        shares.any_high += high
    return shares


def shares_table(definition: InstrumentDefinition, shares: FlagShares) -> str:
    """A plain text table: every domain, then every rule, with its count and share."""
    n = shares.children
    lines = [f"Shares of {n} children flagged (each child counted once per rule or domain):", ""]
    lines.append(f"{'domain':<14} {'high':>6} {'share':>7}   {'mod+high':>8} {'share':>7}")
    for domain in DOMAINS:
        high = shares.domain_high[domain]
        either = shares.domain_moderate_or_high[domain]
        lines.append(
            f"{domain:<14} {high:>6} {_percent(shares.share(high)):>7}   "
            f"{either:>8} {_percent(shares.share(either)):>7}"
        )
    lines.append(
        f"{'any domain':<14} {shares.any_high:>6} {_percent(shares.share(shares.any_high)):>7}"
    )
    lines.append("")
    width = max((len(r.code) for r in definition.rules), default=4)
    lines.append(
        f"{'rule':<{width}} {'domain':<13} {'level':<8} {'children':>8} {'share':>7}  source"
    )
    for rule in definition.rules:
        count = shares.rule_counts[rule.code]
        lines.append(
            f"{rule.code:<{width}} {rule.domain:<13} {rule.level:<8} {count:>8} "
            f"{_percent(shares.share(count)):>7}  {rule.source or '(no source)'}"
        )
    return "\n".join(lines)


def _percent(share: float) -> str:
    return f"{100 * share:.1f}%"
