"""The area dashboard's filters and comparison (decision 0052): what Dumi (district official)
reads when he compares circuits, quintiles and schools.

- The filters change the figures as a hand count of the generated records says they should.
- Under every combination of filters, no hidden number can be worked out from everything the
  filters ever show (an attacker with exact linear algebra over every published sum), and no
  shown count is small.
- Another district's circuit is refused in plain words; bad values too, never a 500.
- The figures come from the day's snapshot: a new assessment does not move them, and the page
  makes no query for them whatever the filters.
"""

from __future__ import annotations

import html
import itertools
import re
from collections import defaultdict

import pytest
from django.urls import reverse

from cwtt.access.suppression import determined
from cwtt.assessments.models import RiskProfile, Wave
from cwtt.dashboards.snapshots import refresh_all
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.registry.models import Location, School

from ..conftest import sign_in  # noqa: TID252 - shared test helper
from .conftest import add_circuit_school, plant_children, plant_profile
from .test_area_dashboard import district_data  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

K = 5
COLUMNS = [*DOMAINS, "any"]


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def compare_tables(page: str) -> dict[str, list[tuple[str, int | None, int | None]]]:
    """The comparison's tables: {table id: [(row name, n, count at high risk)]}, None = hidden."""
    found = {}
    for table_id, body in re.findall(
        r'<table aria-labelledby="(compare-[a-z]+)"[^>]*>(.*?)</table>', page, flags=re.S
    ):
        rows = []
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)[1:]:
            head = re.search(r"<th[^>]*>(.*?)</th>", row, flags=re.S).group(1)
            name = text_of(head.split("<span")[0])
            n, cell = [text_of(c) for c in re.findall(r"<td>(.*?)</td>", row, flags=re.S)]
            rows.append(
                (
                    name,
                    None if n == "not shown" else int(n),
                    None if cell == "not shown" else int(cell.split()[0]),
                )
            )
        found[table_id] = rows
    return found


def open_dashboard(client, user, **filters):
    sign_in(client, user)
    return client.get(reverse("area_dashboard"), filters)


# --- a district to compare --------------------------------------------------------------------


@pytest.fixture
def small_district(people, district, sunrise, hilltop, wave):
    """Five schools in three circuits and three quintiles, two waves, each child high in some
    domains by a rule of their number, so that many cells are small and some are large:
    Circuit 1 = Sunrise (q1, 9 children) + Hilltop (q2, 6); Circuit 2 = Riverside (q3, 14) +
    Mountain (q1, 3: a school too small to show); Circuit 3 = Valley (q3, 11)."""
    later = Wave.objects.create(
        name="Wave 2",
        starts_on=wave.ends_on,
        ends_on=wave.ends_on.replace(year=wave.ends_on.year + 1),
        instrument_version=wave.instrument_version,
    )
    riverside = add_circuit_school(district, wave, 2, "700333333", "Riverside Primary")
    mountain = add_circuit_school(district, wave, 2, "700555555", "Mountain Primary")
    mountain.quintile = 1
    mountain.save(update_fields=["quintile"])
    valley = add_circuit_school(district, wave, 3, "700444444", "Valley Primary")
    sizes = [(sunrise, 9), (hilltop, 6), (riverside, 14), (mountain, 3), (valley, 11)]
    later.schools.set([school for school, _ in sizes])
    for school, size in sizes:
        for number, child in enumerate(plant_children(school, size, school.name.split()[0])):
            plant_profile(
                child,
                wave,
                nutrition="high" if number % 2 else "low",
                health="high" if number < 6 else "low",
            )
            plant_profile(
                child,
                later,
                nutrition="high" if number % 3 == 0 else "moderate",
                protection="high" if number >= 4 else "low",
                education="high" if number == 0 else "low",
            )
    return {"sunrise": sunrise, "hilltop": hilltop, "riverside": riverside, "valley": valley}


