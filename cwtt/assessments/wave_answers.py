"""A wave's counting assessments as plain answers, for checking and trimming an instrument
(`cwtt instrument check --against`, `cwtt instrument trim`).

Ids only, no names: what is read is scored in memory and only counts leave it. One query
whatever the size of the wave.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from cwtt.instruments.calibration import Answered, ChildAnswers

from .actions import COUNTING, child_facts_of
from .models import Assessment, Wave


class UnknownWave(Exception):
    """A wave name that is not there; the message lists the names that are."""


def waves_named(names: Sequence[str]) -> list[Wave]:
    waves = {w.name: w for w in Wave.objects.filter(name__in=names)}
    missing = [n for n in names if n not in waves]
    if missing:
        known = ", ".join(Wave.objects.values_list("name", flat=True)) or "none yet"
        raise UnknownWave(f"no wave called {', '.join(missing)} (waves: {known})")
    return [waves[n] for n in names]


def wave_answers(waves: Sequence[Wave]) -> list[ChildAnswers]:
    """One `ChildAnswers` per (child, wave) with a submitted or verified assessment, in child
    then wave order. The same child in two waves gives two entries with the same `child`, so a
    split by child or school keeps them on one side."""
    grouped: dict[tuple[int, int], list[Answered]] = defaultdict(list)
    schools: dict[int, int] = {}
    rows = (
        Assessment.objects.filter(wave__in=waves, status__in=COUNTING)
        .order_by("child_id", "wave_id", "assessed_on", "respondent", "uuid")
        .values_list(
            "child_id",
            "wave_id",
            "child__school_id",
            "respondent",
            "assessed_on",
            "answers",
            "child__date_of_birth",
            "child__sex",
            "child__grant_status",
        )
    )
    for child, wave, school, respondent, on, answers, born, sex, grant in rows.iterator():
        schools[child] = school
        facts = child_facts_of(born, sex, grant, on)
        grouped[(child, wave)].append(Answered(respondent, answers or {}, facts))
    return [
        ChildAnswers(child, schools[child] or 0, tuple(items))
        for (child, _wave), items in grouped.items()
    ]
