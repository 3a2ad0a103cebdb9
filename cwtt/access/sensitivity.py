"""Which role reads which sensitivity class. Kept as data; documented in docs/access.md.

Classes: general, education, health, protection, case_notes. Levels (low/moderate/high) per
domain are not sensitive within a school team: everyone who may see the child sees that a domain
is high. The *reasons* are as sensitive as the answers behind them.
"""

from __future__ import annotations

from .roles import Role

READS: dict[str, frozenset[str]] = {
    Role.FIELD_WORKER: frozenset({"general", "education"}),
    Role.TEACHER: frozenset({"general", "education"}),
    Role.SOCIAL_WORKER: frozenset({"general", "education", "health", "protection", "case_notes"}),
    Role.NURSE: frozenset({"general", "health"}),
    Role.COORDINATOR: frozenset({"general", "education"}),
    Role.DATA_MANAGER: frozenset({"general"}),
    Role.DISTRICT_OFFICIAL: frozenset(),
    Role.PROVINCIAL_OFFICIAL: frozenset(),
    Role.RESEARCHER: frozenset(),
}


def readable_classes(role: str | None) -> frozenset[str]:
    return READS.get(role or "", frozenset())
