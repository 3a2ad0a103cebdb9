"""A risk profile's details, stored either in full or as which rules fired.

`RiskProfile.details` is the profile's findings by domain, with each informant's level,
discordance and the urgent findings: some 4 KB of JSON a profile. `cwtt rescore` stores instead
what they are made from (docs/decisions/0060-profiles-store-which-rules-fired.md):

    ["cwtt/fired/1", <instrument version id>,
     [[<informant>, <respondent>, [<numbers of the respondent's rules that fired>],
       [<domains answered, by index>]], ... one per questionnaire, in order]]

about 200 bytes. `ProfileDetailsField` turns that back into the full details whenever
the column is read (a model, `values()`, `values_list()`), with the same code that wrote the
full details (`BatchScorer.render_details`) and in the order of the keys the database would
have given for the full details, so every page, export and API shows exactly what it showed
before. Details written in full (by `risk_profile_recompute`, the generator, an erasure) are
read as they are. A version never changes once published, so the rule numbers keep their
meaning.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import orjson
from django.db import models

FIRED = "cwtt/fired/1"


def fired_value(version_id: int, records: Sequence[tuple]) -> list[Any]:
    """The stored form of a profile's details: which rules fired, for which informant."""
    return [FIRED, version_id, [list(record) for record in records]]


def fired_text(version_id: int, records: Sequence[tuple], *, jsonb: bool) -> str:
    """`fired_value` as the JSON text the database keeps: as Django writes it (SQLite), or as
    PostgreSQL prints jsonb (no ASCII escapes; lists and numbers are printed alike)."""
    return (_UNESCAPED if jsonb else _ESCAPED)([FIRED, version_id, records])


class FiredTexts:
    """`fired_text` for many profiles at once, written piece by piece with the names' JSON
    text made once (a third of the time of encoding each profile's list); the same text
    (tests/assessments/test_profile_details.py compares them)."""

    def __init__(self, *, jsonb: bool) -> None:
        self._quote = json.JSONEncoder(ensure_ascii=not jsonb).encode
        self._quoted: dict[str, str] = {}
        self._lists: dict[tuple[int, ...], str] = {}

    def record(self, informant: str, respondent: str, fired: list[int], covered: tuple) -> str:
        """One questionnaire's record: [informant, respondent, [fired], [covered]]."""
        quoted = self._quoted
        name = quoted.get(informant)
        if name is None:
            name = quoted[informant] = self._quote(informant)
        kind = quoted.get(respondent)
        if kind is None:
            kind = quoted[respondent] = self._quote(respondent)
        domains = self._lists.get(covered)
        if domains is None:
            domains = self._lists[covered] = ", ".join(map(str, covered))
        return f"[{name}, {kind}, [{', '.join(map(str, fired))}], [{domains}]]"

    @staticmethod
    def profile(version_id: int, records: Sequence[str]) -> str:
        """A profile's text from its questionnaires' `record`s, in order."""
        return f'["{FIRED}", {version_id}, [{", ".join(records)}]]'


# `json.dumps`'s encoders, made once (`json.dumps(..., ensure_ascii=False)` makes one a call).
_ESCAPED = json.JSONEncoder().encode
_UNESCAPED = json.JSONEncoder(ensure_ascii=False).encode


def is_fired(value: Any) -> bool:
    return type(value) is list and len(value) == 3 and value[0] == FIRED


def details_from_fired(value: list[Any], *, jsonb: bool) -> dict[str, Any]:
    """The full details of a profile stored as which rules fired, with their keys in the order
    the database would give them for the full details (jsonb's order on PostgreSQL)."""
    from cwtt.instruments.actions import batch_scorer_for  # instruments imports assessments

    _mark, version_id, records = value
    # orjson gives the same dict as json.loads for this text (objects, lists, text, true,
    # false, null), a third of the time.
    return orjson.loads(batch_scorer_for(version_id).render_details(records, jsonb=jsonb))


class ProfileDetailsField(models.JSONField):
    """A JSONField that reads details stored as which rules fired as the full details."""

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        if is_fired(value):
            return details_from_fired(value, jsonb=connection.vendor == "postgresql")
        return value
