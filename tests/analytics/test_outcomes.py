"""Outcomes of services (cwtt/analytics/outcomes.py, decision 0066): the matched comparison by
hand, its interval's coverage by simulation, the table on planted profiles and services, small
cells hidden, the CSV and its refusals, the same number of queries at two sizes, and the
generator's planted effect found (and none found when none is planted)."""

from __future__ import annotations

import csv
import datetime as dt
import math
import random

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cwtt.access.models import AuditEntry
from cwtt.analytics import outcomes
from cwtt.analytics.statistics import Stratum, difference_interval, matched_comparison
from cwtt.assessments.models import RiskProfile, Wave
from cwtt.cases.models import ServiceDelivered
from cwtt.registry.models import Child, School

from .conftest import follow, pupils, serve

Z = 1.959963984540054


def normal_p(z: float) -> float:
    """Two-sided p-value of a standard normal z, by the error function (not scipy)."""
    return math.erfc(abs(z) / math.sqrt(2))


# --- the statistic by hand ---------------------------------------------------------------------


def test_matched_comparison_by_hand():
    # Stratum A: 2 served (both improved), 2 controls (1 improved); stratum B: 1 served (not
    # improved), 3 controls (1 improved); stratum C: 1 served and no control (unmatched).
    found = matched_comparison(
        [Stratum(2, 2, 2, 1), Stratum(1, 0, 3, 1), Stratum(1, 1, 0, 0), Stratum(0, 0, 4, 2)]
    )
    assert (found.n_treated, found.n_controls, found.unmatched, found.treated_yes) == (3, 5, 1, 2)
    # Controls weighted to the served: 2 x 1/2 + 1 x 1/3 = 4/3 of 3 would have improved.
    assert found.expected_yes == pytest.approx(4 / 3)
    assert found.share_treated == pytest.approx(2 / 3)
    assert found.share_controls == pytest.approx(4 / 9)
    assert found.difference == pytest.approx(2 / 9)
    # Var: A pooled 3/4, 3/4 x 1/4 x 4/3 = 1/4, weight 2/3: 4/9 x 1/4 x (1/2 + 1/2) = 1/9;
    # B pooled 1/4, 1/4 again, weight 1/3: 1/9 x 1/4 x (1 + 1/3) = 1/27. se = sqrt(4/27).
    assert found.se == pytest.approx(math.sqrt(4 / 27))
    interval = difference_interval(found.difference, found.se)
    assert interval.low == pytest.approx(2 / 9 - Z * math.sqrt(4 / 27))
    assert interval.upper == pytest.approx(min(1.0, 2 / 9 + Z * math.sqrt(4 / 27)))
    assert interval.p_value == pytest.approx(normal_p((2 / 9) / math.sqrt(4 / 27)))
    assert interval.p_value == pytest.approx(0.5637, abs=1e-4)


def test_nothing_to_compare_and_bad_counts():
    assert matched_comparison([Stratum(3, 1, 0, 0)]).difference is None
    assert matched_comparison([Stratum(3, 1, 0, 0)]).unmatched == 3
    assert matched_comparison([]).se is None
    with pytest.raises(ValueError):
        matched_comparison([Stratum(2, 3, 1, 0)])
    with pytest.raises(ValueError):
        matched_comparison([Stratum(-1, 0, 1, 0)])
    same = difference_interval(0.0, 0.0)
    assert (same.low, same.upper, same.p_value) == (0.0, 0.0, 1.0)


def _simulate(effect: float, reps: int, seed: int) -> tuple[float, float]:
    """Coverage of the 95% interval and the share of tests below 0.05, over random sets of 30
    small strata (1-4 served, 1-3 controls each) where serving adds `effect` to the share."""
    rng = random.Random(seed)
    covered = rejected = 0
    for _ in range(reps):
        strata = []
        for _ in range(30):
            share = rng.uniform(0.1, 0.8)
            served, controls = rng.randint(1, 4), rng.randint(1, 3)
            strata.append(
                Stratum(
                    served,
                    sum(rng.random() < share + effect for _ in range(served)),
                    controls,
                    sum(rng.random() < share for _ in range(controls)),
                )
            )
        found = matched_comparison(strata)
        interval = difference_interval(found.difference, found.se)
        covered += interval.low <= effect <= interval.upper
        rejected += interval.p_value < 0.05
    return covered / reps, rejected / reps


