"""The standard measures by name, for the scoring engine and the bulk CSV command.

`compute("phq9", {"q1": 0, ..., "q9": 2})` returns the measure's result as a plain dict whose
keys are exactly the measure's CSV output columns (`MEASURES[name].output_columns`), with
Python values: float, int, str, bool, or None where a value is undefined. Bad input raises
MeasureInputError naming the input.

`compute` sits on the scoring engine's hot path (benchmarked at ~10^5 calls), so it is one
dict lookup and one call; the checks live in the measures themselves.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import cast

from . import growth, hfias, phq9, psc17


class UnknownMeasureError(ValueError):
    """A measure name that is not in MEASURES."""


@dataclass(frozen=True, slots=True)
class Measure:
    """How to call one standard measure by name, and which columns it reads and writes."""

    name: str
    score: Callable[[Mapping[str, object]], Mapping[str, object]]
    # Columns that must all be present.
    required_columns: tuple[str, ...]
    output_columns: tuple[str, ...]
    # Groups of columns of which at least one group must be present in full
    # (growth: age_months, or date_of_birth with measured_on).
    alternative_columns: tuple[tuple[str, ...], ...] = ()

    @property
    def input_columns(self) -> tuple[str, ...]:
        """Every column the measure reads, required first."""
        extra = tuple(column for group in self.alternative_columns for column in group)
        return self.required_columns + extra

    def missing_columns(self, columns: Collection[str]) -> list[str]:
        """Plain descriptions of required columns absent from `columns`; empty when all there."""
        present = set(columns)
        missing = [column for column in self.required_columns if column not in present]
        groups = self.alternative_columns
        if groups and not any(all(column in present for column in group) for group in groups):
            first, *others = (" and ".join(group) for group in groups)
            missing.append(f"{first} (or {' or '.join(others)})" if others else first)
        return missing


MEASURES: dict[str, Measure] = {
    "growth": Measure(
        name="growth",
        score=growth.growth_from_inputs,
        required_columns=("sex", "height_cm", "weight_kg"),
        alternative_columns=(("age_months",), ("date_of_birth", "measured_on")),
        output_columns=growth.OUTPUT_COLUMNS,
    ),
    "hfias": Measure(
        name="hfias",
        score=hfias.hfias_from_inputs,
        required_columns=hfias.INPUT_COLUMNS,
        output_columns=hfias.OUTPUT_COLUMNS,
    ),
    "phq9": Measure(
        name="phq9",
        score=phq9.phq9_from_inputs,
        required_columns=phq9.INPUT_COLUMNS,
        output_columns=phq9.OUTPUT_COLUMNS,
    ),
    "psc17": Measure(
        name="psc17",
        score=psc17.psc17_from_inputs,
        required_columns=psc17.INPUT_COLUMNS,
        output_columns=psc17.OUTPUT_COLUMNS,
    ),
}


def get_measure(name: str) -> Measure:
    """The measure called `name`, or UnknownMeasureError listing the names there are."""
    try:
        return MEASURES[name]
    except KeyError:
        raise _unknown(name) from None


def _unknown(name: str) -> UnknownMeasureError:
    known = ", ".join(sorted(MEASURES))
    return UnknownMeasureError(f"unknown measure {name!r} (expected one of: {known})")


def compute(measure_name: str, inputs: Mapping[str, object]) -> dict[str, object]:
    """Score one set of named inputs with the measure called `measure_name`.

    Returns a new dict keyed by the measure's output columns. Raises UnknownMeasureError for
    an unknown name and MeasureInputError for a missing or bad input.
    """
    try:
        score = MEASURES[measure_name].score
    except KeyError:
        raise _unknown(measure_name) from None
    # Every measure returns a freshly built TypedDict, which is a plain dict at run time.
    return cast(dict[str, object], score(inputs))
