"""Who may open the administration pages: data managers only; everyone else is refused (403)
and someone not signed in is sent to sign in. Every id in these addresses is a number."""

import pytest
from django.urls import reverse

from ..conftest import sign_in  # noqa: TID252 - shared test helpers

pytestmark = pytest.mark.django_db

PAGES = [
    "administration",
    "administration_users",
    "administration_user_new",
    "administration_schools",
    "administration_import",
    "administration_waves",
    "administration_wave_new",
    "administration_instruments",
    "administration_instrument_upload",
]
POST_ONLY = [
    "administration_user_disable",
    "administration_user_enable",
    "administration_user_unlock",
    "administration_user_reset_code",
    "administration_user_password_link",
]


def id_pages(people, wave):
    version = wave.instrument_version
    user_id = people["tumi"].pk
    return [
        reverse("administration_user", args=[user_id]),
        reverse("administration_wave", args=[wave.pk]),
        reverse("administration_instrument_source", args=[version.pk]),
    ]


def test_a_data_manager_opens_every_page(manager, people, wave):
    for name in PAGES:
        response = manager.get(reverse(name))
        assert response.status_code == 200, name
    for url in id_pages(people, wave):
        assert manager.get(url).status_code == 200, url


@pytest.mark.parametrize("name", ["cora", "tumi", "dumi", "sam", "nobody"])
def test_other_roles_are_refused_every_page_and_change(client, people, wave, name):
    sign_in(client, people[name])
    for page in PAGES:
        response = client.get(reverse(page))
        assert response.status_code == 403, (name, page)
        assert "These pages are for the data manager" in response.content.decode()
        assert client.post(reverse(page)).status_code == 403, (name, page)
    for url in id_pages(people, wave):
        assert client.get(url).status_code == 403, (name, url)
    for page in POST_ONLY:
        url = reverse(page, args=[people["tumi"].pk])
        assert client.post(url).status_code == 403, (name, page)
    people["tumi"].refresh_from_db()
    assert people["tumi"].is_active


def test_someone_not_signed_in_is_sent_to_sign_in(client, people):
    response = client.get(reverse("administration_users"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_data_manager_without_her_code_is_asked_for_it_first(client, people):
    client.force_login(people["dora"])  # password only
    response = client.get(reverse("administration_users"))
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"] and "code" in response["Location"]
