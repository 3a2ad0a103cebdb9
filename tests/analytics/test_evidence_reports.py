"""`cwtt report cohort|change|agreement`: the columns, the numbers, small cells hidden as on the
area pages, the audit entry, plain refusals, and the same number of queries at two sizes."""

from __future__ import annotations

import csv

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cwtt.access.models import AuditEntry
from cwtt.analytics import evidence
from cwtt.analytics.statistics import agreement, paired_change, wilson
from cwtt.assessments.models import Wave
from cwtt.registry.models import School

from .conftest import children, plant

pytestmark = pytest.mark.django_db

VIOLENCE = "Exposed to violence at home or in the community"
ABUSE = "Told of abuse (by the child or caregiver)"
PROTECTION = "high risk: Protection and care"


def read(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.fixture
def exact(settings):
    """Counts shown as they are (rounding base 1), small cells below 5 hidden."""
    settings.CWTT_ROUNDING_BASE = 1
    settings.CWTT_SMALL_CELL = 5


@pytest.fixture
def planted(waves, sunrise, hilltop):
    """Baseline at Sunrise: 20 children, 8 high in protection, 6 exposed to violence, 3 told of
    abuse (a small cell). Hilltop: 3 children (a small row)."""
    first, _ = waves
    kids = children(sunrise, 20, "Sun")
    for i, kid in enumerate(kids):
        rules = []
        if i < 6:
            rules.append("pro_violence_home_often_cg")
        if i < 3:
            rules.append("pro_abuse_disclosed_cg")
        plant(kid, first, high=("protection",) if i < 8 else (), rules=rules)
    for kid in children(hilltop, 3, "Hill"):
        plant(kid, first, high=("protection",), rules=["pro_violence_home_cg"])
    return kids


def test_cohort_by_school_counts_shares_and_wilson_intervals(exact, planted, waves, tmp_path):
    out = tmp_path / "cohort.csv"
    call_command("report", "cohort", "--wave", "Baseline", "--by", "school", "--output", str(out))
    with open(out, encoding="utf-8") as file:
        assert file.readline().strip() == "area,wave,measure,n,high,share,ci_low,ci_high"
    rows = {(r["area"], r["measure"]): r for r in read(out)}
    sunrise = rows[("Sunrise Primary", PROTECTION)]
    expected = wilson(8, 20)
    assert (sunrise["wave"], sunrise["n"], sunrise["high"]) == ("Baseline", "20", "8")
    assert sunrise["share"] == "0.400"
    assert (sunrise["ci_low"], sunrise["ci_high"]) == (
        f"{expected.low:.3f}",
        f"{expected.upper:.3f}",
    )
    violence = rows[("Sunrise Primary", VIOLENCE)]
    assert (violence["n"], violence["high"], violence["share"]) == ("20", "6", "0.300")
    # 3 of 20 told of abuse: a small cell, so no count, share or interval.
    abuse = rows[("Sunrise Primary", ABUSE)]
    assert abuse["n"] == "20"
    assert abuse["high"] == abuse["share"] == abuse["ci_low"] == abuse["ci_high"] == ""
    # Hilltop has 3 children: the whole row is hidden, n too.
    hilltop = rows[("Hilltop Primary", PROTECTION)]
    assert hilltop["n"] == hilltop["high"] == hilltop["share"] == ""
    assert not any(r["area"] == "Hilltop Primary" and r["share"] for r in rows.values())


def test_cohort_by_circuit_puts_both_schools_together(exact, planted, tmp_path):
    out = tmp_path / "cohort.csv"
    call_command("report", "cohort", "--wave", "Baseline", "--by", "circuit", "--output", str(out))
    rows = {(r["area"], r["measure"]): r for r in read(out)}
    protection = rows[("Circuit 1", PROTECTION)]
    assert (protection["n"], protection["high"]) == ("23", "11")
    assert rows[("Circuit 1", VIOLENCE)]["high"] == "9"
    assert {r["area"] for r in rows.values()} == {"Circuit 1"}


def test_rounded_counts_give_the_shares_and_intervals(settings, planted, tmp_path):
    """With the usual base of 5, a count is shown rounded and the share and interval are worked
    out from the rounded numbers, so they cannot be turned back into the true count."""
    settings.CWTT_ROUNDING_BASE = 5
    rows = evidence.cohort(Wave.objects.get(name="Baseline"), School.objects.all(), "school")
    sunrise = next(r for r in rows if r.area == "Sunrise Primary" and r.measure == PROTECTION)
    assert (sunrise.n, sunrise.high) == (20, 10)  # 8 rounds to 10
    assert sunrise.share == pytest.approx(0.5)
    assert sunrise.ci_low == pytest.approx(wilson(10, 20).low)


def test_change_on_the_same_children_with_newcombe_interval_and_mcnemar(
    exact, waves, sunrise, tmp_path
):
    first, second = waves
    # 40 children: 10 high in protection both times, 6 only before, 14 only after, 10 neither.
    pattern = [(1, 1)] * 10 + [(1, 0)] * 6 + [(0, 1)] * 14 + [(0, 0)] * 10
    for kid, (before, after) in zip(children(sunrise, 40, "Pair"), pattern, strict=True):
        plant(kid, first, high=("protection",) if before else ())
        plant(kid, second, high=("protection",) if after else ())
    # A child only in the later wave is not paired.
    plant(children(sunrise, 1, "New")[0], second, high=("protection",))
    out = tmp_path / "change.csv"
    call_command(
        "report",
        "change",
        "--from",
        "Baseline",
        "--to",
        "Follow-up",
        "--by",
        "school",
        "--output",
        str(out),
    )
    with open(out, encoding="utf-8") as file:
        assert file.readline().strip() == (
            "area,measure,n_paired,share_from,share_to,difference,ci_low,ci_high,p_value"
        )
    row = next(
        r for r in read(out) if r["measure"] == PROTECTION and r["area"] == "Sunrise Primary"
    )
    expected = paired_change(both=10, only_from=6, only_to=14, neither=10)
    assert row["n_paired"] == "40"
    assert (row["share_from"], row["share_to"], row["difference"]) == ("0.400", "0.600", "0.200")
    assert (row["ci_low"], row["ci_high"]) == (f"{expected.low:.3f}", f"{expected.upper:.3f}")
    assert float(row["p_value"]) == pytest.approx(expected.p_value, rel=1e-3)
    # Nobody was high in health: the "neither" cell is everyone, so the row shows nothing.
    health = next(
        r
        for r in read(out)
        if r["measure"] == "high risk: Good health" and r["area"] == "Sunrise Primary"
    )
    assert health["n_paired"] == "40" and health["difference"] == health["p_value"] == ""


def test_agreement_per_pair_of_informants_sorted_by_disagreement(exact, waves, sunrise, tmp_path):
    first, _ = waves
    # Abuse: caregiver and teacher. 6 both, 7 caregiver only, 5 teacher only, 22 neither.
    pattern = [(1, 1)] * 6 + [(1, 0)] * 7 + [(0, 1)] * 5 + [(0, 0)] * 22
    for kid, (by_caregiver, by_teacher) in zip(
        children(sunrise, 40, "Agree"), pattern, strict=True
    ):
        rules = (["pro_abuse_concern_cg"] if by_caregiver else []) + (
            ["pro_abuse_concern_tc"] if by_teacher else []
        )
        plant(kid, first, rules=rules, respondents=("caregiver", "teacher"))
    out = tmp_path / "agreement.csv"
    call_command("report", "agreement", "--wave", "Baseline", "--output", str(out))
    with open(out, encoding="utf-8") as file:
        assert file.readline().strip() == "indicator,informant_a,informant_b,n,agreement,kappa"
    rows = read(out)
    abuse = next(r for r in rows if r["indicator"] == "Abuse" and r["informant_b"] == "teacher")
    expected = agreement(both=6, only_a=7, only_b=5, neither=22)
    assert (abuse["informant_a"], abuse["n"]) == ("caregiver", "40")
    assert abuse["agreement"] == f"{expected.agreement:.3f}"
    assert abuse["kappa"] == f"{expected.kappa:.3f}"
    # Nobody assessed by a nurse: the nurse pairs have no n to show.
    nurse = next(r for r in rows if r["indicator"] == "Abuse" and r["informant_b"] == "nurse")
    assert nurse["n"] == "" and nurse["kappa"] == ""
    # Where they disagree most comes first: shown kappas rise down the file.
    kappas = [float(r["kappa"]) for r in rows if r["kappa"]]
    assert kappas == sorted(kappas)
    assert rows[0]["kappa"]  # rows with nothing shown come last


def test_each_report_is_in_the_audit_trail_with_its_codebook(exact, planted, tmp_path):
    out = tmp_path / "cohort.csv"
    call_command("report", "cohort", "--wave", "Baseline", "--by", "district", "--output", str(out))
    entry = AuditEntry.objects.get(object_type="evidence_cohort")
    assert entry.action == AuditEntry.Action.EXPORT
    assert entry.detail["wave"] == "Baseline" and entry.detail["by"] == "district"
    assert entry.detail["rows"] == len(read(out))
    assert (tmp_path / "cohort-codebook.csv").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["cohort", "--wave", "Nope", "--by", "school"], "No wave is called 'Nope'"),
        (["cohort", "--wave", "Baseline"], "--by school|circuit|district|province"),
        (["change", "--from", "Baseline", "--to", "Baseline", "--by", "school"], "same wave"),
        (["change", "--wave", "Baseline", "--by", "school"], "--from NAME --to NAME"),
        (["agreement", "--wave", "Baseline", "--by", "school"], "leave out --by"),
    ],
)
def test_bad_requests_are_refused_in_plain_words_and_write_nothing(
    planted, tmp_path, arguments, message
):
    out = tmp_path / "report.csv"
    with pytest.raises(CommandError, match=message):
        call_command("report", *arguments, "--output", str(out))
    assert not out.exists()
    assert not AuditEntry.objects.filter(object_type__startswith="evidence_").exists()


