"""The ODK conformance table (odk_conformance.json), shared by the Python evaluator's test and
the browser evaluator's test, so both are held to the same expected values."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

TABLE = Path(__file__).with_name("odk_conformance.json")
CASES: list[dict[str, Any]] = json.loads(TABLE.read_text(encoding="utf-8"))["cases"]


def case_id(case: dict[str, Any]) -> str:
    answers = ",".join(f"{k}={v}" for k, v in case["answers"].items()) or "blank"
    return f"{case['expression']} [{answers}]"


IDS = [case_id(case) for case in CASES]


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "text"


def expected_value(case: dict[str, Any]) -> Any:
    expected = case["expected"]
    if isinstance(expected, dict):
        return float(expected["number"])  # NaN, Infinity, -Infinity
    return expected


def as_xpath_value(value: Any) -> Any:
    """An evaluator's result as an XPath value: no value is '', a choice list is its text."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(map(str, value))
    return value


def agrees(actual: Any, case: dict[str, Any]) -> bool:
    """The same XPath type and value (numbers within a part in 10^12; NaN equals NaN)."""
    actual, expected = as_xpath_value(actual), expected_value(case)
    if _kind(actual) != _kind(expected):
        return False
    if _kind(expected) == "number":
        if math.isnan(expected) or math.isinf(expected):
            return (math.isnan(actual) and math.isnan(expected)) or actual == expected
        return math.isclose(actual, expected, rel_tol=1e-12, abs_tol=1e-12)
    return actual == expected
