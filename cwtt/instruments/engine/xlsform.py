"""An instrument file through pyxform: its workbook, its form as pyxform's JSON, its XForm.

pyxform is the one XLSForm reader (docs/decisions/0040-pyxform-is-the-reader.md). It opens the
file (`.xlsx`, `.xlsm`, legacy `.xls`, `.md`, `.csv`), finds the survey sheet the way it always
does, turns the workbook into its JSON form (types, names, labels per language, binds, choice
lists, groups and repeats) and builds the XForm that ODK Collect and Enketo fill. The reader
(`reader.py`) interprets that JSON; it reads by itself only what pyxform drops: the CWTT sheets
(`measures`, `scoring`, `indicators`) and the row numbers its messages need.

Before pyxform sees a file, a few cheap checks bound the work a hostile or broken file can
cause and explain, in words an author can act on, why a file cannot be opened at all.
"""

from __future__ import annotations

import codecs
import copy
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pyxform.builder import create_survey_element_from_dict
from pyxform.constants import SUPPORTED_SHEET_NAMES
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import (
    Definition,
    DefinitionData,
    SupportedFileTypes,
    get_excel_column_headers,
    get_excel_rows,
    xls_value_to_unicode,
    xlsx_value_to_str,
)

from .definition import gettext_noop, marked

SUPPORTED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".md", ".csv")
# The sheets pyxform does not read, which hold CWTT's measures, rules and indicator names.
CWTT_SHEETS = ("measures", "scoring", "indicators")
# Every survey row pyxform turns into a form element carries its spreadsheet row number in
# this extra column, so a problem found in pyxform's JSON can name its row. pyxform passes
# unknown columns through to the JSON and leaves them out of the XForm (tested).
ROW_KEY = "__cwtt_row"

# An instrument is a few hundred rows; these bound the work a hostile or broken file can cause
# (a "zip bomb" workbook is a few kilobytes that unpack to gigabytes).
MAX_FILE_BYTES = 5 * 1024 * 1024  # the default instrument is under 100 KB
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 20_000
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and password-protected .xlsx
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")


class InstrumentFileError(ValueError):
    """The file could not be read at all (wrong type, not a spreadsheet, damaged)."""


@dataclass(slots=True)
class Sheet:
    """A sheet as a table: its headers and its rows with their spreadsheet row numbers."""

    name: str
    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]  # (spreadsheet row number, column → text)


@dataclass(slots=True)
class Workbook:
    """What pyxform read from the file, and the CWTT sheets it does not read."""

    data: DefinitionData
    cwtt_sheets: dict[str, Sheet]  # lower-case name → sheet, headers in lower case


# --- opening the file ---------------------------------------------------------------------------


def file_type(data: bytes, filename: str) -> str:
    """The suffix to read `data` as, or InstrumentFileError saying why it cannot be read."""
    suffix = Path(filename).suffix.lower()
    if not data:
        raise InstrumentFileError(marked(gettext_noop("the file is empty")))
    if suffix not in SUPPORTED_SUFFIXES:
        raise InstrumentFileError(
            marked(
                gettext_noop("%(file)s is not an instrument file; use %(kinds)s"),
                file=repr(filename),
                kinds=", ".join(SUPPORTED_SUFFIXES),
            )
        )
    if suffix in {".xlsx", ".xlsm", ".xls"} and data.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in data:
            raise InstrumentFileError(
                marked(
                    gettext_noop(
                        "the workbook is protected with a password; save a copy without the "
                        "password and upload that"
                    )
                )
            )
        return ".xls"  # a legacy workbook, whatever its name says
    if suffix in {".xlsx", ".xlsm"}:
        _check_zip(data)
        return suffix
    if suffix == ".xls":
        if data.startswith(b"PK"):
            _check_zip(data)
            return ".xlsx"  # a modern workbook saved with the old name
        raise InstrumentFileError(
            marked(
                gettext_noop(
                    "the file is not an Excel workbook, although its name says so; save it from "
                    "Excel or LibreOffice as .xlsx"
                )
            )
        )
    text_kind = "Markdown" if suffix == ".md" else "CSV"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InstrumentFileError(
            marked(
                gettext_noop(
                    "the %(kind)s file is not UTF-8 text; save it with the UTF-8 encoding"
                ),
                kind=text_kind,
            )
        ) from None
    if "\x00" in text:
        raise InstrumentFileError(
            marked(
                gettext_noop("the %(kind)s file is not plain text (it holds NUL bytes)"),
                kind=text_kind,
            )
        )
    return suffix


def _without_bom(data: bytes, kind: str) -> bytes:
    """Text files as Excel and Notepad save "UTF-8" start with a byte-order mark, which pyxform
    reads as part of the first cell."""
    if kind in {".md", ".csv"} and data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :]
    return data


