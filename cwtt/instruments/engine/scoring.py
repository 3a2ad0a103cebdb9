"""The scoring engine: answers → findings per informant → a child's risk profile for a wave.

Plain Python with no Django import, so it can be tested and benchmarked alone and run in bulk.
The rules come from the instrument (scoring is data, not code); this module only evaluates them.

How informants are combined is stated in docs/instrument-format.md ("How a risk profile is
formed") and argued in docs/decisions/0004-combining-informants.md: the highest level any
informant gives wins, and a domain is discordant when one informant says high and another low.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .definition import DOMAINS, LEVEL_RANK, LEVELS, InstrumentDefinition, Rule
from .expressions import Compiled, Ref, compile_condition, compile_node, parse
from .measure_catalogue import MEASURE_OUTPUT_KEYS, output_variable

MeasureFunction = Callable[[str, Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule that fired: the reason a team reads."""

    rule: str
    domain: str
    indicator: str | None
    level: str
    reason: str
    urgent: bool
    respondent: str | None
    informant: str | None


@dataclass(slots=True)
class AssessmentScore:
    """What one informant's answers say."""

    informant: str
    respondent: str
    findings: list[Finding]
    covered: frozenset[str]  # domains this informant answered at least one question in
    measures: dict[str, Any] = field(default_factory=dict)
    measure_problems: list[str] = field(default_factory=list)

    def level(self, domain: str) -> str | None:
        rank = max((LEVEL_RANK[f.level] for f in self.findings if f.domain == domain), default=None)
        if rank is None:
            return "low" if domain in self.covered else None
        return LEVELS[rank]


@dataclass(slots=True)
class DomainResult:
    level: str | None  # None: no informant answered anything in this domain
    findings: list[Finding]
    informant_levels: dict[str, str]
    discordant: bool


@dataclass(slots=True)
class ProfileResult:
    """A child's risk for one wave, combined over informants."""

    domains: dict[str, DomainResult]
    overall: str | None
    urgent_findings: list[Finding]

    @property
    def urgent(self) -> bool:
        return bool(self.urgent_findings)

    @property
    def discordant_domains(self) -> list[str]:
        return [d for d, result in self.domains.items() if result.discordant]

    def to_dict(self) -> dict[str, Any]:
        """The same as `dataclasses.asdict`, written out: asdict deep-copies every value and was
        a third of the time a bulk rescore spent on a profile (the values here are immutable)."""
        return {
            "domains": {
                domain: {
                    "level": result.level,
                    "findings": [_finding_dict(f) for f in result.findings],
                    "informant_levels": dict(result.informant_levels),
                    "discordant": result.discordant,
                }
                for domain, result in self.domains.items()
            },
            "overall": self.overall,
            "urgent_findings": [_finding_dict(f) for f in self.urgent_findings],
        }


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "domain": finding.domain,
        "indicator": finding.indicator,
        "level": finding.level,
        "reason": finding.reason,
        "urgent": finding.urgent,
        "respondent": finding.respondent,
        "informant": finding.informant,
    }


@dataclass(slots=True)
class _MeasurePlan:
    name: str
    kind: str
    # (parameter, the name it reads when it is just ${name} else None, compiled expression)
    inputs: list[tuple[str, str | None, Compiled]]
    outputs: list[tuple[str, str]]  # (measure's key, variable name)


@dataclass(slots=True)
class _RespondentPlan:
    measures: list[_MeasurePlan] = field(default_factory=list)
    rules: list[tuple[Rule, Callable[[Mapping[str, Any]], bool]]] = field(default_factory=list)
    question_domains: dict[str, str] = field(default_factory=dict)
    # The same, grouped: (domain, its questions' names), to find the domains answered.
    domain_questions: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


def _measure_input(parameter: str, text: str) -> tuple[str, str | None, Compiled]:
    """Most measure inputs are one question (`q1=${cg_psc_fidgety}`): those are read with a
    plain dict lookup rather than a call of the compiled expression (which does the same)."""
    node = parse(text)
    return parameter, node.name if isinstance(node, Ref) else None, compile_node(node)


def _inputs_of(measure: _MeasurePlan, values: Mapping[str, Any]) -> dict[str, Any] | None:
    """A measure's inputs from the answers and facts, or None when one is unanswered."""
    inputs = {
        param: fn(values) if name is None else values.get(name)
        for param, name, fn in measure.inputs
    }
    if any(v is None or v == "" for v in inputs.values()):
        return None
    return inputs


