"""The Planning page: who may open it, what Dumi (district official) reads, and that counts of
children per school are suppressed and rounded with no child named."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db

URL = "/planning/"


def page_of(client, user, **query) -> str:
    response = sign_in(client, user).get(URL, query)
    assert response.status_code == 200
    return response.content.decode()


def row_of(page: str, table: str, label: str) -> str:
    body = re.search(rf'<table id="{table}"[^>]*>(.*?)</table>', page, flags=re.S).group(1)
    match = re.search(
        rf"<tr[^>]*><t[hd][^>]*>[^<]*</t[hd]><th scope=\"row\">{label}</th>(.*?)</tr>",
        body,
        flags=re.S,
    )
    if match is None:
        match = re.search(rf'<tr[^>]*><th scope="row">{label}</th>(.*?)</tr>', body, flags=re.S)
    assert match is not None, f"no row {label} in {table}"
    return match.group(1)


def test_the_url_is_named_planning():
    assert reverse("planning") == URL


@pytest.mark.parametrize("who", ["tumi", "cora", "sam", "nandi", "fiona", "nobody"])
def test_school_roles_and_people_without_a_role_get_no_planning_page(client, people, who):
    assert sign_in(client, people[who]).get(URL).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(people):
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/login" in response["Location"] or "sign" in response["Location"]


def test_the_district_official_sees_schools_ranked_most_in_need_first(client, people, planted):
    page = page_of(client, people["dumi"])
    ranking = re.search(r'<table id="ranking".*?</table>', page, flags=re.S).group(0)
    order = re.findall(r'<th scope="row">([^<]+)</th>', ranking)
    # Sunrise and Hilltop have no child assessed: not ranked, listed last.
    assert order == [
        "Big Need Primary",
        "Tiny Primary",
        "Served Primary",
        "Hilltop Primary",
        "Sunrise Primary",
    ]
    assert "Too few children assessed to rank." in row_of(page, "ranking", "Sunrise Primary")
    big = row_of(page, "ranking", "Big Need Primary")
    assert "30 at high risk" in big and "30 without a place" in big
    assert "and no service within reach" in big
    served = row_of(page, "ranking", "Served Primary")
    # 5 places a month for 12 months: 60 places for its 10 children.
    assert "10 at high risk" in served and "60 places" in served
    assert "without a place" not in served


def test_a_small_count_of_children_at_a_school_is_not_shown_anywhere(client, people, planted):
    page = page_of(client, people["dumi"])
    tiny = row_of(page, "ranking", "Tiny Primary")
    # 2 of Tiny's 6 children are high in protection: hidden; its n (6) is never shown exactly
    # (rounded to 5, or hidden so that the empty schools' hidden rows cannot be worked out
    # from the district's total).
    assert "2 at high risk" not in tiny
    assert "not shown" in tiny
    assert "<td>6</td>" not in tiny
    assert "Too few children" in tiny or "2 children" not in tiny


def test_no_child_is_named_on_the_page(client, people, planted):
    page = page_of(client, people["dumi"])
    for word in ["Kid0", "Kid1", "Mabena", "Tshabalala", "Ndlovu", "Grace"]:
        assert word not in page


def test_workers_needed_by_circuit_against_staff(client, people, planted):
    page = page_of(client, people["dumi"], caseload=60, review_weeks=4)
    circuit_1 = row_of(page, "workforce", "Circuit 1")
    # 32 social-work cases rounded to 30: 30 / 60 = 0.5 needed; Sipho is half here (half at
    # Served Primary) and Sam (tests/conftest.py) is at Sunrise Primary: 1.5 now.
    assert "30 cases: 0.5 needed, 1.5 now" in circuit_1
    whole = row_of(page, "workforce", "Whole Test District")
    # 42 cases rounded to 40: 0.7 needed; Sipho counts once in the district, with Sam.
    assert "40 cases: 0.7 needed, 2.0 now" in whole


def test_the_scenario_form_changes_caseload_interval_and_costs(client, people, planted):
    page = page_of(
        client,
        people["dumi"],
        caseload=10,
        review_weeks=8,
        duration_years=2,
        growth=0,
        by="circuit",
        cost_social_worker=100000,
        cost_nurse=1,
        cost_learner_support_agent=1,
        cost_community_worker=1,
    )
    # Every 8 weeks: a worker carries 20 cases; 40 / 20 = 2 social workers in the district.
    whole = row_of(page, "workforce", "Whole Test District")
    assert "40 cases: 2.0 needed, 2.0 now" in whole
    assert "entered by the planner" in page


def test_bad_scenario_values_are_named_and_the_defaults_used(client, people, planted):
    page = page_of(client, people["dumi"], caseload="lots", review_weeks=99)
    assert "Some values were not used" in page
    assert "Cases per worker" in page and "Weeks between reviews of a case" in page
    whole = row_of(page, "workforce", "Whole Test District")
    assert "40 cases: 0.7 needed" in whole  # caseload 60, every 4 weeks


def test_the_per_school_workforce_table_hides_small_counts(client, people, planted):
    page = page_of(client, people["dumi"], by="school")
    tiny = row_of(page, "workforce", "Tiny Primary")
    assert "not shown" in tiny
    assert "2 cases" not in tiny


def test_the_projection_chart_and_table_show_5_10_and_20_years(client, people, planted):
    page = page_of(client, people["dumi"])
    assert '<svg class="projection-chart"' in page
    # Learner support agents and community workers: no child high in education or money, a
    # hidden count, so they are not projected.
    assert page.count('<polyline class="series') == 2
    assert "are not projected" in page
    years = re.search(r'<table id="projection".*?</table>', page, flags=re.S).group(0)
    assert re.findall(r'<th scope="row">(\d+)</th>', years) == ["0", "5", "10", "20"]
    assert "style=" not in page.split("<main", 1)[-1]


def test_another_district_s_official_sees_nothing_of_this_district(client, people, planted):
    page = page_of(client, planted["olga"])
    for word in [
        "Big Need Primary",
        "Tiny Primary",
        "Served Primary",
        "Circuit 1",
        "Test District",
    ]:
        assert word not in page
    assert "No schools in your area." in page


def test_the_menu_offers_planning_to_area_officials_only(client, people, planted):
    assert 'href="/planning/"' in sign_in(client, people["dumi"]).get("/").content.decode()
    assert 'href="/planning/"' not in sign_in(Client(), people["tumi"]).get("/").content.decode()


def test_the_counts_change_once_a_day_not_with_each_assessment(
    client, people, planted, wave, clock
):
    """Two looks on one day see the same numbers even when a child is assessed in between
    (decision 0038); the next day's look sees the new child."""
    from cwtt.registry.models import School

    from ..conftest import make_child  # noqa: TID252 - shared test helper
    from ..dashboards.conftest import plant_profile  # noqa: TID252 - shared test helper

    before = row_of(page_of(client, people["dumi"]), "ranking", "Served Primary")
    served = School.objects.get(name="Served Primary")
    for number in range(3):
        plant_profile(
            make_child(served, first=f"New{number}", consent=False), wave, protection="high"
        )
    assert row_of(page_of(client, people["dumi"]), "ranking", "Served Primary") == before
    assert "10 at high risk" in before
    clock.move_to(dt.datetime(2026, 11, 24, 9, 0, tzinfo=timezone.get_current_timezone()))
    after = row_of(page_of(client, people["dumi"]), "ranking", "Served Primary")
    assert "15 at high risk" in after  # 13, rounded to 5


