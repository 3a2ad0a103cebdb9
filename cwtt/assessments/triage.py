"""Triage: which child comes first on a long list (proposed cases, a meeting's agenda, a
person's cases). One order everywhere (decision 0050):

1. a concern that needs action today (the profile's urgent flag);
2. statutory work: high risk in protection and care, which the law requires child protection
   to act on (Children's Act 38 of 2005, sections 110 and 150);
3. the number of areas at high risk, most first;
4. time waiting, longest first;
then the child's name, so the order is the same every time.

Plain Python on a profile's levels: no query, so a list is ranked after it is read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cwtt.instruments.engine.definition import DOMAINS

STATUTORY_DOMAIN = "protection"
# How many of a long ranked list are shown before "Show N more" (decision 0050).
SHORT_LIST = 10


def high_count(profile: Any) -> int:
    """Areas at high risk in a risk profile (0 without one)."""
    if profile is None:
        return 0
    return sum(getattr(profile, d) == "high" for d in DOMAINS)


def is_statutory(profile: Any) -> bool:
    return profile is not None and getattr(profile, STATUTORY_DOMAIN) == "high"


def _moment(value: dt.datetime | dt.date | None) -> float:
    if value is None:
        return float("inf")
    if isinstance(value, dt.datetime):
        return value.timestamp()
    return dt.datetime.combine(value, dt.time.min, tzinfo=dt.UTC).timestamp()


def need_key(profile: Any, waiting_since: dt.datetime | dt.date | None, name: str = "") -> tuple:
    """The sort key: smaller comes first. `profile` is a RiskProfile (or None when there is
    none); `waiting_since` is when the child started waiting (None sorts last)."""
    urgent = bool(profile is not None and profile.urgent)
    return (
        not urgent,
        not is_statutory(profile),
        -high_count(profile),
        _moment(waiting_since),
        name,
    )
