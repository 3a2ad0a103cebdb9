"""The one error the standard measures raise, and the input checks that raise it.

Every measure reports a bad input the same way: `MeasureInputError(field, message)`, where
`field` is the input's name as it appears in a CSV header or an instrument (`q3`,
`height_cm`) and `message` is plain language a data clerk can act on. `str(error)` reads
"q3: 7 is not a valid answer code (expected 0-3)".

The checks accept what real inputs look like: Python numbers from the scoring engine and
text cells from a CSV file (surrounding spaces, "2.0" from a spreadsheet export). Nothing here
imports Django, so a benchmark or a property test can call it directly.
"""

import math
from collections.abc import Sequence
from typing import cast


class MeasureInputError(ValueError):
    """An input to a standard measure is missing, not a number, or out of range."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def is_blank(value: object) -> bool:
    """True for None and for an empty or all-space text cell: both mean "not answered"."""
    return value is None or (isinstance(value, str) and not value.strip())


def show(value: object) -> str:
    """Render a value for an error message the way the person typed it."""
    if isinstance(value, str):
        return repr(value.strip())
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def show_number(value: object, parsed: float) -> str:
    """Render a value already known to be numeric: as typed if text ("2.50"), else compactly."""
    return value.strip() if isinstance(value, str) else f"{parsed:g}"


def number(field: str, value: object) -> float:
    """A finite number from an int, a float or a numeric text cell; raises if missing."""
    # bool is an int subclass; True as a height or an answer is a bug upstream, not a 1.
    if isinstance(value, int | float) and not isinstance(value, bool):
        result = float(value)
    elif isinstance(value, str):
        if not value.strip():
            raise MeasureInputError(field, "value is missing")
        try:
            result = float(value)
        except ValueError:
            raise MeasureInputError(field, f"{show(value)} is not a number") from None
    elif value is None:
        raise MeasureInputError(field, "value is missing")
    else:
        raise MeasureInputError(field, f"{show(value)} is not a number")
    if not math.isfinite(result):
        raise MeasureInputError(field, f"{show(value)} is not a number")
    return result


def optional_number(field: str, value: object) -> float | None:
    """Like `number`, but a missing value is None instead of an error."""
    if is_blank(value):
        return None
    return number(field, value)


# Answer codes as a select_one answer stores them ("0", "1", ...): the text of each whole
# number, and nothing else, so "01" or " 1" still take the checked path.
_TEXT_CODES: dict[str, int] = {str(code): code for code in range(100)}


def answer_code(field: str, value: object, highest: int) -> int:
    """One questionnaire answer: a whole number from 0 to `highest`."""
    # Fast path: the scoring engine passes plain ints, and it calls this ~10^6 times.
    if type(value) is int and 0 <= value <= highest:
        return value
    if type(value) is str and _TEXT_CODES.get(value, highest + 1) <= highest:
        return _TEXT_CODES[value]
    if is_blank(value):
        raise MeasureInputError(field, f"no answer given (expected 0-{highest})")
    try:
        as_float = number(field, value)
    except MeasureInputError:
        raise MeasureInputError(
            field, f"{show(value)} is not a number (expected an answer code 0-{highest})"
        ) from None
    if not as_float.is_integer() or not 0 <= as_float <= highest:
        raise MeasureInputError(
            field,
            f"{show_number(value, as_float)} is not a valid answer code (expected 0-{highest})",
        )
    return int(as_float)


def answer_codes(answers: Sequence[object], count: int, highest: int) -> list[int]:
    """A full set of questionnaire answers, named q1..qN in errors, each 0 to `highest`."""
    # Fast path for the scoring engine's hot loop: all plain ints in range, no names needed.
    if len(answers) == count and all(
        type(value) is int and 0 <= value <= highest for value in answers
    ):
        return cast(list[int], list(answers))  # every item was just checked to be an int
    # Fast path for select_one answers, which are stored as text codes ("0", "1", ...).
    if (
        not isinstance(answers, str | bytes)
        and len(answers) == count
        and all(type(value) is str for value in answers)
    ):
        codes = [_TEXT_CODES.get(value, -1) for value in answers]  # type: ignore[arg-type]
        if all(0 <= code <= highest for code in codes):
            return codes
    if isinstance(answers, str | bytes) or len(answers) != count:
        given = "text" if isinstance(answers, str | bytes) else f"{len(answers)} answers"
        raise MeasureInputError("answers", f"expected {count} answers (q1-q{count}), got {given}")
    return [answer_code(f"q{i}", value, highest) for i, value in enumerate(answers, start=1)]
