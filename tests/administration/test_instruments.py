"""Instruments from the administration pages: the list of versions and the waves using them,
"Check" (every problem by sheet, row and column; nothing saved) and "Publish" (a new version,
only when there are no problems), through the same check and publish as `cwtt instrument`."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.instruments.models import Instrument, InstrumentVersion

pytestmark = pytest.mark.django_db

MINI = (Path(__file__).resolve().parents[1] / "fixtures" / "mini.md").read_bytes()
BROKEN = MINI.replace(
    b"| nutrition | food_quantity | high | ${cg_meals} < 2",
    b"| nutrition | food_quantity | severe | ${cg_meals} < 2",
).replace(b"| integer | tc_absent |", b"| number | tc_absent |")


def send(manager, data: bytes, action: str, name: str = "mini.md"):
    return manager.post(
        reverse("administration_instrument_upload"),
        {"action": action, "file": SimpleUploadedFile(name, data)},
    )


def problem_rows(page: str) -> list[str]:
    table = page[page.index('class="problems"') :]
    return table.split("<tr>")[2:]


@pytest.mark.parametrize("action", ["check", "publish"])
def test_a_broken_file_shows_every_problem_and_publishes_nothing(manager, action):
    response = send(manager, BROKEN, action)
    page = response.content.decode()
    assert response.status_code == 200
    assert "nothing was published" in page
    rows = problem_rows(page)
    assert any(
        "<td>scoring</td><td>2</td><td>level</td>" in row and "severe" in row for row in rows
    )
    assert any(
        "<td>survey</td><td>11</td><td>type</td>" in row
        and "Unknown question type &#x27;number&#x27;" in row
        for row in rows
    )
    # pyxform refuses the survey, so the rules are checked without it: no second problem for
    # the rule that reads the refused question (the reader used to parse the survey itself).
    assert len(rows) == 2
    assert not InstrumentVersion.objects.exists()
    assert not AuditEntry.objects.filter(object_type="instrument_version").exists()


def test_check_summarises_a_good_file_and_then_publishes_it_without_a_second_upload(
    manager, people
):
    page = send(manager, MINI, "check").content.decode()
    assert "No problems found." in page
    assert "Mini test instrument (mini)" in page
    assert not InstrumentVersion.objects.exists()  # checking saves nothing
    checksum = page.split('name="checksum" value="')[1].split('"')[0]
    response = manager.post(
        reverse("administration_instrument_upload"),
        {"action": "publish_checked", "checksum": checksum},
        follow=True,
    )
    assert "Published Mini test instrument version 1" in response.content.decode()
    version = InstrumentVersion.objects.get()
    assert (version.instrument.code, version.number, version.published_by) == (
        "mini",
        1,
        people["dora"],
    )
    entry = AuditEntry.objects.get(object_type="instrument_version")
    assert entry.actor == people["dora"] and entry.detail["number"] == 1
    # The kept file is used once.
    again = manager.post(
        reverse("administration_instrument_upload"),
        {"action": "publish_checked", "checksum": checksum},
        follow=True,
    )
    assert "no longer here" in again.content.decode()


def test_publish_adds_the_next_version_and_not_the_same_file_twice(manager, mini_version):
    response = send(manager, MINI, "publish")
    assert response.status_code == 302
    assert InstrumentVersion.objects.count() == 1
    changed = MINI.replace(b"${cg_meals} < 2", b"${cg_meals} < 3")
    response = send(manager, changed, "publish")
    assert response.status_code == 302
    assert list(InstrumentVersion.objects.values_list("number", flat=True)) == [1, 2]


def test_an_xlsx_xlsform_is_checked_too(manager):
    book = openpyxl.Workbook()
    survey = book.active
    survey.title = "survey"
    survey.append(["type", "name", "label"])
    survey.append(["integer", "age", "Age"])
    survey.append(["select_one missing_list", "pick", "Pick"])
    data = io.BytesIO()
    book.save(data)
    page = send(manager, data.getvalue(), "check", name="plain.xlsx").content.decode()
    row = next(r for r in problem_rows(page) if "missing_list" in r)
    assert "<td>survey</td><td>3</td><td>type</td>" in row
    assert "List name not in choices sheet: missing_list" in row  # pyxform's words
    assert not Instrument.objects.exists()


def test_the_list_shows_versions_and_the_waves_using_them(manager, wave):
    page = manager.get(reverse("administration_instruments")).content.decode()
    assert "Mini test instrument" in page and "Wave 1" in page and "mini.md" in page
    source = manager.get(
        reverse("administration_instrument_source", args=[wave.instrument_version.pk])
    )
    assert source.content == MINI
    assert 'filename="mini.md"' in source["Content-Disposition"]
