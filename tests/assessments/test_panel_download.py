"""The research page's panel: Rhoda, a researcher for the test district, downloads every wave in
one file (Parquet or CSV) with its codebook.

Who may: researchers only, for the schools of their area. Everyone else (a teacher, the
district official, the data manager, someone with no role) gets "not found" and nothing is
recorded; a school in another district never reaches Rhoda's file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pyarrow.parquet as pq
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.registry.models import Location, School

from ..conftest import _person, make_child, sign_in  # noqa: TID252 - shared test helpers
from . import test_panel_export as panel_tests
from . import test_research_export as research_tests
from .test_research_export import assess

pytestmark = pytest.mark.django_db

research_wave = research_tests.research_wave
assessed = research_tests.assessed
second_wave = panel_tests.second_wave


@pytest.fixture
def rhoda(district):
    return _person("rhoda", Role.RESEARCHER, location=district["district"], sector="research")


@pytest.fixture
def panel(assessed, second_wave):
    assess(assessed[0], second_wave, on=dt.date(2026, 8, 3))
    return assessed


@pytest.fixture
def far_school(district, research_wave, second_wave):
    """A school in another district, its child assessed in both waves."""
    elsewhere = Location.objects.create(
        code="GP-XD", name="Other District", level="district", parent=district["province"]
    )
    school = School.objects.create(
        emis_number="700999999", name="Far Primary", quintile=3, location=elsewhere
    )
    far = make_child(school, first="Faraway", last="Khumalo")
    for wave in (research_wave, second_wave):
        wave.schools.add(school)
        assess(far, wave, on=wave.starts_on + dt.timedelta(days=2))
    return school


def url(kind):
    return reverse("research_panel_download", args=[kind])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def downloads():
    return AuditEntry.objects.filter(object_type="research_panel")


def test_the_page_links_the_panel(client, rhoda, research_wave):
    sign_in(client, rhoda)
    text = client.get(reverse("research_exports")).content.decode()
    assert "Every wave in one file" in text
    for kind in ("parquet", "csv", "codebook"):
        assert url(kind) in text


def test_the_parquet_download_holds_every_wave_typed_and_is_audited(client, rhoda, panel):
    sign_in(client, rhoda)
    response = client.get(url("parquet"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="cwtt-research-panel.parquet"'
    assert response["Cache-Control"].startswith("max-age=0")
    table = pq.read_table(io.BytesIO(body(response)))
    rows = table.to_pylist()
    assert sorted((r["sex"], r["wave_order"]) for r in rows) == [("F", 1), ("M", 1), ("M", 2)]
    assert str(table.schema.field("age_months").type) == "int64"
    assert b"cwtt.codebook" in table.schema.metadata
    entry = downloads().get()
    assert entry.actor == rhoda and entry.action == AuditEntry.Action.EXPORT
    assert entry.detail == {"download": "parquet", "rows": 3}


def test_the_csv_and_its_codebook_download_on_their_own(client, rhoda, panel):
    sign_in(client, rhoda)
    data = list(csv.DictReader(io.StringIO(body(client.get(url("csv"))).decode())))
    assert len(data) == 3 and {r["district"] for r in data} == {"Test District"}
    book = list(csv.DictReader(io.StringIO(body(client.get(url("codebook"))).decode())))
    assert [r["column"] for r in book] == list(data[0])
    assert [e.detail["download"] for e in downloads().order_by("pk")] == ["csv", "codebook"]


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_another_districts_schools_never_appear(client, rhoda, panel, far_school, kind):
    sign_in(client, rhoda)
    content = body(client.get(url(kind)))
    if kind == "parquet":
        rows = pq.read_table(io.BytesIO(content)).to_pylist()
    else:
        rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert len(rows) == 3
    assert {r["district"] for r in rows} == {"Test District"}
    assert {str(r["quintile"]) for r in rows} <= {"1", "2"}  # the far school is quintile 3
    assert b"Faraway" not in content and b"Other District" not in content


@pytest.mark.parametrize("who", ["tumi", "sam", "cora", "dumi", "dora", "nobody"])
def test_other_roles_are_refused_and_nothing_is_recorded(client, people, panel, who):
    sign_in(client, people[who])
    for kind in ("parquet", "csv", "codebook"):
        assert client.get(url(kind)).status_code == 404, kind
    assert not downloads().exists()


def test_signed_out_bad_kinds_posts_and_a_researcher_without_an_area_get_nothing(
    client, panel, rhoda
):
    response = client.get(url("parquet"))
    assert response.status_code == 302 and "sign-in" in response["Location"]
    sign_in(client, rhoda)
    assert client.get(url("xlsx")).status_code == 404
    assert client.post(url("parquet")).status_code == 405
    client.logout()
    lost = _person("lost", Role.RESEARCHER, location=None, sector="research")
    sign_in(client, lost)
    assert client.get(url("parquet")).status_code == 404
    assert not downloads().exists()


def _queries(client, address) -> int:
    body(client.get(address))  # once, so the compiled instrument is cached
    with CaptureQueriesContext(connection) as queries:
        body(client.get(address))
    return len(queries)


@pytest.mark.parametrize("kind", ["parquet", "csv", "codebook"])
def test_the_downloads_cost_the_same_queries_at_two_sizes(
    client, rhoda, research_wave, second_wave, sunrise, kind
):
    children = [make_child(sunrise, first=f"Child{i}") for i in range(30)]
    for someone in children[:3]:
        assess(someone, research_wave)
    sign_in(client, rhoda)
    small = _queries(client, url(kind))
    for someone in children[3:]:
        assess(someone, research_wave)
        assess(someone, second_wave, on=dt.date(2026, 8, 3))
    large = _queries(client, url(kind))
    assert downloads().last().detail["rows"] == (57 if kind != "codebook" else 23)
    assert small == large, (small, large)
