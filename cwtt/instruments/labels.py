"""The names of the six areas of wellbeing in the reader's language (decision 0062). The engine
keeps them in English, Django-free (cwtt/instruments/engine/definition.py); pages, lists and
records for people show them through these functions."""

from __future__ import annotations

from django.utils.translation import gettext

from .engine.definition import DOMAIN_LABELS, DOMAINS


def domain_label(domain: str) -> str:
    """The area's name in the active language; "" for an unknown area."""
    label = DOMAIN_LABELS.get(domain, "")
    return gettext(label) if label else ""


def domain_choices() -> list[tuple[str, str]]:
    """(code, name) for each area, in the order of DOMAINS."""
    return [(domain, domain_label(domain)) for domain in DOMAINS]
