"""The import page in administration: a check first (nothing written, the file kept
encrypted), then "Import" of that kept file — and the attacks on it: a person who is not a
data manager, a kept file changed between the two steps, a checksum or kept file that is not
this session's, a replayed Import, and another data manager's rejects file. Each refusal
leaves the database as it was."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cwtt.access.encryption import keys_in_use
from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.administration.models import PendingImport
from cwtt.registry.models import School

from ..attacks import messages_of, unchanged  # noqa: TID252 - shared test helpers
from ..conftest import _person, sign_in  # noqa: TID252
from .sheets import table_bytes

pytestmark = pytest.mark.django_db

HEADER = ["emis_number", "name", "quintile", "province", "district", "circuit"]
GOOD = ["700333333", "Valley Primary", "3", "Gauteng (test)", "Test District", "Circuit 1"]
BAD = ["700444444", "River Primary", "9", "Gauteng (test)", "Test District", "Circuit 1"]
URL = reverse("administration_import")


def check(client, rows, name="schools.csv", kind="schools"):
    data = table_bytes(name, HEADER, rows)
    return client.post(
        URL, {"kind": kind, "action": "check", "file": SimpleUploadedFile(name, data)}
    )


def kept_fields(response) -> dict[str, str]:
    page = response.content.decode()
    return {
        "pending": re.search(r'name="pending" value="([^"]+)"', page).group(1),
        "checksum": re.search(r'name="checksum" value="([^"]+)"', page).group(1),
    }


@pytest.fixture
def manager(client, people):
    return sign_in(client, people["dora"])


def test_the_check_writes_nothing_and_import_then_imports_the_kept_file(manager, district, people):
    with unchanged():
        checked = check(manager, [GOOD])
    page = checked.content.decode()
    assert "Dry run: 1 row checked, 1 would be created" in page
    assert re.search(r"<td>2</td><td>would be created</td>", page)  # the row-by-row report
    assert 'value="import"' in page
    pending = PendingImport.objects.get()
    assert GOOD[1].encode() not in bytes(pending.data)  # kept encrypted

    done = manager.post(URL, {**kept_fields(checked), "action": "import"})
    assert done.status_code == 200
    assert "Imported: 1 row checked, 1 created" in done.content.decode()
    assert School.objects.filter(emis_number="700333333").exists()
    assert not PendingImport.objects.exists()  # used once, then gone
    entry = AuditEntry.objects.get(object_type="import")
    assert (entry.actor, entry.detail["kind"], entry.detail["created"]) == (
        people["dora"],
        "schools",
        1,
    )


@pytest.mark.parametrize("who", ["fiona", "tumi", "sam", "nandi", "cora", "dumi", "nobody"])
def test_only_data_managers_may_check_or_import(client, people, district, who):
    manager = sign_in(client.__class__(), people["dora"])
    checked = check(manager, [GOOD])
    intruder = sign_in(client, people[who])
    with unchanged():
        assert intruder.get(URL).status_code == 403
        assert check(intruder, [GOOD]).status_code == 403
        response = intruder.post(URL, {**kept_fields(checked), "action": "import"})
        assert response.status_code == 403
    assert PendingImport.objects.count() == 1  # only the data manager's check kept a file


def test_a_signed_out_visitor_is_sent_to_sign_in(client, district):
    with unchanged():
        response = client.post(URL, {"pending": "x", "checksum": "y", "action": "import"})
    assert response.status_code == 302 and "sign" in response["Location"].lower()


def test_a_kept_file_changed_between_the_steps_is_refused(manager, district):
    checked = check(manager, [GOOD])
    pending = PendingImport.objects.get()
    # Someone with the keys swaps in another file: its checksum no longer matches.
    other = table_bytes("schools.csv", HEADER, [BAD[:2] + ["1"] + BAD[3:]])
    pending.data = keys_in_use().encrypt(other)
    pending.save()
    with unchanged():
        response = manager.post(URL, {**kept_fields(checked), "action": "import"})
    assert response.status_code == 400
    assert "not the file that was checked" in " ".join(messages_of(response))


def test_a_kept_file_with_damaged_bytes_is_refused(manager, district):
    checked = check(manager, [GOOD])
    pending = PendingImport.objects.get()
    damaged = bytearray(bytes(pending.data))
    damaged[-5] ^= 1
    pending.data = bytes(damaged)
    pending.save()
    with unchanged():
        response = manager.post(URL, {**kept_fields(checked), "action": "import"})
    assert response.status_code == 400
    assert "changed since it was checked" in " ".join(messages_of(response))


def test_a_checksum_the_session_did_not_check_is_refused(manager, district):
    checked = check(manager, [GOOD])
    fields = kept_fields(checked)
    with unchanged():
        response = manager.post(URL, {**fields, "checksum": "0" * 64, "action": "import"})
        assert response.status_code == 400
        response = manager.post(
            URL, {"pending": "not-a-uuid", "checksum": fields["checksum"], "action": "import"}
        )
        assert response.status_code == 400


def test_another_data_managers_kept_file_cannot_be_imported(client, people, district):
    dora = sign_in(client.__class__(), people["dora"])
    checked = check(dora, [GOOD])
    other = sign_in(client, _person("dave", Role.DATA_MANAGER))
    with unchanged():
        response = other.post(URL, {**kept_fields(checked), "action": "import"})
    assert response.status_code == 400
    assert "not one this session checked" in " ".join(messages_of(response))


def test_pressing_import_twice_imports_once(manager, district):
    checked = check(manager, [GOOD])
    fields = kept_fields(checked)
    manager.post(URL, {**fields, "action": "import"})
    with unchanged():
        again = manager.post(URL, {**fields, "action": "import"})
    assert again.status_code == 400
    assert School.objects.filter(emis_number="700333333").count() == 1


def test_with_errors_only_the_good_rows_are_imported_and_the_rest_downloaded(
    client, manager, people, district
):
    checked = check(manager, [GOOD, BAD])
    page = checked.content.decode()
    assert 'value="import"' not in page and 'value="import_good"' in page
    fields = kept_fields(checked)
    with unchanged():  # all or nothing cannot be forced for a file with errors
        manager.post(URL, {**fields, "action": "import"})
    done = manager.post(URL, {**fields, "action": "import_good"})
    assert "Imported the rows without errors" in done.content.decode()
    assert School.objects.filter(emis_number="700333333").exists()
    assert not School.objects.filter(emis_number="700444444").exists()
    link = re.search(r'href="(/administration/imports/[^"]+/rejects/)"', done.content.decode())
    download = manager.get(link.group(1))
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == [*HEADER, "error"] and rows[1][:6] == BAD
    assert "schools-rejects.csv" in download["Content-Disposition"]

    other = sign_in(client.__class__(), _person("dave", Role.DATA_MANAGER))
    assert other.get(link.group(1)).status_code == 404
    nurse = sign_in(client.__class__(), people["nandi"])
    assert nurse.get(link.group(1)).status_code == 403


def test_a_check_of_a_file_with_only_bad_rows_keeps_nothing(manager, district):
    with unchanged():
        page = check(manager, [BAD]).content.decode()
    assert "Dry run" in page and 'name="pending"' not in page
    assert not PendingImport.objects.exists()


def test_a_kept_file_is_gone_after_a_day(manager, district):
    checked = check(manager, [GOOD])
    a_day_ago = timezone.now() - dt.timedelta(days=1, minutes=1)
    PendingImport.objects.update(created_at=a_day_ago)
    check(manager, [BAD])  # any new check clears what waited too long
    with unchanged():
        response = manager.post(URL, {**kept_fields(checked), "action": "import"})
    assert response.status_code == 400
    assert "no longer here" in " ".join(messages_of(response))


def test_a_kobo_export_is_checked_and_imported_from_the_page(manager, wave, child):
    from .sheets import kobo_caregiver_export

    header, rows = kobo_caregiver_export([{"child_id": child.pk, "meals": 3}])
    data = table_bytes("kobo.xlsx", header, rows)
    with unchanged():
        checked = manager.post(
            URL,
            {
                "kind": "assessments",
                "action": "check",
                "wave": "Wave 1",
                "file": SimpleUploadedFile("kobo.xlsx", data),
            },
        )
    assert "Dry run: 1 row checked, 1 would be created" in checked.content.decode()
    done = manager.post(URL, {**kept_fields(checked), "action": "import"})
    assert "Imported: 1 row checked, 1 created" in done.content.decode()
    assert child.assessments.get().respondent == "caregiver"