def hand_count():
    """Every true figure, counted child by child in Python (not by the dashboards' queries):
    {(wave id, group): (n, {column: count at high risk})}; groups are ("school", id),
    ("circuit", id), ("quintile", q) and ("whole", 0)."""
    counted: dict = defaultdict(lambda: [0, dict.fromkeys(COLUMNS, 0)])
    for profile in RiskProfile.objects.select_related("child__school"):
        school = profile.child.school
        highs = {d: getattr(profile, d) == "high" for d in DOMAINS}
        highs["any"] = any(highs.values())
        for group in (
            ("school", school.pk),
            ("circuit", school.location_id),
            ("quintile", school.quintile),
            ("whole", 0),
        ):
            entry = counted[(profile.wave_id, group)]
            entry[0] += 1
            for column, high in highs.items():
                entry[1][column] += high
    return counted


def test_filters_change_the_figures_as_a_hand_count_says(client, people, small_district, settings):
    settings.CWTT_ROUNDING_BASE = 1  # exact numbers, to compare with the hand count
    truth = hand_count()
    dumi = people["dumi"]
    circuits = {c.name: c.pk for c in Location.objects.filter(level="circuit")}
    schools = {s.name: s for s in School.objects.all()}
    checked = 0
    for wave in Wave.objects.all():
        for domain in COLUMNS:
            for _name, circuit_id in [(None, None), *circuits.items()]:
                for quintile in (None, 1, 3):
                    filters = {"wave": wave.pk, "domain": domain}
                    if circuit_id:
                        filters["circuit"] = circuit_id
                    if quintile:
                        filters["quintile"] = quintile
                    response = open_dashboard(client, dumi, **filters)
                    assert response.status_code == 200, filters
                    tables = compare_tables(response.content.decode())
                    groups = {
                        "compare-parts": lambda name: ("circuit", circuits[name]),
                        "compare-quintiles": lambda name: ("quintile", int(name.split()[-1])),
                        "compare-schools": lambda name: ("school", schools[name].pk),
                    }
                    for table_id, rows in tables.items():
                        for name, n, count in rows:
                            true_n, true_counts = truth[(wave.pk, groups[table_id](name))]
                            assert n is None or n == true_n, (filters, name)
                            assert count is None or count == true_counts[domain], (filters, name)
                            checked += (n is not None) + (count is not None)
                    # The school list holds exactly the schools the filters chose.
                    chosen = {
                        s.name
                        for s in schools.values()
                        if (circuit_id is None or s.location_id == circuit_id)
                        and (quintile is None or s.quintile == quintile)
                    }
                    assert {name for name, _, _ in tables.get("compare-schools", [])} == chosen, (
                        filters
                    )
    assert checked > 200  # most figures were shown, not hidden, and all agreed
    # One case by hand: Wave 2, protection, Circuit 2: Riverside's children 4..13 (10) and
    # none of Mountain's three: 10 of 17.
    later = Wave.objects.get(name="Wave 2")
    page = open_dashboard(
        client, dumi, wave=later.pk, domain="protection", circuit=circuits["Circuit 2"]
    ).content.decode()
    assert ("Circuit 2", 17, 10) in compare_tables(page)["compare-parts"]
    assert "<strong>Circuit 2</strong>: 17 children assessed; 59% at high risk" in page
    # Mountain (3 children) is hidden whole; so is Riverside, or Circuit 2 less Riverside
    # would give Mountain away: the filter that leaves only Circuit 2 shows no school's figure.
    assert compare_tables(page)["compare-schools"] == [
        ("Mountain Primary", None, None),
        ("Riverside Primary", None, None),
    ]


