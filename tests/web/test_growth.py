"""Growth on the child's page (issue #13, item 5): the nurse sees every measurement's z-scores
with WHO's category in plain words, for a normal child too, and a chart of height-for-age and
BMI-for-age against WHO's lines; readers who may not read health answers see none of it; the
page's queries do not grow with the number of waves.

Expected values are read here from WHO's tables (or taken from WHO's published examples),
independently of the code under test."""

from __future__ import annotations

import csv
import datetime as dt
import html
import itertools
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, Wave
from cwtt.consent.models import ConsentDecision
from cwtt.web.growth import bmi_for_age, height_for_age, signed, weight_for_age

from ..conftest import make_child  # noqa: TID252 - shared test helper
from ..conftest import sign_in as signed_in  # noqa: TID252

pytestmark = pytest.mark.django_db

TABLES = Path(__file__).resolve().parents[2] / "cwtt/instruments/measures/growth_tables"
MEASURED_ON = dt.date(2026, 3, 2)
MINUS = "\u2212"


def who_lms(table: str, sex: int, age: int) -> tuple[float, float, float]:
    with (TABLES / f"{table}.tsv").open() as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if int(row["sex"]) == sex and int(row["age"]) == age:
                return float(row["l"]), float(row["m"]), float(row["s"])
    raise LookupError(f"{table} has no row for sex {sex} age {age}")


def who_value(table: str, sex: int, age: int, z: float) -> float:
    lam, mu, sigma = who_lms(table, sex, age)
    return mu * (1 + lam * sigma * z) ** (1 / lam)


def who_z(table: str, sex: int, age: int, y: float) -> float:
    lam, mu, sigma = who_lms(table, sex, age)
    return ((y / mu) ** lam - 1) / (lam * sigma)


def measured(child, wave, height, weight, on=MEASURED_ON):
    return assessment_save(
        child=child,
        wave=wave,
        respondent="nurse",
        answers={"ns_height": height, "ns_weight": weight, "ns_abuse": "no"},
        assessed_on=on,
    ).assessment


@pytest.fixture
def normal_girl(sunrise, wave):
    """WHO's anthroplus example: a girl of 60.32 months (1,836 days), 113.8 cm and 18.7 kg has
    HAZ 0.96, WAZ 0.21 and BAZ -0.58 (tests/measures/test_growth.py checks the measure)."""
    girl = make_child(sunrise, "Zodwa", "Dube", dob=MEASURED_ON - dt.timedelta(days=1836), sex="F")
    measured(girl, wave, 113.8, 18.7)
    return girl


# A boy of exactly 96 months (2,922 days = 96 x 30.4375): his height 2.5 SD below WHO's
# median, his weight 1 SD below.
BOY_MONTHS = 96
BOY_HEIGHT = round(who_value("hfawho2007", 1, BOY_MONTHS, -2.5), 1)
BOY_WEIGHT = round(who_value("wfawho2007", 1, BOY_MONTHS, -1.0), 1)


@pytest.fixture
def stunted_boy(sunrise, wave):
    boy = make_child(sunrise, "Sipho", "Nkosi", dob=MEASURED_ON - dt.timedelta(days=2922), sex="M")
    measured(boy, wave, BOY_HEIGHT, BOY_WEIGHT)
    return boy


def page_of(client, person, child) -> str:
    response = client.get(reverse("child", args=[child.pk]))
    assert response.status_code == 200
    return response.content.decode()


def growth_section(page: str) -> str:
    start = page.index('<section aria-labelledby="growth-h"')
    return page[start : page.index("</section>", start)]


def cells(section: str) -> list[str]:
    """The measurement table's cells as plain text, in order."""
    table = section[section.index("<tbody>") : section.index("</tbody>")]
    return [
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", table, re.S)
    ]


# --- what the nurse sees ----------------------------------------------------------------------


