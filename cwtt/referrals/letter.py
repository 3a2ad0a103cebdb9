"""The referral letter for a provider without an account: who is referred, why, to what, by
when, who to contact, and the link to answer through (docs/referrals.md)."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Referral
from .rules import deadline_words

# A protection reason (abuse, violence at home) goes only to statutory child protection.
PROTECTED_REASON = (
    "There is a concern about the child's safety or care. The person who referred the child "
    "will explain it to you in person."
)


def letter_reason(referral: Referral) -> str:
    if "protection" in referral.reason_classes and referral.service_type.code != (
        "statutory_protection"
    ):
        return PROTECTED_REASON
    return referral.reason


def letter_html(referral: Referral, *, feedback_url: str, expires_at) -> str:
    sender = referral.created_by
    staff = getattr(sender, "staff", None)
    return render_to_string(
        "referrals/letter.html",
        {
            "referral": referral,
            "child": referral.child,
            "reason": letter_reason(referral),
            "deadline": deadline_words(referral.due_by - referral.created_at),
            "sender_name": sender.get_full_name() or sender.get_username(),
            "sender_email": sender.email,
            "sender_phone": getattr(staff, "phone", ""),
            "sender_organisation": getattr(getattr(staff, "organisation", None), "name", ""),
            "feedback_url": feedback_url,
            "expires_at": expires_at,
            "printed_on": timezone.localdate(),
        },
    )


def letter_pdf(referral: Referral, *, feedback_url: str, expires_at) -> bytes:
    from weasyprint import HTML  # a heavy import, needed only here

    return HTML(
        string=letter_html(referral, feedback_url=feedback_url, expires_at=expires_at)
    ).write_pdf()
