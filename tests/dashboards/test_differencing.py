"""Differencing: Dumi (district official) opens the area dashboard, one child is assessed, and he
opens it again. If any count moved by exactly one, he would know that child's levels (issue #10:
"moved into high risk, protection" 27 -> 28). Every count on the area page is rounded to a base
after suppression has been decided on the true counts, so a change shows only in steps of the
base; a school's own team still sees its school's exact numbers.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from cwtt.assessments.actions import assessment_save
from cwtt.assessments.models import Assessment, RiskProfile
from cwtt.dashboards import figures
from cwtt.dashboards.snapshots import refresh_all
from cwtt.instruments.engine.definition import DOMAINS

from ..conftest import sign_in  # noqa: TID252 - shared test helper
from .conftest import add_circuit_school, plant_children, plant_profile
from .test_area_dashboard import chart_data, district_data, read_tables  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

BASE = 5
PROTECTION = DOMAINS.index("protection")


@pytest.fixture
def watched_district(district, sunrise, hilltop, wave, second_wave):
    """81 children in three circuits (Sunrise 22 and Hilltop 13, Riverside 25, Valley 21), all assessed in Wave 1 (10 at high risk in protection).
    In Wave 2, 80 of them are assessed: the 10 have left high risk and 27 others came into it.
    The 81st, Thandi at Valley Primary, is not assessed in Wave 2 yet: she is the one Dumi
    watches."""
    riverside = add_circuit_school(district, wave, 2, "700333333", "Riverside Primary")
    valley = add_circuit_school(district, wave, 3, "700444444", "Valley Primary")
    second_wave.schools.add(riverside, valley)
    sizes = [(sunrise, 22), (hilltop, 13), (riverside, 25), (valley, 21)]
    children = []
    for school, size in sizes:
        children += plant_children(school, size, school.name.split()[0], first="Kid")
    thandi = children.pop()  # the last child at Valley
    for number, found in enumerate(children):
        plant_profile(found, wave, protection="high" if number < 10 else "low")
        into_high = 10 <= number < 37
        plant_profile(found, second_wave, protection="high" if into_high else "moderate")
    plant_profile(thandi, wave, protection="low")
    Assessment.objects.bulk_create(
        Assessment(
            uuid=uuid.uuid4(),
            child=found,
            wave=second_wave,
            respondent="teacher",
            answers={"tc_abuse": "no"},
            assessed_on=second_wave.starts_on + dt.timedelta(days=1),
            instrument_version=second_wave.instrument_version,
            status="submitted",
            submitted_at=timezone.now() - dt.timedelta(days=1),
        )
        for found in children
    )
    return thandi


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html).strip()


def published_counts(page: str) -> dict[str, int | None]:
    """Every count of children, cases, referrals or staff the page publishes (None: not shown),
    named by where it stands. Shares are left out: they are worked out from these counts."""
    found: dict[str, int | None] = {}
    for table_id, rows in read_tables(page).items():
        for label, n, cells in rows:
            found[f"{table_id}/{label}/n"] = n
            for number, cell in enumerate(cells):
                if "%" in cell and "(" not in cell:
                    continue  # a share only
                if cell in {"—", ""} or "." in cell:
                    continue  # no lead / cases per staff member (worked out from two counts)
                value = None if cell == "not shown" else int(cell.split()[0])
                found[f"{table_id}/{label}/{number}"] = value
    change = page.split('id="change"')[1]
    body = change[: change.index("</table>")]
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", body, flags=re.S):
        label, *cells = [text_of(c) for c in re.split(r"</t[hd]>", row)][:6]
        for name, cell in zip(("out", "into"), cells[3:5], strict=True):
            found[f"change/{label}/{name}"] = None if cell == "not shown" else int(cell)
    both = re.search(r"(\d+) child(?:ren)? (?:was|were) assessed in both waves", change)
    found["change/assessed in both"] = int(both.group(1)) if both else None
    so_far = re.search(r"Assessments in Wave 2 so far: (\d+)", page)
    found["assessments so far"] = int(so_far.group(1)) if so_far else None
    for chart in ("chart-funnel", "chart-caseload"):
        if f'id="{chart}"' not in page:
            continue  # nothing to draw
        for series in chart_data(page, chart)["series"]:
            for number, value in enumerate(series["values"]):
                found[f"{chart}/{number}"] = value
    return found


def dashboard(client, user) -> str:
    sign_in(client, user)
    response = client.get(reverse("area_dashboard"))
    assert response.status_code == 200
    return response.content.decode()


def test_one_childs_assessment_never_moves_a_published_count_by_one(
    client, people, watched_district, second_wave
):
    thandi = watched_district
    profiles = RiskProfile.objects.all()
    wave_1 = second_wave.__class__.objects.get(name="Wave 1")

    before = published_counts(dashboard(client, people["dumi"]))
    true_before = figures.moves_between(profiles, wave_1.pk, second_wave.pk)

    # The teacher sends Thandi's questionnaire: she comes into high risk in protection.
    assessment_save(
        child=thandi,
        wave=second_wave,
        respondent="teacher",
        answers={"tc_abuse": "yes"},
        assessed_on=timezone.localdate(),
    )
    refresh_all()  # the figures are worked out again (the worker does it once a day)
    after = published_counts(dashboard(client, people["dumi"]))
    true_after = figures.moves_between(profiles, wave_1.pk, second_wave.pk)

    # The attack has its target: the true count went from 27 to 28, and the page shows it.
    assert (true_before.into_high[PROTECTION], true_after.into_high[PROTECTION]) == (27, 28)
    target = "change/Protection and care/into"
    assert before[target] is not None and after[target] is not None
    assert before["assessments so far"] is not None and after["assessments so far"] is not None

    assert set(before) == set(after)
    for name in before:
        for value in (before[name], after[name]):
            assert value is None or value % BASE == 0, (name, value)
        if before[name] is not None and after[name] is not None:
            assert (after[name] - before[name]) % BASE == 0, (name, before[name], after[name])
    # Nor does the page say when the last assessment arrived to the minute, which would tell
    # the watcher that exactly one had come in between his two looks.
    assert not re.search(
        r"the last received .* at \d\d:\d\d", text_of(dashboard(client, people["dumi"]))
    )


def test_every_count_on_the_area_page_is_rounded_to_the_base(client, people, watched_district):
    counts = published_counts(dashboard(client, people["dumi"]))
    shown = {name: value for name, value in counts.items() if value is not None}
    assert len(shown) > 10
    assert all(value % BASE == 0 for value in shown.values()), shown
    # 81 children assessed in Wave 1 read 80, and 80 in Wave 2 read 80; the circuits (35, 25
    # and 21 children in Wave 1, 35, 25, 20 in Wave 2) are rounded on their own.
    assert counts["by-wave/Wave 1/n"] == 80 and counts["by-wave/Wave 2/n"] == 80
    assert [counts[f"by-circuit/Circuit {c}/n"] for c in (1, 2, 3)] == [35, 25, 20]


@pytest.mark.usefixtures("district_data")
def test_referrals_cases_and_staff_are_rounded_too(client, people):
    page = dashboard(client, people["dumi"])
    counts = published_counts(page)
    shown = {name: value for name, value in counts.items() if value is not None}
    for table in ("funnel", "coverage", "caseload", "chart-funnel", "chart-caseload", "change"):
        assert any(name.startswith(table) for name in shown), table
    assert all(value % BASE == 0 for value in shown.values()), shown
    assert (
        "Numbers are rounded to the nearest 5 and small numbers are hidden, so a single child "
        "cannot be picked out." in text_of(page)
    )


def test_rounding_follows_the_setting_and_one_shows_exact_numbers(
    client, people, watched_district, settings
):
    settings.CWTT_ROUNDING_BASE = 10
    refresh_all()
    counts = published_counts(dashboard(client, people["dumi"]))
    assert counts["by-wave/Wave 1/n"] == 80 and counts["by-circuit/Circuit 1/n"] == 40
    assert "rounded to the nearest 10" in dashboard(client, people["dumi"])
    settings.CWTT_ROUNDING_BASE = 1
    refresh_all()
    page = dashboard(client, people["dumi"])
    counts = published_counts(page)
    assert counts["by-wave/Wave 1/n"] == 81
    assert "rounded" not in page


def test_the_schools_own_team_still_sees_exact_numbers(client, people, watched_district, sunrise):
    """The school dashboard is for people who may open each child's record: nothing to hide from
    them, so nothing is rounded: Sunrise's 22 children read 22."""
    sign_in(client, people["cora"])
    page = client.get(reverse("school_dashboard", args=[sunrise.pk])).content.decode()
    risk = chart_data(page, "chart-by-wave")
    assert [s["label"] for s in risk["series"]] == ["Wave 1 (n = 22)", "Wave 2 (n = 22)"]
    assert "rounded" not in page


