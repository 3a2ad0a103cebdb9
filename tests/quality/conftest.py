"""Fixtures for data quality: a wave of the default instrument at Sunrise and Hilltop, answers
that pass every rule of it, and a way to plant answers the instrument would refuse (as an old
import or a bulk load could have stored them).

Who may see what (tests/conftest.py): Cora (coordinator) reads Sunrise only; Dora (data
manager) reads every school; everyone else is refused the quality pages.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.actions import validator_for
from cwtt.instruments.engine.expressions import SELF, compile_condition

NUMBERS = (0, 1, 2, 3, 5, 10, 20, 50, 100, 120)
# A healthy height and weight for the default child (born 14 March 2018) in late 2026.
HEALTHY_GROWTH = {"ns_height_cm": 131.0, "ns_weight_kg": 27.5}


@pytest.fixture
def quality_wave(default_version, sunrise, hilltop):
    today = timezone.localdate()
    wave = Wave.objects.create(
        name="Quality wave",
        starts_on=today - dt.timedelta(days=60),
        ends_on=today + dt.timedelta(days=60),
        instrument_version=default_version,
    )
    wave.schools.set([sunrise, hilltop])
    return wave


def _first_allowed(question, definition, values: dict[str, Any]) -> Any:
    constraint = compile_condition(question.constraint) if question.constraint else None

    def allowed(value: Any) -> bool:
        return constraint is None or constraint({**values, SELF: value})

    choices = [c.name for c in definition.choices.get(question.list_name or "", [])]
    if question.type == "select_one":
        return next(c for c in choices if allowed(c))
    if question.type == "select_multiple":
        return next([c] for c in choices if allowed([c]))
    if question.type in {"integer", "decimal", "range"}:
        return next(n for n in NUMBERS if allowed(n))
    if question.type == "date":
        return timezone.localdate().isoformat()
    return "ok"


def valid_answers(version, respondent: str, **overrides: Any) -> dict[str, Any]:
    """Answers to every question the respondent is asked that apply, each the first answer the
    instrument allows, with `overrides` taking their place. They pass the validator."""
    validator = validator_for(version.pk)
    values: dict[str, Any] = dict(HEALTHY_GROWTH) if respondent == "nurse" else {}
    values.update(overrides)
    for question in validator.questions(respondent):
        if question.name in values or not validator.is_relevant(question, values):
            continue
        values[question.name] = _first_allowed(question, validator.definition, values)
    checked = validator.validate(respondent, values)
    assert checked.ok, checked.errors
    return checked.answers


def submit(
    child, wave, respondent, answers=None, *, by=None, on=None, status="submitted", also=()
):
    """Save through the one write path, as a form or the API would. `also`: questionnaires of
    the same kind already sent that the sender chose to keep alongside this one."""
    return assessment_save(
        keep_alongside=[str(a.uuid) for a in also],
        child=child,
        wave=wave,
        respondent=respondent,
        answers=valid_answers(wave.instrument_version, respondent) if answers is None else answers,
        assessed_on=on or timezone.localdate(),
        status=status,
        assessor=by,
    ).assessment


def plant(child, wave, respondent, answers, *, by=None, on=None, status="submitted"):
    """Store answers without checking them, as an old import could have done."""
    return Assessment.objects.create(
        uuid=uuid.uuid4(),
        child=child,
        wave=wave,
        respondent=respondent,
        answers=answers,
        assessed_on=on or timezone.localdate(),
        instrument_version=wave.instrument_version,
        status=status,
        assessor=by,
    )
