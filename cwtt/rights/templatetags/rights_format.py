"""Template filters for the child's record: values as a person reads them."""

from __future__ import annotations

import json
from typing import Any

from django import template

register = template.Library()


@register.filter
def plain(value: Any) -> str:
    """Yes/No for true/false, a dash for nothing, compact JSON for structured values."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


@register.filter
def columns(rows: list[dict[str, Any]]) -> list[str]:
    """The column names of a table: every key of every row, in first-seen order."""
    names: list[str] = []
    for row in rows:
        names.extend(key for key in row if key not in names)
    return names


@register.filter
def cell(row: dict[str, Any], key: str) -> Any:
    return row.get(key)
