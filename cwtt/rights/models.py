"""What the rights app stores: the record that a child's identity was removed."""

from __future__ import annotations

from django.db import models

from cwtt.registry.models import Child


class Anonymisation(models.Model):
    """One per child, ever: the child's identifiers were removed on this date under this rule.

    Its existence is the guard that makes anonymisation happen once; it is shown in the child's
    record so a reader knows why the names say "Removed".
    """

    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="anonymisation")
    at = models.DateTimeField("anonymised at")
    rule = models.TextField(
        "why", help_text="The retention rule, or the erasure request's reason (never a name)."
    )
    # Who did it: a username, "command line" or "retention rule" (the audit entry has the rest).
    by = models.CharField(max_length=150)

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"Anonymised {self.at:%Y-%m-%d}"