def published(page: str, wave_name: str) -> dict[tuple, int]:
    """Every number the page publishes about one wave's children at high risk, keyed as the
    attacker's variables: ("n", group) and ("c", group, column)."""
    found: dict[tuple, int] = {}
    circuits = {c.name: c.pk for c in Location.objects.filter(level="circuit")}
    schools = {s.name: s.pk for s in School.objects.all()}
    domain = re.search(r'<option value="([a-z_]+)" selected>', page.split('name="domain"')[1])
    column = domain.group(1) if domain else "any"
    wave_shown = re.search(r"<p class=\"muted\">([^:<]+): the share of assessed children", page)
    if wave_shown is None or wave_shown.group(1) != wave_name:
        return found
    for table_id, rows in compare_tables(page).items():
        for name, n, count in rows:
            if table_id == "compare-parts":
                group = ("circuit", circuits[name])
            elif table_id == "compare-quintiles":
                group = ("quintile", int(name.split()[-1]))
            else:
                group = ("school", schools[name])
            if n is not None:
                found[("n", group)] = n
            if count is not None:
                found[("c", group, column)] = count
    for label, n, _share in re.findall(
        r"<li><strong>([^<]+)</strong>: (?:(\d+) child(?:ren)? assessed|number[^;]*); "
        r"(?:(\d+)% at high risk|share)",
        page,
    ):
        if label == "Whole Test District" and n:
            found[("n", ("whole", 0))] = int(n)
    return found


def equations(groups_of_school: dict[int, list[tuple]], all_groups: list[tuple]):
    """Every sum the comparison implies, for the attacker: count + not-high = n in every row
    and column, and each group's numbers are the sums of its schools'."""
    variables: dict[tuple, int] = {}

    def var(key):
        return variables.setdefault(key, len(variables))

    found = []
    rows = [("school", s) for s in groups_of_school] + all_groups
    for group in rows:
        for column in COLUMNS:
            found.append(
                [
                    (var(("c", group, column)), 1),
                    (var(("o", group, column)), 1),
                    (var(("n", group)), -1),
                ]
            )
    for group in all_groups:
        members = [s for s, gs in groups_of_school.items() if group in gs]
        for kind in ["n", *(("c", c) for c in COLUMNS), *(("o", c) for c in COLUMNS)]:
            if kind == "n":
                parts = [(var(("n", ("school", s))), 1) for s in members]
                found.append([*parts, (var(("n", group)), -1)])
            else:
                letter, column = kind
                parts = [(var((letter, ("school", s), column)), 1) for s in members]
                found.append([*parts, (var((letter, group, column)), -1)])
    return found, variables


def test_no_filter_combination_gives_a_hidden_number_away(client, people, small_district, settings):
    """Dumi tries every combination of filters and keeps every number he is shown; then he
    solves every sum the figures imply (exactly, with fractions) for the hidden ones. Nothing
    hidden comes out, and every shown count is at least k and leaves at least k."""
    settings.CWTT_ROUNDING_BASE = 1  # exact numbers: suppression alone must hold
    truth = hand_count()
    dumi = people["dumi"]
    circuits = list(Location.objects.filter(level="circuit").values_list("pk", flat=True))
    schools = list(School.objects.all())
    for wave in Wave.objects.all():
        seen: dict[tuple, int] = {}
        for domain, circuit, quintile in itertools.product(
            COLUMNS, [None, *circuits], [None, 1, 2, 3]
        ):
            filters = {"wave": wave.pk, "domain": domain}
            if circuit:
                filters["circuit"] = circuit
            if quintile:
                filters["quintile"] = quintile
            page = open_dashboard(client, dumi, **filters).content.decode()
            for key, value in published(page, wave.name).items():
                assert seen.setdefault(key, value) == value, key  # one number, one value
        assert seen, wave
        # Something is hidden for him to attack: Mountain Primary (3 children) at least.
        mountain = School.objects.get(name="Mountain Primary")
        assert ("n", ("school", mountain.pk)) not in seen
        # Every shown count is within the true n by at least k; every shown n at least k.
        for key, value in seen.items():
            true_n, counts = truth[(wave.pk, key[1])]
            if key[0] == "n":
                assert value == true_n and value >= K, key
            else:
                assert value == counts[key[2]] and K <= value <= true_n - K, key
        # The attacker: every variable he knows (shown counts, their complements, n), and
        # every sum; solved for what is hidden.
        groups_of_school = {
            s.pk: [("circuit", s.location_id), ("quintile", s.quintile), ("whole", 0)]
            for s in schools
        }
        all_groups = sorted({g for gs in groups_of_school.values() for g in gs})
        found, variables = equations(groups_of_school, all_groups)
        known = dict(seen)
        for key, value in seen.items():
            if key[0] == "c" and ("n", key[1]) in seen:
                known[("o", key[1], key[2])] = seen[("n", key[1])] - value
        hidden = {v for key, v in variables.items() if key not in known}
        exposed = determined(found, hidden)
        # Cross-check the solver on this system: a hidden count plus its complement is n,
        # so with n shown and one of the two known, the other must come out.
        assert not {key for key, v in variables.items() if v in exposed}, "worked out"
        # And the bound that counts are never negative: no line's hidden numbers add to 0.
        value_of = {v: known[key] for key, v in variables.items() if key in known}
        for equation in found:
            terms = [(v, c) for v, c in equation if v in hidden]
            rest = sum(c * value_of[v] for v, c in equation if v not in hidden)
            same_sign = bool(terms) and len({c > 0 for _, c in terms}) == 1
            assert not (same_sign and rest == 0), equation


