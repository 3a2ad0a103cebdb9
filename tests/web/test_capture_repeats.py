"""Repeat groups on the capture page (issue #12): a repeat's questions are asked once per row,
its answers kept under its name as a list of rows; relevance, constraints and required
questions are checked per row, with `${q}` in a row reading the row's own answer; without
JavaScript "Add another" and "Remove" show the form again with a row more or less, saving
nothing; an error names the row. docs/decisions/0053-repeat-groups.md."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.actions import instrument_publish

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db

FORM = """| settings |
| | form_id | form_title |
| | household | Household |
| survey |
| | type | name | label | required | relevant | constraint | repeat_count | respondent | domain | indicator |
| | begin group | cg | Caregiver | | | | | caregiver | | |
| | integer | adults | Adults at home | yes | | | | | economic | living_conditions |
| | begin repeat | household_members | Household member | | | | | | | |
| | text | hm_name | Name | yes | | | | | | |
| | integer | hm_age | Age | yes | | . >= 0 and . < 120 | | | | |
| | select_one yn | hm_school | Goes to school? | | ${hm_age} < 19 | | | | | |
| | end repeat | | | | | | | | | |
| | integer | rooms | Rooms | | | | | | economic | living_conditions |
| | begin repeat | room_use | Room | | | | ${rooms} | | | |
| | text | room_for | Used for | | | | | | | |
| | end repeat | | | | | | | | | |
| | end group | | | | | | | | | |
| choices |
| | list_name | name | label |
| | yn | yes | Yes |
| | yn | no | No |
"""


@pytest.fixture
def url(client, people, child, sunrise):
    version = instrument_publish(data=FORM.encode(), filename="household.md").version
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=version,
    )
    wave.schools.set([sunrise])
    sign_in(client, people["fiona"])
    return reverse("capture", args=[child.pk, "caregiver"]), wave


def send(client, url, **answers):
    page, wave = url
    return client.post(page, {"wave": wave.pk, "assessed_on": "2026-03-05", **answers})


def field_error(page: str, key: str) -> str:
    found = re.search(rf'<div class="error" id="{key}-error" role="alert">([^<]*)</div>', page)
    return found.group(1) if found else ""


def row_boxes(page: str) -> list[str]:
    """The names of the repeat's boxes shown (the row template's are not)."""
    shown = page.split("<template data-repeat-template>")[0]
    return re.findall(r'name="(household_members-\d+-hm_name)"', shown)


def test_the_page_shows_one_empty_row_and_a_button_to_add_another(client, url):
    page = client.get(url[0]).content.decode()
    assert row_boxes(page) == ["household_members-0-hm_name"]
    assert 'name="add_row" value="household_members"' in page
    assert "<template data-repeat-template>" in page
    assert 'name="household_members-__row__-hm_age"' in page  # the row the browser copies
    # `repeat_count` fixes the rooms' rows: no buttons, and no rows before the count is known.
    assert 'value="room_use"' not in page
    assert 'name="room_use-0-room_for"' not in page


def test_rows_are_saved_as_a_list_under_the_repeat_name(client, url):
    response = send(
        client,
        url,
        adults="2",
        **{
            "household_members-0-hm_name": "Thandi",
            "household_members-0-hm_age": "34",
            "household_members-3-hm_name": "Sipho",  # a gap left by a removed row
            "household_members-3-hm_age": "7",
            "household_members-3-hm_school": "yes",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    answers = Assessment.objects.get().answers
    assert answers == {
        "adults": 2,
        "household_members": [
            {"hm_name": "Thandi", "hm_age": 34},
            {"hm_name": "Sipho", "hm_age": 7, "hm_school": "yes"},
        ],
    }


def test_an_error_in_a_row_names_the_row_and_nothing_is_saved(client, url):
    response = send(
        client,
        url,
        adults="2",
        **{
            "household_members-0-hm_name": "Thandi",
            "household_members-0-hm_age": "34",
            "household_members-1-hm_name": "Sipho",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert field_error(page, "household_members-1-hm_age") == (
        "Household member 2, Age: This question needs an answer."
    )
    assert field_error(page, "household_members-0-hm_age") == ""
    assert not Assessment.objects.exists()


def test_relevance_in_a_row_reads_the_rows_own_answer(client, url):
    response = send(
        client,
        url,
        adults="2",
        **{
            "household_members-0-hm_name": "Sipho",
            "household_members-0-hm_age": "7",
            "household_members-0-hm_school": "yes",
            "household_members-1-hm_name": "Thandi",
            "household_members-1-hm_age": "34",
            "household_members-1-hm_school": "no",  # an adult: the question does not apply
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "This question does not apply" in field_error(page, "household_members-1-hm_school")
    assert field_error(page, "household_members-0-hm_school") == ""
    # The row's own answer also decides what the page shows: hidden for the adult only.
    assert re.search(r'id="field-household_members-1-hm_school"[^>]* hidden', page)
    assert not re.search(r'id="field-household_members-0-hm_school"[^>]* hidden', page)


def test_a_constraint_in_a_row_is_checked(client, url):
    response = send(
        client,
        url,
        adults="2",
        **{"household_members-0-hm_name": "Gogo", "household_members-0-hm_age": "130"},
    )
    assert "Household member 1, Age: This answer is outside" in field_error(
        response.content.decode(), "household_members-0-hm_age"
    )


def test_add_another_without_javascript_shows_a_row_more_and_saves_nothing(client, url):
    response = send(
        client,
        url,
        adults="2",
        add_row="household_members",
        **{"household_members-0-hm_name": "Thandi", "household_members-0-hm_age": "34"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert row_boxes(page) == ["household_members-0-hm_name", "household_members-1-hm_name"]
    assert 'value="Thandi"' in page
    assert not Assessment.objects.exists()
    assert 'class="alert"' not in page.split("<form")[0]  # no error shown for an unfinished form


def test_remove_without_javascript_leaves_the_row_out_and_saves_nothing(client, url):
    response = send(
        client,
        url,
        adults="2",
        remove_row="household_members-0",
        **{
            "household_members-0-hm_name": "Thandi",
            "household_members-1-hm_name": "Sipho",
        },
    )
    page = response.content.decode()
    assert row_boxes(page) == ["household_members-0-hm_name"]
    assert 'value="Sipho"' in page and 'value="Thandi"' not in page
    assert not Assessment.objects.exists()


def test_an_empty_last_row_is_no_row(client, url):
    response = send(client, url, adults="2", **{"household_members-0-hm_name": ""})
    assert response.status_code == 302
    assert Assessment.objects.get().answers == {"adults": 2}


def test_repeat_count_fixes_the_rows_and_their_number_is_checked(client, url):
    response = send(client, url, adults="2", rooms="2", **{"room_use-0-room_for": "Sleeping"})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Assessment.objects.get().answers["room_use"] == [{"room_for": "Sleeping"}, {}]
    Assessment.objects.all().delete()
    response = send(
        client,
        url,
        adults="2",
        rooms="1",
        **{"room_use-0-room_for": "Sleeping", "room_use-1-room_for": "Cooking"},
    )
    assert response.status_code == 200
    assert "Room: there are 2 rows, but the form asks for 1." in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_draft_with_rows_shows_them_again(client, url):
    send(
        client,
        url,
        save_draft="1",
        **{"household_members-0-hm_name": "Thandi", "household_members-1-hm_name": "Sipho"},
    )
    page = client.get(url[0]).content.decode()
    assert row_boxes(page) == ["household_members-0-hm_name", "household_members-1-hm_name"]
    assert 'value="Sipho"' in page


# --- the answers once sent: the questionnaire's page, a correction, the wave export --------

ROWS = {
    "household_members-0-hm_name": "Thandi",
    "household_members-0-hm_age": "34",
    "household_members-1-hm_name": "Sipho",
    "household_members-1-hm_age": "7",
    "household_members-1-hm_school": "yes",
}


@pytest.fixture
def sent(client, url):
    assert send(client, url, adults="2", **ROWS).status_code == 302
    return Assessment.objects.get()


def test_the_questionnaires_page_shows_each_row_in_words(client, sent):
    page = client.get(reverse("assessment", args=[sent.uuid])).content.decode()
    assert '<th scope="row">Household member</th>' in page
    assert '<div class="repeat-answer">1. Name: Thandi; Age: 34</div>' in page
    assert '<div class="repeat-answer">2. Name: Sipho; Age: 7; Goes to school?: Yes</div>' in page
    assert "not shown to your role" not in page  # the rows are not counted as withheld


def test_a_correction_can_change_a_row(client, sent):
    page = reverse("assessment", args=[sent.uuid])
    changed = {**ROWS, "household_members-1-hm_age": "8"}
    response = client.post(page, {"adults": "2", "reason": "Sipho is eight", **changed})
    assert response.status_code == 302, response.content.decode()[:3000]
    correction = sent.corrections.get()
    assert correction.answers_after["household_members"][1]["hm_age"] == 8
    assert correction.answers_before["household_members"][1]["hm_age"] == 7


def test_the_wave_export_has_the_row_count_and_the_rows_as_json(tmp_path, sent):
    import csv
    import json as json_module

    from django.core.management import call_command

    output = tmp_path / "wave.csv"
    call_command("export", "assessments", wave="Wave 1", output=str(output))
    with output.open(encoding="utf-8", newline="") as file:
        (row,) = list(csv.DictReader(file))
    assert row["household_members_rows"] == "2"
    assert json_module.loads(row["household_members"]) == [
        {"hm_age": 34, "hm_name": "Thandi"},
        {"hm_age": 7, "hm_name": "Sipho", "hm_school": "yes"},
    ]
    assert row["room_use_rows"] == "0" and row["room_use"] == ""
    with (tmp_path / "wave-codebook.csv").open(encoding="utf-8", newline="") as file:
        book = {r["column"]: r for r in csv.DictReader(file)}
    assert book["household_members"]["type"] == "json"
    assert "hm_age (Age)" in book["household_members"]["label"]
    assert book["household_members_rows"]["type"] == "integer"
