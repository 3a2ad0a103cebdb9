"""A table and its codebook written as CSV or XLSX, safe to open in a spreadsheet.

An export is columns (each described by a `Column`: what a codebook row says about it) and
rows. As XLSX it is one workbook with the rows on the first sheet and the codebook on a second
sheet named "codebook"; as CSV it is two files, `NAME.csv` and `NAME-codebook.csv` beside it.
Every cell goes through cells.py, so text that a spreadsheet would run as a formula is kept as
text (decision 0029). Plain Python, no Django.

`write_table` writes to temporary files in the target's folder and moves them into place only
at the end, after the caller's `on_written` (for example the audit entry) has succeeded, so a
failure leaves neither a half-written file nor an entry for a file that does not exist.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from .cells import csv_writer, xlsx_row

FORMATS = ("csv", "xlsx")
# Parquet (cwtt/tabular/parquet.py) is offered where rows are typed: the research panel.
KNOWN_SUFFIXES = ("csv", "xlsx", "parquet")
CODEBOOK_SHEET = "codebook"
CODEBOOK_HEADER = ["column", "label", "type", "choices", "sensitivity", "source"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an export, as its codebook row describes it."""

    name: str
    label: str
    type: str  # integer, decimal, text, date, boolean, level, select_one, select_multiple
    choices: tuple[tuple[str, str], ...] = ()  # (value, label) for coded columns
    sensitivity: str = "general"  # a class of cwtt/access/sensitivity.py
    source: str = ""  # where the value comes from: a question and instrument version, a record


def codebook_rows(columns: Sequence[Column]) -> list[list[str]]:
    """One row per column: name, label, type, choices ("1 = Yes; 0 = No"), sensitivity,
    source."""
    return [
        [
            c.name,
            c.label,
            c.type,
            "; ".join(f"{value or '(blank)'} = {label}" for value, label in c.choices),
            c.sensitivity,
            c.source,
        ]
        for c in columns
    ]


class ExportError(ValueError):
    """The export cannot be written; the message says why in plain words."""


def format_of(
    path: str | Path, asked: str | None = None, *, allowed: Sequence[str] = FORMATS
) -> str:
    """The format for `path`: `asked` (one of `allowed`) if given, else its suffix's. A file
    named .csv written as XLSX (or the other way round) would not open, so that is refused."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if asked is not None and asked not in allowed:
        raise ExportError(f"The format must be {' or '.join(allowed)}, not {asked!r}.")
    if asked is None:
        return suffix if suffix in allowed else "csv"
    if suffix in KNOWN_SUFFIXES and suffix != asked:
        raise ExportError(
            f"The file name {Path(path).name} ends in .{suffix} but the format asked for is "
            f"{asked}; name the file .{asked} or leave out --format."
        )
    return asked


def plain_value(value: Any) -> Any:
    """A typed value as a CSV or XLSX cell: numbers stay numbers (a number in XLSX), None is
    blank, true/false are words, a list (select_multiple) is its items separated by spaces, as
    XLSForm writes them."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return value
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def codebook_path(path: str | Path) -> Path:
    """Where the codebook of a CSV export goes: `wave1.csv` -> `wave1-codebook.csv`."""
    path = Path(path)
    return path.with_name(f"{path.stem}-codebook.csv")


def write_csv(file: BinaryIO, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Rows as UTF-8 CSV into a binary file; returns how many rows (not counting the header)."""
    text = io.TextIOWrapper(file, encoding="utf-8", newline="", write_through=True)
    try:
        writer = csv_writer(text)  # text that could run as a formula is quoted
        writer.writerow(header)
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
        text.flush()
        return count
    finally:
        text.detach()  # leave the binary file open for the caller


def write_codebook_csv(file: BinaryIO, columns: Sequence[Column]) -> int:
    return write_csv(file, CODEBOOK_HEADER, codebook_rows(columns))


def write_xlsx(
    file: BinaryIO, columns: Sequence[Column], rows: Iterable[Sequence[Any]], *, sheet: str
) -> int:
    """The rows on a sheet named `sheet` and the codebook on a second sheet, streamed
    (openpyxl's write-only mode keeps no row in memory). Returns the row count."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(sheet[:31])  # Excel's limit on a sheet name
    data.append(xlsx_row(data, [c.name for c in columns]))
    count = 0
    try:
        for row in rows:
            data.append(xlsx_row(data, row))
            count += 1
    except BaseException:
        data.close()  # finish the sheet's own temporary file now, not when it is collected
        raise
    codebook = workbook.create_sheet(CODEBOOK_SHEET)
    codebook.append(CODEBOOK_HEADER)
    for row in codebook_rows(columns):
        codebook.append(xlsx_row(codebook, row))
    workbook.save(file)
    return count


def write_table(
    path: str | Path,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    *,
    sheet: str,
    format: str | None = None,
    on_written: Callable[[int], None] | None = None,
    formats: Sequence[str] = FORMATS,
    typed: bool = False,
) -> int:
    """Write the table and its codebook to `path` (see the module); returns the row count.

    `on_written(count)` runs once every file is complete and before any is moved into place:
    if it raises, no file appears. `typed` rows hold None, True/False and lists, made cells by
    `plain_value` for CSV and XLSX and kept typed for Parquet (one of `formats` only then), which
    gets `NAME-codebook.csv` beside it as CSV does.
    """
    target = Path(path)
    chosen = format_of(target, format, allowed=formats)
    if chosen == "parquet" and not typed:
        raise ExportError("Only an export with typed rows can be written as Parquet.")
    source = rows
    if typed and chosen != "parquet":
        rows = ([plain_value(v) for v in row] for row in source)
    folder = target.parent
    if not folder.is_dir():
        raise ExportError(f"The folder {folder} does not exist; create it first.")
    moves: list[tuple[str, Path]] = []
    try:
        data = _temporary(folder, target)
        moves.append((data.name, target))
        with data:
            if chosen == "xlsx":
                count = write_xlsx(data, columns, rows, sheet=sheet)
            elif chosen == "parquet":
                from .parquet import write_parquet

                count = write_parquet(data, columns, rows)
            else:
                count = write_csv(data, [c.name for c in columns], rows)
        if chosen in ("csv", "parquet"):
            beside = codebook_path(target)
            book = _temporary(folder, beside)
            moves.append((book.name, beside))
            with book:
                write_codebook_csv(book, columns)
        if on_written is not None:
            on_written(count)
        for temporary, final in moves:
            os.replace(temporary, final)
    except BaseException:
        # Stop the rows now, not when they are collected: on PostgreSQL they may be read through
        # a cursor of the caller's transaction, which must close before that transaction ends.
        close = getattr(source, "close", None)
        if close is not None:
            close()
        for temporary, _ in moves:
            Path(temporary).unlink(missing_ok=True)
        raise
    return count


def _temporary(folder: Path, final: Path):
    """A file beside `final`, readable by its owner only, with a name that shows it is not
    finished."""
    return tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by the caller's `with`
        dir=folder, prefix=f".{final.name}.", suffix=".part", delete=False
    )
