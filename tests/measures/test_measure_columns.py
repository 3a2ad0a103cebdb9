"""HFIAS, PSC-17 and PHQ-9 over a matrix of codes give what the one-at-a-time functions give."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cwtt.instruments.measures.columns import COLUMN_MEASURES
from cwtt.instruments.measures.registry import compute


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_every_set_of_codes_gives_the_same_outputs(data):
    kind = data.draw(st.sampled_from(sorted(COLUMN_MEASURES)))
    measure = COLUMN_MEASURES[kind]
    rows = data.draw(
        st.lists(
            st.lists(
                st.integers(0, measure.highest),
                min_size=len(measure.inputs),
                max_size=len(measure.inputs),
            ),
            min_size=1,
            max_size=20,
        )
    )
    outputs = measure.compute(np.array(rows, dtype=np.int64))
    for number, codes in enumerate(rows):
        expected = compute(kind, dict(zip(measure.inputs, codes, strict=True)))
        got = {key: values[number] for key, values in outputs.items()}
        assert got == expected
        # The same kinds of value too (an int is not a NumPy integer, a bool not a NumPy bool).
        assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in expected.items()}


def test_the_extremes_give_the_same_outputs():
    for kind, measure in COLUMN_MEASURES.items():
        rows = [[0] * len(measure.inputs), [measure.highest] * len(measure.inputs)]
        rows += [[measure.highest if i == j else 0 for i in range(len(measure.inputs))]
                 for j in range(len(measure.inputs))]  # fmt: skip
        outputs = measure.compute(np.array(rows, dtype=np.int64))
        for number, codes in enumerate(rows):
            expected = compute(kind, dict(zip(measure.inputs, codes, strict=True)))
            assert {key: values[number] for key, values in outputs.items()} == expected
