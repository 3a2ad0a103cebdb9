from django.conf import settings
from django.db import models


class DemoDatabase(models.Model):
    """Present only in a database `cwtt demo` made (one row). The demo refuses every other
    database, and changes only the accounts it made itself (decision 0034)."""

    made_at = models.DateTimeField(auto_now_add=True)
    accounts = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")

    class Meta:
        verbose_name = "demo database mark"

    def __str__(self) -> str:
        return f"Made by cwtt demo on {self.made_at:%Y-%m-%d}"
