"""Broken files for the import tests: each is (file name, bytes) with what it attacks.

Valid starting points are the sample files in docs/samples and a small workbook built here; the
broken ones are made from them, so a refusal is about the damage and nothing else."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
SCHOOLS_CSV = (SAMPLES / "schools.csv").read_bytes()
SCHOOL_HEADER = "emis_number,name,quintile,province,district,circuit"
GOOD_ROW = "700333333,Valley Primary,3,Gauteng (test),Test District,Circuit 1"


def workbook_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def schools_xlsx() -> bytes:
    return workbook_bytes([SCHOOL_HEADER.split(","), GOOD_ROW.split(",")])


def with_part(data: bytes, name: str, change) -> bytes:
    """The workbook `data` with its part `name` replaced by change(old_text)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == name:
                content = change(content.decode()).encode()
            target.writestr(item.filename, content)
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)


def _after_declaration(prefix: str):
    def change(text: str) -> str:
        body = text.split("?>", 1)[1] if text.startswith("<?xml") else text
        return prefix + body

    return change


def zip_bomb(size: int) -> bytes:
    """A workbook-shaped zip whose sheet unpacks to `size` bytes of spaces."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        source = zipfile.ZipFile(io.BytesIO(schools_xlsx()))
        for item in source.infolist():
            if item.filename != SHEET:
                target.writestr(item.filename, source.read(item.filename))
        with target.open(SHEET, "w") as sheet:
            chunk = b" " * (1 << 20)
            for _ in range(size // len(chunk)):
                sheet.write(chunk)
    return buffer.getvalue()


def claims_a_million_columns() -> bytes:
    return with_part(
        schools_xlsx(),
        SHEET,
        lambda text: text.replace('<dimension ref="A1:F2"', '<dimension ref="A1:XFD1048576"'),
    )


def broken_files() -> dict[str, tuple[str, bytes, str]]:
    """name -> (file name, bytes, words the refusal must contain)."""
    good_xlsx = schools_xlsx()
    text = f"{SCHOOL_HEADER}\n{GOOD_ROW}\n"
    return {
        "empty": ("schools.csv", b"", "empty"),
        "only a byte-order mark": ("schools.csv", b"\xef\xbb\xbf", "empty"),
        "blank lines only": ("schools.csv", b"\n\n,,,\n", "empty"),
        "a header and no rows": ("schools.csv", f"{SCHOOL_HEADER}\n".encode(), "no rows"),
        "the wrong header": ("schools.csv", b"a,b,c\n1,2,3\n", "no columns named emis_number"),
        "no header": ("schools.csv", f"{GOOD_ROW}\n".encode(), "no columns named"),
        "Windows-1252": (
            "schools.csv",
            f"{SCHOOL_HEADER}\n700333333,École Française,3,Gauteng,Test,C1\n".encode("cp1252"),
            "line 2 has the byte C9",
        ),
        "UTF-16": ("schools.csv", text.encode("utf-16"), "UTF-16"),
        "ends inside a character": ("schools.csv", text.encode() + b"\xc3", "not UTF-8"),
        "a 200 KB cell": (
            "schools.csv",
            f'{SCHOOL_HEADER}\n700333333,"{"x" * 200_000}",3,G,D,C\n'.encode(),
            "longer than 131,072 characters",
        ),
        "an unclosed quote": (
            "schools.csv",
            (f'{SCHOOL_HEADER}\n700333333,"Valley,3,G,D,C\n' + f"{GOOD_ROW}\n" * 3000).encode(),
            "row 2 has a cell longer",
        ),
        "a NUL character": (
            "schools.csv",
            f"{SCHOOL_HEADER}\n7003\x0033333,Valley,3,G,D,C\n".encode(),
            "NUL",
        ),
        "a workbook named .csv": ("schools.csv", good_xlsx, "Excel workbook with a .csv name"),
        "random bytes as .xlsx": ("schools.xlsx", bytes(range(256)) * 4, "not an .xlsx"),
        "text as .xlsx": ("schools.xlsx", text.encode(), "not an .xlsx"),
        "a cut-short workbook": ("schools.xlsx", good_xlsx[: len(good_xlsx) // 2], "not an .xlsx"),
        "a password-protected workbook": (
            "schools.xlsx",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096),
            "protected with a password",
        ),
        "an external entity": (
            "schools.xlsx",
            with_part(good_xlsx, SHEET, _after_declaration(XXE)),
            "DOCTYPE",
        ),
        "billion laughs": (
            "schools.xlsx",
            with_part(good_xlsx, "xl/workbook.xml", _after_declaration(LAUGHS)),
            "DOCTYPE",
        ),
        "an empty workbook": ("schools.xlsx", workbook_bytes([]), "empty"),
        "a .txt file": ("schools.txt", text.encode(), "CWTT reads .csv"),
    }
