"""`cwtt export dhis2`: a dataValueSets file from the mapping, suppressed as the area dashboard is.

Sunrise Primary has 20 children assessed in Wave 1, 8 of them at high risk in health; Hilltop
Primary has 12, 2 of them. With k = 5 and rounding to 5 (the defaults), Hilltop's 2 is a small
cell, and Sunrise's 8 must then be hidden too, or DHIS2's district total (or the area
dashboard's) minus Sunrise would give Hilltop's 2 away.
"""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import jsonschema
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cwtt.access.models import AuditEntry
from cwtt.access.suppression import publish
from cwtt.assessments.models import RiskProfile
from cwtt.cases.models import Case
from cwtt.interop.dhis2.figures import counts_by_school
from cwtt.interop.dhis2.mapping import INDICATORS, SHIPPED, period_of
from cwtt.referrals.models import Referral
from cwtt.services.catalogue import ensure_service_types
from cwtt.services.models import ServiceType

from ..conftest import make_child  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db

# The structure DHIS2 reads at POST /api/dataValueSets (docs.dhis2.org, "Data values"): a
# UID is 11 letters and digits, the first a letter; a value is a string.
UID = {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9]{10}$"}
DATA_VALUE_SET = {
    "type": "object",
    "required": ["dataValues"],
    "additionalProperties": False,
    "properties": {
        "dataSet": UID,
        "completeDate": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
        "dataValues": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["dataElement", "period", "orgUnit", "categoryOptionCombo", "value"],
                "properties": {
                    "dataElement": UID,
                    "period": {"type": "string", "pattern": r"^\d{4}(\d{2}|Q[1-4]|S[12]|April)?$"},
                    "orgUnit": UID,
                    "categoryOptionCombo": UID,
                    "value": {"type": "string", "pattern": r"^\d+$"},
                },
            },
        },
    },
}

COMBO = "HllvX50cXC0"
ELEMENTS = {code: f"De{i:09d}" for i, code in enumerate(INDICATORS)}
SUNRISE_UNIT, HILLTOP_UNIT, DISTRICT_UNIT = "OuSunrise01", "OuHilltop01", "OuDistrict1"


def mapping_data(**changes) -> dict:
    data = {
        "_about": "test mapping",
        "period": {"type": "Yearly", "date": "start"},
        "dataSet": "DsCwtt00001",
        "completeDate": "wave_end",
        "orgUnitLevel": "school",
        "orgUnits": {"700111111": SUNRISE_UNIT, "700222222": HILLTOP_UNIT},
        "indicators": {
            code: {"dataElement": uid, "categoryOptionCombo": COMBO}
            for code, uid in ELEMENTS.items()
        },
    }
    data.update(changes)
    return data


@pytest.fixture
def mapping_file(tmp_path):
    def write(**changes):
        path = tmp_path / f"mapping-{len(list(tmp_path.iterdir()))}.json"
        path.write_text(json.dumps(mapping_data(**changes)))
        return path

    return write


def profiles(school, wave, count, *, high=0, start=0):
    """`count` children of `school` assessed in `wave`, the first `high` at high risk in health."""
    for i in range(start, start + count):
        child = make_child(school, first=f"Child{i}", consent=False)
        level = "high" if i - start < high else "low"
        RiskProfile.objects.create(
            child=child,
            wave=wave,
            instrument_version=wave.instrument_version,
            health=level,
            nutrition="low",
            economic="low",
            education="low",
            protection="low",
            psychosocial="low",
            overall=level,
        )


@pytest.fixture
def reported(wave, sunrise, hilltop):
    profiles(sunrise, wave, 20, high=8)
    profiles(hilltop, wave, 12, high=2, start=100)
    return wave


def export(tmp_path, mapping, name="dhis2.json", **options):
    output = tmp_path / name
    out = StringIO()
    call_command(
        "export",
        "dhis2",
        wave="Wave 1",
        output=str(output),
        mapping=str(mapping),
        stdout=out,
        **options,
    )
    return json.loads(output.read_text()), out.getvalue()


def values_of(document) -> dict[tuple[str, str], str]:
    by_element = {uid: code for code, uid in ELEMENTS.items()}
    return {
        (v["orgUnit"], by_element[v["dataElement"]]): v["value"] for v in document["dataValues"]
    }


def test_the_payload_has_the_data_value_set_shape(tmp_path, reported, mapping_file):
    document, said = export(tmp_path, mapping_file())
    jsonschema.validate(document, DATA_VALUE_SET)
    assert document["dataSet"] == "DsCwtt00001"
    assert document["completeDate"] == "2026-11-30"
    assert {v["period"] for v in document["dataValues"]} == {"2026"}
    assert {v["categoryOptionCombo"] for v in document["dataValues"]} == {COMBO}
    assert "Wrote" in said and "period 2026" in said