def test_a_missing_folder_is_refused_with_no_audit_entry(planted, tmp_path):
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "report", "cohort", "--wave", "Baseline", "--by", "school",
            "--output", str(tmp_path / "missing" / "c.csv"),
        )  # fmt: skip
    assert not AuditEntry.objects.filter(object_type__startswith="evidence_").exists()


def _queries(callable_) -> int:
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return len(captured)


def test_reports_cost_the_same_queries_at_two_sizes(
    exact, waves, sunrise, hilltop, district, tmp_path
):
    first, second = waves

    def grow(school, count, name):
        for kid in children(school, count, name):
            plant(kid, first, high=("protection",), rules=["pro_violence_home_cg"])
            plant(kid, second, rules=["pro_abuse_concern_tc"], respondents=("caregiver", "teacher"))

    def run_all():
        schools = School.objects.all()
        return [
            _queries(lambda: evidence.cohort(first, schools, "school")),
            _queries(lambda: evidence.change(first, second, schools, "circuit")),
            _queries(lambda: evidence.agreement(second, schools)),
            _queries(
                lambda: call_command(
                    "report",
                    "cohort",
                    "--wave",
                    "Baseline",
                    "--by",
                    "district",
                    "--output",
                    str(tmp_path / "c.csv"),
                )  # fmt: skip
            ),
        ]

    grow(sunrise, 6, "Small")
    small = run_all()
    grow(hilltop, 30, "Big")
    grow(
        School.objects.create(
            emis_number="700333333",
            name="Valley Primary",
            quintile=1,
            location=district["district"],
        ),
        12,
        "Valley",
    )
    assert run_all() == small


