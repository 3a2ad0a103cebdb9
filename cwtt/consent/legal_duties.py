"""Duties in law that override a missing or withdrawn consent, modelled explicitly.

Each duty names the sharing it requires, the law, and when it applies. The access policy asks
`duty_overriding` before withholding data for lack of consent, and every read made under a duty
is marked in the audit trail with the duty's code.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from cwtt.registry.models import Child

from .models import Purpose


@dataclass(frozen=True)
class LegalDuty:
    code: str
    purpose: str  # the sharing it requires, whatever the consent says
    law: str
    explanation: str
    applies: Callable[[Child], bool]
    # The same question for a list of children at once (their ids): one query for a list page.
    applies_among: Callable[[Collection[int]], set[int]]


def _abuse_disclosed_among(child_ids: Collection[int]) -> set[int]:
    """Which of these children have an urgent protection finding (a disclosure or sign of
    abuse) in any wave. One query, however many children."""
    from cwtt.assessments.models import RiskProfile

    found: set[int] = set()
    urgent = RiskProfile.objects.filter(child_id__in=list(child_ids), urgent=True)
    for child_id, details in urgent.values_list("child_id", "details"):
        for finding in (details or {}).get("urgent_findings", []):
            if finding.get("domain") == "protection":
                found.add(child_id)
    return found


def _abuse_disclosed(child: Child) -> bool:
    return child.pk in _abuse_disclosed_among([child.pk])


LEGAL_DUTIES: tuple[LegalDuty, ...] = (
    LegalDuty(
        code="report_abuse",
        purpose=Purpose.SHARE_SOCIAL_DEVELOPMENT,
        law="Children's Act 38 of 2005, section 110",
        explanation=(
            "Abuse was disclosed or suspected. The law requires it to reach statutory child "
            "protection (a designated social worker), whether or not the caregiver agreed to "
            "sharing."
        ),
        applies=_abuse_disclosed,
        applies_among=_abuse_disclosed_among,
    ),
)


def duty_overriding(child: Child, purpose: str) -> LegalDuty | None:
    for duty in LEGAL_DUTIES:
        if duty.purpose == purpose and duty.applies(child):
            return duty
    return None


def duties_overriding(child_ids: Collection[int], purpose: str) -> dict[int, LegalDuty]:
    """`duty_overriding` for many children: {child id: the duty} for those a duty covers. One
    query per duty, whatever the number of children."""
    found: dict[int, LegalDuty] = {}
    for duty in LEGAL_DUTIES:
        if duty.purpose != purpose or not child_ids:
            continue
        for child_id in duty.applies_among(child_ids):
            found.setdefault(child_id, duty)
    return found
