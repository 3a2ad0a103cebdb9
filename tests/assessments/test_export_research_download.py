"""The research page: Rhoda, a researcher for the test district, downloads a wave's de-identified
export with its codebook in the browser.

Who may: researchers only, for the schools of their area. Everyone else (a teacher, the
district official, the data manager, someone with no role) gets "not found" and nothing is
recorded as a download.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.assessments.models import Wave
from cwtt.registry.models import Location, School
from cwtt.web.navigation import links_for

from ..conftest import _person, make_child, sign_in  # noqa: TID252 - shared test helpers
from .test_export_wave import assess

pytestmark = pytest.mark.django_db


@pytest.fixture
def rhoda(district):
    return _person("rhoda", Role.RESEARCHER, location=district["district"], sector="research")


@pytest.fixture
def assessed(child, other_child, wave):
    for someone in (child, other_child):
        assess(someone, wave)
    return [child, other_child]


def url(wave, kind="xlsx"):
    return reverse("research_download", args=[wave.pk, kind])


def downloads():
    return AuditEntry.objects.filter(object_type="research_export")


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_a_researcher_finds_the_page_in_the_menu_with_a_link_per_wave(client, rhoda, wave):
    assert "Research data" in [link["label"] for link in links_for(rhoda)]
    sign_in(client, rhoda)
    page = client.get(reverse("research_exports"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Wave 1" in text and url(wave, "xlsx") in text and url(wave, "codebook") in text
    assert page["Cache-Control"].startswith("max-age=0")


def test_the_spreadsheet_holds_the_rows_and_the_codebook_and_is_audited(
    client, rhoda, assessed, wave
):
    sign_in(client, rhoda)
    response = client.get(url(wave))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        f'attachment; filename="cwtt-research-wave-{wave.pk}.xlsx"'
    )
    book = load_workbook(io.BytesIO(body(response)))
    assert book.sheetnames == ["research", "codebook"]
    header, *rows = list(book["research"].iter_rows(values_only=True))
    assert header[0] == "pseudonym" and len(rows) == 2
    codebook = [r[0] for r in book["codebook"].iter_rows(min_row=2, values_only=True)]
    assert codebook == list(header)
    text = " ".join(str(v) for row in rows for v in row)
    for someone in assessed:
        assert someone.first_name not in text and someone.school.name not in text
    entry = downloads().get()
    assert entry.actor == rhoda and entry.action == AuditEntry.Action.EXPORT
    assert entry.detail == {"wave": "Wave 1", "download": "xlsx", "rows": 2}


def test_the_csv_and_its_codebook_download_on_their_own(client, rhoda, assessed, wave):
    sign_in(client, rhoda)
    data = list(csv.DictReader(io.StringIO(body(client.get(url(wave, "csv"))).decode())))
    assert len(data) == 2 and {r["district"] for r in data} == {"Test District"}
    book = list(csv.DictReader(io.StringIO(body(client.get(url(wave, "codebook"))).decode())))
    assert [r["column"] for r in book] == list(data[0])
    assert [e.detail["download"] for e in downloads().order_by("pk")] == ["csv", "codebook"]


def test_only_the_schools_of_the_researchers_area_are_in_the_file(
    client, rhoda, assessed, wave, district
):
    elsewhere = Location.objects.create(
        code="GP-XD", name="Other District", level="district", parent=district["province"]
    )
    school = School.objects.create(
        emis_number="700999999", name="Far", quintile=3, location=elsewhere
    )
    wave.schools.add(school)
    assess(make_child(school, first="Far"), wave)
    sign_in(client, rhoda)
    data = list(csv.DictReader(io.StringIO(body(client.get(url(wave, "csv"))).decode())))
    assert len(data) == 2 and "Other District" not in {r["district"] for r in data}


@pytest.mark.parametrize("who", ["tumi", "sam", "cora", "dumi", "dora", "nobody"])
def test_other_roles_are_refused_and_nothing_is_recorded(client, people, assessed, wave, who):
    sign_in(client, people[who])
    for address in [reverse("research_exports"), url(wave, "xlsx"), url(wave, "codebook")]:
        assert client.get(address).status_code == 404, address
    assert not downloads().exists()
    assert "Research data" not in [link["label"] for link in links_for(people[who])]


def test_someone_signed_out_is_sent_to_sign_in(client, assessed, wave):
    response = client.get(url(wave))
    assert response.status_code == 302 and "sign-in" in response["Location"]
    assert not downloads().exists()


def test_a_researcher_without_an_area_gets_no_file(client, people, assessed, wave):
    lost = _person("lost", Role.RESEARCHER, location=None, sector="research")
    sign_in(client, lost)
    page = client.get(reverse("research_exports"))
    assert "no area to export data for" in page.content.decode()
    assert client.get(url(wave)).status_code == 404
    assert not downloads().exists()


def test_bad_addresses_are_not_found_and_nothing_is_recorded(client, rhoda, assessed, wave):
    later = Wave.objects.create(
        name="Wave 2",
        starts_on=dt.date(2027, 2, 1),  # not started
        ends_on=dt.date(2027, 11, 30),
        instrument_version=wave.instrument_version,
    )
    sign_in(client, rhoda)
    assert client.get(url(later)).status_code == 404
    assert client.get(url(wave, "pdf")).status_code == 404
    assert client.get(reverse("research_download", args=[99999, "csv"])).status_code == 404
    assert client.post(url(wave)).status_code == 405
    assert not downloads().exists()
    assert "Wave 2" not in client.get(reverse("research_exports")).content.decode()


def _queries(client, address) -> int:
    body(client.get(address))  # once, so the compiled instrument is cached
    with CaptureQueriesContext(connection) as queries:
        body(client.get(address))
    return len(queries)


@pytest.mark.parametrize("kind", ["page", "xlsx", "csv", "codebook"])
def test_the_page_and_downloads_cost_the_same_queries_at_two_sizes(
    client, rhoda, wave, sunrise, kind
):
    children = [make_child(sunrise, first=f"Child{i}") for i in range(12)]
    for someone in children[:3]:
        assess(someone, wave)
    sign_in(client, rhoda)
    address = reverse("research_exports") if kind == "page" else url(wave, kind)
    small = _queries(client, address)
    for someone in children[3:]:
        assess(someone, wave)
    large = _queries(client, address)
    assert small == large, (small, large)
