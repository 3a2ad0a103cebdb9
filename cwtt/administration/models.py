"""What the administration pages keep between two steps: an uploaded import file between its
check and its import (decision 0045)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class PendingImport(models.Model):
    """An uploaded file that was checked and waits for "Import", or the rejects file of an
    import that set rows aside, waiting to be downloaded. The bytes are encrypted with the
    keys of encryption at rest (a class list is personal data) and are deleted once used, or
    after a day. `checksum` is the SHA-256 of the file as uploaded: the import step refuses a
    stored file that no longer matches it, or a page that names another."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=255)
    wave = models.CharField(max_length=80, blank=True)
    questionnaire = models.CharField(max_length=40, blank=True)
    checksum = models.CharField(max_length=64)
    data = models.BinaryField()
    rejects = models.BinaryField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} file {self.filename} ({self.created_at:%Y-%m-%d %H:%M})"
