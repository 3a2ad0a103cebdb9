"""Duties in law that override a missing or withdrawn consent, modelled explicitly.

Each duty names the sharing it requires, the law, and when it applies. The access policy asks
`duty_overriding` before withholding data for lack of consent, and every read made under a duty
is marked in the audit trail with the duty's code.
"""

from __future__ import annotations

from collections.abc import Callable
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


def _abuse_disclosed(child: Child) -> bool:
    """An urgent protection finding (a disclosure or sign of abuse) in any wave."""
    for details in child.risk_profiles.filter(urgent=True).values_list("details", flat=True):
        for finding in (details or {}).get("urgent_findings", []):
            if finding.get("domain") == "protection":
                return True
    return False


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
    ),
)


def duty_overriding(child: Child, purpose: str) -> LegalDuty | None:
    for duty in LEGAL_DUTIES:
        if duty.purpose == purpose and duty.applies(child):
            return duty
    return None
