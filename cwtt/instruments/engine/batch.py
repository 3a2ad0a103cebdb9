"""Scoring many questionnaires at once: the same results as `Scorer`, column by column.

`Scorer.score` evaluates every rule for one questionnaire at a time: a Python call per rule and
per questionnaire. A bulk rescore scores tens of thousands, so this module turns a batch of one
respondent's questionnaires into columns (one list of values per name a rule reads) and
evaluates each rule once for the whole batch with NumPy:

- a comparison, or any other expression that reads ONE name, is evaluated by the engine's own
  compiled code once per distinct value in the column (a select_one question has a handful),
  and the results are spread over the batch by index;
- `and`, `or` and `not()` over several names combine those columns of true/false with NumPy's
  `&`, `|` and `~`, which is the engine's logic exactly (each part is true or false, and none
  has a side effect);
- anything else that reads several names (`${a} > ${b}`) is evaluated once per distinct
  combination of their values;
- HFIAS, PSC-17 and PHQ-9 are computed for the whole batch from a matrix of answer codes
  (`measures/columns.py`); a questionnaire whose answers are not all valid codes, and every
  other measure (growth), is computed one questionnaire at a time, as `Scorer.score` does.

Values the engine tells apart but a Python dict would not (1, 1.0 and true) are told apart by
their type. An answer that is itself a JSON object makes its rules be evaluated one
questionnaire at a time, as `Scorer.score` does.

Combining informants follows `Scorer.combine` step by step and writes the profile's details
straight as JSON text (`ProfileRow.details`), in either key order a database keeps: as written
(SQLite keeps the text Django wrote, `json.dumps` of `ProfileResult.to_dict()`) or as PostgreSQL's
jsonb prints it (keys by length, then bytes). Comparing that text with the stored text tells
whether a profile changed without decoding it. `cwtt rescore` itself takes only the levels and
which rules fired (`profile_summaries`) and stores those; `render_details` writes the details'
text from them when they are read (docs/decisions/0060-profiles-store-which-rules-fired.md).

The results are identical to `Scorer`'s, reasons and order included: tests/engine/
test_batch_scoring.py compares them on generated answers of every kind, including unanswered
questions, several informants and discordance. Plain Python and NumPy, no Django; see
docs/decisions/0039-vectorised-rescoring.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np

from cwtt.instruments.measures.columns import COLUMN_MEASURES
from cwtt.instruments.measures.errors import _TEXT_CODES
from cwtt.instruments.measures.growth_columns import growth_many

from .definition import DOMAINS, LEVEL_RANK, LEVELS, Rule
from .expressions import BinOp, Call, Node, compile_node, parse, references
from .expressions import _is_boolean as is_boolean
from .scoring import (
    AssessmentScore,
    Finding,
    ProfileResult,
    Scorer,
    _default_compute,
    _MeasurePlan,
    _RespondentPlan,
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One questionnaire as scoring reads it (the arguments of `Scorer.score`)."""

    respondent: str
    answers: Mapping[str, Any]
    context: Mapping[str, Any]
    informant: str


@dataclass(slots=True)
class ProfileRow:
    """A combined profile as a risk profile's columns: what `Scorer.combine` gives, with the
    details already written as JSON text."""

    levels: dict[str, str | None]  # by domain
    overall: str | None
    urgent: bool
    discordant: bool
    details: str


@dataclass(slots=True)
class ProfileSummary:
    """A combined profile's columns without the details' text: its levels as `ProfileRow`,
    and for each questionnaire, in order, (informant, respondent, the numbers of the
    respondent's rules that fired, the domains it answered something in by index), from
    which `BatchScorer.render_details` writes the details."""

    levels: dict[str, str | None]
    overall: str | None
    urgent: bool
    discordant: bool
    records: list[tuple[str, str, list[int], tuple[int, ...]]]


_GROWTH_INPUTS = ("sex", "age_months", "height_cm", "weight_kg")  # growth_many's, in order


class _NotVectorisable(Exception):
    """A value this module leaves to the per-questionnaire engine."""


_NUMBER_TYPES = {bool, int, float}


def _typed_key(value: Any) -> Any:
    """A dict key that keeps apart what the engine keeps apart: 1, 1.0 and True are equal as
    Python keys but not to `selected()` or to a comparison with text."""
    if isinstance(value, list | tuple):
        if all(item.__class__ is str for item in value):
            return (type(value), tuple(value))
        return (type(value), tuple(_typed_key(item) for item in value))
    if isinstance(value, dict):
        raise _NotVectorisable
    return (type(value), value)


