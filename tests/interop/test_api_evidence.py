"""The evidence tables through the API (cwtt/interop/api/evidence.py, decision 0067): for area
roles and data managers only, the reader's area only (another district's place refused), the
same rows as `cwtt report` writes, small cells null, finished waves only, in the schema, and
the same number of queries at two sizes."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from cwtt.access.actions import api_token_issue
from cwtt.assessments.models import Wave
from cwtt.registry.models import Child, Location, School

from ..analytics.conftest import follow, plant, pupils, serve  # noqa: TID252 - shared helpers

pytestmark = pytest.mark.django_db

REPORTS = ("cohort", "change", "agreement", "outcomes")


@pytest.fixture
def waves(default_version, sunrise, hilltop):
    first = Wave.objects.create(
        name="Baseline",
        starts_on=dt.date(2025, 2, 1),
        ends_on=dt.date(2025, 11, 30),
        instrument_version=default_version,
    )
    second = Wave.objects.create(
        name="Follow-up",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 20),
        instrument_version=default_version,
    )
    return first, second


@pytest.fixture
def recorder(people):
    return people["cora"]


def fill(waves, school, recorder, surname, served=20, controls=20):
    """Children high in protection at baseline, answered by caregiver and teacher: `served`
    served by a family programme (3 in 5 went down a level), `controls` not (1 in 4)."""
    kids = pupils(school, served, f"{surname}Served")
    follow(kids, waves, "high", (["moderate", "low", "moderate", "high", "high"] * served)[:served])
    for kid in kids:
        serve(kid, "family_strengthening", dt.date(2025, 8, 1), recorder)
    others = pupils(school, controls, f"{surname}Control")
    follow(others, waves, "high", (["low", "high", "high", "high"] * controls)[:controls])
    # A second set of children with findings for the cohort, change and agreement tables.
    for i, kid in enumerate(pupils(school, 12, f"{surname}Told")):
        rules = ["pro_violence_home_often_cg"] if i % 2 else []
        rules += ["pro_abuse_concern_tc"] if i % 3 else []
        plant(kid, waves[0], rules=rules, respondents=("caregiver", "teacher"))
        plant(kid, waves[1], rules=rules[:1], respondents=("caregiver", "teacher"))


def query(report, waves, **extra):
    first, second = waves
    found = {"wave": second.pk} if report in ("cohort", "agreement") else {}
    if report in ("change", "outcomes"):
        found = {"from": first.pk, "to": second.pk}
    return {**found, **extra}


def api(username: str) -> Client:
    return Client(headers={"Authorization": f"Token {api_token_issue(username=username)}"})


def get(client, report, params):
    return client.get(f"/api/v1/evidence/{report}/", {**params, "page_size": 200})


@pytest.fixture
def elsewhere(district, waves, recorder):
    place = Location.objects.create(
        code="GP-OD", name="Other District", level="district", parent=district["province"]
    )
    far = School.objects.create(
        emis_number="700999999", name="Faraway Primary", quintile=1, location=place
    )
    fill(waves, far, recorder, "Far")
    return place


@pytest.mark.parametrize("report", REPORTS)
def test_a_data_manager_gets_the_rows_of_the_csv(
    settings, people, waves, sunrise, report, tmp_path
):
    settings.CWTT_SMALL_CELL = 5
    settings.CWTT_ROUNDING_BASE = 5
    fill(waves, sunrise, people["cora"], "Sun")
    out = tmp_path / f"{report}.csv"
    args = ["--wave", "Follow-up"] if report in ("cohort", "agreement") else []
    if report in ("change", "outcomes"):
        args = ["--from", "Baseline", "--to", "Follow-up"]
    if report != "agreement":
        args += ["--by", "school"]
    call_command("report", report, *args, "--output", str(out))
    with open(out, newline="", encoding="utf-8") as file:
        expected = list(csv.DictReader(file))
    response = get(
        api("dora"),
        report,
        query(report, waves, by="school") if report != "agreement" else query(report, waves),
    )
    assert response.status_code == 200, response.json()
    got = response.json()["results"]
    assert response.json()["count"] == len(expected) == len(got)

    def as_csv(value) -> str:
        if value is None:
            return ""
        if isinstance(value, float):
            return next(text for text in (f"{value:.3f}", f"{value:.4g}") if float(text) == value)
        return str(value)

    assert [{k: as_csv(v) for k, v in row.items()} for row in got] == [
        {k: v if k != "p_value" or not v else as_csv(float(v)) for k, v in row.items()}
        for row in expected
    ]
    assert any(v is not None for row in got for k, v in row.items() if k not in ("area",))


def test_a_district_official_gets_their_district_and_no_name(people, waves, sunrise, elsewhere):
    fill(waves, sunrise, people["cora"], "Sun")
    client = api("dumi")
    for report in REPORTS:
        response = get(client, report, query(report, waves, by="school"))
        assert response.status_code == 200, (report, response.json())
        text = response.content.decode()
        assert "Faraway" not in text
        for kid in Child.objects.all():
            assert kid.last_name not in text
    outcomes = get(client, "outcomes", query("outcomes", waves, by="district")).json()["results"]
    areas = {r["area"] for r in outcomes}
    assert areas == {"Test District"}
    shown = [r for r in outcomes if r["difference"] is not None]
    assert shown and all(r["domain"] == "Protection and care" for r in shown)


def test_another_districts_place_is_refused(people, waves, sunrise, district, elsewhere):
    client = api("dumi")
    for report in REPORTS:
        refused = get(client, report, query(report, waves, area=elsewhere.pk))
        assert refused.status_code == 404
        assert refused.json() == {"errors": {"detail": "No such place in your area."}}
        assert get(client, report, query(report, waves, area=999999)).status_code == 404
        mine = get(client, report, query(report, waves, area=district["circuit"].pk))
        assert mine.status_code == 200
    # A data manager may name any place; the province holds both districts.
    everyone = get(api("dora"), "outcomes", query("outcomes", waves, by="district"))
    assert {r["area"] for r in everyone.json()["results"]} == {"Test District", "Other District"}


@pytest.mark.parametrize("who", ["cora", "tumi", "sam", "nandi"])
def test_school_roles_are_refused(people, waves, who):
    for report in REPORTS:
        response = get(api(who), report, query(report, waves))
        assert response.status_code == 403
        assert "district and provincial officials" in response.json()["errors"]["detail"]


def test_no_token_and_no_role_are_refused(people, waves):
    assert Client().get("/api/v1/evidence/cohort/", query("cohort", waves)).status_code == 401
    assert get(api("nobody"), "cohort", query("cohort", waves)).status_code == 403


def test_bad_requests_are_refused_in_plain_words(people, waves, default_version):
    client = api("dumi")
    first, second = waves
    running = Wave.objects.create(
        name="Running",
        starts_on=dt.date(2026, 11, 1),
        ends_on=dt.date(2026, 12, 20),
        instrument_version=default_version,
    )
    cases = [
        ("cohort", {"wave": running.pk}, "wave", "No wave that is over has this id."),
        ("cohort", {"wave": "x"}, "wave", None),
        ("cohort", {}, "wave", None),
        ("cohort", {"wave": second.pk, "by": "province"}, "by", "school, circuit, district"),
        ("change", {"from": first.pk, "to": first.pk}, "to", "two different waves"),
        ("outcomes", {"from": second.pk, "to": first.pk}, "to", "must start after"),
        ("outcomes", {"from": first.pk}, "to", None),
        ("agreement", {"wave": 2**70}, "wave", None),
    ]
    for report, params, where, says in cases:
        response = get(client, report, params)
        assert response.status_code == 400, (report, params, response.content)
        errors = response.json()["errors"]
        assert where in errors
        assert says is None or says in errors[where]


def test_small_cells_are_null(settings, people, waves, sunrise):
    settings.CWTT_SMALL_CELL = 5
    fill(waves, sunrise, people["cora"], "Few", served=4, controls=3)
    rows = get(api("dumi"), "outcomes", query("outcomes", waves, by="school")).json()["results"]
    assert rows and all(r["difference"] is None and r["n_treated"] is None for r in rows)


def test_each_costs_the_same_queries_at_two_sizes(people, waves, sunrise, hilltop):
    client = api("dumi")

    def counts():
        found = []
        for report in REPORTS:
            params = query(report, waves, by="school")
            get(client, report, params)  # once, so caches filled once per process do not count
            with CaptureQueriesContext(connection) as captured:
                assert get(client, report, params).status_code == 200
            found.append(len(captured))
        return found

    fill(waves, sunrise, people["cora"], "Small", served=5, controls=5)
    small = counts()
    fill(waves, sunrise, people["cora"], "Large", served=30, controls=30)
    fill(waves, hilltop, people["cora"], "Hill", served=20, controls=40)
    assert counts() == small


def test_the_schema_describes_them(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    for report in REPORTS:
        operation = schema["paths"][f"/api/v1/evidence/{report}/"]["get"]
        assert {"200", "400", "403", "404"} <= operation["responses"].keys()
        names = {p["name"] for p in operation["parameters"]}
        assert {"area", "page", "page_size"} <= names
    assert {"from", "to", "by"} <= {
        p["name"] for p in schema["paths"]["/api/v1/evidence/outcomes/"]["get"]["parameters"]
    }


@pytest.fixture
def api_schema(people, waves, sunrise):
    fill(waves, sunrise, people["cora"], "Sun", served=10, controls=10)
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", WSGIHandler())
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_as_a_district_official(api_schema, people):
    headers = {"Authorization": f"Token {api_token_issue(username='dumi')}"}
    checks = [not_a_server_error, response_schema_conformance]
    operations = [
        result.ok()
        for result in api_schema.get_all_operations()
        if "/evidence/" in result.ok().path
    ]
    assert len(operations) == len(REPORTS)
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=8,
                deadline=None,
                derandomize=True,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def call(case):
                case.call_and_validate(headers=headers, checks=checks)

            call()
