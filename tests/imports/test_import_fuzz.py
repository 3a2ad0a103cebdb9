"""Standing check (issue #10, hole 8): generated broken files never crash an import.

Hypothesis breaks good files in the ways real ones break (random bytes, cut-short workbooks,
flipped bytes, wrong encodings, byte-order marks, NULs, huge cells, formula cells, missing
headers, unbalanced quotes) and feeds them to every import command and to the schools upload
page. Each must either accept the file or refuse it with a message and exit status 1 (or the
page with its form and the problem), and the database must not change unless the file was
imported. Kept fast: a few dozen examples per test, no deadline (the database is slow to start).
"""

from __future__ import annotations

import io
import tempfile
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from cwtt.access.models import AuditEntry
from cwtt.registry.models import Caregiver, Child, Household, Location, School, SchoolClass
from cwtt.services.models import Provider

from ..conftest import sign_in  # noqa: TID252 - shared test helpers
from .files import SCHOOL_HEADER, workbook_bytes  # noqa: TID252 - this folder's files

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

CHILD_HEADER = (
    "school_emis,class_name,grade,year,first_name,last_name,date_of_birth,sex,"
    "caregiver_first_name,caregiver_last_name"
)
SERVICES_HEADER = "name,sector,service_types,catchment"
GOOD = {
    "schools": f"{SCHOOL_HEADER}\n700333333,Valley Primary,3,Gauteng (test),Test District,C 1\n",
    "children": f"{CHILD_HEADER}\n700111111,2A,2,2026,Naledi,Dube,2019-05-02,F,Thandi,Dube\n",
    "services": f"{SERVICES_HEADER}\nSunrise Clinic,health,clinic_visit,GP-TD\n",
    "measure": "id,sex,age_months,height_cm,weight_kg\nA1,F,60.32,113.8,18.7\n",
}
HOSTILE_CELLS = [
    "=1+1",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3",
    "\t=x",
    '"',
    '"unclosed',
    "\x00",
    "\ufeff",
    "x" * 140_000,
    "é",
    "\u202e",
    "",
]


@st.composite
def broken_csv(draw, kind: str) -> tuple[str, bytes]:
    lines = GOOD[kind].splitlines()
    cells = [line.split(",") for line in lines]
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.integers(0, len(cells) - 1))
        column = draw(st.integers(0, len(cells[row]) - 1))
        cells[row][column] = draw(st.sampled_from(HOSTILE_CELLS) | st.text(max_size=20))
    if draw(st.booleans()):
        cells = cells[1:]  # no header
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    ending = draw(st.sampled_from(["\n", "\r\n", "\r", ""]))
    text = ending.join(delimiter.join(row) for row in cells) + ending
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]))
    data = text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]  # cut short
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=16)) + data[at:]  # stray bytes
    return "file.csv", data


@st.composite
def broken_xlsx(draw, kind: str) -> tuple[str, bytes]:
    rows = [line.split(",") for line in GOOD[kind].splitlines()]
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.integers(0, len(rows) - 1))
        column = draw(st.integers(0, len(rows[row]) - 1))
        value = draw(
            st.sampled_from(HOSTILE_CELLS)
            | st.text(max_size=20)
            | st.floats(allow_nan=True)
            | st.integers(-(2**70), 2**70)
        )
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)[:32_767]
        rows[row][column] = value
    # A workbook's bytes hold the (ticking) time it was saved, so places in it are drawn as
    # numbers taken modulo its length: the same draws whatever its length.
    data = workbook_bytes(rows)
    damage = draw(st.sampled_from(["none", "cut", "flip", "random"]))
    if damage == "cut":
        data = data[: draw(st.integers(0, 2**16)) % len(data)]
    elif damage == "flip":
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, 2**16)) % len(data)
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    elif damage == "random":
        data = draw(st.binary(max_size=2048))
    return "file.xlsx", data


def broken(kind: str):
    return (
        broken_csv(kind)
        | broken_xlsx(kind)
        | st.tuples(st.sampled_from(["file.csv", "file.xlsx"]), st.binary(max_size=512))
    )


def database_state() -> tuple[int, ...]:
    models = (School, Location, Child, SchoolClass, Household, Caregiver, Provider, AuditEntry)
    return tuple(model.objects.count() for model in models)


class _Undo(Exception):
    pass


@contextmanager
def undone():
    """Run an example inside a savepoint and roll it back, so examples do not see each other."""
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def run_command(*args: str) -> tuple[int, str]:
    """The command's exit status and what it said; any other exception fails the test."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except CommandError as error:
        return 1, str(error)
    except SystemExit as exit:
        return int(exit.code), out.getvalue() + err.getvalue()
    return 0, out.getvalue()


def assert_refused_or_accepted(status: int, said: str) -> None:
    assert status in (0, 1)
    assert said.strip(), "a refusal must say why"
    assert "Traceback" not in said


@contextmanager
def a_file(name: str, data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield str(path)


@FUZZ
@given(kind=st.sampled_from(["schools", "children"]), file=st.data())
def test_import_registry_never_crashes_on_a_broken_file(sunrise, kind, file):
    name, data = file.draw(broken(kind))
    with undone(), a_file(name, data) as path:
        before = database_state()
        status, said = run_command("import_registry", kind, path)
        assert_refused_or_accepted(status, said)
        if status:
            assert database_state() == before


@FUZZ
@given(file=broken("services"))
def test_import_services_never_crashes_on_a_broken_file(district, file):
    name, data = file
    with undone(), a_file(name, data) as path:
        before = database_state()
        status, said = run_command("import_services", path)
        assert_refused_or_accepted(status, said)
        if status:
            assert database_state() == before


@FUZZ
@given(file=broken_csv("measure") | st.tuples(st.just("file.csv"), st.binary(max_size=512)))
def test_measure_never_crashes_on_a_broken_file(file):
    name, data = file
    with a_file(name, data) as path:
        output = Path(path).with_name("out.csv")
        status, said = run_command("measure", "growth", "--input", path, "--output", str(output))
        assert_refused_or_accepted(status, said)
        assert output.exists() == (status == 0)


@FUZZ
@given(data=st.binary(max_size=512) | st.text(max_size=300).map(str.encode))
def test_referral_rules_check_never_crashes_on_a_broken_file(data):
    with a_file("rules.md", data) as path:
        assert_refused_or_accepted(*run_command("referral_rules", "check", path))


@FUZZ
@given(
    kind=st.sampled_from(["schools", "children"]),
    action=st.sampled_from(["check", "import"]),
    file=st.data(),
)
def test_the_upload_page_never_fails_on_a_broken_file(client, people, kind, action, file):
    manager = sign_in(client, people["dora"])
    name, data = file.draw(broken(kind))
    with undone():
        before = database_state()
        response = manager.post(
            reverse("administration_import"),
            {"kind": kind, "action": action, "file": SimpleUploadedFile(name, data)},
        )
        assert response.status_code in (200, 400)
        page = response.content.decode()
        assert "<form" in page
        if "Imported:" not in page:
            assert database_state() == before
        else:
            assert action == "import"
