"""Generated XLSForms (hypothesis): whatever pyxform converts loads, and whatever it refuses is
refused with a message, never a traceback — in every file type, with headers in any case."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from cwtt.instruments.engine.reader import read_instrument

from .xlsforms import FORMATS, write

TYPES = [
    "integer",
    "decimal",
    "text",
    "date",
    "note",
    "select_one yn",
    "select_multiple yn",
    "select one from yn",
    "select_one yn or_other",
    "geopoint",
    "calculate",
]
EXPRESSIONS = ["", "${q0} > 1", "selected(${q1}, 'yes')", ". >= 0", "${q0} + 1", "true()"]
HEADERS = [["type", "name", "label"], ["Type", "Name", "Label"], ["TYPE", "NAME", "LABEL"]]


@st.composite
def forms(draw):
    header = [*draw(st.sampled_from(HEADERS)), "relevant", "constraint", "calculation"]
    rows = [header]
    depth = 0
    for number in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from([*TYPES, "begin group", "begin repeat", "end"]))
        if kind == "end":
            if depth:
                rows.append(
                    ["end group" if draw(st.booleans()) else "end repeat", "", "", "", "", ""]
                )
                depth -= 1
            continue
        if kind.startswith("begin"):
            depth += 1
        relevant = draw(st.sampled_from(EXPRESSIONS))
        constraint = draw(st.sampled_from(EXPRESSIONS)) if not kind.startswith("begin") else ""
        calculation = "${q0} * 2" if kind == "calculate" else ""
        rows.append([kind, f"q{number}", f"Question {number}", relevant, constraint, calculation])
    rows += [["end group", "", "", "", "", ""]] * depth if draw(st.booleans()) else []
    sheets = {"survey": rows}
    if draw(st.booleans()):
        sheets["choices"] = [
            ["list_name", "name", "label"],
            ["yn", "yes", "Yes"],
            ["yn", "no", "No"],
        ]
    return sheets


@pytest.mark.parametrize("suffix", FORMATS)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sheets=forms())
def test_a_generated_form_loads_when_pyxform_converts_it(tmp_path, suffix, sheets):
    path = tmp_path / f"form{suffix}"
    path.write_bytes(write(sheets, suffix))
    try:
        convert(xlsform=path)
    except PyXFormError:
        converts = False
    else:
        converts = True
    result = read_instrument(path)
    if converts:
        assert result.ok, [str(p) for p in result.problems]
    else:
        assert not result.ok and result.problems
        assert all(p.message for p in result.problems)
