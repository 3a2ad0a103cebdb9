"""Instruments and their published versions. A version never changes once published."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .engine.definition import InstrumentDefinition


class Instrument(models.Model):
    code = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.title

    def latest_version(self) -> InstrumentVersion | None:
        return self.versions.order_by("-number").first()


class InstrumentVersion(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    version_label = models.CharField(max_length=64, blank=True, help_text="The author's own label")
    source_name = models.CharField(max_length=255)
    source = models.BinaryField(help_text="The file as published, kept for audit and export")
    checksum = models.CharField(max_length=64, db_index=True)
    definition = models.JSONField()
    xform = models.TextField(
        blank=True,
        help_text="The XForm pyxform built from the file, with this version's number as the "
        "form's version; what ODK Collect and Enketo fill (see instruments/xform.py)",
    )
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["instrument", "number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="unique_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.instrument.code} v{self.number}"

    def parsed(self) -> InstrumentDefinition:
        return InstrumentDefinition.from_dict(self.definition)
