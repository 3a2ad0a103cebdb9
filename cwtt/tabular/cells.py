"""Cells CWTT writes into CSV and XLSX files, made safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with = + - or @ (and, in some programs, after a tab or a
carriage return) as a formula: a school or wave named `=HYPERLINK(...)` or
`@SUM(1+1)*cmd|' /C calc'!A0` would run when a researcher opens an export. OWASP's advice
(https://owasp.org/www-community/attacks/CSV_Injection) is to put a single quote before such a
cell, so the spreadsheet shows it as text.

- CSV has no cell types, so `safe_cell` puts the quote in front of the text.
- XLSX has them: `xlsx_text_cell` keeps the exact text, stores it as text (never a formula) and
  sets Excel's own "quote prefix" mark, which is what typing the quote in Excel stores.
- A number is left alone, whether a Python number or text that is only a number ("-1.2",
  "+3", "2e-5"): spreadsheets read it as a number, never as a formula, and a z-score of -1.2
  must stay -1.2.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def needs_neutralising(value: Any) -> bool:
    """Whether `value` is text a spreadsheet could run as a formula."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and _NUMBER.fullmatch(value) is None
    )


def safe_cell(value: Any) -> Any:
    """`value` for a CSV file: text that could run as a formula gets a leading quote."""
    return "'" + value if needs_neutralising(value) else value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in values]


class SafeCsvWriter:
    """csv.writer whose every cell goes through `safe_cell`."""

    def __init__(self, file: TextIO, **options: Any) -> None:
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(file: TextIO, **options: Any) -> SafeCsvWriter:
    """The one way CWTT writes CSV: like csv.writer(file, **options), with safe cells."""
    return SafeCsvWriter(file, **options)


def xlsx_text_cell(worksheet: Any, value: Any) -> Any:
    """`value` for openpyxl's `worksheet.append`: unchanged, or for text that could run as a
    formula, a cell holding the same text stored as text with Excel's quote-prefix mark."""
    if not needs_neutralising(value):
        return value
    from openpyxl.cell.cell import Cell  # only the XLSX writers need openpyxl

    # A row and column, which append() replaces: openpyxl's write-only sheets describe the cell
    # (and so read its coordinate) before taking it as it is.
    cell = Cell(worksheet, row=1, column=1, value=value)
    cell.data_type = "s"  # openpyxl made it a formula ("f") because it starts with "="
    cell.quotePrefix = True
    return cell


def xlsx_row(worksheet: Any, values: Iterable[Any]) -> list[Any]:
    return [xlsx_text_cell(worksheet, value) for value in values]