def test_the_interval_keeps_its_coverage_with_small_strata():
    coverage, false_alarms = _simulate(0.0, 1500, seed=3)
    assert 0.93 <= coverage <= 0.97
    assert 0.03 <= false_alarms <= 0.07
    coverage, power = _simulate(0.2, 1500, seed=4)
    assert 0.92 <= coverage <= 0.975
    assert power > 0.5


# --- the table on planted data -----------------------------------------------------------------

pytestmark = pytest.mark.django_db


@pytest.fixture
def planted(waves, sunrise, recorder):
    """Sunrise, grade 2, high in protection at baseline: 6 served by a family-strengthening
    programme between the waves (4 went down a level, 2 still high); 4 not served (1 went
    down: served only after the follow-up began; 3 still high, one of them with a service
    recorded as not delivered). Grade 3: 4 served, no one to compare with (unmatched)."""
    first, second = waves
    served = pupils(sunrise, 6, "Served")
    follow(served, waves, "high", ["moderate", "low", "moderate", "moderate", "high", "high"])
    for kid in served:
        serve(kid, "family_strengthening", dt.date(2025, 8, 1), recorder)
    controls = pupils(sunrise, 4, "Control")
    follow(controls, waves, "high", ["moderate", "high", "high", "high"])
    serve(controls[0], "home_visit", dt.date(2026, 3, 1), recorder)
    serve(controls[1], "home_visit", dt.date(2025, 9, 1), recorder, outcome="not_delivered")
    alone = pupils(sunrise, 4, "Alone", grade="3")
    follow(alone, waves, "high", ["low", "low", "high", "high"])
    for kid in alone:
        serve(kid, "home_visit", dt.date(2025, 10, 1), recorder)
    # Moderate at baseline, not served: a stratum with no one served, so not in the table.
    follow(pupils(sunrise, 3, "Moderate"), waves, "moderate", ["low", "low", "high"])
    return served


def rows_of(found, **where):
    return [r for r in found if all(getattr(r, k) == v for k, v in where.items())]


def test_served_against_comparable_children_by_hand(waves, planted, sunrise):
    found = outcomes.outcomes(*waves, School.objects.all(), "school", k=1, base=1)
    improved = rows_of(found, domain_code="protection", service_code="", outcome_code="improved")
    assert [r.area for r in improved] == ["Hilltop Primary", "Sunrise Primary"]
    assert not improved[0].shown and improved[0].n_treated is None  # no one at Hilltop
    row = improved[1]
    assert (row.area, row.n_treated, row.n_controls, row.n_unmatched) == (
        "Sunrise Primary",
        6,
        4,
        4,
    )
    assert row.share_treated == pytest.approx(4 / 6)
    assert row.share_controls == pytest.approx(1 / 4)
    assert row.difference == pytest.approx(4 / 6 - 1 / 4)
    # One stratum of 10: pooled 5/10, 1/4 x 10/9 x (1/6 + 1/4).
    se = math.sqrt(0.25 * 10 / 9 * (1 / 6 + 1 / 4))
    assert row.ci_low == pytest.approx(4 / 6 - 1 / 4 - Z * se)
    assert row.ci_high == pytest.approx(min(1.0, 4 / 6 - 1 / 4 + Z * se))
    assert row.p_value == pytest.approx(normal_p((4 / 6 - 1 / 4) / se))
    sun = [r for r in found if r.area == "Sunrise Primary"]
    high = rows_of(sun, domain_code="protection", service_code="", outcome_code="high_after")[0]
    assert (high.share_treated, high.share_controls) == (pytest.approx(2 / 6), 0.75)
    # The programme's own line is the same children; the home visits reached only the
    # unmatched grade 3 (home visits in grade 2 were late or not delivered).
    programme = rows_of(sun, service_code="family_strengthening", outcome_code="improved")[0]
    assert programme.difference == pytest.approx(row.difference)
    visits = rows_of(sun, service_code="home_visit", outcome_code="improved")[0]
    assert visits.n_treated is None and not visits.shown
    assert visits.n_unmatched is None  # all 4 served were unmatched: "all" is never shown
    # Nothing served in the other domains: every line there is empty.
    assert not any(r.shown for r in found if r.domain_code != "protection")