def _check_zip(data: bytes) -> None:
    if not data.startswith(b"PK"):
        raise InstrumentFileError(
            marked(
                gettext_noop(
                    "the file is not an Excel workbook (.xlsx), although its name says so; it may "
                    "be a CSV or another kind of file renamed. Save it from Excel or LibreOffice "
                    "as .xlsx"
                )
            )
        )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    # NotImplementedError: a zip made by a newer or odd zipper ("zip file version 6.4").
    except (zipfile.BadZipFile, ValueError, OSError, NotImplementedError):
        raise InstrumentFileError(
            marked(
                gettext_noop(
                    "the workbook is damaged or incomplete (perhaps the upload was cut short); "
                    "save it again from Excel or LibreOffice"
                )
            )
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise InstrumentFileError(
            marked(
                gettext_noop(
                    "the workbook unpacks to more than %(most)s MB; an instrument is far "
                    "smaller, so this file is not read"
                ),
                most=MAX_UNPACKED_BYTES // (1024 * 1024),
            )
        )


def read_workbook(data: bytes, filename: str) -> Workbook:
    """Read the file with pyxform's own reader for its type, and the CWTT sheets beside it."""
    kind = file_type(data, filename)
    data = _without_bom(data, kind)
    stem = Path(filename).stem
    processor = SupportedFileTypes.get_processors()[SupportedFileTypes(kind)]
    try:
        book = processor(Definition(io.BytesIO(data), SupportedFileTypes(kind), stem))
        cwtt_sheets = _cwtt_sheets(data, kind, book)
    except Exception as error:  # a damaged workbook fails deep inside openpyxl or xlrd
        raise InstrumentFileError(_unreadable(kind, error)) from None
    known = set(DefinitionData.__slots__)
    if kind == ".csv":
        book = _csv_single_sheet_is_survey(book)
    # pyxform's CSV reader keeps every sheet; its other readers keep only the XLSForm sheets.
    form_sheets = {k: v for k, v in book.items() if k in known}
    workbook = Workbook(DefinitionData(fallback_form_name=stem, **form_sheets), cwtt_sheets)
    _check_size(workbook)
    return workbook


def _csv_single_sheet_is_survey(book: dict[str, Any]) -> dict[str, Any]:
    """pyxform reads a one-sheet workbook (.xlsx, .xls, .md) as the survey, whatever the
    sheet's name; its CSV reader does not, so that rule is applied here too."""
    names = [k for k in book if k != "sheet_names" and not k.endswith("_header")]
    if len(names) != 1 or names[0] in SUPPORTED_SHEET_NAMES:
        return book
    only = names[0]
    return {
        "sheet_names": book.get("sheet_names", []),
        "survey": book[only],
        "survey_header": book.get(f"{only}_header"),
    }


def _unreadable(kind: str, error: Exception) -> str:
    if kind in {".xlsx", ".xlsm", ".xls"}:
        return marked(
            gettext_noop(
                "the workbook could not be read; it or a sheet in it is damaged. Save it again "
                "from Excel or LibreOffice (%(error)s)"
            ),
            error=str(error),
        )
    return marked(
        gettext_noop("the file could not be read as an XLSForm (%(error)s)"), error=str(error)
    )


def _check_size(workbook: Workbook) -> None:
    data = workbook.data
    tables = {
        "survey": data.survey,
        "choices": data.choices,
        "settings": data.settings,
        **{name: sheet.rows for name, sheet in workbook.cwtt_sheets.items()},
    }
    for name, rows in tables.items():
        if rows is not None and len(rows) > MAX_ROWS:
            raise InstrumentFileError(
                marked(
                    gettext_noop(
                        "the %(sheet)s sheet has more than %(most)s rows; an instrument is far "
                        "smaller, so this file is not read"
                    ),
                    sheet=name,
                    most=f"{MAX_ROWS:,}",
                )
            )
    if not any([data.survey, data.survey_header, data.choices, data.settings]) and not any(
        sheet.rows or sheet.headers for sheet in workbook.cwtt_sheets.values()
    ):
        raise InstrumentFileError(
            marked(gettext_noop("the workbook is empty: no sheet has anything in it"))
        )


# --- the sheets pyxform does not read -----------------------------------------------------------


def _cwtt_sheets(data: bytes, kind: str, book: dict[str, Any]) -> dict[str, Sheet]:
    tables = read_tables(data, kind, names=CWTT_SHEETS, csv_book=book)
    sheets = {}
    for key, sheet in tables.items():
        headers = [h.strip().lower() for h in sheet.headers]
        lowered = dict(zip(sheet.headers, headers, strict=True))
        rows = [
            (n, {lowered.get(k, k.lower()): v for k, v in row.items()}) for n, row in sheet.rows
        ]
        sheets[key] = Sheet(sheet.name, headers, rows)
    return sheets


def read_sheets(data: bytes, filename: str) -> dict[str, Sheet]:
    """Every sheet of the file as a table, by lower-case name, with cells as pyxform reads
    them: for copying a file to another format (`cwtt instrument export`) and for tests that
    look at the spreadsheet itself. InstrumentFileError says why the file cannot be read."""
    kind = file_type(data, filename)
    try:
        return read_tables(_without_bom(data, kind), kind)
    except InstrumentFileError:
        raise
    except Exception as error:
        raise InstrumentFileError(_unreadable(kind, error)) from None


def read_tables(
    data: bytes,
    kind: str,
    names: tuple[str, ...] | None = None,
    csv_book: dict[str, Any] | None = None,
) -> dict[str, Sheet]:
    """Sheets of the file (those in `names`, or all) with pyxform's cell conversion."""
    wanted = (lambda name: name.strip().lower() in names) if names else (lambda name: True)
    found: dict[str, Sheet] = {}
    if kind in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            for worksheet in book.worksheets:
                if wanted(worksheet.title):
                    rows = worksheet.iter_rows()
                    found[worksheet.title.strip().lower()] = _table(
                        worksheet.title,
                        [c.value for c in next(rows, [])],
                        rows,
                        lambda cell, *_: (
                            None if cell.value is None else xlsx_value_to_str(cell.value)
                        ),
                    )
        finally:
            book.close()
    elif kind == ".xls":
        import xlrd

        book = xlrd.open_workbook(file_contents=data)
        try:
            for sheet in book.sheets():
                if wanted(sheet.name) and sheet.nrows:
                    found[sheet.name.strip().lower()] = _table(
                        sheet.name,
                        sheet.row_values(0),
                        (sheet.row(r) for r in range(1, sheet.nrows)),
                        lambda cell, *_: xls_value_to_unicode(
                            cell.value, cell.ctype, book.datemode
                        ),
                    )
        finally:
            book.release_resources()
    elif kind == ".md":
        from pyxform.xls2json_backends import _md_table_to_ss_structure

        for name, rows in _md_table_to_ss_structure(data.decode("utf-8-sig")).items():
            if name and wanted(name) and rows:
                headers = [str(h).strip() if h else "" for h in rows[0]]
                body = [
                    (number, {h: str(v) for h, v in zip(headers, row, strict=False) if h and v})
                    for number, row in enumerate(rows[1:], start=2)
                ]
                found[name.strip().lower()] = Sheet(name, [h for h in headers if h], body)
    elif kind == ".csv":
        book = csv_book if csv_book is not None else _csv_book(data)
        for key, rows in book.items():
            if key.endswith("_header") or key == "sheet_names" or not wanted(key):
                continue
            header_rows = book.get(f"{key}_header") or [{}]
            headers = [h for h in header_rows[0] if h]
            found[key] = Sheet(key, headers, [(n, dict(r)) for n, r in enumerate(rows, start=2)])
    return found


def _csv_book(data: bytes) -> dict[str, Any]:
    from pyxform.xls2json_backends import csv_to_dict

    return csv_to_dict(Definition(io.BytesIO(data), SupportedFileTypes.csv, None))


def _table(name: str, header_values: list[Any], rows: Any, cell_text: Any) -> Sheet:
    headers = get_excel_column_headers(
        first_row=(None if v is None or str(v).strip() == "" else str(v) for v in header_values)
    )
    records = get_excel_rows(headers=headers, rows=rows, cell_func=cell_text)
    body = [
        (number, {k: v.strip() for k, v in row.items() if v and v.strip()})
        for number, row in enumerate(records, start=2)
    ]
    return Sheet(name, [h for h in headers if h], [(n, r) for n, r in body if r])


# --- pyxform's JSON and XForm -------------------------------------------------------------------


def form_json(workbook: Workbook, warnings: list[str]) -> dict[str, Any]:
    """pyxform's JSON form of the workbook; PyXFormError for a form pyxform refuses. Every
    element made from a survey row carries that row's number under ROW_KEY."""
    data = copy.deepcopy(workbook.data)
    if data.survey_header:
        data.survey_header = [{**data.survey_header[0], ROW_KEY: None}]
    if data.survey:
        data.survey = [
            {**row, ROW_KEY: str(number)} if row else row
            for number, row in enumerate(data.survey, start=2)
        ]
    return workbook_to_json(
        workbook_dict=data,
        fallback_form_name=data.fallback_form_name,
        warnings=warnings,
    )


_PRIMARY_ROOT = re.compile(r"(<instance>\s*<[\w:.-]+)((?:\s+[\w:.-]+=\"[^\"]*\")*)(\s*/?>)")
_VERSION_ATTRIBUTE = re.compile(r'\sversion="[^"]*"')


def with_version(xform: str, version: str) -> str:
    """The XForm with `version` as the form's version attribute (on the primary instance's
    root element), as if pyxform had built it with that version (tested), without building it
    again (benchmarks/read_instrument.py prints both)."""
    match = _PRIMARY_ROOT.search(xform)
    if match is None:
        raise ValueError("the XForm has no primary instance")
    value = escape(version, {'"': "&quot;"})
    attributes = _VERSION_ATTRIBUTE.sub("", match.group(2)) + f' version="{value}"'
    return xform[: match.start(2)] + attributes + xform[match.end(2) :]


def xform_from_json(form: dict[str, Any], version: str | None = None) -> str:
    """The XForm pyxform builds from its JSON form; `version` (when given) becomes the form's
    `version` attribute, which OpenRosa clients send back with every submission."""
    form = copy.deepcopy(form)  # pyxform's builder changes the dictionary it is given
    if version is not None:
        form["version"] = version
    return create_survey_element_from_dict(form).to_xml(validate=False, pretty_print=False)
