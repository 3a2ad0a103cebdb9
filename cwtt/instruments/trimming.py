"""A trimmed tool: the fewest questions that still find the children the full tool rates high.

Plain Python with no Django import (`cwtt instrument trim` reads the waves and writes the file).

How it works (docs/instrument.md, "A trimmed tool"; decision 0057):

- A question is either asked or dropped. A rule whose condition reads a dropped question, or a
  measure fed by one, is removed with it: it can no longer fire. Domain rules (counts of
  indicators) stay. `trimmed_definition` makes that reduced instrument, and it is what is
  written out and what held-out children are scored with, through the same engine.
- Selection is greedy and forward, per domain: start with nothing; at each step add the rule
  whose missing questions catch the most still-missed high children of the training set per
  second of interview time; stop when the share found reaches the chosen sensitivity. When no
  single rule catches a new child (a domain rule needing three moderates), the rule that fires
  for most missed children per second is added. Greedy selection is not guaranteed to find the
  very smallest set; it is the usual, explainable approximation.
- The kept questions are the union over domains, plus whatever their `relevant`, `constraint`
  and `choice_filter` expressions read, so the form still works.
- Cross-validation: children are split into k folds by school (or by child); the selection is
  fitted on k-1 folds and scored on the held-out fold, never on a child it was fitted on; the
  held-out counts are pooled over folds. The tool that is saved is then fitted on everyone.
- Interview time is estimated per question from its type (`SECONDS_BY_TYPE`), counted only for
  questions actually answered, so a follow-up skipped by `relevant` costs nothing.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from .calibration import ChildAnswers, profile_of
from .engine.definition import (
    DOMAINS,
    LEVEL_RANK,
    InstrumentDefinition,
    Rule,
)
from .engine.expressions import compile_condition, parse, references
from .engine.measure_catalogue import output_names
from .engine.scoring import Scorer
from .engine.xlsform import Sheet

# Seconds to ask and record one question, by type: a read-out select_one with its answers
# about 10 s, a "tell me all that apply" list twice that, a number the respondent works out
# (days, meals) 15 s, a measurement (height, weight) 45 s. A CoP estimate, not a timing study.
SECONDS_BY_TYPE: dict[str, int] = {
    "select_one": 10,
    "select_multiple": 20,
    "integer": 15,
    "decimal": 45,
    "range": 10,
    "date": 15,
    "text": 30,
}
DEFAULT_SECONDS = 15

T = TypeVar("T")


def question_seconds(definition: InstrumentDefinition) -> dict[str, int]:
    return {q.name: SECONDS_BY_TYPE.get(q.type, DEFAULT_SECONDS) for q in definition.answerable()}


def _reads(text: str | None) -> set[str]:
    return references(parse(text)) if text else set()


def with_dependencies(definition: InstrumentDefinition, names: Iterable[str]) -> frozenset[str]:
    """`names` and every question their relevant, constraint and choice_filter read, so the
    kept questions are asked when they should be."""
    questions = {q.name: q for q in definition.answerable()}
    kept: set[str] = set()
    todo = [n for n in names if n in questions]
    while todo:
        name = todo.pop()
        if name in kept:
            continue
        kept.add(name)
        q = questions[name]
        for text in (q.relevant, q.constraint, q.choice_filter):
            todo.extend(n for n in _reads(text) if n in questions and n not in kept)
    return frozenset(kept)


def rule_needs(definition: InstrumentDefinition) -> dict[str, frozenset[str]]:
    """Indicator rule code → the questions that must be asked for it to be able to fire: those
    its condition reads, all inputs of a measure it reads, and their dependencies."""
    questions = {q.name for q in definition.answerable()}
    measure_inputs: dict[str, set[str]] = {}
    for spec in definition.measures:
        inputs: set[str] = set()
        for text in spec.inputs.values():
            inputs |= {n for n in _reads(text) if n in questions}
        for output in output_names(spec.name, spec.kind):
            measure_inputs[output] = inputs
    needs: dict[str, frozenset[str]] = {}
    for rule in definition.rules:
        if rule.is_domain_rule:
            continue
        read: set[str] = set()
        for name in _reads(rule.when):
            if name in questions:
                read.add(name)
            read |= measure_inputs.get(name, set())
        needs[rule.code] = with_dependencies(definition, read)
    return needs


def trimmed_definition(
    definition: InstrumentDefinition, kept: Iterable[str], version_label: str | None = None
) -> InstrumentDefinition:
    """The instrument with only the `kept` questions (and their dependencies), the measures
    all of whose inputs are kept, the indicator rules that can still fire, every domain rule;
    notes stay where their domain still has a question (or they have none)."""
    keep = with_dependencies(definition, kept)
    needs = rule_needs(definition)
    answerable = {q.name for q in definition.answerable()}
    domains_kept = {q.domain for q in definition.answerable() if q.name in keep}
    questions = [
        q
        for q in definition.questions
        if (q.name in keep)
        or (q.name not in answerable and (q.domain is None or q.domain in domains_kept))
    ]
    measures = [
        m
        for m in definition.measures
        if all(n in keep for text in m.inputs.values() for n in _reads(text) if n in answerable)
    ]
    rules = [r for r in definition.rules if r.is_domain_rule or needs[r.code] <= keep]
    return replace(
        definition,
        version_label=version_label or definition.version_label,
        questions=questions,
        measures=measures,
        rules=rules,
    )


def reduced_answers(answers: Mapping[str, Any], kept: frozenset[str]) -> dict[str, Any]:
    """What a questionnaire holds when only `kept` questions are asked."""
    return {name: value for name, value in answers.items() if name in kept}


# --- fitting ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Fired:
    """One child under the full tool: the indicator rules that fired (any informant) and the
    domains at high."""

    child: ChildAnswers
    rules: frozenset[str]
    high: frozenset[str]


class _DomainLevels:
    """A domain's level from the indicator rules that fired and remain usable, combined the
    way `Scorer.combine` combines them (highest level per indicator; then the domain rules on
    the counts). tests/instruments/test_trimming.py checks it against the engine itself."""

    def __init__(self, definition: InstrumentDefinition) -> None:
        self.rules: dict[str, Rule] = {r.code: r for r in definition.rules}
        self.domain_rules: dict[str, list[tuple[Rule, Callable[[Mapping[str, Any]], bool]]]] = {}
        for rule in definition.rules:
            if rule.is_domain_rule:
                self.domain_rules.setdefault(rule.domain, []).append(
                    (rule, compile_condition(rule.when))
                )

    def is_high(self, domain: str, fired: Iterable[str]) -> bool:
        ranks: dict[str, int] = {}
        for code in fired:
            rule = self.rules[code]
            if rule.domain == domain:
                key = rule.indicator or ""
                ranks[key] = max(ranks.get(key, 0), LEVEL_RANK[rule.level])
        if any(rank == 2 for rank in ranks.values()):
            return True
        counts = {
            "moderate_count": sum(1 for r in ranks.values() if r >= 1),
            "high_count": sum(1 for r in ranks.values() if r >= 2),
        }
        return any(
            rule.level == "high" and condition(counts)
            for rule, condition in self.domain_rules.get(domain, [])
        )


def fire_full(definition: InstrumentDefinition, children: Iterable[ChildAnswers]) -> list[_Fired]:
    """Score every child once with the full tool."""
    scorer = Scorer(definition)
    fired = []
    for child in children:
        profile = profile_of(scorer, child)
        rules = frozenset(
            f.rule
            for result in profile.domains.values()
            for f in result.findings
            if f.indicator is not None
        )
        high = frozenset(d for d, result in profile.domains.items() if result.level == "high")
        fired.append(_Fired(child, rules, high))
    return fired


def select_questions(
    definition: InstrumentDefinition,
    training: Sequence[_Fired],
    sensitivity: float,
    seconds: Mapping[str, int] | None = None,
) -> dict[str, frozenset[str]]:
    """Domain → the questions greedy forward selection keeps to find `sensitivity` of the
    training children the full tool rates high in it."""
    seconds = seconds or question_seconds(definition)
    needs = rule_needs(definition)
    levels = _DomainLevels(definition)
    chosen: dict[str, frozenset[str]] = {}
    for domain in DOMAINS:
        positives = [f for f in training if domain in f.high]
        candidates = sorted(
            code for code, rule in levels.rules.items() if rule.domain == domain and code in needs
        )
        kept: set[str] = set()
        # A rule on the child's facts alone (age, sex, grant) needs no question.
        usable: set[str] = {c for c in candidates if not needs[c]}
        missed = [f for f in positives if not levels.is_high(domain, f.rules & usable)]
        while positives and (len(positives) - len(missed)) < sensitivity * len(positives):
            best: tuple[float, float, str] | None = None
            for code in candidates:
                if code in usable:
                    continue
                added = needs[code] - kept
                cost = max(1, sum(seconds.get(n, DEFAULT_SECONDS) for n in added))
                now_usable = usable | {c for c in candidates if needs[c] <= kept | added}
                caught = sum(1 for f in missed if levels.is_high(domain, f.rules & now_usable))
                firing = sum(1 for f in missed if code in f.rules)
                key = (caught / cost, firing / cost, code)
                if (caught or firing) and (best is None or key[:2] > best[:2]):
                    best = key
            if best is None:
                break  # no rule left fires for a missed child: the domain cannot do better
            kept |= needs[best[2]]
            usable |= {c for c in candidates if needs[c] <= kept}
            missed = [f for f in missed if not levels.is_high(domain, f.rules & usable)]
        chosen[domain] = frozenset(kept)
    return chosen


# --- cross-validation -------------------------------------------------------------------------


def folds(
    children: Sequence[ChildAnswers], k: int, by: str = "school", seed: int = 0
) -> list[tuple[list[int], list[int]]]:
    """(training indexes, held-out indexes) for k folds. By school, every child of a school is
    on one side (schools differ, so this is the harder, honest test); by child, a child's
    entries in several waves stay together. Falls back to by child with fewer schools than k."""
    if k < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    key_of: Callable[[ChildAnswers], int] = (
        (lambda c: c.group) if by == "school" else (lambda c: c.child)
    )
    keys = sorted({key_of(c) for c in children})
    if by == "school" and len(keys) < k:
        return folds(children, k, by="child", seed=seed)
    if len(keys) < k:
        raise ValueError(f"cross-validation needs at least {k} children; there are {len(keys)}")
    random.Random(seed).shuffle(keys)
    fold_of = {key: i % k for i, key in enumerate(keys)}
    splits = []
    for fold in range(k):
        held = [i for i, c in enumerate(children) if fold_of[key_of(c)] == fold]
        train = [i for i, c in enumerate(children) if fold_of[key_of(c)] != fold]
        splits.append((train, held))
    return splits


def cross_validate(
    items: Sequence[T],
    splits: Sequence[tuple[Sequence[int], Sequence[int]]],
    fit: Callable[[list[T]], Any],
    evaluate: Callable[[Any, list[T]], None],
) -> None:
    """Fit on each split's training items and evaluate the fit on its held-out items only."""
    for train, held in splits:
        if set(train) & set(held):
            raise ValueError("a fold's training and held-out children overlap")
        fitted = fit([items[i] for i in train])
        evaluate(fitted, [items[i] for i in held])


