"""Bulk CSV scoring round trips, and the by-name registry the scoring engine calls."""

import csv
import io

import pytest

from cwtt.instruments.measures.csv_tool import (
    MEASURES,
    CsvColumnError,
    CsvSummary,
    UnknownMeasureError,
    compute,
    score_csv,
)
from cwtt.instruments.measures.errors import MeasureInputError
from cwtt.instruments.measures.growth import growth
from cwtt.instruments.measures.phq9 import phq9


def run(measure: str, text: str) -> tuple[CsvSummary, list[dict[str, str]], list[str]]:
    output = io.StringIO()
    summary = score_csv(measure, io.StringIO(text), output)
    output.seek(0)
    reader = csv.DictReader(output)
    rows = list(reader)
    return summary, rows, list(reader.fieldnames or [])


PHQ9_CSV = (
    "id,school,q1,q2,q3,q4,q5,q6,q7,q8,q9\n"
    "c-001,North,0,1,0,1,0,1,0,1,0\n"
    "c-002,North,3,3,7,3,3,3,3,3,3\n"
    "c-003,South,3,3,3,3,3,3,2,0,1\n"
)


def test_phq9_output_keeps_input_columns_then_results_then_error():
    _, _, header = run("phq9", PHQ9_CSV)
    assert header == [
        "id",
        "school",
        *[f"q{i}" for i in range(1, 10)],
        "phq9_score",
        "phq9_band",
        "phq9_urgent",
        "error",
    ]


def test_a_bad_row_gets_an_error_and_empty_results_while_the_others_are_scored():
    summary, rows, _ = run("phq9", PHQ9_CSV)
    assert summary == CsvSummary(rows=3, scored=2, errors=1)
    assert [row["id"] for row in rows] == ["c-001", "c-002", "c-003"]
    assert rows[0]["phq9_score"] == "4"
    assert rows[0]["phq9_band"] == "minimal"
    assert rows[0]["phq9_urgent"] == "false"
    assert rows[0]["error"] == ""
    assert rows[1]["error"] == "q3: 7 is not a valid answer code (expected 0-3)"
    assert rows[1]["phq9_score"] == rows[1]["phq9_band"] == rows[1]["phq9_urgent"] == ""
    assert rows[1]["q3"] == "7"
    assert (rows[2]["phq9_score"], rows[2]["phq9_band"], rows[2]["phq9_urgent"]) == (
        "21",
        "severe",
        "true",
    )


def test_a_file_missing_a_question_column_raises_before_writing_anything():
    output = io.StringIO()
    with pytest.raises(CsvColumnError, match="missing the column\\(s\\) q8, q9"):
        score_csv("phq9", io.StringIO("id,q1,q2,q3,q4,q5,q6,q7\n1,0,0,0,0,0,0,0\n"), output)
    assert output.getvalue() == ""


def test_a_growth_file_without_any_age_columns_names_both_ways_to_give_age():
    with pytest.raises(CsvColumnError) as raised:
        score_csv("growth", io.StringIO("id,sex,height_cm\n1,F,110\n"), io.StringIO())
    message = str(raised.value)
    assert "weight_kg" in message
    assert "age_months (or date_of_birth and measured_on)" in message
    assert isinstance(raised.value, ValueError)


def test_an_empty_file_is_an_error_listing_the_expected_columns():
    with pytest.raises(CsvColumnError, match="empty.*q1, q2"):
        score_csv("hfias", io.StringIO(""), io.StringIO())


def test_an_unknown_measure_is_an_error_listing_the_known_ones():
    with pytest.raises(UnknownMeasureError, match="growth, hfias, phq9, psc17"):
        score_csv("sdq", io.StringIO("q1\n0\n"), io.StringIO())


def test_a_file_already_holding_result_columns_is_refused():
    scored = io.StringIO()
    score_csv("phq9", io.StringIO(PHQ9_CSV), scored)
    with pytest.raises(CsvColumnError, match="already has result column"):
        score_csv("phq9", io.StringIO(scored.getvalue()), io.StringIO())


def test_column_names_match_regardless_of_case_spaces_and_a_byte_order_mark():
    text = "\ufeffID, Q1 ,Q2,Q3,Q4,Q5,Q6,Q7,Q8,Q9\nx,1,1,1,1,1,1,1,1,1\n"
    summary, rows, header = run("phq9", text)
    assert summary.scored == 1
    assert header[:2] == ["ID", " Q1 "]
    assert rows[0]["phq9_score"] == "9"


def test_blank_lines_are_skipped_and_short_rows_count_as_blank_answers():
    text = "id,q1,q2,q3,q4,q5,q6,q7,q8,q9\n\n1,0,0,0,0,0,0,0,0,0\n2,0,0,0\n"
    summary, rows, _ = run("phq9", text)
    assert summary == CsvSummary(rows=2, scored=1, errors=1)
    assert rows[1]["error"] == "q4: no answer given (expected 0-3)"