def test_small_cells_are_hidden_and_the_rest_rounded_as_on_the_area_dashboard(
    tmp_path, reported, mapping_file
):
    document, _ = export(tmp_path, mapping_file())
    values = values_of(document)
    # Children assessed: 20 and 12, rounded to the nearest 5.
    assert values[(SUNRISE_UNIT, "children_assessed")] == "20"
    assert values[(HILLTOP_UNIT, "children_assessed")] == "10"
    # Hilltop's 2 at high risk is small; Sunrise's 8 is hidden too, so the total cannot give
    # Hilltop's away. Every other domain has none at high risk: "none" is never shown.
    sent = {code for _, code in values}
    assert not sent & {f"high_risk_{d}" for d in ("health", "nutrition", "protection")}
    assert "high_risk_any" not in sent
    assert not any(v == "0" for v in values.values())


def test_a_count_shown_is_rounded_and_large_enough(tmp_path, wave, sunrise, hilltop, mapping_file):
    profiles(sunrise, wave, 24, high=8)
    profiles(hilltop, wave, 13, high=6, start=100)
    values = values_of(export(tmp_path, mapping_file())[0])
    assert values[(SUNRISE_UNIT, "high_risk_health")] == "10"  # 8
    assert values[(HILLTOP_UNIT, "high_risk_health")] == "5"  # 6
    assert values[(SUNRISE_UNIT, "high_risk_any")] == "10"
    assert values[(SUNRISE_UNIT, "children_assessed")] == "25"  # 24


def test_cases_and_referrals_are_counted_in_the_wave_and_published_like_the_rest(
    tmp_path, reported, sunrise, hilltop, mapping_file, people
):
    ensure_service_types(ServiceType)
    food = ServiceType.objects.get(code="food_support")
    children = list(sunrise.children.order_by("pk"))
    inside = timezone.make_aware(dt.datetime(2026, 6, 1, 10))
    before = timezone.make_aware(dt.datetime(2026, 1, 15, 10))
    for i, child in enumerate(children[:7]):
        Case.objects.create(
            child=child, school=sunrise, status="registered", opened_at=before if i == 6 else inside
        )
        Referral.objects.create(
            child=child,
            service_type=food,
            sector="ngo",
            urgency="routine",
            reason="Food parcels",
            created_by=people["sam"],
            due_by=inside,
            status="delivered" if i < 5 else "sent",
            sent_at=inside,
            delivered_on=dt.date(2026, 6, 9) if i < 5 else None,
        )
    Referral.objects.create(  # a draft is not a referral made
        child=children[8],
        service_type=food,
        sector="ngo",
        urgency="routine",
        reason="Draft",
        created_by=people["sam"],
        due_by=inside,
        created_at=inside,
    )
    true = counts_by_school(reported, [sunrise.pk, hilltop.pk])
    assert (true[sunrise.pk].cases_opened, true[sunrise.pk].referrals_made) == (6, 7)
    assert true[sunrise.pk].referrals_completed == 5

    values = values_of(export(tmp_path, mapping_file())[0])
    # The same cells as the area dashboard's publish() shows for the same tables.
    cases = publish([[], []], [6, 0], total_row=True)
    referrals = publish([[5], [0]], [7, 0], total_row=True)
    expected = {
        "cases_opened": cases.rows[0].n,
        "referrals_made": referrals.rows[0].n,
        "referrals_completed": referrals.rows[0].cells[0],
    }
    for code, cell in expected.items():
        assert values.get((SUNRISE_UNIT, code)) == (None if cell.hidden else str(cell.count))
    # Hilltop opened none (a small row); with the total, Sunrise's 6 would give that away, so
    # it is hidden too.
    assert (SUNRISE_UNIT, "cases_opened") not in values
    assert (HILLTOP_UNIT, "cases_opened") not in values


def test_an_indicator_or_place_mapped_to_null_is_left_out(tmp_path, reported, mapping_file):
    indicators = mapping_data()["indicators"] | {"children_assessed": None}
    path = mapping_file(
        indicators=indicators, orgUnits={"700111111": SUNRISE_UNIT, "700222222": None}
    )
    document, _ = export(tmp_path, path)
    # Nothing else is large enough to show. Hilltop, though not sent, still counts when
    # deciding what to hide: alone, Sunrise's 8 at high risk in health would be sent as 10.
    assert document["dataValues"] == []


def test_districts_can_be_the_org_units(tmp_path, reported, mapping_file, district):
    path = mapping_file(orgUnitLevel="district", orgUnits={"GP-TD": DISTRICT_UNIT})
    document, _ = export(tmp_path, path)
    values = values_of(document)
    assert values == {(DISTRICT_UNIT, "children_assessed"): "30", (DISTRICT_UNIT, "high_risk_health"): "10", (DISTRICT_UNIT, "high_risk_any"): "10"}  # fmt: skip


