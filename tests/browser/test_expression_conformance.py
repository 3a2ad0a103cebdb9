"""The browser's evaluator (cwtt/web/static/web/capture.js, also the offline page's) gives ODK
Collect's value on every case of the conformance table, in a real Chromium.

All cases run in one page at once; each case is then its own test. The Python evaluator is held
to the same table in tests/engine/test_odk_conformance.py.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest

from cwtt.instruments.engine.expressions import evaluate, parse, to_json

from ..engine.odk_conformance import CASES, IDS, agrees, as_xpath_value, expected_value  # noqa: TID252

CAPTURE_JS = Path(__file__).resolve().parents[2] / "cwtt" / "web" / "static" / "web" / "capture.js"

# Runs each case as the capture page would: calculations stored as ODK stores them (NaN and ''
# become no value), an answer to a question that does not apply left out. Non-finite numbers
# travel as text, since JSON has none.
RUN_ALL = """(cases) => {
  const {evaluate, truthy} = window.CWTT;
  const stored = (v) => (v === "" || (typeof v === "number" && isNaN(v)) ? undefined : v);
  return cases.map((c) => {
    const values = Object.assign({}, c.answers);
    for (const step of c.steps) {
      if (step.calculate) values[step.name] = stored(evaluate(step.calculate, values));
      else if (!truthy(evaluate(step.relevant, values))) delete values[step.name];
    }
    const v = evaluate(c.tree, values);
    if (typeof v === "number" && !isFinite(v)) return {number: String(v)};
    return v === undefined ? {undefined: true} : v;
  });
}"""


def _tree(text: str) -> object:
    return to_json(parse(text))


@pytest.fixture(scope="module")
def browser_results(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(CAPTURE_JS))
    cases = [
        {
            "tree": _tree(case["expression"]),
            "answers": case["answers"],
            "steps": [
                {"name": step["name"], "calculate": _tree(step["calculate"])}
                if "calculate" in step
                else {"name": step["name"], "relevant": _tree(step["relevant"])}
                for step in case.get("steps", [])
            ],
        }
        for case in CASES
    ]
    results = page.evaluate(RUN_ALL, json.loads(json.dumps(cases)))
    page.close()
    return dict(zip(IDS, results, strict=True))


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_browser_evaluates_as_odk_collect(case, browser_results):
    actual = browser_results[IDS[CASES.index(case)]]
    if isinstance(actual, dict) and "number" in actual:
        actual = float(actual["number"])
    assert agrees(actual, case), (
        f"{case['expression']}: the browser gives {actual!r}, ODK gives {expected_value(case)!r}"
    )


# Beyond the table: random expressions over awkward answers (blanks, texts that look like
# numbers or dates, choice lists, booleans) must give the same value on both sides.
AWKWARD = [
    None,
    0,
    1,
    -1,
    2.5,
    -2.5,
    0.1,
    1e-13,
    12345678.5,
    "0",
    "1",
    "2.5",
    "-2.5",
    "1,5",
    " 3 ",
    "yes",
    "no",
    "",
    "true",
    "false",
    ["a"],
    ["a", "b"],
    "a b",
    True,
    False,
    "2026-11-23",
    "2020-02-29",
    "2026-02-30",
    "1e3",
    "abc",
    "-",
    ".5",
]
LITERALS = [
    "1",
    "0",
    "2.5",
    "0.0001",
    "'yes'",
    "''",
    "'1'",
    "'a'",
    "true()",
    "false()",
    "'2026-01-01'",
    "3",
    "today()",
]
ONE_ARGUMENT = [
    "not",
    "number",
    "string",
    "boolean",
    "int",
    "round",
    "abs",
    "string-length",
    "count-selected",
    "date",
    "normalize-space",
    "boolean-from-string",
    "decimal-date-time",
]
TWO_ARGUMENTS = [
    "selected",
    "coalesce",
    "round",
    "contains",
    "starts-with",
    "ends-with",
    "selected-at",
    "substr",
    "concat",
    "min",
    "max",
]
OPERATORS = ["=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "div", "mod", "and", "or"]


def _random_expression(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    if depth == 0 or roll < 0.25:
        return rng.choice(["${a}", "${b}", ".", *LITERALS])
    inner = lambda: _random_expression(rng, depth - 1)  # noqa: E731
    if roll < 0.55:
        return f"({inner()} {rng.choice(OPERATORS)} {inner()})"
    if roll < 0.75:
        return f"{rng.choice(ONE_ARGUMENT)}({inner()})"
    if roll < 0.8:
        return f"regex({inner()}, '[0-9a]+')"
    if roll < 0.85:
        return f"format-date({inner()}, '%Y %y %m %n %d %e %b %a')"
    if roll < 0.95:
        return f"{rng.choice(TWO_ARGUMENTS)}({inner()}, {inner()})"
    return f"if({inner()}, {inner()}, {inner()})"


def _same_value(server: object, browser: object) -> bool:
    if isinstance(browser, dict):
        browser = float(browser["number"])
    server, browser = as_xpath_value(server), as_xpath_value(browser)
    if isinstance(server, bool) or isinstance(browser, bool) or isinstance(server, str):
        return type(server) is type(browser) and server == browser
    if isinstance(browser, str):
        return False
    if math.isnan(server) or math.isnan(browser):
        return math.isnan(server) and math.isnan(browser)
    return math.isclose(server, browser, rel_tol=1e-12, abs_tol=1e-12)


def test_the_browser_and_the_server_agree_on_random_expressions(browser):
    rng = random.Random(12)
    cases = []
    for _ in range(3000):
        text = _random_expression(rng, 3)
        values = {name: rng.choice(AWKWARD) for name in ("a", "b", ".")}
        values = {name: value for name, value in values.items() if value is not None}
        cases.append((text, values))
    page = browser.new_page()
    page.set_content("<!doctype html><html><body></body></html>")
    page.add_script_tag(path=str(CAPTURE_JS))
    results = page.evaluate(
        """(cases) => cases.map(([tree, values]) => {
          const v = window.CWTT.evaluate(tree, values);
          return typeof v === "number" && !isFinite(v) ? {number: String(v)} : v;
        })""",
        [[_tree(text), values] for text, values in cases],
    )
    page.close()
    differ = [
        (text, values, evaluate(text, values), result)
        for (text, values), result in zip(cases, results, strict=True)
        if not _same_value(evaluate(text, values), result)
    ]
    assert not differ, differ[:5]