def _factorize(column: Sequence[Any]) -> tuple[np.ndarray, list[Any]]:
    """(the index of each value's distinct value, the distinct values in first-seen order)."""
    types = set(map(type, column))
    if not (types & {list, tuple, dict}) and len(types & _NUMBER_TYPES) <= 1:
        # No two distinct values of this column are equal as dict keys.
        index = {value: number for number, value in enumerate(dict.fromkeys(column))}
        codes = np.fromiter(map(index.__getitem__, column), dtype=np.intp, count=len(column))
        return codes, list(index)
    typed: dict[Any, int] = {}
    uniques: list[Any] = []
    numbers = []
    for value in column:
        cls = value.__class__
        # Text, None and whole numbers never equal one another as keys; the rest are typed.
        key = value if cls is str or cls is int or value is None else _typed_key(value)
        number = typed.get(key)
        if number is None:
            number = typed[key] = len(uniques)
            uniques.append(value)
        numbers.append(number)
    return np.array(numbers, dtype=np.intp), uniques


class _Columns:
    """One respondent's questionnaires in a batch as columns: the values by name that
    `Scorer.score` sees (the child's facts, overridden by the answers, then by measures)."""

    def __init__(
        self,
        entries: Sequence[Entry],
        names: Sequence[str],
        domain_questions: Sequence[tuple[int, tuple[str, ...]]],
    ) -> None:
        """Read `names` (those the respondent's rules and measures read) from every
        questionnaire in one pass, a questionnaire at a time (reading one name across many
        questionnaires at a time was twice as slow: every dict is fetched again), and find
        the domains each answered something in, as `Scorer.score` does."""
        self.size = len(entries)
        self.answers = [entry.answers for entry in entries]
        self.contexts = [entry.context for entry in entries]
        self._context_names: set[str] = set()
        for context in self.contexts:
            self._context_names.update(context)
        rows = []
        self.covered: list[tuple[int, ...]] = []
        for answers in self.answers:
            get = answers.get
            rows.append(tuple(map(get, names)))
            # A domain is covered by its first answered question.
            covered = []
            for domain, questions in domain_questions:
                for question in questions:
                    value = get(question)
                    if value is not None and value != "":
                        covered.append(domain)
                        break
            self.covered.append(tuple(covered))
        self._values: dict[str, Sequence[Any]] = {
            name: column
            for name, column in zip(names, zip(*rows, strict=True) if rows else (), strict=False)
            if name not in self._context_names
        }
        self._factors: dict[str, tuple[np.ndarray, list[Any]]] = {}

    def values(self, name: str) -> Sequence[Any]:
        column = self._values.get(name)
        if column is None:
            if name in self._context_names:
                column = [
                    answers[name] if name in answers else context.get(name)
                    for answers, context in zip(self.answers, self.contexts, strict=True)
                ]
            else:
                column = list(map(dict.get, self.answers, repeat(name, self.size)))
            self._values[name] = column
        return column

    def set_values(self, name: str, column: Sequence[Any]) -> None:
        self._values[name] = column
        self._factors.pop(name, None)

    def factors(self, name: str) -> tuple[np.ndarray, list[Any]]:
        found = self._factors.get(name)
        if found is None:
            found = self._factors[name] = _factorize(self.values(name))
        return found

    def combinations(self, names: Sequence[str]) -> tuple[np.ndarray, list[dict[str, Any]]]:
        """For each questionnaire, the index of its distinct combination of these names'
        values, and each distinct combination as the mapping an expression reads."""
        if not names:
            return np.zeros(self.size, dtype=np.intp), [{}]
        if len(names) == 1:
            codes, uniques = self.factors(names[0])
            return codes, [{names[0]: value} for value in uniques]
        factors = [self.factors(name) for name in names]
        combined = np.zeros(self.size, dtype=np.int64)
        count = 1
        for codes, uniques in factors:
            if count * len(uniques) >= 2**62:  # number the combinations so far densely
                distinct, combined = np.unique(combined, return_inverse=True)
                combined, count = combined.reshape(-1).astype(np.int64), len(distinct)
            combined = combined * len(uniques) + codes
            count *= len(uniques)
        distinct, inverse = np.unique(combined, return_inverse=True)
        inverse = inverse.reshape(-1)
        first = np.empty(len(distinct), dtype=np.intp)
        first[inverse[::-1]] = np.arange(self.size - 1, -1, -1)  # one questionnaire of each
        values = [
            {
                name: uniques[codes[at]]
                for name, (codes, uniques) in zip(names, factors, strict=True)
            }
            for at in first.tolist()
        ]
        return inverse, values


