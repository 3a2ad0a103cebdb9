"""Scoring questionnaires stored as answer codes: `BatchScorer`'s results with no JSON read.

A bulk rescore spent a third of its time turning each questionnaire's answers from JSON text
into Python values and those into columns, every time. Answer codes store each questionnaire's
answers once as pairs of term ids (a question's name, its answer), numbers a `Codebook` turns
back into the values; a batch of them becomes a matrix of value ids with NumPy, one column per
name a respondent's rules read, without a Python step per answer. Rules are then evaluated
once per distinct value as `BatchScorer` does (`_CodedColumns` gives it the same columns), and
a profile's levels, urgent flag and discordance are combined for the whole batch with NumPy
(`CodedScorer.summarise`), the same steps as `Scorer.combine`.

Only terms that say nothing about a person get a code: question names, numbers, true, false,
null, "" and the choice names of the instruments (and lists of them). Any other answer (free
text, a date, an answer that is itself an object) is stored as `UNCODED`, and the rows that
have one in a column a rule reads are read from their JSON instead (`CodedBatch.answers_of`).

The results are identical to `BatchScorer.profile_summaries`: tests/engine/test_batch_scoring.py
compares the two (and `Scorer`) on every profile it generates, answers of every kind.
Plain Python and NumPy, no Django; see docs/decisions/0070-answer-codes.md.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from .batch import BatchScorer, _Columns, _factorize
from .definition import DOMAINS

ABSENT = 0  # the question is not in the answers
UNCODED = -1  # an answer with no code: read it from the JSON
_INT64 = (-(2**63), 2**63)


class Codebook:
    """Terms (question names and answers, as JSON text) and their ids, both ways.

    Ids are given by whoever stores the terms (the database); `missing` says which terms a
    set of answers needs that have no id yet, and `add` records the ids given to them."""

    def __init__(self, terms: Iterable[tuple[int, str]] = (), choice_names: Iterable[str] = ()):
        self._ids: dict[str, int] = {}
        self._values: dict[int, Any] = {ABSENT: None}
        self._texts: dict[int, str] = {}
        self._choices = frozenset(choice_names) | {""}
        self._memo: dict[Any, str | None] = {}  # a value's typed key -> its text, or None
        self._names: dict[str, str] = {}  # a question's name -> its text
        self.highest = 0
        self._added: list[str] = []  # in the order added
        self.add(terms)

    def add(self, terms: Iterable[tuple[int, str]]) -> None:
        for term_id, text in terms:
            self._ids[text] = term_id
            self._texts[term_id] = text
            self._added.append(text)
            self.highest = max(self.highest, term_id)

    @contextmanager
    def forgetting_on_failure(self) -> Iterator[None]:
        """Terms added inside the block are forgotten if it fails: the database that gave
        them their ids has rolled them back, and may give the ids to other terms."""
        added = len(self._added)
        try:
            yield
        except BaseException:
            for text in self._added[added:]:
                term_id = self._ids.pop(text)
                self._texts.pop(term_id, None)
                self._values.pop(term_id, None)
            del self._added[added:]
            self.highest = max(self._texts, default=0)
            raise

    def id_of(self, text: str) -> int | None:
        return self._ids.get(text)

    def text(self, value: Any) -> str | None:
        """A value's term: its JSON text, or None when it gets no code."""
        cls = value.__class__
        if cls is float and value == 0.0:  # 0.0 and -0.0 are one key but two texts
            return _term_text(value, self._choices)
        key = (cls, tuple(value)) if cls is list and all(type(v) is str for v in value) else None
        if key is None:
            if cls is list or cls is dict or cls is float and not math.isfinite(value):
                return None
            key = (cls, value)
        try:
            return self._memo[key]
        except KeyError:
            pass
        except TypeError:  # not hashable
            return None
        text = _term_text(value, self._choices)
        if len(self._memo) < 200_000:
            self._memo[key] = text
        return text

    def missing(self, answers: Iterable[Mapping[str, Any]]) -> set[str]:
        """The terms these answers need that have no id yet."""
        wanted: set[str] = set()
        for one in answers:
            for name, value in one.items():
                wanted.add(self.name_text(name))
                text = self.text(value)
                if text is not None:
                    wanted.add(text)
        return {text for text in wanted if text not in self._ids}

    def encode(self, answers: Mapping[str, Any]) -> bytes:
        """The answers as (name id, value id) pairs of little-endian 32-bit integers; every
        term must have an id (`missing`, then `add`)."""
        ids = self._ids
        pairs = []
        for name, value in answers.items():
            text = self.text(value)
            pairs += (ids[self.name_text(name)], UNCODED if text is None else ids[text])
        return np.array(pairs, dtype="<i4").tobytes()

    def name_text(self, name: str) -> str:
        text = self._names.get(name)
        if text is None:
            text = self._names[name] = _name_text(name)
        return text

    def value(self, term_id: int) -> Any:
        """The value a term id stands for (None for ABSENT, as `dict.get` gives)."""
        try:
            return self._values[term_id]
        except KeyError:
            value = self._values[term_id] = json.loads(self._texts[term_id])
            return value