@dataclass(frozen=True, slots=True)
class MeasureOutcome:
    """One standard measure worked out from one assessment (`Scorer.measures_of`)."""

    name: str  # the measure's name in the instrument
    kind: str  # growth, hfias, phq9, psc17
    inputs: Mapping[str, Any]  # parameter → value, as the measure received them
    result: Mapping[str, Any] | None  # the measure's output keys; None when it could not be
    problem: str = ""  # why it could not be worked out (an implausible value, an age too old)


def _default_compute(kind: str, inputs: Mapping[str, Any]) -> Mapping[str, Any]:
    from cwtt.instruments.measures.registry import compute

    return compute(kind, inputs)


class Scorer:
    """A compiled instrument version. Build once per version and reuse: compiling is the slow part."""

    def __init__(
        self, definition: InstrumentDefinition, compute: MeasureFunction | None = None
    ) -> None:
        self.definition = definition
        self._compute = compute or _default_compute
        self._plans: dict[str, _RespondentPlan] = {}
        for question in definition.answerable():
            if question.respondent is None:
                continue
            plan = self._plans.setdefault(question.respondent, _RespondentPlan())
            if question.domain:
                plan.question_domains[question.name] = question.domain
        for plan in self._plans.values():
            grouped: dict[str, list[str]] = {}
            for name, domain in plan.question_domains.items():
                grouped.setdefault(domain, []).append(name)
            plan.domain_questions = [(domain, tuple(names)) for domain, names in grouped.items()]
        for spec in definition.measures:
            if spec.respondent is None:
                continue
            self._plans.setdefault(spec.respondent, _RespondentPlan()).measures.append(
                _MeasurePlan(
                    name=spec.name,
                    kind=spec.kind,
                    inputs=[_measure_input(p, text) for p, text in spec.inputs.items()],
                    outputs=[
                        (key, output_variable(spec.name, spec.kind, key))
                        for key in MEASURE_OUTPUT_KEYS[spec.kind]
                    ],
                )
            )
        # A domain rule's finding is the same every time it fires (frozen), so it is made once.
        self._domain_rules: dict[
            str, list[tuple[Rule, Callable[[Mapping[str, Any]], bool], Finding]]
        ] = {}
        for rule in definition.rules:
            condition = compile_condition(rule.when)
            if rule.is_domain_rule:
                finding = Finding(
                    rule.code, rule.domain, None, rule.level, rule.reason, rule.urgent, None, None
                )
                self._domain_rules.setdefault(rule.domain, []).append((rule, condition, finding))
            elif rule.respondent is not None:
                plan = self._plans.setdefault(rule.respondent, _RespondentPlan())
                plan.rules.append((rule, condition))

    def score(
        self,
        respondent: str,
        answers: Mapping[str, Any],
        context: Mapping[str, Any] | None = None,
        informant: str | None = None,
    ) -> AssessmentScore:
        """Evaluate one assessment's answers. `context` holds the child facts (child_age_months...)."""
        informant = informant or respondent
        plan = self._plans.get(respondent)
        if plan is None:
            return AssessmentScore(informant, respondent, [], frozenset())
        values: dict[str, Any] = dict(context) if context else {}
        values.update(answers)
        measures: dict[str, Any] = {}
        problems: list[str] = []
        for measure in plan.measures:
            inputs = _inputs_of(measure, values)
            if inputs is None:
                continue  # an unanswered input: the measure has no value
            try:
                result = self._compute(measure.kind, inputs)
            except ValueError as error:  # MeasureInputError is a ValueError
                problems.append(f"{measure.name}: {error}")
                continue
            for key, variable in measure.outputs:
                value = result.get(key)
                values[variable] = value
                measures[variable] = value
        findings = [
            Finding(
                rule.code,
                rule.domain,
                rule.indicator,
                rule.level,
                rule.reason,
                rule.urgent,
                respondent,
                informant,
            )
            for rule, condition in plan.rules
            if condition(values)
        ]
        # A domain is covered by its first answered question: usually the first one looked at.
        get = answers.get
        covered_now: set[str] = set()
        for domain, names in plan.domain_questions:
            for name in names:
                value = get(name)
                if value is not None and value != "":
                    covered_now.add(domain)
                    break
        covered = frozenset(covered_now)
        return AssessmentScore(informant, respondent, findings, covered, measures, problems)

    def measures_of(
        self,
        respondent: str,
        answers: Mapping[str, Any],
        context: Mapping[str, Any] | None = None,
        kind: str | None = None,
    ) -> list[MeasureOutcome]:
        """The standard measures one assessment's answers feed, worked out as `score` works
        them out for the rules, but with their inputs and the measure's own output keys (`haz`,
        `baz`), for a page that shows the numbers. Only measures of `kind`, when given; a
        measure with an unanswered input is left out, as it is in scoring."""
        plan = self._plans.get(respondent)
        if plan is None:
            return []
        values: dict[str, Any] = dict(context) if context else {}
        values.update(answers)
        outcomes = []
        for measure in plan.measures:
            if kind is not None and measure.kind != kind:
                continue
            inputs = _inputs_of(measure, values)
            if inputs is None:
                continue
            try:
                result = self._compute(measure.kind, inputs)
            except ValueError as error:  # MeasureInputError is a ValueError
                outcomes.append(
                    MeasureOutcome(measure.name, measure.kind, inputs, None, str(error))
                )
            else:
                outcomes.append(MeasureOutcome(measure.name, measure.kind, inputs, result))
        return outcomes

    def combine(self, scores: Iterable[AssessmentScore]) -> ProfileResult:
        """Combine informants' scores into one profile (highest level wins; see module doc)."""
        scores = list(scores)
        domains: dict[str, DomainResult] = {}
        urgent: list[Finding] = []
        # One pass over the findings: each domain's findings in score order, and each score's
        # highest rank per domain (what `AssessmentScore.level` gives, without a pass a domain).
        by_domain: dict[str, list[Finding]] = {domain: [] for domain in DOMAINS}
        score_ranks: list[dict[str, int]] = []
        for score in scores:
            ranks: dict[str, int] = {}
            for finding in score.findings:
                by_domain.setdefault(finding.domain, []).append(finding)
                rank = LEVEL_RANK[finding.level]
                if rank > ranks.get(finding.domain, -1):
                    ranks[finding.domain] = rank
            score_ranks.append(ranks)
        for domain in DOMAINS:
            findings = by_domain[domain]
            informant_levels: dict[str, str] = {}
            for score, ranks in zip(scores, score_ranks, strict=True):
                score_rank = ranks.get(domain)
                if score_rank is None:
                    if domain not in score.covered:
                        continue
                    score_rank = 0
                previous = informant_levels.get(score.informant)
                if previous is None or score_rank > LEVEL_RANK[previous]:
                    informant_levels[score.informant] = LEVELS[score_rank]
            indicator_rank: dict[str, int] = {}
            for finding in findings:
                key = finding.indicator or ""
                indicator_rank[key] = max(indicator_rank.get(key, 0), LEVEL_RANK[finding.level])
            rank: int | None = max(indicator_rank.values(), default=None)
            if rank is None and informant_levels:
                rank = 0
            domain_rules = self._domain_rules.get(domain)
            if domain_rules:
                counts = {
                    "moderate_count": sum(1 for r in indicator_rank.values() if r >= 1),
                    "high_count": sum(1 for r in indicator_rank.values() if r >= 2),
                }
                for rule, condition, finding in domain_rules:
                    if condition(counts):
                        findings.append(finding)
                        rank = max(rank or 0, LEVEL_RANK[rule.level])
            if len(findings) > 1:
                findings.sort(key=lambda f: -LEVEL_RANK[f.level])
            urgent.extend(f for f in findings if f.urgent)
            seen = set(informant_levels.values())
            domains[domain] = DomainResult(
                level=None if rank is None else LEVELS[rank],
                findings=findings,
                informant_levels=informant_levels,
                discordant="high" in seen and "low" in seen,
            )
        ranks = [LEVEL_RANK[r.level] for r in domains.values() if r.level is not None]
        overall = LEVELS[max(ranks)] if ranks else None
        return ProfileResult(domains=domains, overall=overall, urgent_findings=urgent)


def highest(levels: Iterable[str | None]) -> str | None:
    ranks = [LEVEL_RANK[level] for level in levels if level is not None]
    return LEVELS[max(ranks)] if ranks else None
