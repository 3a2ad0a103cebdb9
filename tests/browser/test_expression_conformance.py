"""The browser's evaluator (cwtt/web/static/web/capture.js, also the offline page's) gives ODK
Collect's value on every case of the conformance table, in a real Chromium.

All cases run in one page at once; each case is then its own test. The Python evaluator is held
to the same table in tests/engine/test_odk_conformance.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cwtt.instruments.engine.expressions import parse, to_json

from ..engine.odk_conformance import CASES, IDS, agrees, expected_value  # noqa: TID252

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