def test_areas_with_the_same_name_are_told_apart_not_merged(district):
    from cwtt.registry.models import Location

    other_district = Location.objects.create(
        code="GP-OD", name="Other District", level="district", parent=district["province"]
    )
    twin = Location.objects.create(
        code="GP-OD-1", name="Circuit 1", level="circuit", parent=other_district
    )
    here = School.objects.create(
        emis_number="700444444", name="Unity Primary", quintile=1, location=district["circuit"]
    )
    there = School.objects.create(
        emis_number="700555555", name="Unity Primary", quintile=1, location=twin
    )
    lone = School.objects.create(
        emis_number="700666666", name="Lone Primary", quintile=1, location=district["district"]
    )
    schools = School.objects.filter(pk__in=[here.pk, there.pk, lone.pk])
    by_circuit = evidence.areas_of(schools, "circuit")
    assert by_circuit == {
        here.pk: "Circuit 1 (Test District)",
        there.pk: "Circuit 1 (Other District)",
        lone.pk: "Not in a circuit",
    }
    by_school = evidence.areas_of(schools, "school")
    assert by_school[here.pk] == "Unity Primary (700444444)"
    assert by_school[lone.pk] == "Lone Primary"
    assert set(evidence.areas_of(schools, "province").values()) == {"Gauteng (test)"}