def _name_text(name: str) -> str:
    return json.dumps(name)


def _term_text(value: Any, choices: Collection[str]) -> str | None:
    if value is None or value is True or value is False:
        return json.dumps(value)
    cls = value.__class__
    if cls is int:
        return str(value) if _INT64[0] <= value < _INT64[1] else None
    if cls is float:
        return repr(value) if math.isfinite(value) else None
    if cls is str:
        return json.dumps(value) if value in choices else None
    if cls is list and all(type(item) is str and item in choices for item in value):
        return json.dumps(value)
    return None


def code_matrix(blobs: Sequence[bytes], column_of_term: np.ndarray, width: int) -> np.ndarray:
    """The value ids of `width` names for each questionnaire's codes (ABSENT where the name
    is not answered), `column_of_term` giving each name's column by its term id (-1: not
    wanted)."""
    matrix = np.zeros((len(blobs), width), dtype=np.int32)
    if not blobs:
        return matrix
    pairs = np.frombuffer(b"".join(blobs), dtype="<i4").reshape(-1, 2)
    lengths = np.fromiter(map(len, blobs), dtype=np.intp, count=len(blobs)) // 8
    columns = column_of_term[pairs[:, 0]]  # every id a blob holds is in the codebook
    wanted = np.flatnonzero(columns >= 0)
    rows = np.repeat(np.arange(len(blobs)), lengths)
    matrix[rows[wanted], columns[wanted]] = pairs[wanted, 1]
    return matrix


