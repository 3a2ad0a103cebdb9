"""Which role reads which sensitivity class, and the class of each field of a child's record.
Kept as data; documented in docs/access.md.

Classes: general, contact, identity, education, health, protection, case_notes. Levels
(low/moderate/high) per domain are not sensitive within a school team: everyone who may see the
child sees that a domain is high. The *reasons* are as sensitive as the answers behind them.
"""

from __future__ import annotations

from .roles import Role

CLASSES: tuple[str, ...] = (
    "general",
    "contact",
    "identity",
    "education",
    "health",
    "protection",
    "case_notes",
)

READS: dict[str, frozenset[str]] = {
    Role.FIELD_WORKER: frozenset({"general", "contact", "education"}),
    Role.TEACHER: frozenset({"general", "contact", "education"}),
    Role.SOCIAL_WORKER: frozenset(CLASSES),
    Role.NURSE: frozenset({"general", "contact", "health"}),
    Role.COORDINATOR: frozenset({"general", "contact", "identity", "education"}),
    Role.DATA_MANAGER: frozenset({"general", "contact", "identity"}),
    Role.DISTRICT_OFFICIAL: frozenset(),
    Role.PROVINCIAL_OFFICIAL: frozenset(),
    Role.RESEARCHER: frozenset(),
}

# Which classes each role may write: answers in the questionnaires it captures, notes, record
# corrections. Writing is wider than reading for the people who gather data: a teacher reports
# an abuse concern (protection) or a hearing problem (health) but cannot read the details
# back; a field worker asks the caregiver about health and safety. A note is written only in a class the writer also reads.
# tests/access/test_child_fields.py checks this against the questionnaires each role captures.
_GATHERS = frozenset({"general", "contact", "education", "health", "protection"})
WRITES: dict[str, frozenset[str]] = {
    Role.FIELD_WORKER: _GATHERS,
    Role.TEACHER: frozenset({"general", "education", "health", "protection"}),
    Role.SOCIAL_WORKER: frozenset(CLASSES),
    Role.NURSE: frozenset({"general", "contact", "health", "protection"}),
    Role.COORDINATOR: _GATHERS | {"identity"},
    Role.DATA_MANAGER: _GATHERS | {"identity"},
    Role.DISTRICT_OFFICIAL: frozenset(),
    Role.PROVINCIAL_OFFICIAL: frozenset(),
    Role.RESEARCHER: frozenset(),
}

# Every field of a child's record that a page, export or API may show, with its class.
# A field missing here is never shown (tests/access/test_child_fields.py checks the model).
CHILD_FIELDS: dict[str, str] = {
    "first_name": "general",
    "last_name": "general",
    "date_of_birth": "general",
    "sex": "general",
    "school": "general",
    "school_class": "general",
    "status": "general",
    "grant_status": "general",
    "risk_levels": "general",  # the level per domain, not the reasons
    "household_conditions": "general",  # water, electricity, toilet
    "caregiver_names": "general",  # names and relation
    "household_address": "contact",
    "caregiver_phone": "contact",
    "sa_id_number": "identity",
    "birth_certificate_number": "identity",
}


def readable_classes(role: str | None) -> frozenset[str]:
    return READS.get(role or "", frozenset())


def writable_classes(role: str | None) -> frozenset[str]:
    return WRITES.get(role or "", frozenset())


def visible_fields(classes: frozenset[str]) -> frozenset[str]:
    return frozenset(field for field, kind in CHILD_FIELDS.items() if kind in classes)