# --- the report ------------------------------------------------------------------------------


@dataclass(slots=True)
class Confusion:
    true_pos: int = 0
    false_neg: int = 0
    false_pos: int = 0
    true_neg: int = 0

    @property
    def sensitivity(self) -> float | None:
        found = self.true_pos + self.false_neg
        return self.true_pos / found if found else None

    @property
    def specificity(self) -> float | None:
        rest = self.true_neg + self.false_pos
        return self.true_neg / rest if rest else None


@dataclass(slots=True)
class TrimResult:
    kept: frozenset[str]  # the questions of the trimmed tool
    total_questions: int
    by_domain: dict[str, frozenset[str]]  # what each domain's selection asked for
    held_out: dict[str, Confusion]  # pooled over folds
    children: int
    folds: int
    minutes_full: float  # mean interview minutes per child, full tool
    minutes_trimmed: float
    evaluated: list[list[int]] = field(default_factory=list)  # children held out, per fold

    @property
    def minutes_saved(self) -> float:
        return self.minutes_full - self.minutes_trimmed


def interview_minutes(
    children: Iterable[ChildAnswers], seconds: Mapping[str, int], kept: frozenset[str] | None
) -> float:
    """Mean minutes per child of the questions answered (only `kept` ones, when given)."""
    total, count = 0, 0
    for child in children:
        count += 1
        for q in child.questionnaires:
            for name, value in q.answers.items():
                if (
                    name in seconds
                    and value not in (None, "", [])
                    and (kept is None or name in kept)
                ):
                    total += seconds[name]
    return total / 60 / count if count else 0.0