class _CodedColumns(_Columns):
    """`_Columns` read from a matrix of value ids rather than from answers' dicts."""

    def __init__(
        self,
        codebook: Codebook,
        codes: np.ndarray,
        names: Sequence[str],
        contexts: Mapping[str, Sequence[Any]],
        answers_of: Callable[[np.ndarray], Sequence[Mapping[str, Any]]],
        domain_questions: Sequence[tuple[int, tuple[str, ...]]],
    ) -> None:
        self.size = len(codes)
        self._codebook = codebook
        self._codes = codes
        self._column = {name: index for index, name in enumerate(names)}
        self._contexts = contexts
        self._context_names = set(contexts)
        self._values = {}
        self._factors = {}
        uncoded_rows = np.flatnonzero((codes == UNCODED).any(axis=1))
        self._uncoded: dict[int, Mapping[str, Any]] = (
            dict(zip(uncoded_rows.tolist(), answers_of(uncoded_rows), strict=True))
            if len(uncoded_rows)
            else {}
        )
        # A domain is answered when one of its questions has a value other than null and "".
        empty = [codebook.id_of(text) for text in ("null", '""')]
        answered = codes != ABSENT
        for term_id in empty:
            if term_id is not None:
                answered &= codes != term_id
        mask = np.zeros(self.size, dtype=np.int64)
        for domain, questions in domain_questions:
            columns = [self._column[q] for q in questions]
            mask |= answered[:, columns].any(axis=1).astype(np.int64) << domain
        self.covered_mask = mask
        # As `_Columns` lists them: in the order of the respondent's domains' questions.
        in_order = _domains_of_mask(tuple(domain for domain, _q in domain_questions))
        self.covered = [in_order[m] for m in mask.tolist()]

    def values(self, name: str) -> Sequence[Any]:
        column = self._values.get(name)
        if column is not None:
            return column
        index = self._column.get(name)
        codes = self._codes[:, index] if index is not None else None
        value = self._codebook.value
        if name in self._context_names:
            context = self._contexts[name]
            if codes is None or not codes.any():
                column = list(context)
            else:  # an answer of the same name wins over the child's facts
                column = [
                    context[row] if code == ABSENT else value(code) if code != UNCODED else None
                    for row, code in enumerate(codes.tolist())
                ]
        elif codes is None:
            column = [None] * self.size
        else:
            column = [value(code) if code != UNCODED else None for code in codes.tolist()]
        if codes is not None:
            for row, answers in self._uncoded.items():
                if codes[row] == UNCODED:
                    column[row] = answers.get(name)
        self._values[name] = column
        return column

    def factors(self, name: str) -> tuple[np.ndarray, list[Any]]:
        found = self._factors.get(name)
        if found is not None:
            return found
        index = self._column.get(name)
        if name in self._values or name in self._context_names or index is None:
            found = _factorize(self.values(name))
        else:
            codes = self._codes[:, index]
            if (codes == UNCODED).any():
                found = _factorize(self.values(name))
            else:
                # The distinct ids by marking them in a table of every id: no sorting.
                seen = np.zeros(self._codebook.highest + 1, dtype=np.intp)
                seen[codes] = 1
                distinct = np.flatnonzero(seen)
                seen[distinct] = np.arange(len(distinct))
                found = (
                    seen[codes],
                    [self._codebook.value(code) for code in distinct.tolist()],
                )
        self._factors[name] = found
        return found


@cache
def _domains_of_mask(order: tuple[int, ...]) -> list[tuple[int, ...]]:
    """For each mask of domains (bit d: domain d), its domains in this order."""
    return [
        tuple(domain for domain in order if mask >> domain & 1) for mask in range(1 << len(DOMAINS))
    ]


@dataclass
class CodedBatch:
    """Questionnaires to score, a profile's questionnaires next to one another in the order
    `Scorer.combine` takes them, profiles in order."""

    profile_of: np.ndarray  # the profile of each questionnaire, 0 .. profiles - 1, ascending
    profiles: int
    respondents: Sequence[str]
    informants: Sequence[str]
    codes: Sequence[bytes]  # `Codebook.encode` of each questionnaire's answers
    contexts: Mapping[str, Sequence[Any]]  # the child's facts, one list per name
    answers_of: Callable[[np.ndarray], Sequence[Mapping[str, Any]]]  # rows -> their answers


@dataclass
class CodedSummaries:
    """What `BatchScorer.profile_summaries` gives, as arrays: per profile, each domain's rank
    (-1: no level), the overall rank, urgent and discordant; per questionnaire, the numbers of
    its respondent's rules that fired and the domains it answered in."""

    ranks: np.ndarray  # profiles x domains
    overall: np.ndarray
    urgent: np.ndarray
    discordant: np.ndarray
    fired: list[list[int]]
    covered: list[tuple[int, ...]]  # as `ProfileSummary.records` lists them