def test_small_cells_are_hidden_and_counts_rounded(settings, waves, planted, hilltop, recorder):
    settings.CWTT_SMALL_CELL = 5
    settings.CWTT_ROUNDING_BASE = 5
    # Hilltop: 12 served (7 improved), 9 not served (2 improved) - a small controls cell.
    served = pupils(hilltop, 12, "HillServed")
    follow(served, waves, "high", ["low"] * 7 + ["high"] * 5)
    for kid in served:
        serve(kid, "family_strengthening", dt.date(2025, 8, 1), recorder)
    follow(pupils(hilltop, 9, "HillControl"), waves, "high", ["low"] * 2 + ["high"] * 7)
    found = outcomes.outcomes(*waves, School.objects.all(), "school")
    lines = rows_of(found, domain_code="protection", service_code="")
    sunrise = {r.outcome_code: r for r in lines if r.area == "Sunrise Primary"}
    hill = {r.outcome_code: r for r in lines if r.area == "Hilltop Primary"}
    # Sunrise: 6 served, 4 not served (a small row): nothing compared.
    assert not sunrise["improved"].shown and sunrise["improved"].n_controls is None
    # Hilltop: 2 of 9 controls improved is a small cell; 7 of 9 still high is within 5 of 9.
    assert hill["improved"].n_treated == 10 and hill["improved"].n_controls == 10
    assert not hill["improved"].shown and not hill["high_after"].shown
    for row in found:
        for value in (row.n_treated, row.n_controls, row.n_unmatched):
            assert value is None or value % 5 == 0
        if not row.shown:
            assert row.share_treated is None and row.ci_low is None and row.p_value is None


def test_shares_come_from_the_rounded_counts(settings, waves, sunrise, hilltop, recorder):
    settings.CWTT_SMALL_CELL = 5
    settings.CWTT_ROUNDING_BASE = 5
    served = pupils(hilltop, 23, "HillServed")
    follow(served, waves, "high", ["low"] * 12 + ["high"] * 11)
    for kid in served:
        serve(kid, "counselling", dt.date(2025, 8, 1), recorder)
    follow(pupils(hilltop, 21, "HillControl"), waves, "high", ["low"] * 7 + ["high"] * 14)
    found = outcomes.outcomes(*waves, School.objects.all(), "district")
    row = rows_of(found, domain_code="protection", service_code="", outcome_code="improved")
    assert not row[0].shown  # counselling is for feelings and behaviour, not protection
    follow(pupils(sunrise, 1, "Other"), waves, "high", ["high"], domain="psychosocial")
    Child.objects.all().delete()  # start again, in the right domain
    served = pupils(hilltop, 23, "HillServed")
    follow(served, waves, "high", ["low"] * 12 + ["high"] * 11, domain="psychosocial")
    for kid in served:
        serve(kid, "counselling", dt.date(2025, 8, 1), recorder)
    follow(
        pupils(hilltop, 21, "HillControl"),
        waves,
        "high",
        ["low"] * 7 + ["high"] * 14,
        domain="psychosocial",
    )
    found = outcomes.outcomes(*waves, School.objects.all(), "district")
    row = rows_of(found, domain_code="psychosocial", service_code="", outcome_code="improved")[0]
    # 23 served -> 25, 12 improved -> 10; controls' 7/21 x 23 = 7.67 -> 8 -> 10.
    assert (row.n_treated, row.n_controls) == (25, 20)
    assert row.share_treated == pytest.approx(10 / 25)
    assert row.share_controls == pytest.approx(10 / 25)
    assert row.difference == pytest.approx(0.0)
    assert row.p_value == pytest.approx(1.0)


# --- the command -------------------------------------------------------------------------------


