"""XLSForm features on the capture page (issue #12): `or_other` asks for the other answer only
when "other" is chosen, `calculate` values drive relevance and constraints, `choice_filter`
offers only the answers that fit the earlier ones, `select_multiple` answers are kept as
lists; the server checks all of it again when the form arrives. The same
fragment and script make the offline form (cwtt/offline/pack.py)."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.actions import instrument_publish

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db

FORM = """| settings |
| | form_id | form_title |
| | home | Home visit |
| survey |
| | type | name | label | calculation | relevant | constraint | choice_filter | respondent | domain | indicator |
| | begin group | cg | Caregiver | | | | | caregiver | | |
| | integer | adults | Adults at home | | | | | | economic | living_conditions |
| | integer | kids | Children at home | | | | | | economic | living_conditions |
| | calculate | people | | ${adults} + ${kids} | | | | | | |
| | integer | rooms | Rooms | | ${people} > 6 | . >= 1 and . <= ${people} | | | economic | living_conditions |
| | select_one water or_other | water | Water from | | | | | | economic | basic_services |
| | select_multiple fuel | fuel | Cooking fuel | | | | | | economic | basic_services |
| | select_one province | prov | Province | | | | | | economic | basic_services |
| | select_one district | dist | District | | | | province = ${prov} | | economic | basic_services |
| | end group | | | | | | | | | |
| choices |
| | list_name | name | label | province |
| | water | tap | A tap | |
| | water | river | A river | |
| | fuel | gas | Gas | |
| | fuel | wood | Wood | |
| | province | gp | Gauteng | |
| | province | kzn | KwaZulu-Natal | |
| | district | jhb | Johannesburg | gp |
| | district | tsh | Tshwane | gp |
| | district | eth | eThekwini | kzn |
"""


@pytest.fixture
def url(client, people, child, sunrise):
    version = instrument_publish(data=FORM.encode(), filename="home.md").version
    wave = Wave.objects.create(
        name="Wave 1",
        starts_on=dt.date(2026, 2, 1),
        ends_on=dt.date(2026, 11, 30),
        instrument_version=version,
    )
    wave.schools.set([sunrise])
    sign_in(client, people["fiona"])
    return reverse("capture", args=[child.pk, "caregiver"]), wave


def field(page: str, name: str) -> str:
    return re.search(rf'<div class="field[^"]*" id="field-{name}"[^>]*>', page).group(0)


def test_the_page_carries_the_calculation_and_the_other_answer(client, url):
    page = client.get(url[0]).content.decode()
    calculation = re.search(r'data-calculate="people" data-calculation="([^"]*)"', page)
    assert json.loads(calculation.group(1).replace("&quot;", '"'))[0] == "op"
    assert "data-relevant" in field(page, "rooms") and " hidden" in field(page, "rooms")
    other = field(page, "water_other")
    assert "data-relevant" in other and " hidden" in other  # until "other" is chosen
    assert 'name="water" value="other"> Other</label>' in page
    assert 'type="checkbox" name="fuel" value="wood"' in page


def send(client, url, **answers):
    page, wave = url
    return client.post(page, {"wave": wave.pk, "assessed_on": "2026-03-05", **answers})


def test_an_other_answer_is_kept_when_other_is_chosen(client, url):
    response = send(
        client,
        url,
        adults="2",
        kids="1",
        water="other",
        water_other="A borehole",
        fuel=["gas", "wood"],
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    answers = Assessment.objects.get().answers
    assert answers["water"] == "other" and answers["water_other"] == "A borehole"
    assert answers["fuel"] == ["gas", "wood"]
    assert "people" not in answers  # worked out, not stored


def test_an_other_answer_without_other_chosen_is_refused(client, url):
    response = send(client, url, adults="2", kids="1", water="tap", water_other="A borehole")
    assert response.status_code == 200
    assert "This question does not apply" in field_error(response.content.decode(), "water_other")
    assert not Assessment.objects.exists()


def test_a_question_shown_by_a_calculation_is_checked_against_it(client, url):
    response = send(client, url, adults="2", kids="6", rooms="9", water="tap")
    assert response.status_code == 200
    assert "outside what is allowed" in field_error(response.content.decode(), "rooms")
    response = send(client, url, adults="2", kids="1", rooms="1", water="tap")
    assert "This question does not apply" in field_error(response.content.decode(), "rooms")
    response = send(client, url, adults="2", kids="6", rooms="3", water="tap")
    assert response.status_code == 302
    assert Assessment.objects.get().answers["rooms"] == 3


def field_error(page: str, name: str) -> str:
    found = re.search(rf'<div class="error" id="{name}-error" role="alert">([^<]*)</div>', page)
    return found.group(1) if found else ""


def test_a_choice_filter_is_sent_with_what_each_answer_carries(client, url):
    page = client.get(url[0]).content.decode()
    assert "data-choice-filter" in field(page, "dist")
    columns = re.search(r'name="dist" value="eth" data-choice="([^"]*)"', page).group(1)
    assert json.loads(columns.replace("&quot;", '"')) == {
        "__choice_name": "eth",
        "__choice_province": "kzn",
    }


def test_an_answer_the_choice_filter_does_not_offer_is_refused(client, url):
    response = send(client, url, adults="2", kids="1", water="tap", prov="gp", dist="eth")
    assert response.status_code == 200
    assert field_error(response.content.decode(), "dist") == (
        "&#x27;eth&#x27; is not one of the answers offered here, given the earlier answers."
    )
    assert not Assessment.objects.exists()
    response = send(client, url, adults="2", kids="1", water="tap", prov="kzn", dist="eth")
    assert response.status_code == 302
    assert Assessment.objects.get().answers["dist"] == "eth"


def test_the_offline_form_carries_the_same_calculations_and_filters(url, people):
    from cwtt.offline.pack import offline_pack

    forms = offline_pack(people["fiona"])["forms"]
    [form] = [html for key, html in forms.items() if key.endswith(":caregiver:")]
    assert 'data-calculate="people"' in form
    assert "data-choice-filter" in form and 'data-choice="' in form
    assert 'id="field-water_other"' in form