def test_the_area_figures_change_once_a_day_not_with_each_assessment(
    client, people, watched_district, second_wave, clock
):
    """Between two looks on the same day nothing moves, whatever was assessed; the worker works
    the figures out again the next morning, when a whole day's assessments have arrived."""
    from django.core.management import call_command

    thandi = watched_district
    before_page = dashboard(client, people["dumi"])
    assessment_save(
        child=thandi,
        wave=second_wave,
        respondent="teacher",
        answers={"tc_abuse": "yes"},
        assessed_on=timezone.localdate(),
    )
    same_day = dashboard(client, people["dumi"])
    assert published_counts(same_day) == published_counts(before_page)
    assert "Worked out on 23 November 2026" in text_of(same_day)
    assert "worked out again once a day" in text_of(same_day)

    clock.move_to(dt.datetime(2026, 11, 24, 5, 1, tzinfo=timezone.get_current_timezone()))
    call_command("worker", "--once", stdout=io.StringIO())
    next_day = dashboard(client, people["dumi"])
    assert "Worked out on 24 November 2026" in text_of(next_day)
    # The day's figures now count Thandi: 27 children moved into high risk, now 28 (rounded).
    target = "change/Protection and care/into"
    assert published_counts(before_page)[target] == 25
    assert published_counts(next_day)[target] == 30
