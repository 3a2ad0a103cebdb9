"""Spreadsheet files in and out, for every app: plain Python, no Django (decision 0029).

Writing (`cells.py`): every CSV and XLSX CWTT writes goes through `csv_writer` or
`xlsx_text_cell`, which stop a text cell that starts with = + - @, a tab or a carriage return
from running as a formula when the file is opened in a spreadsheet.

Reading (`reading.py`): `read_grid(path, max_rows=...)` reads a .csv (UTF-8) or .xlsx (first
sheet, streamed) into a header and rows, and raises TableError with a plain message for any
file it will not read: the wrong encoding, an oversized cell, a NUL character, a broken,
encrypted or oversized workbook, an empty file, or more rows than the limit.
"""

from .cells import (
    csv_writer,
    needs_neutralising,
    safe_cell,
    safe_row,
    xlsx_row,
    xlsx_text_cell,
)
from .reading import (
    MAX_CELL_CHARACTERS,
    MAX_COLUMNS,
    MAX_UNCOMPRESSED_BYTES,
    Grid,
    TableError,
    csv_rows,
    read_grid,
)

__all__ = [
    "MAX_CELL_CHARACTERS",
    "MAX_COLUMNS",
    "MAX_UNCOMPRESSED_BYTES",
    "Grid",
    "TableError",
    "csv_rows",
    "csv_writer",
    "needs_neutralising",
    "read_grid",
    "safe_cell",
    "safe_row",
    "xlsx_row",
    "xlsx_text_cell",
]
