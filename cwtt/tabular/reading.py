"""Reading a .csv or .xlsx file that a person uploaded or named, without trusting it.

`read_grid(path, max_rows=N)` gives the first row (the column names) and the data rows as
lists of text, and raises TableError with a plain message, never another exception, for a file
it will not read (decision 0029):

- a .csv that is not UTF-8 (the message names the line and the byte, and how to save the file
  as "CSV UTF-8"), that holds a NUL character, or a cell longer than MAX_CELL_CHARACTERS
  (usually a missing closing quote that swallows the rest of the file);
- an .xlsx that is not a zip (or is cut short), is protected with a password, would unpack to
  more than MAX_UNCOMPRESSED_BYTES, or declares a DOCTYPE or entities in its XML (which Excel
  never writes; they are how "billion laughs" and external-entity files attack a reader);
- an empty file, a first row with no column names or more than MAX_COLUMNS of them, and a file
  with more than `max_rows` rows below the first (the reader stops there and says so).

A workbook's first sheet is streamed (openpyxl's read-only mode), so a sheet of 300,000 rows is
never held in memory: reading stops at the first filled row past the limit. Only the first sheet
is opened, and the size it claims for itself is ignored (a file can claim a million columns);
each row is read only as wide as its row of column names. Blank rows between filled ones are kept so that row numbers
stay the spreadsheet's (the column names are row 1); blank rows at the end are dropped.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.reader.excel import ExcelReader
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from cwtt.instruments.engine.definition import gettext_noop, marked

# The csv module's own limit (131,072 characters); Excel's cells hold at most 32,767.
MAX_CELL_CHARACTERS = csv.field_size_limit()
MAX_COLUMNS = 1_000
# A workbook of 300,000 rows of class lists unpacks to about 100 MB.
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
# The first line of a CSV holds the column names; a longer one is not a header.
MAX_HEADER_CHARACTERS = 64 * 1024
# How much of each XML part is searched for a DOCTYPE, which may only come before the root.
XML_HEAD_BYTES = 64 * 1024

OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted workbooks and old .xls files
ZIP_SIGNATURE = b"PK\x03\x04"
SAVE_AS_UTF8 = marked(
    gettext_noop(
        "In Excel choose File > Save As > 'CSV UTF-8 (Comma delimited) (*.csv)'; in LibreOffice "
        "choose Save As > Text CSV and the character set 'Unicode (UTF-8)'."
    )
)


class TableError(ValueError):
    """The file as a whole cannot be read; the message says why in plain words."""


@dataclass
class Grid:
    """A file's first row and its data rows (data row i is spreadsheet row i + 2)."""

    header: list[str]
    rows: list[list[str]]


