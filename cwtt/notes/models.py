"""Confidential notes about a child, encrypted at rest (decision 0012)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cwtt.access.encryption import EncryptedTextField


class ChildNote(models.Model):
    # The sensitivity classes a note may carry (cwtt/access/sensitivity.py): who reads a note
    # is who reads its class.
    class Sensitivity(models.TextChoices):
        CASE_NOTES = "case_notes", _("Case note")
        PROTECTION = "protection", _("Child protection (abuse, neglect, safety)")
        HEALTH = "health", _("Health")

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="child_notes_written"
    )
    written_at = models.DateTimeField(default=timezone.now)
    sensitivity = models.CharField(
        max_length=16, choices=Sensitivity.choices, default=Sensitivity.CASE_NOTES
    )
    # Encrypted, so it cannot be searched in the database.
    text = EncryptedTextField()

    class Meta:
        ordering = ["-written_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_sensitivity_display()} note {self.pk} on child {self.child_id}"
