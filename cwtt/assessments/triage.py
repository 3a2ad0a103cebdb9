"""Triage: which child comes first on a long list (proposed cases, a meeting's agenda, a
person's cases). One order everywhere (decision 0050):

1. a concern that needs action today (the profile's urgent flag);
2. statutory work: high risk in protection and care, which the law requires child protection
   to act on (Children's Act 38 of 2005, sections 110 and 150);
3. the number of areas at high risk, most first;
4. a referral overdue, longest overdue first (the action queue, decision 0059);
5. time since anyone from the team last saw the child, longest first (the action queue);
6. time waiting, longest first;
then the child's name, so the order is the same every time. Lists that do not know 4 and 5
(the agenda, My cases) pass nothing, and those steps leave their order as it was.

Plain Python on a profile's levels: no query, so a list is ranked after it is read.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def need_key(
    profile: Any,
    waiting_since: dt.datetime | dt.date | None,
    name: str = "",
    *,
    overdue_days: int = 0,
    days_since_contact: float = 0,
) -> tuple:
    """The sort key: smaller comes first. `profile` is a RiskProfile (or None when there is
    none); `waiting_since` is when the child started waiting (None sorts last);
    `overdue_days` how long the child's most overdue referral is overdue (0: none);
    `days_since_contact` how long since the team last saw the child (NEVER_SEEN: never)."""
    urgent = bool(profile is not None and profile.urgent)
    return (
        not urgent,
        not is_statutory(profile),
        -high_count(profile),
        -overdue_days,
        -days_since_contact,
        _moment(waiting_since),
        name,
    )


# "No contact yet" ranks as the longest time without contact.
NEVER_SEEN = float("inf")


def _weeks_or_days(days: int) -> str:
    if days >= 14:
        weeks = days // 7
        return ngettext("%(n)d week", "%(n)d weeks", weeks) % {"n": weeks}
    return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}


def why_now(profile: Any, *, overdue_days: int = 0, days_since_contact: float = 0) -> list[str]:
    """The reasons a child is where they are on the queue, in plain words, in the order of
    the key: "Needs action today · statutory: protection and care high · 3 areas at high risk
    · referral overdue 9 days · no contact for 6 weeks". Levels only: never a finding's text,
    which may be confidential (decision 0059)."""
    reasons = []
    if profile is not None and profile.urgent:
        reasons.append(str(_("Needs action today")))
    if is_statutory(profile):
        reasons.append(str(_("Statutory duty: protection and care high")))
    high = high_count(profile)
    if high:
        reasons.append(
            ngettext("%(n)d area at high risk", "%(n)d areas at high risk", high) % {"n": high}
        )
    if overdue_days > 0:
        reasons.append(_("referral overdue %(time)s") % {"time": _weeks_or_days(overdue_days)})
    if days_since_contact == NEVER_SEEN:
        reasons.append(str(_("no contact recorded yet")))
    elif days_since_contact >= 14:
        reasons.append(
            _("no contact for %(time)s") % {"time": _weeks_or_days(int(days_since_contact))}
        )
    return reasons
