"""Stored figures: the area dashboard as it was last worked out (cwtt/dashboards/snapshots.py)."""

from __future__ import annotations

from django.db import models


class AreaSnapshot(models.Model):
    """The area dashboard's figures for one place, rendered once a day by the worker. Counts
    only, already suppressed and rounded: no child, school or worker is named."""

    # "all" (every school, for data managers) or "location:<id>".
    key = models.CharField(max_length=40, unique=True)
    html = models.TextField()
    # The comparison of schools and circuits behind the page's filters (area.py
    # `comparison_data`): published counts only, already suppressed and rounded.
    comparison = models.JSONField(default=dict)
    computed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Area figures {self.key} at {self.computed_at:%Y-%m-%d %H:%M}"