def test_the_solver_would_catch_a_school_removed_by_a_filter(settings):
    """The attack above can fail: were the page to publish a circuit without one of its
    schools (a filter that recounts), that school would come out by subtraction."""
    # Circuit = A + B; the page shows the circuit (20) and "the circuit without B" (12).
    equations_ = [[(0, 1), (1, 1), (2, -1)], [(0, 1), (3, -1)]]  # A + B = C; A = C-without-B
    assert determined(equations_, {1}) == {1}  # B = 20 - 12


def test_another_districts_circuit_is_refused_in_plain_words(client, people, small_district, wave):
    other = Location.objects.create(code="GP-OD", name="Other District", level="district")
    far_circuit = Location.objects.create(
        code="GP-OD-1", name="Far Circuit", level="circuit", parent=other
    )
    far = School.objects.create(
        emis_number="709999999", name="Far Primary", quintile=2, location=far_circuit
    )
    wave.schools.add(far)
    for child in plant_children(far, 12, "Faraway"):
        plant_profile(child, wave, nutrition="high")
    refresh_all()
    response = open_dashboard(client, people["dumi"], circuit=far_circuit.pk)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"Circuit: “{far_circuit.pk}” is not in your area. Choose one from the list." in (
        text_of(page)
    )
    assert 'id="compare-schools"' not in page and 'id="compare-parts"' not in page
    for word in ("Far Primary", "Far Circuit", "Faraway", "Other District"):
        assert word not in page
    # Nor does any ordinary look show another district's school.
    for filters in ({}, {"quintile": 2}, {"domain": "nutrition"}):
        assert (
            "Far Primary" not in open_dashboard(client, people["dumi"], **filters).content.decode()
        )


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"wave": "abc"}, "Wave: “abc” is not one of your area's waves."),
        ({"wave": "999999"}, "Wave: “999999” is not one of your area's waves."),
        ({"quintile": "7"}, "School quintile: “7” is not a quintile of the schools in your area."),
        ({"quintile": "1; drop"}, "School quintile: “1; drop” is not a quintile"),
        ({"domain": "<script>"}, "Area of wellbeing: “<script>” is not one of the six"),
        ({"circuit": "-1"}, "Circuit: “-1” is not in your area."),
        ({"circuit": "9" * 400}, "is not in your area."),
    ],
)
def test_a_bad_filter_gets_a_plain_message(client, people, small_district, filters, message):
    response = open_dashboard(client, people["dumi"], **filters)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert message in page
    assert "These filters could not be used, so no comparison is shown" in page
    assert 'id="compare-parts"' not in page
    # The day's other figures still show.
    assert 'id="by-wave"' in page


def test_circuit_rows_never_repeat_the_district_total(
    client, people, district, sunrise, hilltop, wave
):
    """Every school in one circuit (Circuit 1): no circuit table, no circuit filter."""
    for school in (sunrise, hilltop):
        for child in plant_children(school, 12, school.name.split()[0]):
            plant_profile(child, wave, nutrition="high")
    page = open_dashboard(client, people["dumi"]).content.decode()
    assert 'id="by-circuit"' not in page and 'id="compare-parts"' not in page
    assert 'name="circuit"' not in page
    assert [name for name, _, _ in compare_tables(page)["compare-schools"]] == [
        "Hilltop Primary",
        "Sunrise Primary",
    ]