@dataclass(slots=True)
class _VectorRule:
    rule: Rule
    node: Node
    names: list[str]  # every name the rule reads
    condition: Callable[[Mapping[str, Any]], bool]  # the per-questionnaire fallback
    # id(node) -> (the names a part reads, the part read as true or false)
    leaves: dict[int, tuple[list[str], Callable[[Mapping[str, Any]], bool]]]


def _is_junction(node: Node) -> bool:
    """and/or/not() over more than one name: combined column-wise."""
    if isinstance(node, BinOp) and node.op in {"and", "or"}:
        return len(references(node)) > 1
    if isinstance(node, Call) and node.function == "not":
        return len(references(node)) > 1
    return False


def _parts(node: Node) -> tuple[Node, ...]:
    return (node.left, node.right) if isinstance(node, BinOp) else node.args  # type: ignore[union-attr]


def _leaf_condition(node: Node) -> Callable[[Mapping[str, Any]], bool]:
    """The node read as true or false, the way the engine reads a part of and/or."""
    if is_boolean(node):
        return compile_node(node)
    return compile_node(Call("not", (Call("not", (node,)),)))


def _prepare_leaves(node: Node, leaves: dict[int, Any]) -> None:
    stack = [node]
    while stack:
        current = stack.pop()
        if _is_junction(current):
            stack.extend(_parts(current))
        else:
            leaves[id(current)] = (sorted(references(current)), _leaf_condition(current))


def _evaluate(node: Node, rule: _VectorRule, columns: _Columns) -> np.ndarray:
    """The node, read as true or false, for every questionnaire of the columns."""
    leaf = rule.leaves.get(id(node))
    if leaf is None:  # and/or/not() over several names
        if isinstance(node, BinOp):
            left = _evaluate(node.left, rule, columns)
            right = _evaluate(node.right, rule, columns)
            return left & right if node.op == "and" else left | right
        return ~_evaluate(_parts(node)[0], rule, columns)
    names, condition = leaf
    codes, combinations = columns.combinations(names)
    table = np.array([bool(condition(values)) for values in combinations], dtype=bool)
    return table[codes]


@dataclass(slots=True)
class _RuleText:
    """A finding's JSON text around its informant's name, in both key orders."""

    domain: int  # index in DOMAINS
    indicator: str
    rank: int
    urgent: bool
    written: tuple[str, str]
    jsonb: tuple[str, str]


def _finding_texts(rule: Rule, respondent: str | None) -> tuple[tuple[str, str], tuple[str, str]]:
    """(before, after) the informant's JSON text, as written and in jsonb's order."""
    marker = "\x00informant\x00"
    fields = {
        "rule": rule.code,
        "domain": rule.domain,
        "indicator": rule.indicator,
        "level": rule.level,
        "reason": rule.reason,
        "urgent": rule.urgent,
        "respondent": respondent,
        "informant": marker if respondent is not None else None,
    }
    written = json.dumps(fields)
    jsonb = jsonb_text(fields)
    quoted_written, quoted_jsonb = json.dumps(marker), json.dumps(marker, ensure_ascii=False)
    if respondent is None:
        return (written, ""), (jsonb, "")
    before, after = written.split(quoted_written)
    jsonb_before, jsonb_after = jsonb.split(quoted_jsonb)
    return (before, after), (jsonb_before, jsonb_after)


def _jsonb_key(key: str) -> tuple[int, bytes]:
    encoded = key.encode()
    return len(encoded), encoded


