"""The standard measures an instrument's `measures` sheet may name: their inputs and outputs.

An output is exposed to rules as `${NAME_OUTPUT}`, where NAME is the measure's name in the
instrument; the measure's own prefix (`hfias_`, `phq9_`, `psc17_`) is dropped from its output
keys first, so a measure named `hfias` gives `${hfias_score}` rather than `${hfias_hfias_score}`.
"""

from __future__ import annotations

MEASURE_KINDS: dict[str, tuple[str, ...]] = {
    "growth": ("sex", "age_months", "height_cm", "weight_kg"),
    "hfias": tuple(f"q{i}" for i in range(1, 10)),
    "phq9": tuple(f"q{i}" for i in range(1, 10)),
    "psc17": tuple(f"q{i}" for i in range(1, 18)),
}

# The keys each measure returns (the same as the `cwtt measure` CSV columns).
MEASURE_OUTPUT_KEYS: dict[str, tuple[str, ...]] = {
    "growth": (
        "bmi",
        "haz",
        "waz",
        "baz",
        "flag_haz",
        "flag_waz",
        "flag_baz",
        "stunted",
        "severely_stunted",
        "underweight",
        "severely_underweight",
        "thin",
        "severely_thin",
        "overweight",
        "obese",
    ),
    "hfias": ("hfias_score", "hfias_category", "hhs_score", "hhs_category"),
    "phq9": ("phq9_score", "phq9_band", "phq9_urgent"),
    "psc17": (
        "psc17_attention",
        "psc17_attention_positive",
        "psc17_internalising",
        "psc17_internalising_positive",
        "psc17_externalising",
        "psc17_externalising_positive",
        "psc17_total",
        "psc17_total_positive",
    ),
}


def output_variable(name: str, kind: str, key: str) -> str:
    return f"{name}_{key.removeprefix(kind + '_')}"


def output_names(name: str, kind: str) -> list[str]:
    """The variable names a measure called `name` of kind `kind` gives to rules."""
    return [output_variable(name, kind, key) for key in MEASURE_OUTPUT_KEYS[kind]]
