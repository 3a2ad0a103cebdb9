"""Translations: `label::isiZulu (zu)` columns give labels, hints, answers and constraint
messages in another language, named as the author named them."""

import pytest

from cwtt.instruments.engine.definition import InstrumentDefinition, label_text
from cwtt.instruments.engine.reader import read_instrument
from cwtt.instruments.engine.validation import AnswerValidator

FORM = """
| survey |
| | type | name | label | label::isiZulu (zu) | hint | hint::isiZulu (zu) | constraint | constraint_message | constraint_message::isiZulu (zu) |
| | integer | meals | Meals yesterday | Izidlo izolo | Count them | Zibale | . >= 0 and . <= 6 | From 0 to 6 | Kusuka ku-0 kuya ku-6 |
| | select_one yn | hungry | Hungry? | Ulambile? |  |  |  |  |  |
| | integer | days | Days | Izinsuku |  |  | . <= 7 | At most 7 |  |
| choices |
| | list_name | name | label | label::isiZulu (zu) |
| | yn | yes | Yes | Yebo |
| | yn | no | No | Cha |
| settings |
| | form_id | default_language |
| | langs | English (en) |
"""


@pytest.fixture(scope="module")
def definition():
    result = read_instrument(FORM.encode(), "langs.md")
    assert result.ok, [str(p) for p in result.problems]
    return result.definition


def test_languages_are_read_by_code_with_the_authors_names(definition):
    assert definition.languages == ["zu"]
    assert definition.language_name("zu") == "isiZulu"
    assert definition.language_name("") == "English"  # from default_language
    meals = definition.question("meals")
    assert label_text(meals.label, "zu") == "Izidlo izolo"
    assert label_text(meals.hint, "zu") == "Zibale"
    assert label_text(definition.choices["yn"][0].label, "zu") == "Yebo"


def test_a_missing_translation_falls_back_to_the_default(definition):
    assert label_text(definition.question("days").label, "xh") == "Days"
    assert definition.question("days").constraint_text("zu") == "At most 7"


def test_constraint_messages_come_in_the_language_asked_for(definition):
    validator = AnswerValidator(definition)
    assert validator.validate(None, {"meals": 9}).errors == {"meals": "From 0 to 6"}
    assert validator.validate(None, {"meals": 9}, language="zu").errors == {
        "meals": "Kusuka ku-0 kuya ku-6"
    }


def test_translations_survive_storing_the_definition(definition):
    again = InstrumentDefinition.from_dict(definition.to_dict())
    assert again.language_names == {"zu": "isiZulu", "default": "English"}
    assert again.question("meals").constraint_text("zu") == "Kusuka ku-0 kuya ku-6"


def test_a_version_stored_before_translations_still_loads():
    stored = read_instrument(FORM.encode(), "langs.md").definition.to_dict()
    stored.pop("language_names")
    for question in stored["questions"]:
        question.pop("constraint_messages")
    old = InstrumentDefinition.from_dict(stored)
    assert old.language_name("zu") == "zu" and old.language_name("") == "English"
    assert old.question("meals").constraint_text("zu") == "From 0 to 6"