def test_the_nurse_sees_a_normal_childs_z_scores_with_whos_published_values(
    client, people, normal_girl
):
    signed_in(client, people["nandi"])
    section = growth_section(page_of(client, people["nandi"], normal_girl))
    row = cells(section)
    assert row[0].startswith("2 Mar 2026") and "Wave 1" in row[0]
    assert row[1:4] == ["5 years 0 months", "113.8 cm", "18.7 kg"]
    assert row[4] == "+0.96 normal"
    assert row[5] == "+0.21 normal"
    assert row[6] == f"{MINUS}0.58 normal (BMI 14.4)"


def test_the_nurse_sees_that_a_child_is_stunted_with_the_z_score_from_whos_tables(
    client, people, stunted_boy
):
    bmi = BOY_WEIGHT / (BOY_HEIGHT / 100) ** 2
    expected = {
        "haz": who_z("hfawho2007", 1, BOY_MONTHS, BOY_HEIGHT),
        "waz": who_z("wfawho2007", 1, BOY_MONTHS, BOY_WEIGHT),
        "baz": who_z("bfawho2007", 1, BOY_MONTHS, bmi),
    }
    # Rounding the measurements to 0.1 moves the z-scores by less than 0.05.
    assert abs(expected["haz"] + 2.5) < 0.05 and abs(expected["waz"] + 1.0) < 0.05
    signed_in(client, people["nandi"])
    row = cells(growth_section(page_of(client, people["nandi"], stunted_boy)))
    assert row[1] == "8 years 0 months"
    shown = {"haz": row[4], "waz": row[5], "baz": row[6]}
    for name, z in expected.items():
        assert shown[name].startswith(f"{z:+.2f}".replace("-", MINUS) + " "), (name, shown)
    assert shown["haz"].endswith(f"stunted (height-for-age below {MINUS}2 SD)")
    assert shown["waz"].endswith("normal")


def test_a_measurement_that_could_not_be_worked_out_says_why(client, people, sunrise, wave):
    # 60 cm is allowed by the mini instrument but is no height for a child of 8: WHO flags it.
    boy = make_child(sunrise, "Tiny", "Typo", dob=MEASURED_ON - dt.timedelta(days=2922))
    measured(boy, wave, 60, 25)
    signed_in(client, people["nandi"])
    row = cells(growth_section(page_of(client, people["nandi"], boy)))
    assert row[4].endswith(
        "check the measurement: far outside what is possible for a child of this age"
    )
    assert "stunted" not in row[4]


def test_every_wave_has_its_own_row_oldest_first(client, people, stunted_boy, wave):
    earlier = _wave("Wave 2025", dt.date(2025, 2, 1), wave)
    measured(stunted_boy, earlier, 118.0, 21.0, on=dt.date(2025, 3, 3))
    signed_in(client, people["nandi"])
    section = growth_section(page_of(client, people["nandi"], stunted_boy))
    rows = re.findall(r'<th scope="row">([^<]+)<span class="muted">· ([^<]+)</span>', section)
    assert [wave for _, wave in rows][:2] == ["Wave 2025", "Wave 1"]


def test_a_draft_measurement_is_not_shown(client, people, sunrise, wave):
    girl = make_child(sunrise, "Draft", "Only", dob=MEASURED_ON - dt.timedelta(days=1836), sex="F")
    assessment_save(
        child=girl,
        wave=wave,
        respondent="nurse",
        answers={"ns_height": 113.8, "ns_weight": 18.7},
        assessed_on=MEASURED_ON,
        status=Assessment.Status.DRAFT,
    )
    signed_in(client, people["nandi"])
    assert 'aria-labelledby="growth-h"' not in page_of(client, people["nandi"], girl)