class CodedScorer:
    """A `BatchScorer` over answer codes. Build once per version and codebook, and reuse."""

    def __init__(self, batch: BatchScorer, codebook: Codebook) -> None:
        self.batch = batch
        self.codebook = codebook
        scorer = batch.scorer
        # Every rule of every respondent, as attributes by (respondent, number).
        self._rule_rank: dict[str, np.ndarray] = {}
        self._rule_urgent: dict[str, np.ndarray] = {}
        self._rule_indicator: dict[str, np.ndarray] = {}
        indicators: dict[tuple[int, str], int] = {}
        for respondent, texts in batch._texts.items():
            self._rule_rank[respondent] = np.array([t.rank for t in texts], dtype=np.int64)
            self._rule_urgent[respondent] = np.array([t.urgent for t in texts], dtype=bool)
            self._rule_indicator[respondent] = np.array(
                [indicators.setdefault((t.domain, t.indicator), len(indicators)) for t in texts],
                dtype=np.int64,
            )
        # Each respondent's rules ordered by indicator: (that order, where each indicator's
        # rules start in it, the indicators in it).
        self._by_indicator: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        for respondent, indicator_of in self._rule_indicator.items():
            order = np.argsort(indicator_of, kind="stable")
            ordered = indicator_of[order]
            starts = (
                np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(order) else order
            )
            self._by_indicator[respondent] = (order, starts, ordered[starts])
        self._indicator_domain = np.array(
            [domain for domain, _indicator in indicators], dtype=np.int64
        )
        self._indicators = len(indicators)
        self._quiet = np.array(
            [domain in batch._quiet_domains for domain in range(len(DOMAINS))], dtype=bool
        )
        # What a respondent's questionnaires are read for: the rules' and measures' names,
        # and the questions that say whether a domain was answered.
        self._read: dict[str, list[str]] = {}
        for respondent, plan in scorer._plans.items():
            names = list(batch._names[respondent])
            for _domain, questions in plan.domain_questions:
                names += [q for q in questions if q not in names]
            self._read[respondent] = names
        self._columns_of_terms: dict[str, tuple[int, np.ndarray]] = {}

    def _column_of_term(self, respondent: str) -> np.ndarray:
        """Each term id's column among what the respondent's questionnaires are read for."""
        found = self._columns_of_terms.get(respondent)
        if found is not None and found[0] == self.codebook.highest:
            return found[1]
        table = np.full(self.codebook.highest + 1, -1, dtype=np.int64)
        for column, name in enumerate(self._read[respondent]):
            term_id = self.codebook.id_of(self.codebook.name_text(name))
            if term_id is not None:
                table[term_id] = column
        self._columns_of_terms[respondent] = (self.codebook.highest, table)
        return table

    def summarise(self, batch: CodedBatch) -> CodedSummaries:
        size = len(batch.respondents)
        respondents = np.array(batch.respondents, dtype=object)
        fired: list[list[int]] = [[] for _ in range(size)]
        covered = np.zeros(size, dtype=np.int64)
        covered_lists: list[tuple[int, ...]] = [()] * size
        # Per questionnaire: each indicator's highest rank (-1: none fired), urgent.
        indicator_rank = np.full((size, self._indicators), -1, dtype=np.int64)
        urgent_rows = np.zeros(size, dtype=bool)
        all_contexts = {
            name: np.array(column, dtype=object) for name, column in batch.contexts.items()
        }
        for respondent in dict.fromkeys(batch.respondents):
            rows = np.flatnonzero(respondents == respondent)
            plan = self.batch.scorer._plans.get(respondent)
            if plan is None:  # nothing to score: no finding, no domain answered
                continue
            names = self._read[respondent]
            codes = code_matrix(
                [batch.codes[row] for row in rows.tolist()],
                self._column_of_term(respondent),
                len(names),
            )
            contexts = {name: column[rows].tolist() for name, column in all_contexts.items()}
            columns = _CodedColumns(
                self.codebook,
                codes,
                names,
                contexts,
                lambda within, rows=rows: batch.answers_of(rows[within]),
                self.batch._domain_questions[respondent],
            )
            matrix = self.batch.fired_matrix(respondent, plan, columns)
            covered[rows] = columns.covered_mask
            for row, domains in zip(rows.tolist(), columns.covered, strict=True):
                covered_lists[row] = domains
            # Each questionnaire's fired rules, in order: slices of one list (row by row).
            at, which = np.nonzero(matrix)
            numbers = which.tolist()
            ends = np.cumsum(np.bincount(at, minlength=len(rows))).tolist()
            for row, first, end in zip(rows.tolist(), [0, *ends[:-1]], ends, strict=True):
                fired[row] = numbers[first:end]
            if matrix.shape[1]:
                order, starts, indicators = self._by_indicator[respondent]
                weighted = matrix[:, order] * (self._rule_rank[respondent][order] + 1)
                highest = np.maximum.reduceat(weighted, starts, axis=1) - 1
                indicator_rank[np.ix_(rows, indicators)] = highest
            urgent_rows[rows] = matrix[:, self._rule_urgent[respondent]].any(axis=1)
        return self._combine(batch, indicator_rank, urgent_rows, covered, fired, covered_lists)

    def _combine(
        self,
        batch: CodedBatch,
        indicator_rank: np.ndarray,
        urgent_rows: np.ndarray,
        covered: np.ndarray,
        fired: list[list[int]],
        covered_lists: list[tuple[int, ...]],
    ) -> CodedSummaries:
        """`Scorer.combine` for every profile at once, as `BatchScorer._levels` does it."""
        profiles, domains = batch.profiles, len(DOMAINS)
        starts = np.searchsorted(batch.profile_of, np.arange(profiles))
        # Each questionnaire's level in each domain: its highest finding, or low if it
        # answered something there, else none (-1).
        domain_rank = np.full((len(covered), domains), -1, dtype=np.int64)
        for domain in range(domains):
            indicators = self._indicator_domain == domain
            if indicators.any():
                domain_rank[:, domain] = indicator_rank[:, indicators].max(axis=1)
        answered = (covered[:, None] >> np.arange(domains)) & 1 == 1
        questionnaire_level = np.where((domain_rank < 0) & answered, 0, domain_rank)
        # Per profile: each indicator's highest rank, whether anyone has a level per domain.
        profile_indicators = np.maximum.reduceat(indicator_rank, starts, axis=0)
        has_level = np.maximum.reduceat(questionnaire_level, starts, axis=0) >= 0
        urgent = np.logical_or.reduceat(urgent_rows, starts)
        ranks = np.full((profiles, domains), -1, dtype=np.int64)
        for domain in range(domains):
            indicators = profile_indicators[:, self._indicator_domain == domain]
            found = indicators >= 0
            rank = np.where(found.any(axis=1), indicators.max(axis=1, initial=-1), -1)
            rank = np.where((rank < 0) & has_level[:, domain], 0, rank)
            scored = found.any(axis=1) | has_level[:, domain] | ~self._quiet[domain]
            if self.batch._domain_rules[domain]:
                moderate = (indicators >= 1).sum(axis=1)
                high = (indicators == 2).sum(axis=1)
                pairs = moderate * 1024 + high
                for pair in np.unique(pairs[scored]).tolist():
                    texts = self.batch.fired_domain_rules(domain, pair // 1024, pair % 1024)
                    if not texts:
                        continue
                    where = scored & (pairs == pair)
                    rank = np.where(where, np.maximum(rank, max(t.rank for t in texts)), rank)
                    if any(t.urgent for t in texts):
                        urgent = urgent | where
            ranks[:, domain] = np.where(scored, rank, -1)
        # Discordance: an informant at high and one at low in the same domain, each
        # informant's level being the highest of their questionnaires'.
        informant_codes: dict[str, int] = {}
        informant = np.fromiter(
            (informant_codes.setdefault(name, len(informant_codes)) for name in batch.informants),
            dtype=np.int64,
            count=len(batch.informants),
        )
        groups, group_of = np.unique(
            batch.profile_of * (len(informant_codes) + 1) + informant, return_inverse=True
        )
        group_of = group_of.reshape(-1)
        group_level = np.full((len(groups), domains), -1, dtype=np.int64)
        np.maximum.at(group_level, group_of, questionnaire_level)
        group_profile = groups // (len(informant_codes) + 1)
        group_starts = np.searchsorted(group_profile, np.arange(profiles))
        high_somewhere = np.logical_or.reduceat(group_level == 2, group_starts, axis=0)
        low_somewhere = np.logical_or.reduceat(group_level == 0, group_starts, axis=0)
        discordant = (high_somewhere & low_somewhere).any(axis=1)
        return CodedSummaries(
            ranks=ranks,
            overall=ranks.max(axis=1),
            urgent=urgent,
            discordant=discordant,
            fired=fired,
            covered=covered_lists,
        )
