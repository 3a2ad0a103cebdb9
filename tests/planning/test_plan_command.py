"""`cwtt plan workforce` and `cwtt plan targeting`: the CSV columns, the one-line summary, the
same suppression as the page, and plain messages for bad input."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cwtt.planning.exports import TARGETING_COLUMNS, WORKFORCE_COLUMNS

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("plan", *args, stdout=out)
    return out.getvalue()


def read(path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_workforce_csv_has_the_documented_columns_and_a_total(tmp_path, planted):
    path = tmp_path / "w.csv"
    said = run("workforce", "--caseload", "60", "--by", "circuit", "--output", str(path))
    assert said.count("\n") == 1
    assert "caseload 60 reviewed every 4 weeks, by circuit" in said
    with open(path, encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == WORKFORCE_COLUMNS
    rows = read(path)
    social = {r["area"]: r for r in rows if r["profession"] == "social_worker"}
    assert social["Circuit 1"]["cases"] == "30"  # 32 rounded
    assert social["Circuit 1"]["workers_needed"] == "0.5"
    assert social["Circuit 1"]["staff_now"] == "1.5"
    assert social["All schools"]["cases"] == "40"  # 42 rounded
    assert social["All schools"]["annual_cost_needed"] == str(round(40 / 60 * 450000, 0))
    assert social["All schools"]["by"] == "total"
    assert social["All schools"]["cost_source"].startswith("placeholder")


def test_workforce_by_school_leaves_small_counts_empty(tmp_path, planted):
    path = tmp_path / "w.csv"
    run("workforce", "--caseload", "60", "--by", "school", "--output", str(path))
    tiny = {r["profession"]: r for r in read(path) if r["area"] == "Tiny Primary"}
    assert tiny["social_worker"]["cases"] == ""  # 2 children: hidden
    assert tiny["social_worker"]["workers_needed"] == ""
    # Its 6 children: never shown exactly (rounded to 5, or hidden so that the empty schools'
    # hidden rows cannot be worked out from the total).
    assert tiny["social_worker"]["children_assessed"] in {"", "5"}


def test_workforce_takes_an_edited_cost_file(tmp_path, planted):
    costs = tmp_path / "costs.json"
    costs.write_text(
        json.dumps(
            {
                "professions": {
                    code: {"annual_cost": 1000, "source": "district budget 2026"}
                    for code in [
                        "social_worker",
                        "nurse",
                        "learner_support_agent",
                        "community_worker",
                    ]
                }
            }
        )
    )
    path = tmp_path / "w.csv"
    run("workforce", "--caseload", "60", "--costs", str(costs), "--output", str(path))
    whole = next(r for r in read(path) if r["by"] == "total" and r["profession"] == "social_worker")
    assert whole["cost_source"] == "district budget 2026"
    assert float(whole["annual_cost_needed"]) == pytest.approx(round(40 / 60 * 1000))


def test_targeting_csv_ranks_schools_with_reasons(tmp_path, planted, wave):
    path = tmp_path / "t.csv"
    said = run("targeting", "--wave", wave.name, "--output", str(path))
    assert said.startswith("Wave 1: 3 of 5 schools ranked by unmet need. Most in need: Big Need")
    with open(path, encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == TARGETING_COLUMNS
    rows = read(path)
    assert len(rows) == 5 * 6  # a row per school and domain
    big = {r["domain"]: r for r in rows if r["school"] == "Big Need Primary"}
    assert big["protection"]["rank"] == "1"
    assert big["protection"]["high_risk"] == "30"
    assert big["protection"]["unmet_need"] == "30"
    assert big["protection"]["services_in_reach"] == "0"
    tiny = {r["domain"]: r for r in rows if r["school"] == "Tiny Primary"}
    assert tiny["protection"]["high_risk"] == "" and tiny["protection"]["unmet_need"] == ""
    served = {r["domain"]: r for r in rows if r["school"] == "Served Primary"}
    assert served["protection"]["places"] == "60"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["workforce", "--caseload", "0"], "caseload must be a whole number"),
        (["workforce", "--caseload", "sixty"], "Expected a whole number, not 'sixty'"),
        (["workforce", "--caseload", "60", "--review-weeks", "60"], "review interval"),
        (["workforce", "--caseload", "60", "--wave", "Wave 9"], "No wave called 'Wave 9'"),
        (["workforce", "--caseload", "60", "--costs", "/no/such.json"], "does not exist"),
        (["targeting", "--wave", "Wave 1", "--months", "0"], "1 to 60 months"),
    ],
)
def test_bad_input_gets_a_plain_message_and_no_file(tmp_path, planted, args, message):
    path = tmp_path / "out.csv"
    with pytest.raises(CommandError, match=message):
        run(*args, "--output", str(path))
    assert not path.exists()


def test_the_output_must_be_a_csv_in_an_existing_folder(tmp_path, planted):
    with pytest.raises(CommandError, match="must be a .csv file"):
        run("workforce", "--caseload", "60", "--output", str(tmp_path / "w.xlsx"))
    with pytest.raises(CommandError, match="does not exist"):
        run("workforce", "--caseload", "60", "--output", str(tmp_path / "no" / "w.csv"))


def test_one_count_is_hidden_or_shown_the_same_way_in_every_table(planted, wave):
    """The learner support agents' cases at a school are its children at high risk in
    education (and community workers' in money): the targeting table and the workforce table
    by school read one published cell, so one cannot show what the other hides."""
    from cwtt.planning import published, sources
    from cwtt.planning.workforce import load_unit_costs
    from cwtt.registry.models import School

    schools = School.objects.all()
    counts = sources.school_counts(schools, wave)
    where = sources.places()
    ranking, _k, _base = published.targeting_rows(counts, where, sources.services())
    workforce = published.workforce_rows(
        published.area_needs(published.groups(counts, "school", where), {}),
        caseload=60,
        review_weeks=4,
        costs=load_unit_costs(),
        whole="All",
        parts=published.circuits_of(counts, where),
        whole_from=published.area_needs(published.groups(counts, "circuit", where), {}),
    )
    by_school = {r.label: r for r in workforce.rows if not r.total}
    pairs = [("learner_support_agent", "education"), ("community_worker", "economic")]
    for target in ranking:
        row = by_school[target.school]
        assert row.n == target.n
        for code, domain in pairs:
            cell = next(p.cases for p in row.professions if p.code == code)
            assert cell == next(d.high for d in target.domains if d.domain == domain)