# --- who sees it --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "sees"),
    [
        ("nandi", True),  # nurse: reads health
        ("sam", True),  # social worker: reads every class
        ("tumi", False),  # teacher: no health
        ("fiona", False),  # field worker: no health
        ("cora", False),  # coordinator: no health
        ("dora", False),  # data manager: no health
    ],
)
def test_growth_is_shown_only_to_readers_of_health_answers(
    client, people, stunted_boy, person, sees
):
    signed_in(client, people[person])
    page = page_of(client, people[person], stunted_boy)
    assert "Sipho Nkosi" in page
    for text in (
        "Height-for-age",
        "stunted (height-for-age",
        'svg class="growth-chart"',
        str(BOY_HEIGHT),
    ):
        assert (text in page) is sees, (person, text)


def test_without_consent_to_share_with_health_the_nurse_sees_no_growth(client, people, stunted_boy):
    ConsentDecision.objects.filter(child=stunted_boy, purpose="share_health").delete()
    signed_in(client, people["nandi"])
    page = page_of(client, people["nandi"], stunted_boy)
    assert "The caregiver has not agreed to this" in page
    assert "Height-for-age" not in page and str(BOY_HEIGHT) not in page


# --- the chart ----------------------------------------------------------------------------------


def _polyline(svg: str, z: str) -> list[tuple[float, float]]:
    found = re.search(
        rf'<polyline class="who-line [a-z0-9]+" data-z="{re.escape(z)}" points="([^"]+)"', svg
    )
    assert found, f"no WHO line {z}"
    return [tuple(map(float, pair.split(","))) for pair in found.group(1).split()]


def _at(line: list[tuple[float, float]], x: float) -> float:
    for (x0, y0), (x1, y1) in itertools.pairwise(line):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    raise AssertionError(f"{x} is outside the line")


def _charts(page: str) -> dict[str, str]:
    return dict(
        re.findall(
            r'<svg class="growth-chart"[^>]*aria-labelledby="growth-(\w+)-title[^>]*>(.*?)</svg>',
            page,
            re.S,
        )
    )


def test_the_charts_draw_whos_lines_and_the_childs_points_where_they_belong(
    client, people, stunted_boy, wave
):
    earlier = _wave("Wave 2025", dt.date(2025, 2, 1), wave)
    measured(stunted_boy, earlier, 116.0, 20.0, on=dt.date(2025, 3, 3))
    signed_in(client, people["nandi"])
    charts = _charts(page_of(client, people["nandi"], stunted_boy))
    assert set(charts) == {"height", "bmi"}
    height = charts["height"]
    for z in ("-3", "-2", "+0", "+2", "+3"):
        assert len(_polyline(height, z)) > 10
    for z in ("-3", "-2", "+0", "+1", "+2", "+3"):
        _polyline(charts["bmi"], z)
    points = [
        tuple(map(float, p))
        for p in re.findall(r'<circle class="child-point" cx="([\d.]+)" cy="([\d.]+)"', height)
    ]
    assert len(points) == 2 and points[0][0] < points[1][0]  # a year apart, in order
    assert 'class="child-trail"' in height
    # The latest point (HAZ about -2.5) lies between the -3 and -2 lines (SVG y grows downward);
    # higher on the drawing than -3, lower than -2.
    x, y = points[1]
    assert _at(_polyline(height, "-2"), x) < y < _at(_polyline(height, "-3"), x)
    assert "Sipho's height for age, against WHO's lines" in html.unescape(height)
    assert "8 years 0 months: " + f"{BOY_HEIGHT:.1f} cm" in height  # the point's own words


def test_the_chart_s_table_gives_whos_values_at_the_childs_age(client, people, stunted_boy):
    signed_in(client, people["nandi"])
    page = page_of(client, people["nandi"], stunted_boy)
    table = page[page.index('aria-label="Sipho&#x27;s height for age') :]
    table = table[: table.index("</table>")]
    row = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", table)]
    expected = [f"{who_value('hfawho2007', 1, BOY_MONTHS, z):.1f}" for z in (-3, -2, 0, 2, 3)]
    assert row[-7:] == ["8 years 0 months", f"{BOY_HEIGHT:.1f}", *expected]


