"""Consent per purpose, and the child's assent, as an append-only history of decisions.

The latest decision for a purpose is the one in force. Withdrawing is a new decision, so the
history shows what was agreed, when, by whom and on which version of the consent text.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment: asking questions about the child and family")
    SHARE_HEALTH = "share_health", _("Sharing with health staff (clinic nurses)")
    SHARE_SOCIAL_DEVELOPMENT = (
        "share_social_development",
        _("Sharing with social development (social workers)"),
    )
    RESEARCH = "research", _("Use in research, without names")
    ASSENT = "assent", _("The child's own agreement to answer questions")


class ConsentText(models.Model):
    """A version of the words read to the caregiver (or child) for one purpose."""

    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    version = models.CharField(max_length=20)
    body = models.TextField()
    in_use_from = models.DateField()

    class Meta:
        ordering = ["purpose", "-in_use_from"]
        constraints = [
            models.UniqueConstraint(fields=["purpose", "version"], name="unique_consent_text")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} — version {self.version}"


class ConsentDecision(models.Model):
    class Decision(models.TextChoices):
        GIVEN = "given", _("Agreed")
        REFUSED = "refused", _("Did not agree")
        WITHDRAWN = "withdrawn", _("Withdrew agreement")

    child = models.ForeignKey(
        "registry.Child", on_delete=models.CASCADE, related_name="consent_decisions"
    )
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    decision = models.CharField(max_length=12, choices=Decision.choices)
    # Who decided: a caregiver for consent; for assent, the child (caregiver left empty).
    caregiver = models.ForeignKey(
        "registry.Caregiver",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="consent_decisions",
    )
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="decisions")
    decided_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["child", "purpose", "decided_on", "recorded_at", "pk"]
        indexes = [models.Index(fields=["child", "purpose"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {self.get_decision_display()} on {self.decided_on}"