def test_schools_are_sorted_by_need_with_hidden_shares_last(
    client, people, small_district, settings
):
    settings.CWTT_ROUNDING_BASE = 1
    most_shown = 0
    for wave, domain in itertools.product(Wave.objects.all(), COLUMNS):
        page = open_dashboard(client, people["dumi"], wave=wave.pk, domain=domain)
        tables = compare_tables(page.content.decode())
        for table_id in ("compare-parts", "compare-quintiles", "compare-schools"):
            rows = tables[table_id]
            shown = [(n, c) for _, n, c in rows if c is not None and n is not None]
            shares = [round(100 * c / n) for n, c in shown]
            assert shares == sorted(shares, reverse=True), (wave, domain, table_id)
            hidden = [name for name, n, c in rows if c is None or n is None]
            assert [name for name, _, _ in rows[len(shown) :]] == sorted(hidden)
            most_shown = max(most_shown, len(shown))
    assert most_shown >= 1


def test_the_school_with_the_most_need_comes_first(
    client, people, district, sunrise, hilltop, wave, settings
):
    """Four schools of 20, with 6, 10, 14 and 8 children at high risk in nutrition: every
    figure is large enough to show, and the list reads 70%, 50%, 40%, 30%."""
    settings.CWTT_ROUNDING_BASE = 1
    riverside = add_circuit_school(district, wave, 2, "700333333", "Riverside Primary")
    valley = add_circuit_school(district, wave, 2, "700444444", "Valley Primary")
    for school, high in [(sunrise, 6), (hilltop, 10), (riverside, 14), (valley, 8)]:
        for number, child in enumerate(plant_children(school, 20, school.name.split()[0])):
            plant_profile(child, wave, nutrition="high" if number < high else "low")
    page = open_dashboard(client, people["dumi"], domain="nutrition").content.decode()
    tables = compare_tables(page)
    assert tables["compare-schools"] == [
        ("Riverside Primary", 20, 14),
        ("Hilltop Primary", 20, 10),
        ("Valley Primary", 20, 8),
        ("Sunrise Primary", 20, 6),
    ]
    assert tables["compare-parts"] == [("Circuit 2", 40, 22), ("Circuit 1", 40, 16)]
    # Quintiles: Sunrise 1, Hilltop 2, Riverside and Valley 3.
    assert tables["compare-quintiles"] == [
        ("Quintile 3", 40, 22),
        ("Quintile 2", 20, 10),
        ("Quintile 1", 20, 6),
    ]


def test_the_comparison_comes_from_the_days_snapshot(client, people, small_district):
    """Children assessed after the day's figures were worked out do not move them until the
    worker works them out again."""
    dumi = people["dumi"]
    before = open_dashboard(client, dumi).content.decode()
    # Wave 2: 43 children, shown rounded to 45.
    assert "<strong>Whole Test District</strong>: 45 children assessed" in before
    for child in plant_children(small_district["valley"], 10, "Latecomer"):
        plant_profile(child, Wave.objects.get(name="Wave 2"), protection="high")
    same_day = open_dashboard(client, dumi).content.decode()
    assert compare_tables(same_day) == compare_tables(before)
    assert "<strong>Whole Test District</strong>: 45 children assessed" in same_day
    refresh_all()
    assert "<strong>Whole Test District</strong>: 55 children assessed" in (
        open_dashboard(client, dumi).content.decode()
    )


