"""Referral pages: making a referral from a proposal or a chosen service, the referral page
with its history and next steps, the letter PDF, and "my referrals"; only people who may see
the child reach any of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cwtt.access.models import AuditEntry
from cwtt.referrals.actions import referral_create
from cwtt.referrals.models import FeedbackLink, Referral

from ..conftest import sign_in  # noqa: TID252 - shared test helpers
from .conftest import finding, store_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def abused_and_hungry(child, wave):
    return store_profile(
        child,
        wave,
        finding("nut_meals_high", "nutrition", "food_quantity", "high", reason="Fewer meals"),
        finding("prot_abuse_tc", "protection", "abuse", "high", reason="Teacher worried"),
    )


def test_the_social_worker_refers_from_a_proposal(
    client, child, people, providers, abused_and_hungry
):
    sign_in(client, people["sam"])
    page = client.get(reverse("referral_new", args=[child.pk])).content.decode()
    assert "Food support" in page and "Statutory child protection" in page
    form = client.get(reverse("referral_new", args=[child.pk]), {"proposal": "hunger"})
    assert "Hope Soup Kitchen" in form.content.decode()
    assert "Sunrise Clinic" not in form.content.decode()  # filtered by service type
    done = client.post(
        reverse("referral_new", args=[child.pk]),
        {"proposal": "hunger", "provider": providers["soup"].pk},
    )
    referral = Referral.objects.get()
    assert done.url == reverse("referral", args=[referral.pk])
    assert referral.service_type.code == "food_support" and referral.rule == "hunger"
    assert referral.urgency == "high" and referral.status == "draft"
    assert referral.finding["rule"] == "nut_meals_high"


def test_a_teacher_does_not_see_proposals_drawn_from_protection_details(
    client, child, people, abused_and_hungry, service_types
):
    sign_in(client, people["tumi"])
    page = client.get(reverse("referral_new", args=[child.pk])).content.decode()
    assert "Food support" in page
    assert "Statutory child protection (designated" not in page.split("Or choose a service")[0]
    assert "Teacher worried" not in page
    assert "for the staff whose work needs them" in page


def test_a_referral_to_a_chosen_service_and_a_provider_typed_by_hand(
    client, child, people, service_types
):
    sign_in(client, people["cora"])
    page = client.get(reverse("referral_new", args=[child.pk]), {"service": "eye_screening"})
    assert page.status_code == 200
    client.post(
        reverse("referral_new", args=[child.pk]),
        {
            "service": "eye_screening",
            "urgency": "routine",
            "reason": "Squints at the board",
            "provider_name": "Town Optometrist",
            "sector": "health",
        },
    )
    referral = Referral.objects.get()
    assert referral.provider is None and referral.to_whom == "Town Optometrist"
    assert referral.sector == "health" and referral.reason_classes == ["health"]


def test_a_bad_form_explains_and_saves_nothing(client, child, people, service_types):
    sign_in(client, people["cora"])
    page = client.post(
        reverse("referral_new", args=[child.pk]),
        {"service": "eye_screening", "urgency": "routine", "reason": ""},
    )
    assert "The referral was not saved" in page.content.decode()
    assert not Referral.objects.exists()


@pytest.fixture
def referral(child, people, providers):
    return referral_create(
        child=child,
        service_type=providers["soup"].service_types.get(),
        by=people["sam"],
        urgency="high",
        reason="The child goes hungry",
        provider=providers["soup"],
    )


def test_sending_shows_the_feedback_link_once(client, referral, people):
    sign_in(client, people["sam"])
    client.post(reverse("referral", args=[referral.pk]), {"to": "sent"})
    first = client.get(reverse("referral", args=[referral.pk])).content.decode()
    assert "/referral-feedback/" in first and "shown only now" in first
    second = client.get(reverse("referral", args=[referral.pk])).content.decode()
    assert "/referral-feedback/" not in second
    assert FeedbackLink.objects.filter(referral=referral).count() == 1
    assert "Sent" in second and "Cancel the referral" in second


def test_an_illegal_step_on_the_page_is_explained(client, referral, people):
    sign_in(client, people["sam"])
    client.post(reverse("referral", args=[referral.pk]), {"to": "delivered"})
    page = client.get(reverse("referral", args=[referral.pk])).content.decode()
    assert "cannot become service delivered" in page and "Next steps allowed" in page
    assert Referral.objects.get(pk=referral.pk).status == "draft"


def laid_out_text(html: str) -> str:
    """The text WeasyPrint lays out on the pages (the PDF's own text streams are compressed
    glyph ids; pdftotext is not installed everywhere)."""
    from weasyprint import HTML

    document = HTML(string=html).render()
    return " ".join(
        box.text
        for page in document.pages
        for box in page._page_box.descendants()
        if hasattr(box, "text")
    )


def test_the_letter_is_a_pdf_with_the_childs_name_and_a_fresh_link(
    client, referral, people, monkeypatch
):
    from cwtt.referrals import letter, views

    made = []

    def spy(referral, **kwargs):
        made.append(laid_out_text(letter.letter_html(referral, **kwargs)))
        return letter.letter_pdf(referral, **kwargs)

    monkeypatch.setattr(views, "letter_pdf", spy)
    sign_in(client, people["sam"])
    assert client.post(reverse("referral_letter", args=[referral.pk])).status_code == 302  # draft
    assert not made
    client.post(reverse("referral", args=[referral.pk]), {"to": "sent"})
    response = client.post(reverse("referral_letter", args=[referral.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and b"%%EOF" in response.content[-10:]
    [text] = made
    assert "Lwazi Mokoena" in text and "Sunrise Primary" in text and "14 March 2018" in text
    assert "The child goes hungry" in text and "/referral-feedback/" in text
    assert "Sam" in text  # the sender's contact
    assert FeedbackLink.objects.filter(referral=referral).count() == 2
    assert AuditEntry.objects.filter(action="export", object_type="referral").exists()


def test_a_protection_reason_goes_in_a_letter_only_to_statutory_protection(
    referral, people, providers
):
    from cwtt.referrals.letter import PROTECTED_REASON, letter_reason

    referral.reason_classes = ["protection"]
    assert letter_reason(referral) == PROTECTED_REASON
    statutory = referral_create(
        child=referral.child,
        service_type=providers["dsd"].service_types.get(code="statutory_protection"),
        by=people["sam"],
        urgency="urgent",
        reason="Abuse was disclosed",
        provider=providers["dsd"],
    )
    assert statutory.reason_classes == ["protection"]
    assert letter_reason(statutory) == "Abuse was disclosed"


def test_my_referrals_lists_overdue_first(client, child, people, providers):
    old = timezone.now() - dt.timedelta(days=40)
    make = dict(
        child=child,
        service_type=providers["soup"].service_types.get(),
        by=people["sam"],
        reason="x",
        provider=providers["soup"],
    )
    referral_create(**make, urgency="urgent")
    # A second referral, not a repeat of the first (those are refused: decision 0031).
    late = referral_create(**{**make, "reason": "y"}, urgency="routine", now=old)
    sign_in(client, people["sam"])
    page = client.get(reverse("my_referrals"))
    assert [r.pk for r in page.context["referrals"]][0] == late.pk
    assert "Overdue" in page.content.decode()
    sign_in(client, people["cora"])
    assert list(client.get(reverse("my_referrals")).context["referrals"]) == []


def test_people_who_may_not_see_the_child_get_not_found(client, other_child, people, referral):
    sign_in(client, people["sam"])
    assert client.get(reverse("referral_new", args=[other_child.pk])).status_code == 404
    assert client.get(reverse("child_referrals", args=[other_child.pk])).status_code == 404
    for name in ("dumi", "nobody"):
        sign_in(client, people[name])
        assert client.get(reverse("referral", args=[referral.pk])).status_code == 404
        assert client.post(reverse("referral_letter", args=[referral.pk])).status_code == 404
        assert (
            client.post(reverse("referral", args=[referral.pk]), {"to": "sent"}).status_code == 404
        )
    assert Referral.objects.get(pk=referral.pk).status == "draft"


def test_signed_out_people_are_sent_to_sign_in(client, referral):
    page = client.get(reverse("referral", args=[referral.pk]))
    assert page.status_code == 302 and "sign-in" in page.url


def test_the_child_page_list_shows_the_referral_and_a_teacher_sees_no_protection_reason(
    client, child, people, providers
):
    referral_create(
        child=child,
        service_type=providers["dsd"].service_types.get(code="statutory_protection"),
        by=people["sam"],
        urgency="urgent",
        reason="Abuse was disclosed",
        provider=providers["dsd"],
    )
    sign_in(client, people["tumi"])
    listing = client.get(reverse("child_referrals", args=[child.pk])).content.decode()
    assert "Statutory child protection" in listing
    pk = Referral.objects.get().pk
    page = client.get(reverse("referral", args=[pk])).content.decode()
    assert "Abuse was disclosed" not in page and "details are for the staff" in page
    view = AuditEntry.objects.get(action="view", object_type="referral", actor=people["tumi"])
    assert view.child_id == child.pk