# --- the page's queries -----------------------------------------------------------------------


def _wave(name: str, starts: dt.date, like: Wave) -> Wave:
    made = Wave.objects.create(
        name=name,
        starts_on=starts,
        ends_on=starts.replace(month=11, day=30),
        instrument_version=like.instrument_version,
    )
    made.schools.set(like.schools.all())
    return made


def _queries(client, child) -> int:
    client.get(reverse("child", args=[child.pk]))  # once, so compiled instruments are cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("child", args=[child.pk]))
    assert response.status_code == 200
    return len(queries)


def test_the_child_page_costs_the_same_queries_for_one_wave_of_measurements_as_for_three(
    client, people, stunted_boy, wave
):
    signed_in(client, people["nandi"])
    one = _queries(client, stunted_boy)
    for year in (2024, 2025):
        older = _wave(f"Wave {year}", dt.date(year, 2, 1), wave)
        measured(stunted_boy, older, 110.0 + year - 2024, 19.0, on=dt.date(year, 3, 4))
    three = _queries(client, stunted_boy)
    page = page_of(client, people["nandi"], stunted_boy)
    assert page.count('class="child-point"') == 2 * 3  # three points on each chart
    assert one == three, (one, three)


# --- the words ------------------------------------------------------------------------------------


def test_categories_follow_whos_cut_offs_in_plain_words():
    assert height_for_age({"haz": -3.2, "stunted": True, "severely_stunted": True}).category == (
        f"severely stunted (height-for-age below {MINUS}3 SD)"
    )
    assert weight_for_age({"waz": -2.4, "underweight": True}, 80, weighed=True).category == (
        f"underweight (weight-for-age below {MINUS}2 SD)"
    )
    assert weight_for_age({"waz": None, "baz": 0.1}, 130, weighed=True).category == (
        "not defined after 10 years (see BMI-for-age)"
    )
    # WHO 2006 (under 5): "wasted", overweight above +2; WHO 2007: "thin", above +1.
    assert bmi_for_age({"baz": -3.5, "thin": True, "severely_thin": True}, 40).category == (
        f"severely wasted (BMI-for-age below {MINUS}3 SD)"
    )
    assert bmi_for_age({"baz": -2.5, "thin": True}, 90).category == (
        f"thin (BMI-for-age below {MINUS}2 SD)"
    )
    assert bmi_for_age({"baz": 2.5, "overweight": True}, 40).category == (
        "overweight (BMI-for-age above +2 SD)"
    )
    assert bmi_for_age({"baz": 1.5, "overweight": True}, 90).category == (
        "overweight (BMI-for-age above +1 SD)"
    )
    assert bmi_for_age({"baz": 2.5, "overweight": True, "obese": True}, 90).category == (
        "obese (BMI-for-age above +2 SD)"
    )
    assert bmi_for_age({"baz": 5.5, "flag_baz": True}, 90).level == "moderate"
    assert (signed(0.0), signed(1.5), signed(-0.25)) == ("0.00", "+1.50", f"{MINUS}0.25")


def test_corrected_answers_show_corrected_z_scores_since_nothing_is_stored(
    client, people, stunted_boy
):
    # What an approved correction does to the answers (tests/assessments cover the review).
    nurse_assessment = Assessment.objects.get(child=stunted_boy, respondent="nurse")
    normal_height = round(who_value("hfawho2007", 1, BOY_MONTHS, 0.0), 1)
    Assessment.objects.filter(pk=nurse_assessment.pk).update(
        answers={**nurse_assessment.answers, "ns_height": normal_height}
    )
    signed_in(client, people["nandi"])
    row = cells(growth_section(page_of(client, people["nandi"], stunted_boy)))
    assert row[2] == f"{normal_height} cm"
    assert row[4].endswith("normal") and "stunted" not in row[4]