def test_a_district_of_many_schools_costs_the_same_queries(
    client, people, district, sunrise, hilltop, wave, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dumi = people["dumi"]
    filters = {
        "wave": wave.pk,
        "circuit": district["circuit"].pk,
        "quintile": 1,
        "domain": "nutrition",
    }

    def queries() -> int:
        open_dashboard(client, dumi, **filters)  # the first look stores the day's figures
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("area_dashboard"), filters)
        assert response.status_code == 200
        return len(captured)

    def add_schools(first: int, count: int) -> None:
        for number in range(first, first + count):
            school = add_circuit_school(
                district, wave, 2 + number % 3, f"71{number:07d}", f"School {number}"
            )
            for child in plant_children(school, 6, f"Family{number}"):
                plant_profile(child, wave, nutrition="high")

    add_schools(0, 1)
    few = queries()
    add_schools(1, 12)
    refresh_all()
    many = queries()
    assert School.objects.count() == 15
    assert few == many, (few, many)


def test_a_large_area_compares_groups_not_schools(
    client, people, small_district, settings, monkeypatch
):
    """Above MAX_SCHOOL_ROWS schools (a province), the rows behind the comparison are each
    circuit's schools of one quintile, never shown; circuits and quintiles still add up."""
    from cwtt.dashboards import area

    settings.CWTT_ROUNDING_BASE = 1
    monkeypatch.setattr(area, "MAX_SCHOOL_ROWS", 3)
    refresh_all()
    truth = hand_count()
    later = Wave.objects.get(name="Wave 2")
    page = open_dashboard(client, people["dumi"], wave=later.pk, domain="protection")
    text = page.content.decode()
    assert "too many schools here to compare one by one" in text
    assert 'id="compare-schools"' not in text and "Riverside" not in text
    tables = compare_tables(text)
    circuits = {c.name: c.pk for c in Location.objects.filter(level="circuit")}
    shown = 0
    for name, n, count in tables["compare-parts"]:
        true_n, counts = truth[(later.pk, ("circuit", circuits[name]))]
        assert n in (None, true_n) and count in (None, counts["protection"])
        shown += count is not None
    for name, n, count in tables["compare-quintiles"]:
        true_n, counts = truth[(later.pk, ("quintile", int(name.split()[-1])))]
        assert n in (None, true_n) and count in (None, counts["protection"])
        shown += count is not None
    assert shown


def test_the_comparison_agrees_with_a_hand_count_on_a_generated_district(
    client, settings, default_version
):
    """The synthetic generator's district (cwtt/synthetic): its official opens every circuit
    and quintile, and every figure shown is the one counted child by child."""
    from django.contrib.auth import get_user_model

    from cwtt.access.roles import Role
    from cwtt.registry.models import Organisation, Staff
    from cwtt.synthetic.generate import generate_district

    settings.CWTT_ROUNDING_BASE = 1
    generate_district(schools=16, learners_per_school=8, waves=2, seed=11)
    district = Location.objects.get(level="district")
    official = get_user_model().objects.create_user("gen_official")
    Staff.objects.create(
        user=official,
        organisation=Organisation.objects.create(name="District office", sector="education"),
        role=Role.DISTRICT_OFFICIAL,
        location=district,
    )
    truth = hand_count()
    circuits = {c.name: c.pk for c in Location.objects.filter(level="circuit")}
    schools = {s.name: s.pk for s in School.objects.all()}
    assert len(circuits) >= 2 and len(schools) == 16
    checked = 0
    quintiles = sorted(set(School.objects.values_list("quintile", flat=True)))
    for wave in Wave.objects.all():
        looks = [{}] + [{"circuit": pk} for pk in circuits.values()]
        looks += [{"quintile": q} for q in quintiles]
        for look in looks:
            response = open_dashboard(client, official, wave=wave.pk, domain="any", **look)
            assert response.status_code == 200, look
            for table_id, rows in compare_tables(response.content.decode()).items():
                for name, n, count in rows:
                    if table_id == "compare-parts":
                        group = ("circuit", circuits[name])
                    elif table_id == "compare-quintiles":
                        group = ("quintile", int(name.split()[-1]))
                    else:
                        group = ("school", schools[name])
                    true_n, counts = truth.get((wave.pk, group), (0, dict.fromkeys(COLUMNS, 0)))
                    assert n in (None, true_n), (look, name)
                    assert count in (None, counts["any"]), (look, name)
                    checked += (n is not None) + (count is not None)
    assert checked > 50
