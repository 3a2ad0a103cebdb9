"""Bulk scoring of a CSV file with one standard measure: `cwtt measure NAME --input --output`.

Output layout: every input column, unchanged and in its order, then the measure's result
columns, then `error`. Column names are matched ignoring case and surrounding spaces.

Input columns and result columns per measure:

- growth: `sex` (M/F), `height_cm`, `weight_kg`, and `age_months` (decimal) or both
  `date_of_birth` and `measured_on` (YYYY-MM-DD); a filled `age_months` wins over the dates.
  Height or weight may be blank (the measures needing it stay empty), not both.
  Results: `bmi, haz, waz, baz` (2 decimals), `flag_haz, flag_waz, flag_baz` (WHO
  plausibility flags), `stunted, severely_stunted, underweight, severely_underweight, thin,
  severely_thin, overweight, obese`. See growth.py for the rules.
- hfias: `q1`..`q9` (0-3) -> `hfias_score, hfias_category, hhs_score, hhs_category`.
- phq9: `q1`..`q9` (0-3) -> `phq9_score, phq9_band, phq9_urgent`.
- psc17: `q1`..`q17` (0-2) -> `psc17_attention, psc17_attention_positive,
  psc17_internalising, psc17_internalising_positive, psc17_externalising,
  psc17_externalising_positive, psc17_total, psc17_total_positive`.

Cell values: booleans, flags included, are `true`/`false` (one spelling for every yes/no in
every measure's output); decimals have 2 places; an undefined value is an empty cell, so an
empty flag means "no z-score to flag", never "not flagged".

A row that cannot be scored (missing answer, out-of-range code, implausible height...) keeps
its input cells, gets empty result cells and a plain message in `error`, such as
"q3: 7 is not a valid answer code (expected 0-3)"; the other rows are still scored. A file
lacking a required column, or already holding a result column, raises CsvColumnError before
anything is written. Blank lines are skipped. Open both files with `newline=""`, as the csv
module asks.
"""

import csv
from collections.abc import Iterable
from typing import NamedTuple, TextIO

from cwtt.tabular import csv_writer

from .errors import MeasureInputError
from .registry import MEASURES, Measure, UnknownMeasureError, compute, get_measure

__all__ = [
    "MEASURES",
    "CsvColumnError",
    "CsvSummary",
    "Measure",
    "UnknownMeasureError",
    "compute",
    "score_csv",
    "score_rows",
]

ERROR_COLUMN = "error"


class CsvColumnError(ValueError):
    """The input file's header cannot be scored: a required column is missing, or a clash."""


class CsvSummary(NamedTuple):
    """What `score_csv` did: data rows read, rows scored, rows given an error."""

    rows: int
    scored: int
    errors: int


def _column_key(name: str) -> str:
    # A spreadsheet's "UTF-8 CSV" starts with a byte-order mark that would stick to the first
    # column's name, so "sex" would not be found.
    return name.lstrip("\ufeff").strip().lower()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _input_positions(measure: Measure, keys: list[str]) -> dict[str, int]:
    """Where each input column of `measure` sits in the header; raises on a bad header."""
    missing = measure.missing_columns(keys)
    if missing:
        raise CsvColumnError(
            f"cannot score {measure.name}: the input file is missing the column(s) "
            f"{', '.join(missing)}"
        )
    clashes = [key for key in (*measure.output_columns, ERROR_COLUMN) if key in keys]
    if clashes:
        raise CsvColumnError(
            f"cannot score {measure.name}: the input file already has result column(s) "
            f"{', '.join(clashes)}; remove them or score the original file"
        )
    wanted = set(measure.input_columns)
    positions: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key in wanted:
            if key in positions:
                raise CsvColumnError(
                    f"cannot score {measure.name}: the input file has two {key} columns"
                )
            positions[key] = index
    return positions


def score_csv(measure: str, input_file: TextIO, output_file: TextIO) -> CsvSummary:
    """Score every row of `input_file` with `measure` and write the result to `output_file`.

    Raises UnknownMeasureError for an unknown measure and CsvColumnError for an empty file or
    a header lacking a required column; in both cases nothing has been written.
    """
    return score_rows(measure, csv.reader(input_file), output_file)


def score_rows(measure: str, records: Iterable[list[str]], output_file: TextIO) -> CsvSummary:
    """`score_csv` for records already split into cells (such as cwtt.tabular.csv_rows gives),
    so the caller decides how the file is read and what a file it cannot read means."""
    spec = get_measure(measure)
    reader = iter(records)
    header = next(reader, None)
    if header is None:
        raise CsvColumnError(
            f"cannot score {measure}: the input file is empty; it needs a header row with "
            f"the columns {', '.join(spec.input_columns)}"
        )
    header = [name.lstrip("\ufeff") for name in header]
    positions = _input_positions(spec, [_column_key(name) for name in header])
    width = len(header)
    blank_results = [""] * len(spec.output_columns)

    writer = csv_writer(output_file)  # copied cells that could run as formulas are quoted
    writer.writerow([*header, *spec.output_columns, ERROR_COLUMN])
    rows = errors = 0
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        rows += 1
        error = ""
        if len(row) > width and any(cell.strip() for cell in row[width:]):
            error = f"row has {len(row)} values but the header has {width} columns"
        cells = (row + [""] * (width - len(row)))[:width]
        results = blank_results
        if not error:
            try:
                result = compute(measure, {key: cells[i] for key, i in positions.items()})
            except MeasureInputError as problem:
                error = str(problem)
            else:
                results = [_cell(result[column]) for column in spec.output_columns]
        if error:
            errors += 1
        writer.writerow([*cells, *results, error])
    return CsvSummary(rows=rows, scored=rows - errors, errors=errors)