def read_grid(path: str | Path, *, max_rows: int) -> Grid:
    """The column names and rows of a .csv or .xlsx file; see the module for what is refused.

    Raises FileNotFoundError for a missing file and TableError for one that cannot be read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        rows = csv_rows(path)
    elif suffix in {".xlsx", ".xlsm"}:
        rows = _xlsx_rows(path)
    else:
        raise TableError(
            marked(
                gettext_noop("CWTT reads .csv and .xlsx files, not '%(suffix)s'."),
                suffix=suffix or path.name,
            )
        )
    with closing(rows):
        return _collect(rows, max_rows)


def _collect(rows: Iterator[list[str]], max_rows: int) -> Grid:
    header = _trimmed(next(rows, []))
    if not header:
        raise TableError(
            marked(
                gettext_noop(
                    "the file is empty, or its first row is blank; the first row must hold the "
                    "column names."
                )
            )
        )
    if len(header) > MAX_COLUMNS:
        raise TableError(
            marked(
                gettext_noop("the first row has %(count)s columns; CWTT reads at most %(most)s."),
                count=f"{len(header):,}",
                most=f"{MAX_COLUMNS:,}",
            )
        )
    _check_cells(header, 1)
    width = len(header)
    data: list[list[str]] = []
    blanks = 0  # blank rows not yet kept: kept only when a filled row follows
    for number, cells in enumerate(rows, start=2):
        cells = cells[:width]
        if not any(cell.strip() for cell in cells):
            blanks += 1
            continue
        if len(data) + blanks >= max_rows:
            raise TableError(
                marked(
                    gettext_noop(
                        "the file has more than %(most)s rows below the column names (row "
                        "%(row)s is past the limit); CWTT reads at most %(most)s at a time. "
                        "Split it into smaller files, for example one per school or district."
                    ),
                    most=f"{max_rows:,}",
                    row=number,
                )
            )
        _check_cells(cells, number)
        data.extend([] for _ in range(blanks))
        blanks = 0
        data.append(cells)
    return Grid(header=header, rows=data)


def _trimmed(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _check_cells(cells: list[str], number: int) -> None:
    for index, cell in enumerate(cells):
        if "\x00" in cell:
            raise TableError(
                marked(
                    gettext_noop(
                        "row %(row)s, column %(column)s holds a NUL character, which is not "
                        "text. The file may have been saved as UTF-16 or be no spreadsheet at "
                        "all. %(save_as)s"
                    ),
                    row=number,
                    column=_column_letter(index),
                    save_as=SAVE_AS_UTF8,
                )
            )
        if len(cell) > MAX_CELL_CHARACTERS:
            raise TableError(
                marked(
                    gettext_noop(
                        "row %(row)s, column %(column)s holds %(count)s characters; CWTT reads "
                        "at most %(most)s in one cell."
                    ),
                    row=number,
                    column=_column_letter(index),
                    count=f"{len(cell):,}",
                    most=f"{MAX_CELL_CHARACTERS:,}",
                )
            )


def _column_letter(index: int) -> str:
    return get_column_letter(min(index + 1, 18_278))


# --- CSV ------------------------------------------------------------------------------------


def csv_rows(path: str | Path, *, delimiter: str | None = None) -> Iterator[list[str]]:
    """The records of a UTF-8 CSV file (a byte-order mark is dropped), read as they come.

    Without a `delimiter`, the one the first line uses most of , ; or tab is taken (Excel in a
    locale with a decimal comma writes semicolons). Raises TableError on the record that
    cannot be read; records before it have been yielded.
    """
    path = Path(path)
    with path.open("rb") as raw:
        start = raw.read(len(OLE2_SIGNATURE))
        raw.seek(0)
        if start.startswith(ZIP_SIGNATURE) or start.startswith(OLE2_SIGNATURE):
            raise TableError(
                marked(
                    gettext_noop(
                        "this is an Excel workbook with a .csv name. Save it from Excel as "
                        "'CSV UTF-8', or give CWTT the workbook with its .xlsx name."
                    )
                )
            )
        # utf-8-sig drops the byte-order mark Excel writes with "CSV UTF-8" and reads plain UTF-8.
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        number = 0
        try:
            first = text.readline(MAX_HEADER_CHARACTERS)
            if len(first) == MAX_HEADER_CHARACTERS and not first.endswith(("\n", "\r")):
                raise TableError(
                    marked(
                        gettext_noop(
                            "the first line is longer than %(most)s characters; it should hold "
                            "only the column names."
                        ),
                        most=f"{MAX_HEADER_CHARACTERS:,}",
                    )
                )
            chosen = delimiter or max(",;\t", key=first.count)
            reader = csv.reader(itertools.chain([first], text), delimiter=chosen)
            for number, record in enumerate(reader, start=1):  # noqa: B007 - used on error
                yield record
        except UnicodeDecodeError:
            raise TableError(_decoding_problem(path)) from None
        except csv.Error as error:
            raise TableError(_csv_problem(number + 1, error)) from None


def _csv_problem(number: int, error: csv.Error) -> str:
    if "field larger than field limit" in str(error):
        return marked(
            gettext_noop(
                "row %(row)s has a cell longer than %(most)s characters, the most CWTT reads. "
                'This is most often a quote mark (") that opens a cell and is never closed, so '
                "the rest of the file runs into one cell: check that row."
            ),
            row=number,
            most=f"{MAX_CELL_CHARACTERS:,}",
        )
    if "NUL" in str(error):
        return marked(
            gettext_noop("row %(row)s holds a NUL character, which is not text. %(save_as)s"),
            row=number,
            save_as=SAVE_AS_UTF8,
        )
    return marked(
        gettext_noop("row %(row)s cannot be read as CSV (%(error)s)."), row=number, error=str(error)
    )


def _decoding_problem(path: Path) -> str:
    """Where the first byte that is not UTF-8 is, and what the file probably is instead."""
    with path.open("rb") as raw:
        start = raw.read(2)
        if start in (b"\xff\xfe", b"\xfe\xff"):
            return marked(
                gettext_noop(
                    "the file is saved as UTF-16 ('Unicode Text'), not UTF-8. %(save_as)s"
                ),
                save_as=SAVE_AS_UTF8,
            )
        raw.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        line = 1
        while chunk := raw.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                line += chunk[: max(error.start, 0)].count(b"\n")
                bad = error.object[error.start : error.end]
                guess = bad[:1].decode("cp1252", errors="replace")
                return marked(
                    gettext_noop(
                        "the file is not UTF-8 text: line %(line)s has the byte %(byte)s "
                        "('%(guess)s' in the Windows-1252 encoding of Excel's plain 'CSV' "
                        "format). %(save_as)s"
                    ),
                    line=line,
                    byte=bad[:1].hex().upper(),
                    guess=guess,
                    save_as=SAVE_AS_UTF8,
                )
            line += chunk.count(b"\n")
    return marked(
        gettext_noop(
            "the file is not UTF-8 text: it ends in the middle of a character. %(save_as)s"
        ),
        save_as=SAVE_AS_UTF8,
    )


# --- XLSX -----------------------------------------------------------------------------------


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    _check_workbook_file(path)
    try:
        reader = _FirstSheetReader(path, read_only=True, data_only=True)
        reader.read()
        workbook = reader.wb
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged workbook
        raise TableError(_NOT_A_WORKBOOK) from None
    try:
        if not workbook.worksheets:
            raise TableError(marked(gettext_noop("the workbook has no sheet of rows and columns.")))
        sheet = workbook.worksheets[0]
        header = [_cell_text(v) for v in next(sheet.iter_rows(max_row=1, values_only=True), ())]
        header = _trimmed(header)
        yield header
        width = max(1, min(len(header), MAX_COLUMNS + 1))
        for values in sheet.iter_rows(min_row=2, max_col=width, values_only=True):
            yield [_cell_text(value) for value in values]
    except TableError:
        raise
    except Exception:  # noqa: BLE001 - rows are parsed as they are read, so damage shows here
        raise TableError(_NOT_A_WORKBOOK) from None
    finally:
        workbook.close()


class _SheetAsItComes(ReadOnlyWorksheet):
    """openpyxl's streamed sheet, without the size the sheet states for itself.

    That size is the file's word only: a hostile sheet states a million columns, and openpyxl
    pads every row to it; and where a sheet states none (openpyxl's own write-only mode writes
    none), openpyxl parses the whole sheet once just to look for it, which for 300,000 rows
    costs as much as reading them. Without it each row is read as it is in the file."""

    def _get_size(self) -> None:
        pass


class _FirstSheetReader(ExcelReader):
    """openpyxl's read-only workbook reader, opening only the first sheet, as _SheetAsItComes
    (ExcelReader.read_worksheets opens every sheet, reading each one's size)."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                worksheet = _SheetAsItComes(self.wb, sheet.name, rel.target, self.shared_strings)
                self.wb._sheets.append(worksheet)
                return


_NOT_A_WORKBOOK = marked(
    gettext_noop(
        "the file is not an .xlsx workbook that CWTT can open: it is damaged, cut short or "
        "another kind of file. Open it in Excel and save it again as 'Excel Workbook (.xlsx)'."
    )
)


def _check_workbook_file(path: Path) -> None:
    """Refuse, before openpyxl sees it, a file that is not a plain, unencrypted workbook of a
    sane size with XML free of DOCTYPEs (openpyxl parses with defusedxml, which is installed
    with pyxform; this check does not depend on it)."""
    with path.open("rb") as raw:
        start = raw.read(len(OLE2_SIGNATURE))
    if start.startswith(OLE2_SIGNATURE):
        raise TableError(
            marked(
                gettext_noop(
                    "the workbook is protected with a password, or is an old Excel 97-2003 "
                    "(.xls) file. Remove the password (File > Info > Protect Workbook > Encrypt "
                    "with Password) and save it as 'Excel Workbook (.xlsx)', then try again."
                )
            )
        )
    if not start.startswith(ZIP_SIGNATURE):
        raise TableError(_NOT_A_WORKBOOK)
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if any(member.flag_bits & 0x1 for member in members):
                raise TableError(
                    marked(
                        gettext_noop(
                            "the workbook is protected with a password; remove the password and "
                            "save it again, then try again."
                        )
                    )
                )
            unpacked = sum(member.file_size for member in members)
            if unpacked > MAX_UNCOMPRESSED_BYTES:
                raise TableError(
                    marked(
                        gettext_noop(
                            "the workbook unpacks to %(size)s MB, more than the %(most)s MB CWTT "
                            "opens. Split it into smaller files, for example one per school or "
                            "district."
                        ),
                        size=f"{unpacked // 2**20:,}",
                        most=f"{MAX_UNCOMPRESSED_BYTES // 2**20:,}",
                    )
                )
            for member in members:
                if member.filename.lower().endswith((".xml", ".rels", ".vml")):
                    with archive.open(member) as part:
                        head = part.read(XML_HEAD_BYTES).upper()
                    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                        raise TableError(
                            marked(
                                gettext_noop(
                                    "the workbook's part %(part)s declares a DOCTYPE or "
                                    "entities, which Excel never writes and which can make a "
                                    "reader fetch other files or grow without end. CWTT does "
                                    "not open it; save the sheet again from Excel."
                                ),
                                part=member.filename,
                            )
                        )
    except TableError:
        raise
    except Exception:  # noqa: BLE001 - zipfile and zlib raise many kinds for a damaged zip
        raise TableError(_NOT_A_WORKBOOK) from None


def _cell_text(value: Any) -> str:
    """A cell as the text an importer checks."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        # A spreadsheet stores 700111111 or 2026 as a float; "700111111.0" is no EMIS number.
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


cell_text = _cell_text