def evaluate_trimmed(
    definition: InstrumentDefinition,
    kept: frozenset[str],
    held_out: Iterable[_Fired],
    confusion: dict[str, Confusion],
) -> None:
    """Score held-out children with the trimmed instrument through the engine, on the answers
    to kept questions only, and count against the full tool's levels."""
    trimmed = trimmed_definition(definition, kept)
    asked = frozenset(q.name for q in trimmed.answerable())
    scorer = Scorer(trimmed)
    for fired in held_out:
        child = fired.child
        reduced = ChildAnswers(
            child.child,
            child.group,
            tuple(
                replace(q, answers=reduced_answers(q.answers, asked)) for q in child.questionnaires
            ),
        )
        profile = profile_of(scorer, reduced)
        for domain in DOMAINS:
            found = profile.domains[domain].level == "high"
            counts = confusion[domain]
            if domain in fired.high:
                if found:
                    counts.true_pos += 1
                else:
                    counts.false_neg += 1
            elif found:
                counts.false_pos += 1
            else:
                counts.true_neg += 1


def trim(
    definition: InstrumentDefinition,
    children: Sequence[ChildAnswers],
    *,
    sensitivity: float = 0.9,
    k: int = 5,
    by: str = "school",
    seed: int = 0,
) -> TrimResult:
    """Select, cross-validate and report a trimmed tool (see the module docstring)."""
    if not 0 < sensitivity <= 1:
        raise ValueError("the sensitivity must be above 0 and at most 1")
    seconds = question_seconds(definition)
    fired = fire_full(definition, children)

    def fit(training: list[_Fired]) -> frozenset[str]:
        chosen = select_questions(definition, training, sensitivity, seconds)
        return with_dependencies(definition, frozenset().union(*chosen.values()))

    confusion = {d: Confusion() for d in DOMAINS}
    evaluated: list[list[int]] = []

    def evaluate(kept: frozenset[str], held: list[_Fired]) -> None:
        evaluated.append([f.child.child for f in held])
        evaluate_trimmed(definition, kept, held, confusion)

    cross_validate(fired, folds(children, k, by, seed), fit, evaluate)
    by_domain = select_questions(definition, fired, sensitivity, seconds)
    kept = with_dependencies(definition, frozenset().union(*by_domain.values()))
    return TrimResult(
        kept=kept,
        total_questions=len(seconds),
        by_domain=by_domain,
        held_out=confusion,
        children=len(children),
        folds=k,
        minutes_full=interview_minutes(children, seconds, None),
        minutes_trimmed=interview_minutes(children, seconds, kept),
        evaluated=evaluated,
    )


