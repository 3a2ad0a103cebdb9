"""When each scheduled job was last started, so `cwtt worker --once` starts only what is due."""

from __future__ import annotations

from django.db import models


class ScheduledRun(models.Model):
    name = models.CharField(max_length=60, unique=True)  # a job in cwtt/jobs/schedule.py
    last_run_at = models.DateTimeField(null=True, blank=True)  # when it was last queued

    def __str__(self) -> str:
        return f"{self.name} (last run {self.last_run_at or 'never'})"
