"""The directory page: staff find help near their own schools; another school's id is not
found; area roles choose among their area's schools; someone with no staff record sees none."""

from __future__ import annotations

import re

import pytest

from cwtt.services.models import Provider, ServiceType

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(district):
    made = Provider.objects.create(
        name="Sunrise Clinic",
        sector="health",
        phone="011 555 0000",
        hours="Mon-Fri 08:00-16:00",
        eligibility="Anyone in the area",
        capacity_per_month=200,
    )
    made.service_types.set(ServiceType.objects.filter(code__in=["clinic_visit", "immunisation"]))
    made.catchment.set([district["district"]])
    return made


def test_a_teacher_sees_the_providers_serving_her_school(client, people, sunrise, clinic):
    sign_in(client, people["tumi"])
    page = client.get("/services/", {"domain": "health"}).content.decode()
    assert "Sunrise Clinic" in page  # her only school is chosen for her
    assert "Immunisation catch-up at the clinic" in page
    assert "tel:0115550000" in page and "Mon-Fri 08:00-16:00" in page
    assert "about 200 a month" in page and "Anyone in the area" in page
    assert "Hilltop Primary" not in page  # not her school, not offered


def test_a_teacher_cannot_pick_another_schools_id(client, people, hilltop, clinic):
    sign_in(client, people["tumi"])
    assert client.get("/services/", {"school": hilltop.pk}).status_code == 404


def test_a_filter_that_matches_nothing_says_so_plainly(client, people, sunrise, clinic):
    sign_in(client, people["tumi"])
    page = client.get("/services/", {"school": sunrise.pk, "type": "food_support"}).content.decode()
    assert "No place found" in page and "Sunrise Clinic" not in page


def test_an_unknown_kind_of_help_is_explained_not_an_error_page(client, people, sunrise, clinic):
    sign_in(client, people["tumi"])
    response = client.get("/services/", {"school": sunrise.pk, "type": "nonsense"})
    assert response.status_code == 200
    assert "Choose a kind of help from the list." in response.content.decode()


def test_a_district_official_chooses_among_the_schools_in_her_area(
    client, people, sunrise, hilltop, clinic
):
    sign_in(client, people["dumi"])
    page = client.get("/services/").content.decode()
    assert "Sunrise Primary" in page and "Hilltop Primary" in page
    page = client.get("/services/", {"school": hilltop.pk}).content.decode()
    assert "Sunrise Clinic" in page


def test_someone_without_a_staff_record_has_no_school_to_choose(client, people, sunrise, clinic):
    sign_in(client, people["nobody"])
    page = client.get("/services/").content.decode()
    assert "not assigned to any school" in page and "Sunrise Clinic" not in page
    assert client.get("/services/", {"school": sunrise.pk}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/services/")
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_the_page_has_labels_and_no_inline_scripts_or_styles(client, people, sunrise, clinic):
    sign_in(client, people["tumi"])
    page = client.get("/services/").content.decode()
    for field in ("school", "domain", "type"):
        assert f'<label for="{field}">' in page
    # Only the site's own script files, loaded from the page head: nothing inline.
    main = page.split('<main id="main">')[1]
    assert "<script" not in main and "style=" not in main
    assert all(' src="/static/' in tag for tag in re.findall(r"<script[^>]*>", page))
