"""The default instrument reads in isiZulu as well as English: every label, hint, answer and
constraint message has its isiZulu text (docs/decisions/0021-isizulu-labels.md)."""

from pathlib import Path

import pytest
from django.conf import settings

from cwtt.instruments.engine.reader import read_instrument, read_sheets

ZULU = "isiZulu (zu)"
TRANSLATED = ("label", "hint", "constraint_message")


@pytest.fixture(scope="module")
def sheets():
    path = Path(settings.CWTT_DEFAULT_INSTRUMENT)
    return read_sheets(path.read_bytes(), path.name)


def untranslated(sheet, columns) -> list[str]:
    missing = []
    for number, row in sheet.rows:
        for column in columns:
            english, zulu = row.get(column, ""), row.get(f"{column}::{ZULU}", "")
            if english and not zulu:
                missing.append(f"{sheet.name} row {number} ({row.get('name')}): no {column}")
            elif zulu and not english:
                missing.append(f"{sheet.name} row {number} ({row.get('name')}): {column} only zu")
            elif english and zulu == english:
                missing.append(f"{sheet.name} row {number} ({row.get('name')}): {column} copied")
    return missing


def test_every_labelled_survey_row_has_its_isizulu_text(sheets):
    assert untranslated(sheets["survey"], TRANSLATED) == []


def test_every_answer_has_its_isizulu_label(sheets):
    assert untranslated(sheets["choices"], ["label"]) == []


def test_the_plain_columns_are_english_and_isizulu_is_offered():
    definition = read_instrument(Path(settings.CWTT_DEFAULT_INSTRUMENT)).definition
    assert definition.languages == ["zu"]
    assert definition.language_name("") == "English"
    assert definition.language_name("zu") == "isiZulu"
    assert all("zu" in q.label for q in definition.questions)
    assert all("zu" in label for label in definition.group_labels.values())
    assert all("zu" in c.label for items in definition.choices.values() for c in items)
