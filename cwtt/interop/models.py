"""Device keys: how ODK Collect, KoboCollect or Enketo on one phone signs in to the OpenRosa
server (docs/openrosa.md, decision 0042). Like ODK Central's app users, a key belongs to one
person, works for every role (also those that sign in on the web with a second factor), and is
revoked on its own when a phone is lost. Only a hash of the key is stored."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceKey(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_keys"
    )
    name = models.CharField(max_length=80, help_text=_("Which phone, e.g. 'Tablet 3'"))
    # SHA-256 of the key. The key is 256 random bits, so a fast hash is enough: there is no
    # guessable password behind it for a slow hash to protect.
    key_hash = models.CharField(max_length=64, unique=True)
    # The key's first characters, to tell keys apart in `cwtt device list`; not enough to use.
    hint = models.CharField(max_length=8)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None
