"""Repeat groups in the engine (issue #12, decision 0053): the reader keeps one level of
repeats, with their questions marked as asked per row; the validator checks each row with the
same rules as the answers asked once, `${q}` in a row reading the row's own answer; a repeat's
answers are a list of rows under its name, and everything else stays as it was."""

import pytest

from cwtt.instruments.engine.definition import MAX_REPEAT_ROWS, InstrumentDefinition
from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.engine.validation import AnswerValidator

FORM = """| survey |
| | type | name | label | required | relevant | constraint | repeat_count | calculation |
| | integer | adults | Adults at home | yes | | | | |
| | calculate | limit | | | | | | ${adults} * 10 + 100 |
| | begin repeat | household_members | Household member | | | | | |
| | text | hm_name | Name | yes | | | | |
| | integer | hm_age | Age | yes | | . >= 0 and . < ${limit} | | |
| | select_one yn | hm_school | Goes to school? | | ${hm_age} < 19 and ${adults} > 0 | | | |
| | end repeat | | | | | | | |
| | begin repeat | visits | Visit | | | | ${adults} | |
| | date | visit_on | Day of the visit | yes | | | | |
| | end repeat | | | | | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
"""


@pytest.fixture(scope="module")
def result():
    found = read_instrument(FORM.encode(), "household.md")
    assert found.ok, found.problems
    return found


@pytest.fixture(scope="module")
def validator(result):
    return AnswerValidator(result.definition)


def test_the_reader_keeps_the_repeats_and_their_questions(result):
    definition = result.definition
    assert [(r.name, r.count) for r in definition.repeats] == [
        ("household_members", None),
        ("visits", "${adults}"),
    ]
    assert [q.name for q in definition.repeat_questions("household_members")] == [
        "hm_name",
        "hm_age",
        "hm_school",
    ]
    # Everything that reads answers by name sees only the questions asked once, as before.
    assert [q.name for q in definition.answerable()] == ["adults"]
    assert any("'household_members' is asked and checked" in w for w in result.warnings)
    assert not [w for w in result.warnings if "cannot evaluate" in w]


def test_a_definition_keeps_its_repeats_through_json(result):
    again = InstrumentDefinition.from_dict(result.definition.to_dict())
    assert again.repeats == result.definition.repeats
    assert again.question("hm_age").repeat == "household_members"


def test_a_definition_stored_before_repeats_still_loads(result):
    stored = result.definition.to_dict()
    del stored["repeats"]
    for question in stored["questions"]:
        del question["repeat"]
    assert InstrumentDefinition.from_dict(stored).repeats == []


def test_rows_are_checked_and_kept_as_a_list(validator):
    checked = validator.validate(
        None,
        {
            "adults": "1",
            "household_members": [
                {"hm_name": "Thandi", "hm_age": "34"},
                {"hm_name": "Sipho", "hm_age": "7", "hm_school": "yes"},
            ],
            "visits": [{"visit_on": "2026-03-01"}],
        },
        today=__import__("datetime").date(2026, 11, 23),
    )
    assert checked.errors == {}
    assert checked.answers == {
        "adults": 1,
        "household_members": [
            {"hm_name": "Thandi", "hm_age": 34},
            {"hm_name": "Sipho", "hm_age": 7, "hm_school": "yes"},
        ],
        "visits": [{"visit_on": "2026-03-01"}],
    }


def test_each_row_reads_its_own_answers_and_those_asked_once(validator):
    rows = [
        {"hm_name": "Sipho", "hm_age": "7", "hm_school": "yes"},
        {"hm_name": "Gogo", "hm_age": "70", "hm_school": "no"},
        {"hm_name": "Old", "hm_age": "115"},  # over the calculated limit of 110
    ]
    errors = validator.validate(None, {"adults": "1", "household_members": rows}).errors
    assert errors == {
        "household_members-1-hm_school": "Household member 2, Goes to school?: This question "
        "does not apply, given the earlier answers; leave it empty.",
        "household_members-2-hm_age": "Household member 3, Age: This answer is outside what "
        "is allowed here.",
        "visits-0-visit_on": "Visit 1, Day of the visit: This question needs an answer.",
    }


def test_a_required_question_is_needed_in_every_row_but_not_in_a_draft(validator):
    answers = {"adults": "0", "household_members": [{"hm_name": "A"}, {"hm_age": "3"}]}
    assert validator.validate(None, answers).errors == {
        "household_members-0-hm_age": "Household member 1, Age: This question needs an answer.",
        "household_members-1-hm_name": "Household member 2, Name: This question needs an answer.",
    }
    assert validator.validate(None, answers, partial=True).ok


def test_repeat_count_fixes_the_number_of_rows(validator):
    two = [{"visit_on": "2026-03-01"}, {"visit_on": "2026-03-02"}]
    assert validator.validate(None, {"adults": "2", "visits": two}).ok
    assert validator.validate(None, {"adults": "1", "visits": two}).errors == {
        "visits": "Visit: there are 2 rows, but the form asks for 1."
    }
    # Rows not sent are empty rows, so their required questions are missed.
    assert (
        "visits-1-visit_on" in validator.validate(None, {"adults": "2", "visits": two[:1]}).errors
    )


