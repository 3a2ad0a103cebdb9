"""The capture page in isiZulu: a language button re-shows the questions and answers in
isiZulu, keeps what was answered so far, and the answers are stored as the same codes."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.actions import validator_for

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db

ILL_EN = "In the past 2 weeks, was the child sick"
ILL_ZU = "Emasontweni amabili adlule, ingane ike yagula yini"


@pytest.fixture
def default_wave(default_version, sunrise):
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=default_version,
    )
    wave.schools.set([sunrise])
    return wave


@pytest.fixture
def url(client, people, child, default_wave):
    sign_in(client, people["fiona"])
    return reverse("capture", args=[child.pk, "caregiver"])


def switch_buttons(page: str) -> list[str]:
    return re.findall(r'<button type="submit" name="switch_lang"[^>]*>[^<]*</button>', page)


def all_caregiver_answers(version) -> dict:
    """A complete, valid caregiver questionnaire: the first answer to every question that
    applies, and 1 for every number."""
    validator = validator_for(version.pk)
    answers: dict = {}
    for question in validator.questions("caregiver"):
        if not validator.is_relevant(
            question, validator.validate("caregiver", answers, partial=True).answers
        ):
            continue
        first = next(iter(validator.definition.choices.get(question.list_name or "", [])), None)
        if question.type == "select_one":
            answers[question.name] = first.name
        elif question.type == "select_multiple":
            answers[question.name] = [first.name]
        else:
            answers[question.name] = "1"
    return answers


def test_the_page_offers_the_languages_by_name_and_marks_the_current_one(client, url):
    page = client.get(url).content.decode()
    buttons = switch_buttons(page)
    assert [re.sub(r"<[^>]+>", "", b) for b in buttons] == ["English", "isiZulu"]
    assert 'aria-current="true"' in buttons[0] and "aria-current" not in buttons[1]
    assert ILL_EN in page and ILL_ZU not in page
    assert '<div lang="en">' in page
    # Enter in an answer still submits the assessment, not a language switch.
    assert page.index('name="submit"') < page.index('name="switch_lang"')


def test_switching_to_isizulu_keeps_the_answers_and_saves_nothing(client, url, default_wave):
    response = client.post(
        url,
        {
            "wave": default_wave.pk,
            "assessed_on": "2026-03-05",
            "lang": "",
            "cg_ill_2wk": "yes",
            "cg_activity_days": "4",
            "cg_food_groups": ["grains", "eggs"],
            "switch_lang": "zu",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert ILL_ZU in page and ILL_EN not in page
    assert "Ingxoxo nomnakekeli" in page  # the group's own label, in isiZulu
    assert '<div lang="zu">' in page
    assert '<input type="hidden" name="lang" value="zu">' in page
    buttons = switch_buttons(page)
    assert 'aria-current="true"' in buttons[1] and "aria-current" not in buttons[0]
    # What was answered is still there.
    assert re.search(r'name="cg_ill_2wk" value="yes" checked', page)
    assert 'name="cg_activity_days" value="4"' in page
    assert re.search(r'name="cg_food_groups" value="grains" checked', page)
    assert re.search(r'name="cg_food_groups" value="eggs" checked', page)
    assert 'value="2026-03-05"' in page
    assert not Assessment.objects.exists()
    assert "need attention" not in page


def test_the_answers_read_in_isizulu_but_keep_their_codes(client, url):
    page = client.get(url + "?lang=zu").content.decode()
    assert re.search(r'name="cg_ill_2wk" value="yes"> Yebo</label>', page)
    assert re.search(r'name="cg_ill_2wk" value="no"> Cha</label>', page)
    assert re.search(r'name="cg_fs_worry" value="0"> Cha, akukaze</label>', page)
    assert "Amaqanda" in page  # eggs


def test_switching_back_to_english_keeps_the_answers_too(client, url, default_wave):
    page = client.post(
        url + "?lang=zu",
        {"wave": default_wave.pk, "lang": "zu", "cg_ill_2wk": "no", "switch_lang": ""},
    ).content.decode()
    assert ILL_EN in page and ILL_ZU not in page
    assert re.search(r'name="cg_ill_2wk" value="no" checked', page)


def test_an_unknown_language_shows_the_default(client, url):
    page = client.get(url + "?lang=xx").content.decode()
    assert ILL_EN in page and '<div lang="en">' in page


def test_a_form_submitted_in_isizulu_stores_the_same_codes(client, url, default_wave):
    answers = all_caregiver_answers(default_wave.instrument_version)
    response = client.post(
        url,
        {"wave": default_wave.pk, "assessed_on": "2026-03-05", "lang": "zu", **answers},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    stored = Assessment.objects.get()
    expected = validator_for(default_wave.instrument_version_id).validate("caregiver", answers)
    assert expected.ok
    assert stored.answers == expected.answers
    assert stored.answers["cg_ill_2wk"] == "yes"


def test_a_constraint_message_is_shown_in_isizulu(client, url, default_wave):
    page = client.post(
        url,
        {
            "wave": default_wave.pk,
            "assessed_on": "2026-03-05",
            "lang": "zu",
            "cg_activity_days": "9",
        },
    ).content.decode()
    assert "Bhala inombolo yezinsuku ukusuka ku-0 kuya ku-7." in page
    assert "Give a number of days from 0 to 7." not in page
    assert 'name="cg_activity_days" value="9"' in page
    assert not Assessment.objects.exists()


def test_a_draft_saved_in_isizulu_opens_again_in_isizulu(client, url, default_wave):
    response = client.post(
        url,
        {
            "wave": default_wave.pk,
            "assessed_on": "2026-03-05",
            "lang": "zu",
            "cg_ill_2wk": "yes",
            "save_draft": "1",
        },
    )
    assert response.status_code == 302 and response["Location"].endswith("&lang=zu")
    page = client.get(response["Location"]).content.decode()
    assert ILL_ZU in page and re.search(r'name="cg_ill_2wk" value="yes" checked', page)


# The page's own words follow the questions' language (decision 0062).


def test_in_isizulu_the_pages_own_words_are_isizulu_too(client, url):
    page = client.get(url + "?lang=zu").content.decode()
    assert '<html lang="zu">' in page
    assert "(kuyadingeka)" in page and "(needed)" not in page
    assert "Thumela ukuhlola" in page and "Submit assessment" not in page
    assert "Gcina kungakaqedwa" in page and "Save as draft" not in page
    assert "imibuzo iphenduliwe" in page


def test_in_english_the_pages_own_words_stay_english(client, url):
    page = client.get(url).content.decode()
    assert '<html lang="en">' in page
    assert "(needed)" in page and "Submit assessment" in page


def test_the_server_messages_come_back_in_isizulu(client, url, default_wave):
    page = client.post(
        url, {"wave": default_wave.pk, "assessed_on": "", "lang": "zu"}
    ).content.decode()
    assert "Ezinye izimpendulo zidinga ukunakwa; zimakiwe ngezansi." in page
    assert "Bhala usuku imibuzo eyabuzwa ngalo (YYYY-MM-DD)." in page
    assert not Assessment.objects.exists()


def test_a_person_who_chose_isizulu_gets_the_questions_in_isizulu(client, people, url):
    client.post(reverse("language"), {"language": "zu", "next": "/"})
    page = client.get(url).content.decode()
    assert ILL_ZU in page and "(kuyadingeka)" in page
    # The English button on the form still shows the questions and the page in English.
    page = client.get(url + "?lang=").content.decode()
    assert ILL_EN in page and "(needed)" in page


def test_the_header_switch_gives_way_to_the_questionnaires_own_buttons(client, url):
    """The header's switch leaves the page (answers not yet saved would be lost); on a
    questionnaire only its own buttons, which come back with the answers, are offered."""
    page = client.get(url).content.decode()
    assert f'action="{reverse("language")}"' not in page
    assert 'name="switch_lang" value="zu"' in page
    assert f'action="{reverse("language")}"' in client.get(reverse("home")).content.decode()