def test_every_unmapped_indicator_and_school_is_named_and_nothing_is_written(
    tmp_path, reported, mapping_file
):
    indicators = mapping_data()["indicators"]
    del indicators["referrals_made"]
    indicators["cases_opened"] = {
        "dataElement": "<UID: cases opened>",
        "categoryOptionCombo": COMBO,
    }
    path = mapping_file(indicators=indicators, orgUnits={"700111111": SUNRISE_UNIT})
    with pytest.raises(CommandError) as refused:
        export(tmp_path, path)
    message = str(refused.value)
    assert "indicator referrals_made (referrals sent during the wave) has no mapping" in message
    assert "dataElement of indicator cases_opened still holds the placeholder" in message
    assert not (tmp_path / "dhis2.json").exists()
    assert not AuditEntry.objects.filter(object_type="dhis2_export").exists()

    fixed = mapping_data()["indicators"]
    with pytest.raises(CommandError) as refused:
        export(tmp_path, mapping_file(indicators=fixed, orgUnits={"700111111": SUNRISE_UNIT}))
    assert "school Hilltop Primary (EMIS 700222222) has no org unit" in str(refused.value)
    assert "'700222222'" in str(refused.value)
    assert not (tmp_path / "dhis2.json").exists()


def test_the_shipped_mapping_refuses_until_its_placeholders_are_replaced(tmp_path, reported):
    with pytest.raises(CommandError) as refused:
        call_command("export", "dhis2", wave="Wave 1", output=str(tmp_path / "d.json"))
    message = str(refused.value)
    assert str(SHIPPED) in message
    for code in INDICATORS:
        assert f"dataElement of indicator {code} still holds the placeholder" in message
    assert '"dataSet" still holds the placeholder' in message
    assert not (tmp_path / "d.json").exists()


def test_a_mapping_that_is_not_json_is_refused_with_its_line(tmp_path, reported):
    broken = tmp_path / "broken.json"
    broken.write_text('{"period": {"type": "Yearly"},\n "orgUnits": {"700111111": }\n}')
    with pytest.raises(CommandError, match="not valid JSON: .* line 2"):
        export(tmp_path, broken)
    with pytest.raises(CommandError, match="does not exist"):
        export(tmp_path, tmp_path / "nowhere.json")


def test_bad_entries_are_named(tmp_path, reported, mapping_file):
    path = mapping_file(
        period={"type": "Weekly", "date": "middle"},
        orgUnitLevel="circuit",
        completeDate="tomorrow",
        colour="blue",
        orgUnits={"700111111": "too-short", "700222222": HILLTOP_UNIT, "1": HILLTOP_UNIT},
    )
    with pytest.raises(CommandError) as refused:
        export(tmp_path, path)
    message = str(refused.value)
    for expected in [
        "'colour' is not one CWTT knows",
        "\"period.type\" is 'Weekly'",
        "\"period.date\" is 'middle'",
        "\"orgUnitLevel\" is 'circuit'",
        "\"completeDate\" is 'tomorrow'",
        "the org unit of '700111111' is 'too-short', which is not a DHIS2 UID",
        f"the org unit {HILLTOP_UNIT} is given to '700222222', '1'",
    ]:
        assert expected in message


@pytest.mark.parametrize(
    ("day", "kind", "period"),
    [
        (dt.date(2026, 2, 1), "Yearly", "2026"),
        (dt.date(2026, 7, 1), "SixMonthly", "2026S2"),
        (dt.date(2026, 6, 30), "SixMonthly", "2026S1"),
        (dt.date(2026, 9, 30), "Quarterly", "2026Q3"),
        (dt.date(2026, 10, 1), "Quarterly", "2026Q4"),
        (dt.date(2026, 2, 1), "Monthly", "202602"),
        (dt.date(2026, 3, 31), "FinancialApril", "2025April"),
        (dt.date(2026, 4, 1), "FinancialApril", "2026April"),
    ],
)
def test_periods_are_named_as_dhis2_names_them(day, kind, period):
    assert period_of(day, kind) == period


def test_the_period_comes_from_the_wave_start_or_end_as_the_mapping_says(
    tmp_path, reported, mapping_file
):
    start = mapping_file(period={"type": "Quarterly", "date": "start"})
    document, said = export(tmp_path, start)
    assert {v["period"] for v in document["dataValues"]} == {"2026Q1"}  # 1 February
    assert "across more than one Quarterly period" in said
    end = mapping_file(period={"type": "Quarterly", "date": "end"})
    document, _ = export(tmp_path, end, name="end.json")
    assert {v["period"] for v in document["dataValues"]} == {"2026Q4"}  # 30 November