def test_a_row_with_extra_values_is_reported_not_misaligned():
    text = "id,q1,q2,q3,q4,q5,q6,q7,q8,q9\n1,0,0,0,0,0,0,0,0,0,5\n2,0,0,0,0,0,0,0,0,0,,\n"
    summary, rows, _ = run("phq9", text)
    assert rows[0]["error"] == "row has 11 values but the header has 10 columns"
    assert rows[1]["error"] == ""
    assert summary.errors == 1


def test_growth_rows_are_scored_from_age_or_dates_with_true_false_and_empty_cells():
    text = (
        "child,sex,age_months,date_of_birth,measured_on,height_cm,weight_kg\n"
        "a,F,60.32,,,113.8,18.7\n"
        "b,F,,2015-01-01,2020-01-11,113.8,\n"
        "c,M,30,,,2500,12\n"
        "d,M,130,,,140,\n"
    )
    summary, rows, header = run("growth", text)
    assert header[7:] == [
        "bmi",
        "haz",
        "waz",
        "baz",
        "flag_haz",
        "flag_waz",
        "flag_baz",
        "stunted",
        "severely_stunted",
        "underweight",
        "severely_underweight",
        "thin",
        "severely_thin",
        "overweight",
        "obese",
        "error",
    ]
    assert summary == CsvSummary(rows=4, scored=3, errors=1)
    a, b, c, d = rows
    assert (a["bmi"], a["haz"], a["waz"], a["baz"]) == ("14.44", "0.96", "0.21", "-0.58")
    assert (a["flag_haz"], a["stunted"], a["overweight"]) == ("false", "false", "false")
    assert b["haz"] != "" and b["bmi"] == "" and b["baz"] == "" and b["flag_baz"] == ""
    assert (
        c["error"] == "height_cm: 2500 is not a plausible height in centimetres (expected 38-200)"
    )
    assert c["bmi"] == c["haz"] == c["obese"] == ""
    assert d["waz"] == "" and d["underweight"] == ""


def test_a_growth_row_with_no_age_at_all_is_an_error():
    text = "sex,age_months,height_cm,weight_kg\nF,,110,18\n"
    _, rows, _ = run("growth", text)
    assert rows[0]["error"].startswith("age_months: no age given")


def test_hfias_and_psc17_files_are_scored():
    hfias_text = "id,q1,q2,q3,q4,q5,q6,q7,q8,q9\nh1,2,0,0,0,0,0,0,0,0\nh2,3,3,3,3,3,3,3,3,3\n"
    _, rows, _ = run("hfias", hfias_text)
    assert [
        (r["hfias_score"], r["hfias_category"], r["hhs_score"], r["hhs_category"]) for r in rows
    ] == [
        ("2", "mildly_insecure", "0", "none_or_little"),
        ("27", "severely_insecure", "6", "severe"),
    ]
    psc_header = "id," + ",".join(f"q{i}" for i in range(1, 18))
    _, rows, _ = run(
        "psc17", f"{psc_header}\np1,{','.join(['2'] * 17)}\np2,{','.join(['1'] * 16)},3\n"
    )
    assert rows[0]["psc17_total"] == "34" and rows[0]["psc17_total_positive"] == "true"
    assert rows[1]["error"] == "q17: 3 is not a valid answer code (expected 0-2)"


# --- compute() and MEASURES ---------------------------------------------------------------------


SAMPLE_INPUTS = {
    "growth": {"sex": "F", "age_months": 60.32, "height_cm": 113.8, "weight_kg": 18.7},
    "hfias": {f"q{i}": 1 for i in range(1, 10)},
    "phq9": {f"q{i}": 2 for i in range(1, 10)},
    "psc17": {f"q{i}": 1 for i in range(1, 18)},
}


@pytest.mark.parametrize("name", sorted(MEASURES))
def test_compute_returns_exactly_the_csv_result_columns(name):
    result = compute(name, SAMPLE_INPUTS[name])
    assert tuple(result) == MEASURES[name].output_columns


def test_compute_returns_python_values_matching_the_measure_function():
    assert compute("growth", SAMPLE_INPUTS["growth"]) == growth("F", 60.32, 113.8, 18.7)
    assert compute("phq9", SAMPLE_INPUTS["phq9"]) == phq9([2] * 9)
    assert compute("phq9", SAMPLE_INPUTS["phq9"])["phq9_urgent"] is True


def test_compute_returns_a_new_dict_each_call():
    first = compute("phq9", SAMPLE_INPUTS["phq9"])
    first["phq9_score"] = -1
    assert compute("phq9", SAMPLE_INPUTS["phq9"])["phq9_score"] == 18


def test_compute_raises_for_an_unknown_measure_and_for_bad_input():
    with pytest.raises(UnknownMeasureError):
        compute("gad7", {})
    with pytest.raises(MeasureInputError, match="q1: no answer given"):
        compute("psc17", {})