def report_table(result: TrimResult) -> str:
    lines = [
        f"Trimmed tool: {len(result.kept)} of {result.total_questions} questions kept; "
        f"{result.children} children, {result.folds}-fold cross-validation (held-out figures).",
        "",
        f"{'domain':<14} {'questions':>9} {'high':>6} {'sensitivity':>11} {'specificity':>11}",
    ]
    for domain in DOMAINS:
        counts = result.held_out[domain]
        lines.append(
            f"{domain:<14} {len(result.by_domain.get(domain, ())):>9} "
            f"{counts.true_pos + counts.false_neg:>6} {_ratio(counts.sensitivity):>11} "
            f"{_ratio(counts.specificity):>11}"
        )
    lines += [
        "",
        f"Interview time per child (answered questions, seconds by type): "
        f"{result.minutes_full:.1f} min full, {result.minutes_trimmed:.1f} min trimmed, "
        f"{result.minutes_saved:.1f} min saved.",
    ]
    return "\n".join(lines)


# --- the file ---------------------------------------------------------------------------------


def write_trimmed_xlsform(
    sheets: Mapping[str, Sheet], trimmed: InstrumentDefinition, path: str | Path, version: str
) -> None:
    """Write the trimmed instrument as an XLSForm (.xlsx) from the original file's sheets:
    survey rows of dropped questions are left out (a group with nothing left goes too), and
    the measures and scoring rows that can no longer be computed; everything else is copied
    as it was. The settings' `version` becomes `version`, so it publishes as a new version."""
    from openpyxl import Workbook

    from cwtt.tabular import xlsx_row

    asked = {q.name for q in trimmed.answerable()}
    notes = {q.name for q in trimmed.questions if not q.takes_answer}
    measures = {m.name for m in trimmed.measures}
    rules = {r.code for r in trimmed.rules}
    workbook = Workbook()
    workbook.remove(workbook.active)
    for key, sheet in sheets.items():
        rows = [row for _, row in sheet.rows]
        if key == "survey":
            rows = _survey_rows(rows, asked, notes)
        elif key == "measures":
            rows = [row for row in rows if row.get("name") in measures]
        elif key == "scoring":
            rows = [row for row in rows if row.get("rule") in rules]
        elif key == "settings":
            rows = [{**row, "version": version} for row in rows]
        worksheet = workbook.create_sheet(sheet.name)
        worksheet.append(xlsx_row(worksheet, sheet.headers))
        for row in rows:
            worksheet.append(xlsx_row(worksheet, [row.get(h, "") for h in sheet.headers]))
    workbook.save(path)