def test_the_export_is_audited(tmp_path, reported, mapping_file):
    document, _ = export(tmp_path, mapping_file())
    entry = AuditEntry.objects.get(object_type="dhis2_export")
    assert entry.action == AuditEntry.Action.EXPORT and entry.actor_name == "command line"
    assert (
        entry.detail["values"] == len(document["dataValues"]) and entry.detail["period"] == "2026"
    )
    assert entry.detail["wave"] == "Wave 1"


def test_command_line_mistakes_get_plain_messages(tmp_path, reported, mapping_file):
    with pytest.raises(CommandError, match="Say which wave"):
        call_command("export", "dhis2", output=str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match="No wave is called 'Wave 7'"):
        call_command("export", "dhis2", wave="Wave 7", output=str(tmp_path / "x.json"))
    with pytest.raises(CommandError, match="--output"):
        call_command("export", "dhis2", wave="Wave 1", mapping=str(mapping_file()))
    with pytest.raises(CommandError, match="--post needs .*CWTT_DHIS2_URL"):
        call_command("export", "dhis2", wave="Wave 1", mapping=str(mapping_file()), post=True)


def _queries_for_export(tmp_path, mapping) -> int:
    export(tmp_path, mapping, name="warm.json")
    with CaptureQueriesContext(connection) as queries:
        export(tmp_path, mapping, name="measured.json")
    return len(queries)


def test_the_export_costs_the_same_queries_at_two_sizes(
    tmp_path, wave, sunrise, hilltop, mapping_file
):
    mapping = mapping_file()
    profiles(sunrise, wave, 6, high=1)
    profiles(hilltop, wave, 6, high=1, start=100)
    small = _queries_for_export(tmp_path, mapping)
    profiles(sunrise, wave, 30, high=9, start=200)
    profiles(hilltop, wave, 30, high=9, start=300)
    large = _queries_for_export(tmp_path, mapping)
    assert RiskProfile.objects.count() == 72
    assert small == large, (small, large)


def test_a_school_with_fewer_than_k_children_sends_nothing(
    tmp_path, wave, sunrise, hilltop, mapping_file
):
    profiles(sunrise, wave, 24, high=8)
    profiles(hilltop, wave, 4, high=0, start=100)
    values = values_of(export(tmp_path, mapping_file())[0])
    assert not [key for key in values if key[0] == HILLTOP_UNIT]
    # Sunrise's 24 goes too: with the district's total, it would give Hilltop's 4 away.
    assert (SUNRISE_UNIT, "children_assessed") not in values


def test_a_wave_with_no_schools_listed_reports_on_every_school(
    tmp_path, reported, mapping_file, district
):
    from cwtt.registry.models import School

    School.objects.create(
        emis_number="700333333", name="Valley Primary", quintile=3, location=district["circuit"]
    )
    export(tmp_path, mapping_file())  # the wave lists Sunrise and Hilltop only
    reported.schools.clear()
    with pytest.raises(CommandError, match=r"school Valley Primary \(EMIS 700333333\) has no org"):
        export(tmp_path, mapping_file(), name="all.json")


def test_the_configured_mapping_is_used_and_mapping_on_the_command_line_wins(
    tmp_path, reported, mapping_file, settings
):
    settings.CWTT_DHIS2_MAPPING = str(mapping_file())
    output = tmp_path / "configured.json"
    call_command("export", "dhis2", wave="Wave 1", output=str(output), stdout=StringIO())
    assert json.loads(output.read_text())["dataSet"] == "DsCwtt00001"
    other = mapping_file(dataSet=None, completeDate=None)
    document, _ = export(tmp_path, other)
    assert "dataSet" not in document and "completeDate" not in document
    entry = AuditEntry.objects.filter(object_type="dhis2_export").order_by("pk").last()
    assert entry.detail["mapping"] == str(other)


def test_the_sample_mapping_for_the_demo_district_makes_a_payload(default_version, tmp_path):
    """README and docs/exports.md point a new user at docs/samples/dhis2-mapping-demo.json to try
    the export on the demo district: it must work there."""
    from pathlib import Path

    from cwtt.assessments.models import Wave
    from cwtt.synthetic.generate import generate_district

    generate_district(schools=2, learners_per_school=30, waves=1, seed=7)
    sample = Path(__file__).parents[2] / "docs" / "samples" / "dhis2-mapping-demo.json"
    output = tmp_path / "d.json"
    call_command(
        "export",
        "dhis2",
        "--wave",
        Wave.objects.get().name,
        "--mapping",
        str(sample),
        "--output",
        str(output),
        stdout=StringIO(),
    )
    values = json.loads(output.read_text())["dataValues"]
    assert values and {v["orgUnit"] for v in values} == {"Ld6GncfBAep"}
