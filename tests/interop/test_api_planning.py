"""/api/v1/planning/targeting/ and /api/v1/planning/workforce/: the Planning page's figures for
other systems, for the same people, over the same area, suppressed and rounded as the page.

The planted district (tests/planning/conftest.py): Big Need Primary (40 assessed, 30 high in
protection, 20 in nutrition) and Tiny Primary (6 assessed, 2 high in protection: a small cell)
in Circuit 1; Served Primary (30 assessed, 10 high in protection, a provider of its own) in
Circuit 2. Dumi (district official of Test District) and Dora (data manager) may read; the
school roles and Olga (a district official elsewhere) may not see any of it.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cwtt.planning.models import DailyCounts

from ..planning.conftest import plant_district  # noqa: TID252 - shared test helper
from ..planning.test_planning_query_counts import grow  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db

TARGETING = "planning/targeting/"
WORKFORCE = "planning/workforce/"


@pytest.fixture
def planted(people, district, wave):
    return plant_district(district, wave)


def school_of(body, name):
    return next(s for s in body["schools"] if s["school"] == name)


def domain_of(school, domain):
    return next(d for d in school["domains"] if d["domain"] == domain)


def row_of(body, area):
    return next(r for r in body["rows"] if r["area"] == area)


def profession_of(row, code):
    return next(p for p in row["professions"] if p["profession"] == code)


def test_the_district_official_gets_schools_ranked_most_in_need_first(api, planted):
    response = api("dumi").get(TARGETING)
    assert response.status_code == 200
    body = response.json()
    assert body["place"] == "Test District" and body["wave"] == "Wave 1"
    assert (body["small_cell"], body["rounding_base"]) == (5, 5)
    assert [s["school"] for s in body["schools"]] == [
        "Big Need Primary",
        "Tiny Primary",
        "Served Primary",
        "Hilltop Primary",
        "Sunrise Primary",
    ]
    big = school_of(body, "Big Need Primary")
    assert big["rank"] == 1 and big["emis"] == "700500001" and big["children_assessed"] == 40
    protection = domain_of(big, "protection")
    assert protection == {
        "domain": "protection",
        "high_risk": 30,
        "places": 0,
        "services_in_reach": 0,
        "unmet_need": 30,
    }
    served = domain_of(school_of(body, "Served Primary"), "protection")
    assert served["places"] == 60 and served["unmet_need"] == 0
    assert school_of(body, "Sunrise Primary")["rank"] is None


def test_a_small_count_is_null_as_the_page_hides_it(api, client, people, planted):
    body = api("dumi").get(TARGETING).json()
    tiny = school_of(body, "Tiny Primary")
    protection = domain_of(tiny, "protection")
    assert protection["high_risk"] is None and protection["unmet_need"] is None
    assert tiny["unmet_need"] is None
    assert tiny["children_assessed"] != 6
    # Every count the API gives is a count the page shows, rounded to 5.
    for school in body["schools"]:
        for d in school["domains"]:
            assert d["high_risk"] is None or d["high_risk"] % 5 == 0


def test_no_child_is_named(api, planted):
    for path in (TARGETING, WORKFORCE):
        text = api("dumi").get(path, by="school").content.decode()
        for word in ["Kid0", "Kid1", "Mabena", "Tshabalala", "Ndlovu", "Grace"]:
            assert word not in text, (path, word)


def test_workers_needed_by_circuit_against_staff_as_on_the_page(api, planted):
    body = api("dumi").get(WORKFORCE).json()
    assert body["scenario"] == {
        "caseload": 60,
        "review_weeks": 4,
        "duration_years": 2,
        "growth": 0,
        "by": "circuit",
    }
    assert [r["area"] for r in body["rows"]] == ["Circuit 1", "Circuit 2", "Whole Test District"]
    circuit_1 = profession_of(row_of(body, "Circuit 1"), "social_worker")
    # As on the page (tests/planning/test_planning_page.py), with Sue, a second social worker
    # at Sunrise in the API tests' people: Sipho half, Sam and Sue.
    assert (circuit_1["cases"], circuit_1["workers_needed"], circuit_1["staff_now"]) == (
        30,
        0.5,
        2.5,
    )
    whole = row_of(body, "Whole Test District")
    assert whole["total"] is True
    social = profession_of(whole, "social_worker")
    assert (social["cases"], social["staff_now"]) == (40, 3.0)
    assert [y["year"] for y in body["projection"]] == [0, 5, 10, 20]
    # No child high in education or money: hidden counts, so those workers are not projected.
    assert body["projection"][0]["workers"]["learner_support_agent"] is None
    assert {c["profession"] for c in body["unit_costs"]} == {
        "social_worker",
        "nurse",
        "learner_support_agent",
        "community_worker",
    }


def test_the_scenario_is_given_as_query_parameters(api, planted):
    body = api("dumi").get(WORKFORCE, caseload=10, review_weeks=8, cost_social_worker=100000).json()
    social = profession_of(row_of(body, "Whole Test District"), "social_worker")
    # Every 8 weeks a worker carries 20 cases: 40 / 20 = 2 social workers.
    assert body["cases_per_worker"] == 20 and social["workers_needed"] == 2.0
    assert social["annual_cost_needed"] == 200000


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"caseload": "lots"}, "caseload"),
        ({"review_weeks": 99}, "review_weeks"),
        ({"by": "<script>"}, "by"),
        ({"cost_nurse": -5}, "cost_nurse"),
        ({"caseload": "9" * 400}, "caseload"),
    ],
)
def test_a_bad_scenario_value_is_refused_by_name(api, planted, query, field):
    response = api("dumi").get(WORKFORCE, **query)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_per_school_rows_hide_small_counts(api, planted):
    body = api("dumi").get(WORKFORCE, by="school").json()
    tiny = row_of(body, "Tiny Primary")
    social = profession_of(tiny, "social_worker")
    assert social["cases"] is None and social["workers_needed"] is None
    assert social["annual_cost_needed"] is None and tiny["annual_cost_needed"] is None


@pytest.mark.parametrize("who", ["tumi", "cora", "sam", "nandi", "fiona"])
def test_school_roles_are_not_found(api, planted, who):
    for path in (TARGETING, WORKFORCE):
        response = api(who).get(path)
        assert response.status_code == 404
        assert "errors" in response.json()


def test_no_token_or_no_role_is_refused(api, planted):
    for path in (TARGETING, WORKFORCE):
        assert Client().get(f"/api/v1/{path}").status_code in (401, 403)
        assert api("nobody").get(path).status_code == 403


def test_another_districts_official_sees_none_of_this_district(api, planted):
    for path in (TARGETING, WORKFORCE):
        text = api("olga").get(path, by="school").content.decode()
        for word in ["Big Need", "Tiny Primary", "Served Primary", "Circuit 1", "Test District"]:
            assert word not in text, (path, word)
    assert api("olga").get(TARGETING).json()["schools"] == []


def test_an_official_without_an_area_is_told_why(api, people, planted):
    from cwtt.access.policy import staff_of

    staff = staff_of(people["dumi"])
    staff.location = None
    staff.save()
    response = api("dumi").get(TARGETING)
    assert response.status_code == 404
    assert "no area" in json.dumps(response.json())


def test_the_data_manager_plans_for_every_school(api, planted):
    body = api("dora").get(TARGETING).json()
    assert body["place"] == "All schools"
    assert "Big Need Primary" in {s["school"] for s in body["schools"]}


def test_both_operations_are_in_the_schema():
    schema = Client().get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/planning/targeting/", "/api/v1/planning/workforce/"):
        assert "get" in schema["paths"][path]
    parameters = {
        p["name"] for p in schema["paths"]["/api/v1/planning/workforce/"]["get"]["parameters"]
    }
    assert {"caseload", "review_weeks", "by", "cost_nurse"} <= parameters


def queries(run) -> int:
    with CaptureQueriesContext(connection) as captured:
        run()
    return len(captured.captured_queries)


def test_both_cost_the_same_queries_at_two_sizes(api, people, district, wave):
    client = api("dumi")

    def measure():
        for path in (TARGETING, WORKFORCE):  # the first look of the day stores the counts
            assert client.get(path).status_code == 200
        return {
            "targeting": queries(lambda: client.get(TARGETING)),
            "workforce": queries(lambda: client.get(WORKFORCE, by="school")),
            "first look": 0,
        }

    grow(wave, district, 0, schools=2, children=6)
    small = measure()
    small["first look"] = queries(
        lambda: (DailyCounts.objects.all().delete(), client.get(TARGETING))
    )
    grow(wave, district, 10, schools=6, children=14)
    DailyCounts.objects.all().delete()  # as on the next day: the grown district's counts
    large = measure()
    large["first look"] = queries(
        lambda: (DailyCounts.objects.all().delete(), client.get(TARGETING))
    )
    assert small == large
    assert len(client.get(TARGETING).json()["schools"]) == 8 + 2  # and Sunrise and Hilltop


def test_the_planning_period_counts_the_places_over_it(api, planted):
    body = api("dumi").get(TARGETING, months=6).json()
    assert body["months"] == 6
    # 5 places a month for 6 months: 30 places for Served Primary's 10 children.
    assert domain_of(school_of(body, "Served Primary"), "protection")["places"] == 30
    for bad in ("0", "61", "many", "9" * 40):
        response = api("dumi").get(TARGETING, months=bad)
        assert response.status_code == 400 and "months" in response.json()["errors"]
