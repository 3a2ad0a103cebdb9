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

from .definition import InstrumentDefinition, Question, label_text
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
        for question in definition.answerable():
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
        server's own messages are in English."""
        questions = self.questions(respondent)
        by_name = {q.name: q for q in questions}
        errors: dict[str, str] = {}
        for name in answers:
            if name not in by_name:
                who = f"the {respondent.replace('_', ' ')}" if respondent else "this instrument"
                errors[name] = f"'{name}' is not a question for {who}."
        clean: dict[str, Any] = {}
        for question in questions:
            raw = answers.get(question.name)
            if raw is None or raw == "" or raw == []:
                continue
            value, problem = _coerce(question, raw, self.definition, today or dt.date.today())
            if problem:
                errors[question.name] = problem
            else:
                clean[question.name] = value
        known = self.with_calculations(clean) if self._calculations else clean
        for question in questions:
            name = question.name
            if name in errors:
                continue
            condition = self._relevant.get(name)
            relevant = condition is None or condition(known)
            if name in clean and not relevant:
                errors[name] = (
                    "This question does not apply, given the earlier answers; leave it empty."
                )
                continue
            if name not in clean:
                if relevant and question.required and not partial:
                    errors[name] = "This question needs an answer."
                continue
            offered = self.offered(question, known)
            if offered is not None:
                picked = clean[name] if isinstance(clean[name], list) else [clean[name]]
                refused = [p for p in picked if p not in offered]
                if refused:
                    errors[name] = (
                        f"{refused[0]!r} is not one of the answers offered here, given the "
                        "earlier answers."
                    )
                    continue
            constraint = self._constraint.get(name)
            if constraint is not None and not constraint({**known, SELF: clean[name]}):
                errors[name] = (
                    question.constraint_text(language)
                    or "This answer is outside what is allowed here."
                )
        return ValidationResult({k: v for k, v in clean.items() if k not in errors}, errors)


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
