"""The standard measures an instrument's `measures` sheet may name: their inputs and outputs.

An output is exposed to rules as `${NAME_OUTPUT}`, where NAME is the measure's name in the
instrument; the measure's own prefix (`hfias_`, `phq9_`, `psc17_`) is dropped from its output
keys first, so a measure named `hfias` gives `${hfias_score}` rather than `${hfias_hfias_score}`.
"""

from __future__ import annotations

from cwtt.instruments.measures.registry import MEASURES

MEASURE_KINDS: dict[str, tuple[str, ...]] = {
    "growth": ("sex", "age_months", "height_cm", "weight_kg"),
    "hfias": tuple(f"q{i}" for i in range(1, 10)),
    "phq9": tuple(f"q{i}" for i in range(1, 10)),
    "psc17": tuple(f"q{i}" for i in range(1, 18)),
}

# The keys each measure returns: the same as the `cwtt measure` CSV columns.
MEASURE_OUTPUT_KEYS: dict[str, tuple[str, ...]] = {
    kind: MEASURES[kind].output_columns for kind in MEASURE_KINDS
}


def output_variable(name: str, kind: str, key: str) -> str:
    return f"{name}_{key.removeprefix(kind + '_')}"


def output_names(name: str, kind: str) -> list[str]:
    """The variable names a measure called `name` of kind `kind` gives to rules."""
    return [output_variable(name, kind, key) for key in MEASURE_OUTPUT_KEYS[kind]]
