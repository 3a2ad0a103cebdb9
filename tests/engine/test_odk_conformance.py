"""The Python evaluator gives ODK Collect's value on every case of the conformance table.

The browser's evaluator is held to the same table in tests/browser/test_expression_conformance.py.
"""

from __future__ import annotations

import pytest

from cwtt.instruments.engine.expressions import compile_condition, compile_expression, evaluate

from .odk_conformance import CASES, IDS, agrees, expected_value


def run(case: dict) -> object:
    values = dict(case["answers"])
    for step in case.get("steps", []):
        if "calculate" in step:
            values[step["name"]] = compile_expression(step["calculate"])(values)
        elif not compile_condition(step["relevant"])(values):
            values.pop(step["name"], None)
    return evaluate(case["expression"], values)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_server_evaluates_as_odk_collect(case):
    actual = run(case)
    assert agrees(actual, case), (
        f"{case['expression']}: got {actual!r}, ODK gives {expected_value(case)!r}"
    )


CONDITIONS = [
    (case, name)
    for case, name in zip(CASES, IDS, strict=True)
    if isinstance(case["expected"], bool) and not case.get("steps")
]


@pytest.mark.parametrize("case", [c for c, _ in CONDITIONS], ids=[n for _, n in CONDITIONS])
def test_a_condition_compiles_to_the_same_truth(case):
    # compile_condition (relevance, constraints, scoring rules) takes its own fast paths.
    assert compile_condition(case["expression"])(dict(case["answers"])) is case["expected"]


def test_the_comparison_with_the_expected_value_can_fail():
    case = {"expected": 3}
    assert not agrees(3.5, case)
    assert not agrees("3", case)
    assert not agrees(True, {"expected": 1})
    assert not agrees(float("nan"), {"expected": {"number": "Infinity"}})
    assert agrees(None, {"expected": ""})
