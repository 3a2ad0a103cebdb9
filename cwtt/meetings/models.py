"""Team meetings (Community of Practice, School Based Support Team): who came, the agenda the
tool generates, what was decided, and the action items that feed everyone's worklist."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Meeting(models.Model):
    class Kind(models.TextChoices):
        COP = "cop", _("Community of Practice meeting")
        SBST = "sbst", _("School Based Support Team meeting")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")

    school = models.ForeignKey("registry.School", on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.COP)
    held_on = models.DateField()
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PLANNED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.held_on:%d %B %Y}"


class Attendee(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    staff = models.ForeignKey(
        "registry.Staff", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=160)  # for people without an account
    sector = models.CharField(max_length=24)

    class Meta:
        ordering = ["sector", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def sector_label(self) -> str:
        from cwtt.registry.models import Organisation

        return (
            Organisation.Sector(self.sector).label
            if self.sector in Organisation.Sector.values
            else self.sector
        )


class AgendaItem(models.Model):
    class Kind(models.TextChoices):
        URGENT = "urgent", _("Needs action today")
        NEW_HIGH_RISK = "new_high_risk", _("Newly at high risk")
        # The action queue: how many of the proposed cases the staff can take on this month,
        # and group responses to decide (cwtt/cases/agenda.py, decision 0059).
        PROPOSALS = "proposals", _("Proposed cases this month")
        OVERDUE_REFERRAL = "overdue_referral", _("Referral overdue")
        REVIEW_DUE = "review_due", _("Case review due")
        DISCORDANT = "discordant", _("Informants disagree")
        OTHER = "other", _("Other business")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    position = models.PositiveIntegerField()
    child = models.ForeignKey(
        "registry.Child", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # What to discuss, in general terms: levels and kinds, never the sensitive reasons
    # (attendees come from several sectors; the child's page shows each what they may read).
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=200, blank=True)  # a path in the app, ids only
    decision = models.TextField(blank=True)

    class Meta:
        ordering = ["meeting", "position"]

    def __str__(self) -> str:
        return self.text


class ActionItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="actions")
    item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    description = models.CharField(max_length=300)
    owner = models.ForeignKey("registry.Staff", on_delete=models.PROTECT, related_name="actions")
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    # The due date the owner was last reminded of (cwtt/jobs): one reminder per due date.
    reminded_for = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description
