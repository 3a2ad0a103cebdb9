"""The district overview: aggregates only, small cells hidden, totals that give nothing away.

Dumi (district official) sees his district by wave and by circuit, never a child's name; schools
only in the comparison of schools (decision 0052). Each test reads the page as Dumi would and tries to work out hidden numbers.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from cwtt.access.roles import Role
from cwtt.assessments.actions import assessment_save
from cwtt.registry.models import Location, School, Staff

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db

HIGH_NUTRITION = {"cg_meals": 1, "cg_hungry": "yes"}
LOW_NUTRITION = {"cg_meals": 4}
NUTRITION = 1  # the column of "Food and nutrition" among the six domains


@pytest.fixture(autouse=True)
def _exact_numbers(settings):
    """These tests work out hidden numbers from exact shown ones: suppression alone must hold.
    The area page rounds what it shows by default, which only blurs it further (decision 0028;
    tests/dashboards/test_differencing.py)."""
    settings.CWTT_ROUNDING_BASE = 1


def add_school(district, wave, circuit_name, emis, name):
    circuit, _ = Location.objects.get_or_create(
        code=f"GP-TD-{circuit_name[-1]}",
        defaults={"name": circuit_name, "level": "circuit", "parent": district["district"]},
    )
    school = School.objects.create(emis_number=emis, name=name, quintile=3, location=circuit)
    wave.schools.add(school)
    return school


def assess(child_factory, wave, school, children, high, surname):
    for number in range(children):
        child = child_factory(school, first=f"Kid{school.emis_number[-2:]}x{number}", last=surname)
        assessment_save(
            child=child,
            wave=wave,
            respondent="caregiver",
            answers=HIGH_NUTRITION if number < high else LOW_NUTRITION,
            assessed_on=dt.date(2026, 3, 2),
        )


@pytest.fixture
def circuits(district, sunrise, hilltop, wave, child_factory):
    """Circuit 1: 12 children, 3 at high risk in nutrition (too few to show).
    Circuit 2: 14 children, 7 at high risk. Circuit 3: 12 children, 6 at high risk.
    Left as they are, Circuit 1's 3 would be the district's 16 minus 7 minus 6."""
    riverside = add_school(district, wave, "Circuit 2", "700333333", "Riverside Primary")
    valley = add_school(district, wave, "Circuit 3", "700444444", "Valley Primary")
    assess(child_factory, wave, sunrise, 7, 2, "Mokoena")
    assess(child_factory, wave, hilltop, 5, 1, "Zwane")
    assess(child_factory, wave, riverside, 14, 7, "Dlamini")
    assess(child_factory, wave, valley, 12, 6, "Nkosi")
    return {"riverside": riverside, "valley": valley}


def read_table(page: str, table_id: str) -> list[tuple[str, int | None, list[int | None]]]:
    """(label, n, shares) for each row of a table on the page, None where "not shown"."""
    start = page.index(f'id="{table_id}"')
    body = page[start : page.index("</table>", start)]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
        ]
        label, n, *shares = cells
        rows.append(
            (
                label,
                None if n == "not shown" else int(n),
                [None if s == "not shown" else int(s.rstrip("%")) for s in shares],
            )
        )
    return rows


def counts_from(rows):
    """Shares back to counts (exact for n up to 100), as a reader would."""
    return [
        (n, [None if n is None or s is None else round(s * n / 100) for s in shares])
        for _, n, shares in rows
    ]


def recoverable(rows) -> list[str]:
    """Hidden numbers of the inner rows that the total row gives away by subtraction, with
    the bound that counts are never negative (hidden numbers adding up to zero are zeros)."""
    *inner, (total_n, total_counts) = counts_from(rows)
    found = []
    lines = [("n", [n for n, _ in inner], total_n)]
    for j in range(len(total_counts)):
        cells = [counts[j] for _, counts in inner]
        lines.append((f"count {j}", cells, total_counts[j]))
        complements = [None if c is None else n - c for (n, _), c in zip(inner, cells, strict=True)]
        total_complement = None if total_counts[j] is None else total_n - total_counts[j]
        lines.append((f"complement {j}", complements, total_complement))
    for name, parts, total in lines:
        hidden = [p for p in parts if p is None]
        if total is None or not hidden:
            continue
        left = total - sum(p for p in parts if p is not None)
        if len(hidden) == 1 or left == 0:
            found.append(f"{name}: {left}")
    return found


def test_a_district_official_sees_each_circuit_and_the_district(client, people, circuits):
    sign_in(client, people["dumi"])
    page = client.get(reverse("area_dashboard")).content.decode()
    rows = read_table(page, "by-circuit")
    assert [label for label, _, _ in rows] == [
        "Circuit 1",
        "Circuit 2",
        "Circuit 3",
        "Whole Test District",
    ]
    assert [n for _, n, _ in rows] == [12, 14, 12, 38]
    assert "By circuit, Wave 1" in page


def test_the_page_never_names_a_child_and_names_schools_only_in_their_comparison(
    client, people, circuits
):
    sign_in(client, people["dumi"])
    page = client.get(reverse("area_dashboard")).content.decode()
    home = client.get(reverse("home")).content.decode()
    for text in ["Kid", "Mokoena", "Zwane", "Dlamini", "Nkosi", "Grace", "Test Street"]:
        assert text not in page and text not in home
    schools = page.split('id="compare-schools"')[1].split("</table>")[0]
    for school in ["Sunrise", "Hilltop", "Riverside", "Valley"]:
        assert school in schools and school not in page.replace(schools, ""), school
    for number in ["700111111", "700333333"]:
        assert number not in page


def test_no_cell_smaller_than_k_is_shown(client, people, circuits):
    sign_in(client, people["dumi"])
    page = client.get(reverse("area_dashboard")).content.decode()
    for table in ["by-wave", "by-circuit"]:
        for n, counts in counts_from(read_table(page, table)):
            assert n is None or n >= 5
            for count in counts:
                assert count is None or 5 <= count <= n - 5
    assert "numbers smaller than 5 are not shown" in page
    assert "sometimes a second number is hidden too" in page


def test_the_circuit_table_cannot_be_undone_by_subtracting_from_the_total(client, people, circuits):
    sign_in(client, people["dumi"])
    page = client.get(reverse("area_dashboard")).content.decode()
    rows = read_table(page, "by-circuit")
    assert recoverable(rows) == []
    nutrition = [shares[NUTRITION] for _, _, shares in rows]
    # Circuit 1 (3 of 12) is hidden. Circuits 2 and 3 are one school each, and the page also
    # shows the quintiles (Riverside and Valley make quintile 3), so more sums stand beside
    # them: both are hidden too rather than the district's 16 of 38 (decision 0052).
    assert nutrition == [None, None, None, 42]


def test_the_latest_wave_is_shown_as_the_district_total_is(client, people, circuits):
    # The wave table's latest row is the circuit table's total row: if one hid a number the
    # other showed, the two together would give it away.
    sign_in(client, people["dumi"])
    page = client.get(reverse("area_dashboard")).content.decode()
    *_, (_, wave_n, wave_shares) = read_table(page, "by-wave")
    *_, (_, total_n, total_shares) = read_table(page, "by-circuit")
    assert (wave_n, wave_shares) == (total_n, total_shares)


def test_a_circuit_with_fewer_than_k_children_cannot_be_worked_out(
    client, people, circuits, district, wave, child_factory
):
    tiny = add_school(district, wave, "Circuit 4", "700555555", "Tiny Primary")
    assess(child_factory, wave, tiny, 3, 1, "Khumalo")
    sign_in(client, people["dumi"])
    page = client.get(reverse("area_dashboard")).content.decode()
    rows = read_table(page, "by-circuit")
    assert rows[3][:2] == ("Circuit 4", None)
    assert recoverable(rows) == []
    assert "Khumalo" not in page
    # Tiny Primary is listed among the schools, with nothing shown.
    assert re.search(r"Tiny Primary <span[^>]*>[^<]*</span></th><td><span class=\"muted\">not shown", page)


def test_the_threshold_follows_the_setting(client, people, circuits, settings):
    settings.CWTT_SMALL_CELL = 3
    sign_in(client, people["dumi"])
    page = client.get(reverse("area_dashboard")).content.decode()
    assert "numbers smaller than 3 are not shown" in page
    rows = read_table(page, "by-circuit")
    assert rows[0][2][NUTRITION] == 25  # Circuit 1's 3 of 12 is no longer too small
    assert recoverable(rows) == []


def test_a_researcher_sees_the_waves_but_no_circuit_table(client, people, circuits, district):
    researcher = people["dumi"]
    Staff.objects.filter(user=researcher).update(
        role=Role.RESEARCHER, location=district["province"]
    )
    sign_in(client, researcher)
    page = client.get(reverse("area_dashboard")).content.decode()
    assert 'id="by-wave"' in page and 'id="by-circuit"' not in page
    [(label, n, shares)] = read_table(page, "by-wave")
    assert (label, n, shares[NUTRITION]) == ("Wave 1", 38, 42)