def _survey_rows(
    rows: list[dict[str, str]], asked: set[str], notes: set[str]
) -> list[dict[str, str]]:
    """The survey rows to keep, with groups left out when nothing in them is kept. A note is
    kept where the trimmed definition keeps it; a calculate only if what it reads is kept;
    other rows without an answer (start, end, deviceid...) always."""
    out: list[dict[str, str]] = []
    stack: list[tuple[int, bool]] = []  # (where the group's begin row is in `out`, kept any)
    known = set(asked)

    def mark() -> None:
        if stack:
            stack[-1] = (stack[-1][0], True)

    for row in rows:
        kind = " ".join(row.get("type", "").replace("_", " ").split())
        first = kind.split(" ")[0] if kind else ""
        name = row.get("name", "")
        if first == "begin":
            stack.append((len(out), False))
            out.append(row)
        elif first == "end" and kind != "end":  # "end" alone is the metadata question
            start, kept_any = stack.pop() if stack else (len(out), True)
            if kept_any:
                out.append(row)
                mark()
            else:
                del out[start:]
        elif name in asked:
            out.append(row)
            mark()
        elif first in _ANSWER_KINDS:
            continue  # a dropped question
        elif first == "note":
            if name in notes:
                out.append(row)
        elif first == "calculate":
            if set(_REFERENCE.findall(row.get("calculation", ""))) <= known:
                out.append(row)
                known.add(name)
        else:
            out.append(row)
    return out


_ANSWER_KINDS = {"integer", "decimal", "text", "date", "select", "range", "rank", "geopoint"}
_REFERENCE = re.compile(r"\$\{([^}]+)\}")


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"
