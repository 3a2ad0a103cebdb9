"""Group responses: where many children at a school share a need, one response for all of them
(a food programme, a parenting group) instead of a case each (decision 0059).

Which findings make which need is data here (NEEDS), read from each risk profile's findings
(the indicator a scoring rule names) or a domain's level. `children_with_need` is plain Python
on profiles already read: no query.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from cwtt.assessments.triage import STATUTORY_DOMAIN
from cwtt.instruments.engine.definition import DOMAINS, LEVEL_RANK


@dataclass(frozen=True)
class Need:
    code: str
    # What is offered, in plain words: the name on the page.
    response: Any
    # Why these children, in words every school role may read: levels and the kind of
    # programme, never a finding's text (a coordinator does not read protection or health
    # details; the group's name must not tell what the assessment said).
    why: Any
    domain: str  # the area the response answers: a child high only here is covered by it
    indicators: frozenset[str]  # findings with one of these indicators...
    level: str  # ...at this level or above
    service: str  # the service type (cwtt/services/catalogue.py) the referrals go to
    # The sensitivity class of the answers behind the need: only readers of that class see
    # which children are in the group; others see how many (cwtt/access/sensitivity.py).
    sensitivity: str


NEEDS: tuple[Need, ...] = (
    Need(
        code="food",
        response=_("Food programme"),
        why=_("children at high risk in food and nutrition"),
        domain="nutrition",
        indicators=frozenset({"food_quantity", "food_security", "hunger"}),
        level="high",
        service="food_support",
        sensitivity="general",
    ),
    Need(
        code="parenting",
        response=_("Parenting group (family-strengthening programme)"),
        why=_("children whose families a parenting programme can help"),
        domain="protection",
        indicators=frozenset({"discipline"}),
        level="moderate",
        service="family_strengthening",
        sensitivity="protection",
    ),
    Need(
        code="caregiver_support",
        response=_("Support group for caregivers"),
        why=_("children whose caregivers a support group can help"),
        domain="psychosocial",
        indicators=frozenset({"caregiver_mental_health"}),
        level="moderate",
        service="psychosocial_group",
        sensitivity="health",
    ),
)
NEED_BY_CODE: dict[str, Need] = {n.code: n for n in NEEDS}


def group_minimum() -> int:
    """How many children must share a need before one group response is proposed."""
    return int(getattr(settings, "CWTT_GROUP_RESPONSE_MIN", 5))


def _findings(details: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for domain in (details.get("domains") or {}).values():
        yield from domain.get("findings") or []


def has_need(profile: Any, need: Need) -> bool:
    """The profile has a finding on one of the need's indicators at its level or above."""
    floor = LEVEL_RANK[need.level]
    return any(
        f.get("indicator") in need.indicators and LEVEL_RANK.get(f.get("level", ""), -1) >= floor
        for f in _findings(profile.details or {})
    )


def covered_by(profile: Any, needs: Iterable[Need]) -> bool:
    """A group response answers everything this child needs: not urgent, not statutory, and
    every area at high risk is one the responses answer. Such a child leaves the individual
    queue; anyone else stays on it (decision 0059)."""
    if profile is None or profile.urgent or getattr(profile, STATUTORY_DOMAIN) == "high":
        return False
    answered = {n.domain for n in needs}
    if not answered:
        return False
    return all(getattr(profile, d) != "high" or d in answered for d in DOMAINS)
