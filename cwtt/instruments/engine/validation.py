"""Check one respondent's answers against the instrument: types, choices (and choice filters),
relevance (with the calculations worked out), required and constraints, with one
plain-language message per question.

Used for every assessment that arrives (web form, API, import), so the server never stores an
answer the instrument would not have allowed — whatever the client did.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .definition import MAX_REPEAT_ROWS, InstrumentDefinition, Question, Repeat, label_text
from .expressions import (
    SELF,
    Compiled,
    ExpressionError,
    compile_condition,
    compile_node,
    parse,
    to_json,
)

Condition = Callable[[Mapping[str, Any]], bool]


@dataclass(slots=True)
class ValidationResult:
    answers: dict[str, Any]  # cleaned: numbers as numbers, multi-selects as lists
    errors: dict[str, str]  # question name → message

    @property
    def ok(self) -> bool:
        return not self.errors


def _compile_or_none(text: str | None) -> Condition | None:
    if not text:
        return None
    try:
        return compile_condition(text)
    except ExpressionError:
        return None  # the reader warned when the instrument was checked


class AnswerValidator:
    """Compiled checks for one instrument version; build once and reuse."""

    def __init__(self, definition: InstrumentDefinition) -> None:
        self.definition = definition
        self._relevant: dict[str, Condition | None] = {}
        self._constraint: dict[str, Condition | None] = {}
        # Relevance and constraints as JSON trees for the browser, which shows questions as
        # they become relevant and marks an answer outside its limits at once
        # (web/static/web/capture.js). The server checks both again when the form arrives.
        self.relevance_json: dict[str, str] = {}
        self.constraint_json: dict[str, str] = {}
        # `calculate` rows the server evaluates, in form order (each may read the ones before),
        # and their trees for the browser, which works them out as answers are given.
        self._calculations: list[tuple[str, Compiled]] = []
        self.calculation_json: dict[str, str] = {}
        for question in definition.questions:
            if question.type == "calculate" and question.calculation:
                try:
                    tree = parse(question.calculation)
                    self._calculations.append((question.name, compile_node(tree)))
                except ExpressionError:
                    continue  # the reader warned; ODK still works it out
                self.calculation_json[question.name] = json.dumps(to_json(tree))
        # Choice filters: which answers a select offers, given the earlier answers.
        self._filters: dict[str, Condition] = {}
        self.choice_filter_json: dict[str, str] = {}
        # Counts that fix a repeat's number of rows (`repeat_count`), and their trees.
        self._counts: dict[str, Compiled] = {}
        self.count_json: dict[str, str] = {}
        for repeat in definition.repeats:
            if repeat.count:
                try:
                    tree = parse(repeat.count)
                    self._counts[repeat.name] = compile_node(tree)
                except ExpressionError:
                    continue
                self.count_json[repeat.name] = json.dumps(to_json(tree))
        # Questions asked once and those asked in each row of a repeat alike: names are unique
        # in the form, so one table serves both.
        for question in (q for q in definition.questions if q.takes_answer):
            choice_filter = _compile_or_none(question.choice_filter)
            if choice_filter is not None:
                self._filters[question.name] = choice_filter
                self.choice_filter_json[question.name] = json.dumps(
                    to_json(parse(question.choice_filter))  # type: ignore[arg-type]
                )
            self._relevant[question.name] = _compile_or_none(question.relevant)
            self._constraint[question.name] = _compile_or_none(question.constraint)
            if self._relevant[question.name] is not None:
                self.relevance_json[question.name] = json.dumps(to_json(parse(question.relevant)))
            if self._constraint[question.name] is not None:
                self.constraint_json[question.name] = json.dumps(
                    to_json(parse(question.constraint))
                )

    def questions(self, respondent: str | None) -> list[Question]:
        if respondent is None or not self.definition.respondents():
            return self.definition.answerable()  # a plain XLSForm: everyone answers everything
        return self.definition.answerable(respondent)

    def with_calculations(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """The answers with the value of every calculation worked out from them."""
        found = dict(values)
        for name, calculation in self._calculations:
            value = calculation(found)
            found[name] = None if value == "" else value
        return found

    def offered(self, question: Question, values: Mapping[str, Any]) -> set[str] | None:
        """The answers a select with a `choice_filter` offers given `values` (answers and
        calculations); None when every answer is offered."""
        choice_filter = self._filters.get(question.name)
        if choice_filter is None:
            return None
        return {
            choice.name
            for choice in self.definition.choices.get(question.list_name or "", [])
            if choice_filter({**values, **choice.filter_values()})
        }

    def is_relevant(self, question: Question, values: Mapping[str, Any]) -> bool:
        condition = self._relevant.get(question.name)
        if condition is None:
            return True
        return condition(self.with_calculations(values) if self._calculations else values)

    def repeats(self, respondent: str | None) -> list[Repeat]:
        """The repeats `respondent` answers (every repeat for a plain XLSForm)."""
        if respondent is None or not self.definition.respondents():
            return self.definition.repeats_for()
        return self.definition.repeats_for(respondent)

    def row_questions(self, repeat: Repeat, respondent: str | None) -> list[Question]:
        """The questions asked in each row of `repeat`."""
        if respondent is None or not self.definition.respondents():
            return self.definition.repeat_questions(repeat.name)
        return self.definition.repeat_questions(repeat.name, respondent)

    def row_count(self, repeat: Repeat, values: Mapping[str, Any]) -> int | None:
        """The number of rows `repeat_count` fixes given the answers asked once (None when the
        person chooses; at most MAX_REPEAT_ROWS)."""
        count = self._counts.get(repeat.name)
        if count is None:
            return None
        value = count(self.with_calculations(values) if self._calculations else values)
        try:
            number = int(float(value))
        except (TypeError, ValueError, OverflowError):
            return 0  # no answer yet to count by: no rows
        return max(0, min(number, MAX_REPEAT_ROWS))

    def validate(
        self,
        respondent: str | None,
        answers: Mapping[str, Any],
        *,
        partial: bool = False,
        today: dt.date | None = None,
        language: str | None = None,
    ) -> ValidationResult:
        """`partial` is a draft: missing required answers are allowed, wrong ones are not.
        `language` picks the instrument's translated constraint messages (e.g. `zu`); the
        server's own messages are in English.

        A repeat's answers are a list of rows under its name, each row a dict like the answers
        themselves; an error in a row is keyed `REPEAT-INDEX-QUESTION` (INDEX from 0, as the
        capture page names its boxes) and its message names the row ("Household member 2,
        Age: ..."). Inside a row, expressions read the row's own answers and those asked once.
        """
        today = today or dt.date.today()
        questions = self.questions(respondent)
        repeats = {r.name: r for r in self.repeats(respondent)}
        by_name = {q.name: q for q in questions}
        errors: dict[str, str] = {}
        for name in answers:
            if name not in by_name and name not in repeats:
                who = f"the {respondent.replace('_', ' ')}" if respondent else "this instrument"
                errors[name] = f"'{name}' is not a question for {who}."
        once = {k: v for k, v in answers.items() if k not in repeats}
        clean, known = self._check_answers(
            questions, once, None, errors, partial=partial, today=today, language=language
        )
        for repeat in repeats.values():
            rows = self._check_repeat(
                repeat,
                respondent,
                answers.get(repeat.name),
                known,
                errors,
                partial=partial,
                today=today,
                language=language,
            )
            if rows:
                clean[repeat.name] = rows
        return ValidationResult({k: v for k, v in clean.items() if k not in errors}, errors)

    def _check_answers(
        self,
        questions: list[Question],
        answers: Mapping[str, Any],
        outer: Mapping[str, Any] | None,
        errors: dict[str, str],
        *,
        partial: bool,
        today: dt.date,
        language: str | None,
        key: Callable[[str], str] = str,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """Check one set of answers (those asked once, with `outer` None, or one repeat row,
        with `outer` the values asked once); errors go into `errors` under `key(name)`.
        Returns the clean answers and the values expressions read."""
        clean: dict[str, Any] = {}
        for question in questions:
            raw = answers.get(question.name)
            if raw is None or raw == "" or raw == []:
                continue
            value, problem = _coerce(question, raw, self.definition, today)
            if problem:
                errors[key(question.name)] = problem
            else:
                clean[question.name] = value
        if outer is None:
            known = self.with_calculations(clean) if self._calculations else clean
        else:
            known = {**outer, **clean}
        for question in questions:
            name = question.name
            if key(name) in errors:
                continue
            condition = self._relevant.get(name)
            relevant = condition is None or condition(known)
            if name in clean and not relevant:
                errors[key(name)] = (
                    "This question does not apply, given the earlier answers; leave it empty."
                )
                continue
            if name not in clean:
                if relevant and question.required and not partial:
                    errors[key(name)] = "This question needs an answer."
                continue
            offered = self.offered(question, known)
            if offered is not None:
                picked = clean[name] if isinstance(clean[name], list) else [clean[name]]
                refused = [p for p in picked if p not in offered]
                if refused:
                    errors[key(name)] = (
                        f"{refused[0]!r} is not one of the answers offered here, given the "
                        "earlier answers."
                    )
                    continue
            constraint = self._constraint.get(name)
            if constraint is not None and not constraint({**known, SELF: clean[name]}):
                errors[key(name)] = (
                    question.constraint_text(language)
                    or "This answer is outside what is allowed here."
                )
        return {k: v for k, v in clean.items() if key(k) not in errors}, known

    def _check_repeat(
        self,
        repeat: Repeat,
        respondent: str | None,
        given: Any,
        known: Mapping[str, Any],
        errors: dict[str, str],
        *,
        partial: bool,
        today: dt.date,
        language: str | None,
    ) -> list[dict[str, Any]]:
        """The clean rows of one repeat; its problems go into `errors`."""
        title = label_text(repeat.label, language) or repeat.name.replace("_", " ")
        if given is None or given == "" or given == []:
            given = []
        if not isinstance(given, list) or not all(isinstance(r, Mapping) for r in given):
            errors[repeat.name] = f"{title}: the answers should be a list of rows."
            return []
        if len(given) > MAX_REPEAT_ROWS:
            errors[repeat.name] = (
                f"{title}: there are {len(given):,} rows; a form takes at most "
                f"{MAX_REPEAT_ROWS}. Split them over more than one assessment."
            )
            return []
        rows = list(given)
        while rows and not any(v not in (None, "", []) for v in rows[-1].values()):
            rows.pop()  # an empty row at the end (the blank one a page offers) is no row
        count = self.row_count(repeat, known)
        if count is not None and len(rows) > count:
            errors[repeat.name] = (
                f"{title}: there are {len(rows)} rows, but the form asks for {count}."
            )
            return []
        if count is not None and not partial:
            rows += [{}] * (count - len(rows))  # rows not sent are empty rows
        questions = self.row_questions(repeat, respondent)
        names = {q.name for q in questions}
        labels = {q.name: label_text(q.label, language) or q.name for q in questions}
        clean_rows: list[dict[str, Any]] = []
        for index, row in enumerate(rows):
            prefix = f"{title} {index + 1}, "
            for name in row:
                if name not in names:
                    errors[f"{repeat.name}-{index}-{name}"] = (
                        f"{prefix.rstrip(', ')}: '{name}' is not a question in this row."
                    )

            def key(name: str, index: int = index) -> str:
                return f"{repeat.name}-{index}-{name}"

            before = len(errors)
            clean, _ = self._check_answers(
                questions,
                row,
                known,
                errors,
                partial=partial,
                today=today,
                language=language,
                key=key,
            )
            # Name the row and the question in each new message, so that a list of problems
            # (the API's, ODK Collect's) says where each one is.
            for error_key in list(errors)[before:]:
                name = error_key.removeprefix(key(""))  # names may hold a hyphen
                if name in labels:
                    errors[error_key] = f"{prefix}{labels[name]}: {errors[error_key]}"
            clean_rows.append(clean)
        return clean_rows


def _coerce(
    question: Question, raw: Any, definition: InstrumentDefinition, today: dt.date
) -> tuple[Any, str | None]:
    kind = question.type
    if kind == "integer":
        try:
            if isinstance(raw, bool):
                raise ValueError
            number = float(raw)
            if not number.is_integer():
                raise ValueError
            return int(number), None
        except (TypeError, ValueError):
            return None, f"{raw!r} is not a whole number."
    if kind in {"decimal", "range"}:
        try:
            if isinstance(raw, bool):
                raise ValueError
            number = float(str(raw).replace(",", "."))
            if not math.isfinite(number):  # Python reads "inf" and "nan"; nobody means them
                raise ValueError
            return number, None
        except (TypeError, ValueError):
            return None, f"{raw!r} is not a number."
    if kind == "date":
        try:
            day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
        except ValueError:
            return None, f"{raw!r} is not a date (use YYYY-MM-DD)."
        if day > today:
            return None, "This date is in the future."
        return day.isoformat(), None
    if kind in {"select_one", "select_multiple"}:
        allowed = {c.name: c for c in definition.choices.get(question.list_name or "", [])}
        picked = raw if isinstance(raw, list | tuple) else str(raw).split()
        picked = [str(p) for p in picked]
        if kind == "select_one" and len(picked) != 1:
            return None, "Choose one answer."
        if allowed:
            unknown = [p for p in picked if p not in allowed]
            if unknown:
                options = ", ".join(
                    f"{c.name} ({label_text(c.label)})" if c.label else c.name
                    for c in allowed.values()
                )
                return None, f"{unknown[0]!r} is not one of the answers: {options}."
        return (picked[0] if kind == "select_one" else picked), None
    return str(raw).strip(), None
