"""`calculate` rows and `choice_filter`: the server works calculations out from the answers, in
form order, and offers a select only the answers its filter lets through, so a question
whose `relevant` or `constraint` reads one is checked as ODK would check it (issue #12)."""

import pytest

from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.engine.validation import AnswerValidator

FORM = """| survey |
| | type | name | label | calculation | relevant | constraint | required |
| | integer | adults | Adults at home | | | | yes |
| | integer | children | Children at home | | | | yes |
| | calculate | people | | ${adults} + ${children} | | | |
| | calculate | crowded | | if(${people} > 6, 'yes', 'no') | | | |
| | integer | rooms | Rooms | | ${crowded} = 'yes' | . >= 1 and . <= ${people} | yes |
"""


@pytest.fixture(scope="module")
def validator():
    result = read_instrument(FORM.encode(), "home.md")
    assert result.ok, result.problems
    assert not [w for w in result.warnings if "cannot evaluate" in w]
    return AnswerValidator(result.definition)


def test_a_calculation_reads_answers_and_earlier_calculations(validator):
    assert validator.with_calculations({"adults": 2, "children": 5}) == {
        "adults": 2,
        "children": 5,
        "people": 7,
        "crowded": "yes",
    }
    assert validator.with_calculations({"adults": 2})["people"] is None


def test_a_question_shown_by_a_calculation_is_needed_only_when_it_shows(validator):
    assert validator.validate(None, {"adults": 2, "children": 1}).ok
    assert validator.validate(None, {"adults": 2, "children": 5}).errors == {
        "rooms": "This question needs an answer."
    }
    assert validator.validate(None, {"adults": 2, "children": 1, "rooms": 1}).errors == {
        "rooms": "This question does not apply, given the earlier answers; leave it empty."
    }


def test_a_constraint_may_read_a_calculation(validator):
    assert validator.validate(None, {"adults": 2, "children": 5, "rooms": 3}).ok
    assert validator.validate(None, {"adults": 2, "children": 5, "rooms": 8}).errors == {
        "rooms": "This answer is outside what is allowed here."
    }


def test_calculations_are_not_answers(validator):
    checked = validator.validate(None, {"adults": 2, "children": 1, "people": 3})
    assert checked.errors == {"people": "'people' is not a question for this instrument."}
    assert "people" not in validator.validate(None, {"adults": 2, "children": 1}).answers


FILTERED = """| survey |
| | type | name | label | choice_filter |
| | select_one province | prov | Province | |
| | select_multiple district | dist | Districts | province = ${prov} or name = 'any' |
| choices |
| | list_name | name | label | province |
| | province | gp | Gauteng | |
| | province | kzn | KwaZulu-Natal | |
| | district | jhb | Johannesburg | gp |
| | district | eth | eThekwini | kzn |
| | district | any | Anywhere | |
"""


def test_a_choice_filter_reads_the_choices_columns_by_bare_name():
    result = read_instrument(FILTERED.encode(), "where.md")
    assert result.ok, result.problems
    dist = result.definition.question("dist")
    assert dist.choice_filter == "${__choice_province} = ${prov} or ${__choice_name} = 'any'"
    validator = AnswerValidator(result.definition)
    assert validator.offered(dist, {"prov": "gp"}) == {"jhb", "any"}
    assert validator.validate(None, {"prov": "kzn", "dist": ["eth", "any"]}).ok
    assert validator.validate(None, {"prov": "kzn", "dist": ["jhb"]}).errors == {
        "dist": "'jhb' is not one of the answers offered here, given the earlier answers."
    }


def test_a_choice_filter_the_server_cannot_evaluate_is_a_warning_and_every_answer_is_offered():
    text = FILTERED.replace("province = ${prov} or name = 'any'", "position(..) > 1")
    result = read_instrument(text.encode(), "where.md")
    assert result.ok, result.problems
    assert result.definition.question("dist").choice_filter is None
    assert any("column choice_filter: the server cannot evaluate" in w for w in result.warnings)
    assert AnswerValidator(result.definition).validate(None, {"prov": "kzn", "dist": ["jhb"]}).ok


def test_a_question_named_like_a_choice_column_is_refused():
    text = "| survey |\n| | type | name | label |\n| | integer | __choice_name | Q |\n"
    result = read_instrument(text.encode(), "odd.md")
    assert [str(p) for p in result.problems] == [
        "survey row 2, column name: names beginning with '__choice_' are kept for choice filters"
    ]