def jsonb_text(value: Any) -> str:
    """JSON text as PostgreSQL prints a jsonb value: object keys shorter first, then by their
    bytes; `, ` and `: ` between items; text escaped as `json.dumps` does without ASCII
    escapes. Only for the values a profile's details hold (objects, lists, text, true, false,
    null)."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: _jsonb_key(item[0]))
        inner = ", ".join(
            f"{json.dumps(key, ensure_ascii=False)}: {jsonb_text(item)}" for key, item in items
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(jsonb_text(item) for item in value) + "]"
    if isinstance(value, str | bool) or value is None:
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"details hold no {type(value).__name__}")


_DOMAIN_ORDER_WRITTEN = list(range(len(DOMAINS)))
_DOMAIN_ORDER_JSONB = sorted(range(len(DOMAINS)), key=lambda d: _jsonb_key(DOMAINS[d]))
_LEVEL_TEXT = [json.dumps(level) for level in LEVELS]
_DOMAIN_KEY = [json.dumps(domain) for domain in DOMAINS]


class BatchScorer:
    """A `Scorer` that scores many questionnaires at once. Build once per version and reuse."""

    def __init__(self, scorer: Scorer) -> None:
        self.scorer = scorer
        self._column_measures = scorer._compute is _default_compute
        self._rules: dict[str, list[_VectorRule]] = {}
        self._texts: dict[str, list[_RuleText]] = {}
        for respondent, plan in scorer._plans.items():
            vector_rules, texts = [], []
            for rule, condition in plan.rules:
                node = parse(rule.when)
                leaves: dict[int, Any] = {}
                _prepare_leaves(node, leaves)
                vector_rules.append(
                    _VectorRule(rule, node, sorted(references(node)), condition, leaves)
                )
                written, jsonb = _finding_texts(rule, respondent)
                texts.append(
                    _RuleText(
                        DOMAINS.index(rule.domain),
                        rule.indicator or "",
                        LEVEL_RANK[rule.level],
                        rule.urgent,
                        written,
                        jsonb,
                    )
                )
            self._rules[respondent] = vector_rules
            self._texts[respondent] = texts
        # By domain index: (rule, condition, its finding's text)
        self._domain_rules: list[list[tuple[Rule, Callable, _RuleText]]] = [[] for _ in DOMAINS]
        for domain, rules in scorer._domain_rules.items():
            for rule, condition, _finding in rules:
                written, jsonb = _finding_texts(rule, None)
                text = _RuleText(
                    DOMAINS.index(domain), "", LEVEL_RANK[rule.level], rule.urgent, written, jsonb
                )
                self._domain_rules[DOMAINS.index(domain)].append((rule, condition, text))
        self._domain_rule_memory: dict[tuple[int, int, int], list[_RuleText]] = {}
        # Domains that stay empty when nobody answered in them (no domain rule fires on none).
        self._quiet_domains = {
            domain for domain in range(len(DOMAINS)) if not self._fired_domain_rules(domain, {})
        }
        self._measure_inputs = {
            spec.name: {
                parameter: references(parse(text)) for parameter, text in spec.inputs.items()
            }
            for spec in scorer.definition.measures
        }
        # What each respondent's rules and measures read, in one list.
        self._names: dict[str, list[str]] = {
            respondent: sorted(
                {name for vector_rule in self._rules[respondent] for name in vector_rule.names}
                | {
                    name
                    for measure in plan.measures
                    for inputs in self._measure_inputs[measure.name].values()
                    for name in inputs
                }
                | {variable for measure in plan.measures for _key, variable in measure.outputs}
            )
            for respondent, plan in scorer._plans.items()
        }
        self._domain_questions = {
            respondent: [(DOMAINS.index(domain), names) for domain, names in plan.domain_questions]
            for respondent, plan in scorer._plans.items()
        }

    # --- scoring -------------------------------------------------------------------------

    def score_many(self, entries: Sequence[Entry]) -> list[AssessmentScore]:
        """`Scorer.score` of each questionnaire, in order (without the measures' values and
        problems, which a profile does not keep)."""
        scores: list[AssessmentScore] = []
        for informant, respondent, numbers, covered_domains in self._fired(entries):
            covered = frozenset(DOMAINS[domain] for domain in covered_domains)
            rules = self._rules.get(respondent, [])
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
                for rule in (rules[n].rule for n in numbers)
            ]
            scores.append(AssessmentScore(informant, respondent, findings, covered))
        return scores

    def score_profiles(self, profiles: Sequence[Sequence[Entry]]) -> list[ProfileResult]:
        """`Scorer.combine` of each profile's questionnaires (given in the order to combine)."""
        scores = self.score_many([entry for profile in profiles for entry in profile])
        results, start = [], 0
        for profile in profiles:
            results.append(self.scorer.combine(scores[start : start + len(profile)]))
            start += len(profile)
        return results

    def profile_rows(
        self, profiles: Sequence[Sequence[Entry]], *, jsonb: bool = False
    ) -> list[ProfileRow]:
        """Each profile as `Scorer.combine` forms it, with its details as JSON text: the text
        `json.dumps(result.to_dict())` gives, or with `jsonb` the text PostgreSQL prints."""
        fired = self._fired([entry for profile in profiles for entry in profile])
        quoted: dict[str, tuple[str, str]] = {}  # informant -> its JSON text, both ways
        rows, start = [], 0
        for profile in profiles:
            records = fired[start : start + len(profile)]
            start += len(profile)
            rows.append(self._row(records, quoted, jsonb))
        return rows

    def profile_summaries(self, profiles: Sequence[Sequence[Entry]]) -> list[ProfileSummary]:
        """Each profile's levels, urgent flag and discordance, as `profile_rows` gives them,
        with which rules fired for each of its questionnaires instead of the details' text
        (`render_details` writes that text from them, when the details are read)."""
        fired = self._fired([entry for profile in profiles for entry in profile])
        out, start = [], 0
        for profile in profiles:
            records = fired[start : start + len(profile)]
            start += len(profile)
            out.append(ProfileSummary(*self._levels(records), records))
        return out

    def _levels(
        self, records: Sequence[tuple[str, str, list[int], tuple[int, ...]]]
    ) -> tuple[dict[str, str | None], str | None, bool, bool]:
        """`_row` without the details' text: (levels by domain, overall, urgent, discordant),
        the same steps of `Scorer.combine`. tests/engine/test_batch_scoring.py compares the
        two on every profile it scores."""
        # Per domain: each indicator's highest rank (findings' order does not matter for a
        # level), and each informant's level.
        indicator_ranks: list[dict[str, int] | None] = [None] * len(DOMAINS)
        informant_ranks: list[dict[str, int] | None] = [None] * len(DOMAINS)
        urgent = False
        for informant, respondent, numbers, covered in records:
            ranks: dict[int, int] = {}
            if numbers:
                texts = self._texts[respondent]
                for number in numbers:
                    text = texts[number]
                    domain, rank = text.domain, text.rank
                    urgent = urgent or text.urgent
                    indicators = indicator_ranks[domain]
                    if indicators is None:
                        indicators = indicator_ranks[domain] = {}
                    if rank > indicators.get(text.indicator, -1):
                        indicators[text.indicator] = rank
                    if rank > ranks.get(domain, -1):
                        ranks[domain] = rank
            for domain in covered:  # answered, with no finding: low
                ranks.setdefault(domain, 0)
            for domain, rank in ranks.items():
                levels = informant_ranks[domain]
                if levels is None:
                    levels = informant_ranks[domain] = {}
                if rank > levels.get(informant, -1):
                    levels[informant] = rank
        domain_levels: dict[str, str | None] = {}
        highest = -1
        discordant = False
        for domain, name in enumerate(DOMAINS):
            indicators = indicator_ranks[domain]
            levels = informant_ranks[domain]
            if indicators is None and levels is None and domain in self._quiet_domains:
                domain_levels[name] = None
                continue
            rank: int | None = max(indicators.values()) if indicators else None
            if rank is None and levels:
                rank = 0
            if self._domain_rules[domain]:
                for text in self._fired_domain_rules(domain, indicators or {}):
                    rank = max(rank or 0, text.rank)
                    urgent = urgent or text.urgent
            if levels and not discordant:
                ranks_seen = levels.values()
                discordant = 2 in ranks_seen and 0 in ranks_seen
            if rank is None:
                domain_levels[name] = None
            else:
                domain_levels[name] = LEVELS[rank]
                highest = max(highest, rank)
        return domain_levels, (LEVELS[highest] if highest >= 0 else None), urgent, discordant

    def render_details(
        self, records: Sequence[tuple[str, str, Sequence[int], Sequence[int]]], *, jsonb: bool
    ) -> str:
        """The details' JSON text of a profile from which rules fired for each questionnaire
        (`ProfileSummary.records`): the text `profile_rows` gives for the same profile."""
        return self._row(records, {}, jsonb).details

    def _fired(self, entries: Sequence[Entry]) -> list[tuple[str, str, list[int], tuple[int, ...]]]:
        """For each questionnaire: (informant, respondent, the numbers of its rules that fire,
        in the respondent's rule order, the domains it answered something in by their index)."""
        out: list[Any] = [None] * len(entries)
        by_respondent: dict[str, list[int]] = {}
        for position, entry in enumerate(entries):
            by_respondent.setdefault(entry.respondent, []).append(position)
        for respondent, positions in by_respondent.items():
            group = [entries[p] for p in positions]
            plan = self.scorer._plans.get(respondent)
            if plan is None:
                for p, entry in zip(positions, group, strict=True):
                    out[p] = (entry.informant, respondent, [], ())
                continue
            for p, entry, (numbers, covered) in zip(
                positions, group, self._score_group(respondent, plan, group), strict=True
            ):
                out[p] = (entry.informant, respondent, numbers, covered)
        return out

    def _score_group(
        self, respondent: str, plan: _RespondentPlan, group: Sequence[Entry]
    ) -> list[tuple[list[int], tuple[int, ...]]]:
        columns = _Columns(group, self._names[respondent], self._domain_questions[respondent])
        fired = self.fired_matrix(respondent, plan, columns)
        numbers: list[list[int]] = [[] for _ in group]
        rows, which = np.nonzero(fired)  # row by row, each row's rules in order
        for row, number in zip(rows.tolist(), which.tolist(), strict=True):
            numbers[row].append(number)
        return list(zip(numbers, columns.covered, strict=True))

    def fired_matrix(self, respondent: str, plan: _RespondentPlan, columns: _Columns) -> np.ndarray:
        """Which of the respondent's rules fire for each questionnaire of the columns (one row
        per questionnaire, one column per rule in order), the measures computed first."""
        for measure in plan.measures:
            self._measure(measure, columns)
        rules = self._rules[respondent]
        fired = np.zeros((columns.size, len(rules)), dtype=bool)
        for number, vector_rule in enumerate(rules):
            try:
                fired[:, number] = _evaluate(vector_rule.node, vector_rule, columns)
            except Exception:  # noqa: BLE001 - the engine's own evaluation says what happens
                fired[:, number] = self._per_questionnaire(vector_rule, columns)
        return fired

    def _per_questionnaire(self, vector_rule: _VectorRule, columns: _Columns) -> np.ndarray:
        names = vector_rule.names
        if not names:
            return np.full(columns.size, bool(vector_rule.condition({})))
        value_columns = [columns.values(name) for name in names]
        return np.fromiter(
            (
                bool(vector_rule.condition(dict(zip(names, values, strict=True))))
                for values in zip(*value_columns, strict=True)
            ),
            dtype=bool,
            count=columns.size,
        )

    # --- measures ------------------------------------------------------------------------

    def _measure(self, measure: _MeasurePlan, columns: _Columns) -> None:
        """Compute a measure for every questionnaire and put its outputs in the columns, as
        `Scorer.score` puts them in the values."""
        results: list[Mapping[str, Any] | None] | None = None
        vectorised: dict[str, list[Any]] | None = None
        rows_done = np.zeros(columns.size, dtype=bool)
        column_measure = COLUMN_MEASURES.get(measure.kind) if self._column_measures else None
        by_parameter = {parameter: name for parameter, name, _f in measure.inputs}
        if (
            column_measure is not None
            and set(by_parameter) == set(column_measure.inputs)
            and None not in by_parameter.values()  # each input is one name
        ):
            try:
                vectorised, rows_done = self._column_measure(measure, column_measure, columns)
            except _NotVectorisable:  # an answer that is a JSON object: one by one
                vectorised, rows_done = None, np.zeros(columns.size, dtype=bool)
        elif (
            measure.kind == "growth"
            and self._column_measures
            and set(by_parameter) == set(_GROWTH_INPUTS)
            and None not in by_parameter.values()
        ):
            vectorised, rows_done = self._growth_columns(by_parameter, columns)
        remaining = np.flatnonzero(~rows_done)
        if len(remaining):
            results = self._measure_one_by_one(measure, columns, remaining)
        done = np.flatnonzero(rows_done).tolist()
        for key, variable in measure.outputs:
            if vectorised is not None and len(done) == columns.size:
                columns.set_values(variable, vectorised[key])  # every questionnaire at once
                continue
            outputs = list(columns.values(variable))
            if vectorised is not None:
                computed = vectorised[key]
                for row in done:
                    outputs[row] = computed[row]
            if results is not None:
                for row, result in zip(remaining.tolist(), results, strict=True):
                    if result is not None:
                        outputs[row] = result.get(key)
            columns.set_values(variable, outputs)

    def _column_measure(
        self, measure: _MeasurePlan, column_measure: Any, columns: _Columns
    ) -> tuple[dict[str, list[Any]], np.ndarray]:
        """The measure over every questionnaire whose inputs are all valid answer codes (ints,
        or their text as a select_one stores them), as the measure reads them; others stay
        undone."""
        by_parameter = {parameter: name for parameter, name, _f in measure.inputs}
        highest = column_measure.highest
        codes = np.empty((columns.size, len(column_measure.inputs)), dtype=np.int64)
        for item, parameter in enumerate(column_measure.inputs):
            index, uniques = columns.factors(by_parameter[parameter])
            table = np.array([_answer_code(value, highest) for value in uniques], dtype=np.int64)
            codes[:, item] = table[index]
        valid = (codes >= 0).all(axis=1)
        outputs = column_measure.compute(np.where(valid[:, None], codes, 0))
        return outputs, valid

    def _growth_columns(
        self, by_parameter: Mapping[str, str], columns: _Columns
    ) -> tuple[dict[str, list[Any]], np.ndarray]:
        """The growth measure over every questionnaire `growth_many` computes as
        `growth_from_inputs` would; a questionnaire with an input missing (None or "") has no
        value, as `_computed` says, and is left to it."""
        inputs = [columns.values(by_parameter[parameter]) for parameter in _GROWTH_INPUTS]
        outputs, done = growth_many(*inputs)
        for values in inputs:
            done &= np.fromiter(
                (value is not None and value != "" for value in values), bool, len(values)
            )
        return outputs, done

    def _measure_one_by_one(
        self, measure: _MeasurePlan, columns: _Columns, rows: np.ndarray
    ) -> list[Mapping[str, Any] | None]:
        names = sorted(set().union(*self._measure_inputs[measure.name].values()))
        value_columns = [columns.values(name) for name in names]
        results = []
        for row in rows.tolist():
            values = {name: column[row] for name, column in zip(names, value_columns, strict=True)}
            inputs = {
                parameter: function(values) if name is None else values.get(name)
                for parameter, name, function in measure.inputs
            }
            results.append(self._computed(measure.kind, inputs))
        return results

    def _computed(self, kind: str, inputs: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """The measure's result, or None when the engine gives it no value (an input not
        answered, or one the measure refuses)."""
        if any(v is None or v == "" for v in inputs.values()):
            return None
        try:
            return self.scorer._compute(kind, inputs)
        except ValueError:  # MeasureInputError is a ValueError; Scorer.score skips the measure
            return None

    # --- combining -----------------------------------------------------------------------

    def _row(
        self,
        records: Sequence[tuple[str, str, list[int], tuple[int, ...]]],
        quoted: dict[str, tuple[str, str]],
        jsonb: bool,
    ) -> ProfileRow:
        """`Scorer.combine` for one profile, step by step, written as a ProfileRow."""
        order = 1 if jsonb else 0
        # Each domain's findings in the order of the questionnaires, then of the rules, each
        # already written with its informant's name.
        by_domain: list[list[tuple[_RuleText, str]]] = [[] for _ in DOMAINS]
        informant_ranks: list[dict[str, int]] = [{} for _ in DOMAINS]
        names: dict[str, str] = {}  # informant -> its name as JSON text
        for informant, respondent, numbers, covered in records:
            name = names.get(informant)
            if name is None:
                pair = quoted.get(informant)
                if pair is None:
                    pair = quoted[informant] = _quote(informant)
                name = names[informant] = pair[order]
            ranks: dict[int, int] = {}
            if numbers:
                texts = self._texts[respondent]
                for number in numbers:
                    text = texts[number]
                    domain = text.domain
                    before, after = text.jsonb if jsonb else text.written
                    by_domain[domain].append((text, before + name + after))
                    if text.rank > ranks.get(domain, -1):
                        ranks[domain] = text.rank
            for domain in covered:  # answered, with no finding: low
                ranks.setdefault(domain, 0)
            # Each informant's level in each domain (the order of domains does not matter:
            # each domain's levels are kept in the order of the questionnaires).
            for domain, rank in ranks.items():
                levels = informant_ranks[domain]
                previous = levels.get(informant)
                if previous is None or rank > previous:
                    levels[informant] = rank
        domain_ranks: list[int | None] = []
        domain_texts: list[str] = []
        urgent_texts: list[str] = []
        any_discordant = False
        for domain, findings in enumerate(by_domain):
            levels = informant_ranks[domain]
            if not findings and not levels and domain in self._quiet_domains:
                domain_ranks.append(None)
                domain_texts.append(_EMPTY_DOMAIN[order])
                continue
            rank: int | None
            if self._domain_rules[domain]:
                indicator_rank: dict[str, int] = {}
                for text, _rendered in findings:
                    key = text.indicator
                    indicator_rank[key] = max(indicator_rank.get(key, 0), text.rank)
                rank = max(indicator_rank.values(), default=None)
                if rank is None and levels:
                    rank = 0
                for text in self._fired_domain_rules(domain, indicator_rank):
                    findings.append((text, text.written[0] if order == 0 else text.jsonb[0]))
                    rank = max(rank or 0, text.rank)
            elif findings:
                rank = max([text.rank for text, _rendered in findings])
            else:
                rank = 0 if levels else None
            if len(findings) > 1:
                findings.sort(key=_minus_rank)
            discordant = False
            informant_levels = "{}"
            if levels:
                ranks_seen = levels.values()
                discordant = 2 in ranks_seen and 0 in ranks_seen
                listed = sorted(levels, key=_jsonb_key) if jsonb and len(levels) > 1 else levels
                informant_levels = (
                    "{"
                    + ", ".join([names[i] + ": " + _LEVEL_TEXT[levels[i]] for i in listed])
                    + "}"
                )
            any_discordant = any_discordant or discordant
            domain_ranks.append(rank)
            level = "null" if rank is None else _LEVEL_TEXT[rank]
            flag = "true" if discordant else "false"
            found = "[" + ", ".join([rendered for _text, rendered in findings]) + "]"
            urgent_texts += [rendered for text, rendered in findings if text.urgent]
            if jsonb:
                domain_texts.append(
                    '{"level": ' + level + ', "findings": ' + found + ', "discordant": '
                    + flag + ', "informant_levels": ' + informant_levels + "}"
                )  # fmt: skip
            else:
                domain_texts.append(
                    '{"level": ' + level + ', "findings": ' + found + ', "informant_levels": '
                    + informant_levels + ', "discordant": ' + flag + "}"
                )  # fmt: skip
        ranks_given = [rank for rank in domain_ranks if rank is not None]
        overall = LEVELS[max(ranks_given)] if ranks_given else None
        domain_order = _DOMAIN_ORDER_JSONB if jsonb else _DOMAIN_ORDER_WRITTEN
        details = (
            '{"domains": {'
            + ", ".join([_DOMAIN_KEY[d] + ": " + domain_texts[d] for d in domain_order])
            + '}, "overall": '
            + ("null" if overall is None else _LEVEL_TEXT[LEVEL_RANK[overall]])
            + ', "urgent_findings": ['
            + ", ".join(urgent_texts)
            + "]}"
        )
        return ProfileRow(
            levels={
                name: None if rank is None else LEVELS[rank]
                for name, rank in zip(DOMAINS, domain_ranks, strict=True)
            },
            overall=overall,
            urgent=bool(urgent_texts),
            discordant=any_discordant,
            details=details,
        )

    def _fired_domain_rules(self, domain: int, indicator_rank: dict[str, int]) -> list[_RuleText]:
        ranks = list(indicator_rank.values())
        # Indicators at moderate or higher, and at high.
        return self.fired_domain_rules(domain, len(ranks) - ranks.count(0), ranks.count(2))

    def fired_domain_rules(self, domain: int, moderate: int, high: int) -> list[_RuleText]:
        """The domain's own rules (`${moderate_count}`, `${high_count}`) that fire when this
        many of its indicators are at moderate or higher, and at high."""
        key = (domain, moderate, high)
        found = self._domain_rule_memory.get(key)
        if found is None:
            counts = {"moderate_count": moderate, "high_count": high}
            found = [
                text for _rule, condition, text in self._domain_rules[domain] if condition(counts)
            ]
            self._domain_rule_memory[key] = found
        return found


def _minus_rank(found: tuple[_RuleText, str]) -> int:
    return -found[0].rank


# A domain nobody answered anything in, as written and in jsonb's order.
_EMPTY_DOMAIN = (
    '{"level": null, "findings": [], "informant_levels": {}, "discordant": false}',
    '{"level": null, "findings": [], "discordant": false, "informant_levels": {}}',
)


def _quote(informant: str) -> tuple[str, str]:
    """An informant's name as JSON text: as written (ASCII escapes) and as jsonb prints it."""
    return json.dumps(informant), json.dumps(informant, ensure_ascii=False)


def _answer_code(value: Any, highest: int) -> int:
    """A value's answer code when `answer_codes` takes it as it is (a whole number 0 to
    `highest`, or its text as stored), else -1: the measure is then computed one by one."""
    if type(value) is int and 0 <= value <= highest:
        return value
    if type(value) is str:
        code = _TEXT_CODES.get(value, -1)
        return code if code <= highest else -1
    return -1