def test_empty_rows_at_the_end_are_no_rows(validator):
    checked = validator.validate(
        None, {"adults": "0", "household_members": [{"hm_name": "", "hm_age": None}, {}]}
    )
    assert checked.ok and checked.answers == {"adults": 0}


@pytest.mark.parametrize(
    "rows, message",
    [
        ("Thandi", "Household member: the answers should be a list of rows."),
        (["Thandi"], "Household member: the answers should be a list of rows."),
        (
            [{"hm_name": "A", "hm_age": "1"}] * (MAX_REPEAT_ROWS + 1),
            "Household member: there are 51 rows; a form takes at most 50. Split them over "
            "more than one assessment.",
        ),
    ],
)
def test_rows_of_the_wrong_shape_or_too_many_are_refused(validator, rows, message):
    checked = validator.validate(None, {"adults": "0", "household_members": rows})
    assert checked.errors == {"household_members": message}
    assert "household_members" not in checked.answers


def test_an_answer_for_a_question_not_in_the_row_is_refused(validator):
    rows = [{"hm_name": "A", "hm_age": "3", "adults": "4"}]
    assert validator.validate(None, {"adults": "0", "household_members": rows}).errors == {
        "household_members-0-adults": "Household member 1: 'adults' is not a question in this row."
    }


def test_a_question_in_a_repeat_is_not_an_answer_asked_once(validator):
    errors = validator.validate(None, {"adults": "0", "hm_name": "Thandi"}).errors
    assert errors == {"hm_name": "'hm_name' is not a question for this instrument."}


SCORED = """| survey |
| | type | name | label | respondent | domain | indicator |
| | integer | adults | Adults | caregiver | economic | living_conditions |
| | begin repeat | kids | Child | caregiver | | |
| | integer | kid_age | Age | | | |
| | end repeat | | | | | |
| scoring |
| | rule | domain | indicator | level | when | reason |
| | R1 | economic | living_conditions | high | ${kid_age} > 5 | Old |
"""


def test_a_scoring_rule_cannot_read_a_repeat_and_says_so():
    result = read_instrument(SCORED.encode(), "scored.md")
    assert [str(p) for p in result.problems] == [
        "scoring row 2, column when: ${kid_age} is asked in the repeat 'kids'; answers inside "
        "repeats are not scored in this version, so a measure or rule cannot read them"
    ]


def test_too_many_rows_in_repeat_count_is_refused():
    form = """| survey |
| | type | name | label | repeat_count |
| | begin repeat | r | R | 51 |
| | integer | x | X | |
| | end repeat | | | |
"""
    result = read_instrument(form.encode(), "big.md")
    assert [str(p) for p in result.problems] == [
        "survey row 2, column repeat_count: a repeat may have at most 50 rows here; 51 is too many"
    ]


def test_a_repeat_inside_a_repeat_is_left_to_odk_with_a_warning():
    form = """| survey |
| | type | name | label |
| | begin repeat | outer | Outer |
| | integer | a | A |
| | begin repeat | inner | Inner |
| | integer | b | B |
| | end repeat | | |
| | end repeat | | |
"""
    result = read_instrument(form.encode(), "nested.md")
    assert result.ok
    assert [q.name for q in result.definition.repeat_questions("outer")] == ["a"]
    assert result.definition.question("b") is None
    assert any("'inner' is inside the repeat 'outer'" in w for w in result.warnings)


def test_a_repeat_and_a_question_may_not_share_a_name():
    form = """| survey |
| | type | name | label |
| | begin group | g | G |
| | integer | kids | Kids |
| | end group | | |
| | begin repeat | kids | Child |
| | integer | age | Age |
| | end repeat | | |
"""
    result = read_instrument(form.encode(), "clash.md")
    assert not result.ok
    assert any("the name 'kids' is also used" in str(p) for p in result.problems)


def test_a_choice_filter_and_a_multiple_choice_in_a_row_read_the_row():
    form = """| survey |
| | type | name | label | choice_filter |
| | begin repeat | people | Person | |
| | select_one province | prov | Province | |
| | select_one district | dist | District | province = ${prov} |
| | select_multiple fuel | fuel | Fuel | |
| | end repeat | | | |
| choices |
| | list_name | name | label | province |
| | province | gp | Gauteng | |
| | province | kzn | KwaZulu-Natal | |
| | district | jhb | Johannesburg | gp |
| | district | eth | eThekwini | kzn |
| | fuel | gas | Gas | |
| | fuel | wood | Wood | |
"""
    result = read_instrument(form.encode(), "people.md")
    assert result.ok and not [w for w in result.warnings if "cannot evaluate" in w]
    validator = AnswerValidator(result.definition)
    rows = [
        {"prov": "gp", "dist": "jhb", "fuel": "gas wood"},
        {"prov": "kzn", "dist": "jhb", "fuel": ["gas"]},
    ]
    checked = validator.validate(None, {"people": rows})
    assert checked.errors == {
        "people-1-dist": "Person 2, District: 'jhb' is not one of the answers offered here, "
        "given the earlier answers."
    }
    assert checked.answers["people"][0] == {"prov": "gp", "dist": "jhb", "fuel": ["gas", "wood"]}
