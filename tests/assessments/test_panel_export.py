"""`cwtt export panel`: every wave in one de-identified file, one row per child per wave, as CSV
or Parquet with a codebook.

Lwazi (Sunrise Primary) is assessed in two waves, Ayanda (Hilltop Primary) in the first only,
with the research export's instrument (a free-text and a date question among the answers). The
panel must carry what the research export carries and nothing more, typed in Parquet, with
Lwazi's two rows under one pseudonym.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from io import StringIO

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cwtt.access.models import AuditEntry
from cwtt.assessments import research_export as research_module
from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Wave
from cwtt.assessments.research_export import pseudonym
from cwtt.consent.models import ConsentDecision, ConsentText

from ..conftest import make_child  # noqa: TID252 - shared test helpers
from . import test_research_export as research_tests
from .test_research_export import FREE_TEXT, assess

# The research export's instrument and children, shared as fixtures.
research_wave = research_tests.research_wave
assessed = research_tests.assessed

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_wave(research_wave):
    return Wave.objects.create(
        name="Wave 2",
        starts_on=dt.date(2026, 8, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=research_wave.instrument_version,
    )


@pytest.fixture
def panel(assessed, second_wave):
    lwazi, _ = assessed
    assess(lwazi, second_wave, on=dt.date(2026, 8, 3))
    return assessed


def export(tmp_path, name="panel.parquet", **options):
    output = tmp_path / name
    call_command("export", "panel", output=str(output), stdout=StringIO(), **options)
    return output


def read_csv(path):
    with path.open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_the_parquet_file_has_typed_columns_and_one_row_per_child_per_wave(tmp_path, panel):
    table = pq.read_table(export(tmp_path))
    schema = table.schema
    assert schema.names[:4] == ["pseudonym", "wave", "wave_order", "age_months"]
    expected = {
        "pseudonym": pa.string(),
        "wave_order": pa.int64(),
        "age_months": pa.int64(),
        "quintile": pa.int64(),
        "nutrition": pa.string(),
        "urgent": pa.bool_(),
        "discordant": pa.bool_(),
        "caregiver.cg_meals": pa.int64(),
        "caregiver.cg_hungry": pa.string(),
        "caregiver.cg_worries": pa.string(),
        "teacher.tc_absent": pa.int64(),
        "nurse.ns_height": pa.float64(),
    }
    for name, kind in expected.items():
        assert schema.field(name).type == kind, name
    rows = table.to_pylist()
    assert len(rows) == 3
    lwazi, ayanda = panel
    assert [
        (r["wave"], r["wave_order"], r["age_months"], r["sex"]) for r in rows if r["sex"] == "M"
    ] == [
        ("Wave 1", 1, 94, "M"),
        ("Wave 2", 2, 100, "M"),
    ]
    first = rows[[r["sex"] for r in rows].index("M")]
    assert first["nurse.ns_height"] == 118.5 and first["teacher.tc_absent"] == 6
    assert first["urgent"] is False and first["caregiver.cg_worries"] == "dark school"
    assert first["nutrition"] == "high"


def test_a_child_keeps_one_pseudonym_across_waves_and_rows_are_in_pseudonym_order(
    tmp_path, panel, settings
):
    rows = pq.read_table(export(tmp_path)).to_pylist()
    lwazi, ayanda = panel
    key = settings.CWTT_PSEUDONYM_KEY
    by_child = {}
    for row in rows:
        by_child.setdefault(row["pseudonym"], []).append(row["wave"])
    assert by_child == {
        pseudonym(lwazi.pk, key): ["Wave 1", "Wave 2"],
        pseudonym(ayanda.pk, key): ["Wave 1"],
    }
    assert [r["pseudonym"] for r in rows] == sorted(r["pseudonym"] for r in rows)
    # The same pseudonyms as the per-wave research export, so the files link up.
    call_command("export", "research", output=str(tmp_path / "w2.csv"), wave="Wave 2")
    assert [r["pseudonym"] for r in read_csv(tmp_path / "w2.csv")] == [pseudonym(lwazi.pk, key)]


def test_blank_levels_and_answers_are_nulls_not_empty_text(tmp_path, panel, second_wave, settings):
    late = make_child(panel[0].school, first="Sipho", last="Dube")
    assessment_save(
        child=late,
        wave=second_wave,
        respondent="teacher",
        answers={"tc_abuse": "no", "tc_absent": 1},
        assessed_on=dt.date(2026, 8, 4),
    )
    rows = pq.read_table(export(tmp_path)).to_pylist()
    sipho = next(
        r for r in rows if r["pseudonym"] == pseudonym(late.pk, settings.CWTT_PSEUDONYM_KEY)
    )
    assert sipho["health"] is None and sipho["nurse.ns_height"] is None
    assert sipho["teacher.tc_absent"] == 1


def test_the_codebook_is_in_the_parquet_schema_and_beside_the_file(tmp_path, panel):
    output = export(tmp_path)
    schema = pq.read_schema(output)
    book = json.loads(schema.metadata[b"cwtt.codebook"])
    assert [entry["column"] for entry in book] == schema.names
    beside = read_csv(tmp_path / "panel-codebook.csv")
    assert beside == book
    height = schema.field("nurse.ns_height").metadata
    assert height[b"type"] == b"decimal" and b"ns_height" in height[b"source"]
    assert b"1 for the first wave" in schema.field("wave_order").metadata[b"label"]


def test_the_csv_panel_holds_the_same_rows_with_its_codebook(tmp_path, panel):
    parquet = pq.read_table(export(tmp_path)).to_pylist()
    rows = read_csv(export(tmp_path, "panel.csv"))
    assert [r["pseudonym"] for r in rows] == [r["pseudonym"] for r in parquet]
    assert [r["wave_order"] for r in rows] == [str(r["wave_order"]) for r in parquet]
    assert [r["nurse.ns_height"] for r in rows] == ["118.5"] * 3
    assert {r["urgent"] for r in rows} == {"false"}
    book = read_csv(tmp_path / "panel-codebook.csv")
    assert [r["column"] for r in book] == list(rows[0])


@pytest.mark.parametrize("name", ["panel.parquet", "panel.csv"])
def test_nothing_in_either_file_identifies_a_child(tmp_path, panel, name):
    output = export(tmp_path, name)
    text = output.read_bytes().decode("utf-8", errors="replace")
    if name.endswith(".parquet"):
        text = json.dumps(pq.read_table(output).to_pylist(), default=str)
    header = pq.read_schema(output).names if name.endswith(".parquet") else read_csv(output)[0]
    for question in ["cg_hit", "tc_abuse", "ns_abuse", "cg_note", "cg_clinic"]:
        assert not any(column.endswith(f".{question}") for column in header), question
    for someone in panel:
        school = someone.school
        for value in [
            someone.first_name,
            someone.last_name,
            someone.sa_id_number,
            someone.birth_certificate_number,
            someone.date_of_birth.isoformat(),
            school.name,
            school.emis_number,
            someone.household.address,
            *(c.phone for c in someone.caregivers.all()),
        ]:
            assert value and value not in text, value
    assert FREE_TEXT not in text and "2026-01-17" not in text and "Circuit 1" not in text


def test_a_child_without_research_consent_is_left_out_of_every_wave(tmp_path, panel):
    lwazi, _ = panel
    ConsentDecision.objects.create(
        child=lwazi,
        purpose="research",
        decision="withdrawn",
        caregiver=lwazi.caregivers.first(),
        text=ConsentText.objects.filter(purpose="research").first(),
        decided_on=dt.date(2026, 9, 1),
    )
    rows = pq.read_table(export(tmp_path)).to_pylist()
    assert [(r["sex"], r["wave"]) for r in rows] == [("F", "Wave 1")]


def test_the_export_is_audited_and_bad_requests_are_refused_clearly(tmp_path, panel):
    output = export(tmp_path)
    entry = AuditEntry.objects.get(object_type="research_panel")
    assert entry.detail == {"rows": 3, "file": str(output)}
    assert entry.actor_name == "command line"
    with pytest.raises(CommandError, match="every wave"):
        export(tmp_path, "one.parquet", wave="Wave 1")
    with pytest.raises(CommandError, match="csv or parquet"):
        export(tmp_path, "p.xlsx", format="xlsx")
    with pytest.raises(CommandError, match="ends in .parquet"):
        export(tmp_path, "p.parquet", format="csv")
    with pytest.raises(CommandError, match="Only the panel"):
        call_command("export", "research", output=str(tmp_path / "r.parquet"), format="parquet")
    with pytest.raises(CommandError, match="does not exist"):
        export(tmp_path, "nowhere/p.parquet")
    assert AuditEntry.objects.filter(object_type="research_panel").count() == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["panel-codebook.csv", "panel.parquet"]


def test_a_failure_half_way_leaves_no_file_and_no_audit_entry(tmp_path, panel, monkeypatch):
    real = research_module.age_in_months
    calls = []

    def failing(born, on):
        calls.append(on)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(born, on)

    monkeypatch.setattr(research_module, "age_in_months", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        export(tmp_path)
    assert list(tmp_path.iterdir()) == []
    assert not AuditEntry.objects.filter(object_type="research_panel").exists()


def _queries(run) -> int:
    with CaptureQueriesContext(connection) as queries:
        run()
    return len(queries)


@pytest.mark.parametrize("name", ["panel.parquet", "panel.csv"])
def test_the_export_costs_the_same_queries_at_two_sizes(
    tmp_path, research_wave, second_wave, sunrise, name
):
    children = [make_child(sunrise, first=f"Child{i}") for i in range(40)]
    for someone in children[:4]:
        assess(someone, research_wave)
    export(tmp_path, name)  # once, so the compiled instrument is cached
    small = _queries(lambda: export(tmp_path, name))
    for someone in children[4:]:
        assess(someone, research_wave)
        assess(someone, second_wave, on=dt.date(2026, 8, 3))
    large = _queries(lambda: export(tmp_path, name))
    assert AuditEntry.objects.filter(object_type="research_panel").last().detail["rows"] == 76
    assert small == large, (small, large)