def read(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


def test_the_csv_has_its_columns_its_audit_entry_and_no_names(settings, waves, planted, tmp_path):
    settings.CWTT_SMALL_CELL = 1
    settings.CWTT_ROUNDING_BASE = 1
    out = tmp_path / "outcomes.csv"
    call_command(
        "report", "outcomes", "--from", "Baseline", "--to", "Follow-up", "--by", "school",
        "--output", str(out),
    )  # fmt: skip
    with open(out, encoding="utf-8") as file:
        assert file.readline().strip() == (
            "area,domain,service,outcome,n_treated,n_controls,n_unmatched,share_treated,"
            "share_controls,difference,ci_low,ci_high,p_value"
        )
    rows = read(out)
    line = next(
        r
        for r in rows
        if r["area"] == "Sunrise Primary"
        and r["domain"] == "Protection and care"
        and r["service"] == outcomes.ALL_SERVICES
        and r["outcome"] == "Level went down"
    )
    assert (line["n_treated"], line["n_controls"], line["n_unmatched"]) == ("6", "4", "4")
    assert (line["share_treated"], line["share_controls"], line["difference"]) == (
        "0.667",
        "0.250",
        "0.417",
    )
    assert (tmp_path / "outcomes-codebook.csv").exists()
    text = out.read_text(encoding="utf-8")
    for child in Child.objects.all():
        assert child.first_name not in text and child.last_name not in text
    entry = AuditEntry.objects.get(object_type="evidence_outcomes")
    assert entry.detail["from"] == "Baseline" and entry.detail["by"] == "school"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "Baseline", "--to", "Follow-up"], "--by"),
        (["--wave", "Baseline", "--by", "school"], "compares two waves"),
        (["--from", "Baseline", "--to", "Baseline", "--by", "school"], "same wave"),
        (["--from", "Follow-up", "--to", "Baseline", "--by", "school"], "must start after"),
        (["--from", "Nope", "--to", "Baseline", "--by", "school"], "No wave is called"),
    ],
)
def test_bad_requests_are_refused_in_plain_words(waves, tmp_path, args, says):
    out = tmp_path / "o.csv"
    with pytest.raises(CommandError, match=says):
        call_command("report", "outcomes", *args, "--output", str(out))
    assert not out.exists()
    assert not AuditEntry.objects.filter(object_type="evidence_outcomes").exists()


def test_the_same_number_of_queries_at_two_sizes(settings, waves, sunrise, hilltop, recorder):
    settings.CWTT_SMALL_CELL = 5

    def grow(school, count, name):
        kids = pupils(school, count, name)
        follow(kids, waves, "high", ["low", "high"] * (count // 2))
        for kid in kids[: count // 2]:
            serve(kid, "home_visit", dt.date(2025, 8, 1), recorder)
            serve(kid, "food_support", dt.date(2025, 9, 1), recorder)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            outcomes.outcomes(*waves, School.objects.all(), "school")
        return len(captured)

    grow(sunrise, 4, "Small")
    small = queries()
    grow(hilltop, 40, "Big")
    grow(sunrise, 30, "More")
    assert queries() == small


# --- the generator's planted effect ---------------------------------------------------------


def _generated(monkeypatch, **patched):
    from cwtt.synthetic import answers
    from cwtt.synthetic.generate import generate_district

    for name, value in patched.items():
        monkeypatch.setattr(answers, name, value)
    generate_district(
        schools=6, learners_per_school=150, waves=2, seed=2, today=dt.date(2026, 12, 5)
    )
    first, second = Wave.objects.order_by("starts_on")
    found = outcomes.outcomes(first, second, School.objects.all(), "district", k=5, base=1)
    return {
        r.domain_code: r
        for r in found
        if r.service_code == "" and r.outcome_code == "improved" and r.shown
    }


def test_a_planted_effect_is_found(default_version, monkeypatch):
    # Support that works strongly: children reached go down a level more often.
    found = _generated(monkeypatch, SUPPORT_EFFECT=1.5)
    assert {"protection", "psychosocial", "education"} <= found.keys()
    for domain in ("protection", "psychosocial", "education"):
        row = found[domain]
        assert row.difference > 0.1 and row.ci_low > 0 and row.p_value < 0.05, row


def test_no_effect_is_found_when_none_is_planted(default_version, monkeypatch):
    # Support reaches children (and is recorded) but changes nothing.
    found = _generated(monkeypatch, SUPPORT={})
    assert {"protection", "psychosocial", "education"} <= found.keys()
    for row in found.values():
        assert row.ci_low < 0 < row.ci_high, row


def test_the_generator_records_services_between_the_waves(default_version):
    from cwtt.synthetic.generate import generate_district

    summary = generate_district(
        schools=2, learners_per_school=40, waves=2, seed=1, today=dt.date(2026, 12, 5)
    )
    first, second = Wave.objects.order_by("starts_on")
    services = ServiceDelivered.objects.all()
    assert summary.services == services.count() > 0
    assert not services.filter(delivered_on__lte=first.ends_on).exists()
    assert not services.filter(delivered_on__gte=second.starts_on).exists()
    assert not services.filter(case__isnull=False).exists()
    # Only children high in the domain at baseline get its services.
    for service in services.select_related("service_type"):
        baseline = RiskProfile.objects.get(child=service.child, wave=first)
        assert getattr(baseline, service.service_type.domain) == "high"
