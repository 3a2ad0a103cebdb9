"""Broken instrument files, named and generated, shared by the command and upload-page tests.

Each named file must be refused with a message (never a traceback); the hypothesis strategies
make more of the same kinds: random bytes, damaged workbooks and Markdown forms with broken
expressions."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from hypothesis import strategies as st
from openpyxl import Workbook

FIXTURES = Path(__file__).parent.parent / "fixtures"
MINI = (FIXTURES / "mini.md").read_bytes()
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


GOOD_XLSX = workbook(
    {
        "survey": [["type", "name", "label", "constraint"], ["integer", "age", "Age", ". >= 0"]],
        "settings": [["form_id", "form_title"], ["fuzz", "Fuzz"]],
    }
)


def zip_bomb() -> bytes:
    """A few hundred kilobytes that unpack to 60 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    return buffer.getvalue()


def damaged_sheet() -> bytes:
    """A sound zip whose survey sheet is cut off half-way through its XML."""
    source = zipfile.ZipFile(io.BytesIO(GOOD_XLSX))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.startswith("xl/worksheets/sheet1"):
                data = data[: len(data) // 2]
            archive.writestr(info, data)
    return buffer.getvalue()


def survey_md(expression_column: str, expression: str) -> bytes:
    return (
        f"| survey |\n| | type | name | label | {expression_column} |\n"
        f"| | integer | height | Height | {expression} |\n"
    ).encode()


def newer_zip_version() -> bytes:
    """A good workbook whose entries say a newer zipper made them ("version needed to extract"
    6.4): Python's zipfile refuses to open it at all (NotImplementedError)."""
    data = bytearray(GOOD_XLSX)
    start = 0
    while (at := data.find(b"PK\x01\x02", start)) != -1:
        data[at + 6 : at + 8] = (64).to_bytes(2, "little")
        start = at + 4
    return bytes(data)


# name → (file name, bytes, words the message must contain)
NAMED: dict[str, tuple[str, bytes, str]] = {
    "not a workbook": ("form.xlsx", b"hello, this is not a workbook", "not an Excel workbook"),
    "truncated zip": ("form.xlsx", GOOD_XLSX[: len(GOOD_XLSX) // 2], "damaged or incomplete"),
    "zip from a newer zipper": ("form.xlsx", newer_zip_version(), "damaged or incomplete"),
    # A legacy .xls loads (issue #12); one that is only the start of a .xls does not.
    "damaged .xls": ("form.xls", OLE + b"\0" * 600, "the workbook could not be read"),
    "damaged .xls renamed .xlsx": ("form.xlsx", OLE + b"\0" * 600, "the workbook could not"),
    "encrypted": (
        "form.xlsx",
        OLE + b"\0" * 100 + "EncryptionInfo".encode("utf-16-le") + b"\0" * 100,
        "protected with a password",
    ),
    "CSV renamed .xlsx": ("form.xlsx", b"type,name,label\ninteger,age,Age\n", "CSV"),
    "empty workbook": ("form.xlsx", workbook({"Sheet": []}), "the workbook is empty"),
    "no survey sheet": (
        "form.xlsx",
        workbook({"choices": [["list_name", "name", "label"], ["yn", "yes", "Yes"]]}),
        "no 'survey' sheet",
    ),
    "zip bomb": ("form.xlsx", zip_bomb(), "unpacks to more than 50 MB"),
    "damaged sheet": ("form.xlsx", damaged_sheet(), "the workbook could not be"),
    "huge file": ("form.md", MINI + b"|" * (6 * 1024 * 1024), "larger than 5 MB"),
    "Markdown in UTF-16": ("form.md", MINI.decode().encode("utf-16"), "not UTF-8 text"),
    "Markdown in Latin-1": ("form.md", "| survey |\n| | é |\n".encode("latin-1"), "not UTF-8"),
    "empty file": ("form.md", b"", "the file is empty"),
    "200 nested brackets": (
        "form.md",
        survey_md("constraint", "(" * 200 + ". > 1" + ")" * 200),
        "nested more than 50 levels deep",
    ),
    "50,000-term sum": (
        "form.md",
        survey_md("calculation", " + ".join(["${height}"] * 50_000)),
        "longer than 10,000 characters",
    ),
    "broken constraint": (
        "form.md",
        survey_md("constraint", ". >= 80 and and . <= 170"),
        "survey row 2, column constraint",
    ),
}

# --- generated ---------------------------------------------------------------------------------

_XPATH_BITS = ["(", ")", "and", "or", "${height}", ".", "+", ">=", "=", "'", ",", "not(", "80"]

# A broken expression: well-formed pieces joined so the result is never well formed (an
# operator at the end, or a bracket never closed).
broken_expressions = st.tuples(
    st.lists(st.sampled_from(_XPATH_BITS), max_size=12).map(" ".join),
    st.sampled_from([" and", " >=", " (", " +", "(("]),
).map("".join)


def _damaged(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    body = bytearray(data[: max(1, len(data) - cut)])
    for position, value in flips:
        body[position % len(body)] = value
    return bytes(body)


damaged_workbooks = st.builds(
    _damaged,
    st.just(GOOD_XLSX),
    st.integers(min_value=0, max_value=len(GOOD_XLSX) - 1),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
)

# (file name, bytes, must be refused): random bytes and damaged workbooks may by chance still
# read (a flip in an unused byte), so only the broken expressions must always be refused.
broken_files = st.one_of(
    st.tuples(
        st.sampled_from(["f.xlsx", "f.md", "f.xlsm", "f.xls", "f"]), st.binary(), st.just(False)
    ),
    st.tuples(st.just("f.xlsx"), damaged_workbooks, st.just(False)),
    st.builds(
        lambda column, text: ("f.md", survey_md(column, text.replace("|", "/")), True),
        st.sampled_from(["relevant", "constraint", "calculation", "required", "choice_filter"]),
        broken_expressions,
    ),
)
