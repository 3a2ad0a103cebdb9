"""Referrals of a child to a service, their history, and the provider's feedback links
(docs/referrals.md). Every change goes through cwtt/referrals/actions.py."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    ROUTINE = "routine", _("Routine")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft (not sent yet)")
    SENT = "sent", _("Sent")
    ACKNOWLEDGED = "acknowledged", _("Received by the provider")
    ACCEPTED = "accepted", _("Accepted by the provider")
    DECLINED = "declined", _("Declined by the provider")
    DELIVERED = "delivered", _("Service delivered")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


# The only moves a referral may make. Cancelling is possible from every open state.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.SENT, Status.CANCELLED),
    Status.SENT: (Status.ACKNOWLEDGED, Status.CANCELLED),
    Status.ACKNOWLEDGED: (Status.ACCEPTED, Status.DECLINED, Status.CANCELLED),
    Status.ACCEPTED: (Status.DELIVERED, Status.CANCELLED),
    Status.DECLINED: (Status.CLOSED,),
    Status.DELIVERED: (Status.CLOSED,),
    Status.CLOSED: (),
    Status.CANCELLED: (),
}
# Waiting for the service to reach the child: these can be overdue.
OPEN_STATES = frozenset({Status.DRAFT, Status.SENT, Status.ACKNOWLEDGED, Status.ACCEPTED})
# The provider's answers: the sender is told of each.
PROVIDER_STATES = frozenset(
    {Status.ACKNOWLEDGED, Status.ACCEPTED, Status.DECLINED, Status.DELIVERED}
)
# After these the provider has nothing more to say; a feedback link stops working.
FINAL_FOR_PROVIDER = frozenset({Status.DECLINED, Status.DELIVERED, Status.CLOSED, Status.CANCELLED})


class Referral(models.Model):
    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="referrals")
    service_type = models.ForeignKey(
        "services.ServiceType", on_delete=models.PROTECT, related_name="referrals"
    )
    provider = models.ForeignKey(
        "services.Provider",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    provider_name = models.CharField(
        max_length=200, blank=True, help_text=_("When the provider is not in the directory.")
    )
    # The receiving sector decides which sharing consent is needed (registry.Organisation.Sector).
    sector = models.CharField(max_length=24)
    urgency = models.CharField(max_length=8, choices=Urgency.choices)
    reason = models.TextField()
    # Sensitivity classes of what the reason reveals (a protection reason is read only by those
    # who may read protection details, and goes in a letter only to statutory protection).
    reason_classes = models.JSONField(default=list)
    rule = models.CharField(max_length=60, blank=True)  # the referral rule that proposed it
    finding = models.JSONField(default=dict, blank=True)  # the risk finding it answers
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals_made"
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_by = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    cancel_reason = models.TextField(blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    outcome = models.TextField(blank=True)
    feedback = models.TextField(blank=True)
    # When the sender and their supervisor were told it is overdue (cwtt/jobs): once per referral.
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_by", "pk"]
        indexes = [models.Index(fields=["created_by", "status"])]

    def __str__(self) -> str:
        return f"Referral {self.pk} to {self.service_type}"

    @property
    def to_whom(self) -> str:
        return self.provider.name if self.provider_id else self.provider_name

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def overdue_at(self, now: dt.datetime) -> bool:
        return self.is_open and now > self.due_by

    @property
    def overdue(self) -> bool:
        return self.overdue_at(timezone.now())

    @property
    def next_steps(self) -> tuple[str, ...]:
        return TRANSITIONS[self.status]


class ReferralEvent(models.Model):
    """One move of a referral, with who made it and what they said."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_name = models.CharField(max_length=150, blank=True)  # e.g. "provider link"
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    comment = models.TextField(blank=True)
    # What the provider reported (decline reason, delivered date, outcome, feedback) or why a
    # consent was not needed (legal duty).
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"

    @property
    def who(self) -> str:
        if self.by_id:
            return self.by.get_full_name() or self.by.get_username()
        return self.by_name


def feedback_link_days() -> int:
    return int(getattr(settings, "CWTT_FEEDBACK_LINK_DAYS", 14))


class FeedbackLink(models.Model):
    """A single-purpose link for a provider without an account. Only a SHA-256 of the token is
    kept: the token itself is in the letter (or shown once), so a copy of the database cannot
    be used to answer for a provider."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="feedback_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)  # when the final answer came

    def __str__(self) -> str:
        return f"Feedback link for referral {self.referral_id}"
