"""The day's counts behind the Planning page (cwtt/planning/snapshots.py)."""

from __future__ import annotations

from django.db import models


class DailyCounts(models.Model):
    """Per-school counts of children (assessed, at high risk per domain, cases per profession)
    for one place and wave, as first worked out on `day`. Counts only, no child; exact, so
    never shown before suppression and rounding (cwtt/planning/published.py)."""

    # "all" (every school) or "location:<id>", then ":wave:<id>".
    key = models.CharField(max_length=60)
    day = models.DateField()
    counts = models.JSONField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "day"], name="planning_counts_once_a_day")
        ]

    def __str__(self) -> str:
        return f"Planning counts {self.key} on {self.day}"