@pytest.mark.parametrize(
    "query",
    [
        {"by": "<script>alert(1)</script>"},
        {"caseload": "9" * 400, "review_weeks": "-1"},
        {"growth": "1e9", "duration_years": "0"},
        {"cost_nurse": "-5", "cost_social_worker": "NaN"},
    ],
)
def test_malformed_scenario_values_are_refused_in_words_and_change_nothing(
    client, people, planted, query
):
    from cwtt.planning.models import DailyCounts

    page_of(client, people["dumi"])  # the day's counts are stored on the first look
    stored = list(DailyCounts.objects.values_list("pk", "counts"))
    page = page_of(client, people["dumi"], **query)
    assert "Some values were not used" in page
    assert "<script>alert(1)</script>" not in page
    assert "40 cases: 0.7 needed" in row_of(page, "workforce", "Whole Test District")
    assert list(DailyCounts.objects.values_list("pk", "counts")) == stored


def test_a_provincial_official_sees_the_province_by_district(client, planted, district):
    from cwtt.access.roles import Role

    from ..conftest import _person  # noqa: TID252 - shared test helper

    pria = _person("pria", Role.PROVINCIAL_OFFICIAL, location=district["province"])
    page = page_of(client, pria)
    assert "Planning for Gauteng (test)" in page
    assert row_of(page, "workforce", "Test District")
    assert row_of(page, "workforce", "Whole Gauteng \\(test\\)")
    assert "Other District" not in page and "Circuit 1" not in page


def test_a_data_manager_plans_for_every_school(client, people, planted):
    page = page_of(client, people["dora"])
    assert "Planning for All schools" in page
    assert row_of(page, "ranking", "Big Need Primary")
    assert row_of(page, "workforce", "Served Primary")  # every school: by school
