"""No copy of a child's page is kept by the browser or a proxy (issue #10, hole 9): every answer
to a signed-in person is `Cache-Control: no-store, private` — pages, PDFs, exports, the offline
page's answers — while the site's own scripts and styles are still cached. Sam (social worker)
sees Sunrise's child Lwazi and the referral he made; Dora (data manager) sees every school."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cwtt.referrals.actions import referral_create, referral_move

from ..conftest import sign_in  # noqa: TID252 - shared test helper

pytestmark = pytest.mark.django_db


def kept_nowhere(response) -> bool:
    parts = {p.strip() for p in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= parts and "public" not in parts


@pytest.fixture
def referral(child, people, service_types):
    from cwtt.services.models import Provider

    provider = Provider.objects.create(name="Hope Soup Kitchen", sector="ngo", phone="011")
    provider.service_types.set([service_types["food_support"]])
    made = referral_create(
        child=child,
        service_type=service_types["food_support"],
        by=people["sam"],
        urgency="high",
        reason="The child goes hungry",
        provider=provider,
    )
    return referral_move(made, "sent", people["sam"])


@pytest.fixture
def service_types(db):
    from cwtt.services.catalogue import ensure_service_types
    from cwtt.services.models import ServiceType

    ensure_service_types(ServiceType)
    return {t.code: t for t in ServiceType.objects.all()}


def test_every_page_and_file_about_a_child_is_kept_nowhere(client, people, child, referral, wave):
    sign_in(client, people["sam"])
    pages = [
        reverse("home"),
        reverse("school", args=[child.school_id]),
        reverse("class", args=[child.school_class_id]),
        reverse("child", args=[child.pk]),
        reverse("capture", args=[child.pk, "caregiver"]),
        reverse("child_referrals", args=[child.pk]),
        reverse("referral", args=[referral.pk]),
        reverse("my_referrals"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert kept_nowhere(response), url
    letter = client.post(reverse("referral_letter", args=[referral.pk]))
    assert letter["Content-Type"] == "application/pdf" and kept_nowhere(letter)


def test_the_childs_record_and_its_exports_are_kept_nowhere(client, people, child):
    sign_in(client, people["dora"])
    for name in ("child_record", "child_record_pdf", "child_record_json"):
        response = client.get(reverse(name, args=[child.pk]))
        assert response.status_code == 200, name
        assert kept_nowhere(response), name


def test_a_refused_page_is_kept_nowhere_either(client, people, other_child):
    sign_in(client, people["sam"])
    response = client.get(reverse("child", args=[other_child.pk]))
    assert response.status_code == 404 and kept_nowhere(response)


def test_the_offline_pages_answers_are_kept_nowhere(client, people):
    sign_in(client, people["fiona"])
    for name in ("offline", "offline_session", "offline_pack"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
        assert kept_nowhere(response), name


def test_the_sites_own_scripts_and_styles_are_still_cached(client, people):
    sign_in(client, people["sam"])
    style = client.get("/static/web/cwtt.css")
    assert style.status_code == 200
    assert "no-store" not in style.get("Cache-Control", "")
