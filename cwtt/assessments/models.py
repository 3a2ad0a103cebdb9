"""Waves, assessments per informant, and the risk profiles derived from them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cwtt.instruments.models import InstrumentVersion
from cwtt.registry.models import Caregiver, Child, School, Staff

from .profile_details import ProfileDetailsField


class WaveQuerySet(models.QuerySet):
    def covering(self, school_ids: Iterable[int]) -> WaveQuerySet:
        """Waves that include any of these schools; a wave with no schools listed is for all."""
        return self.filter(
            models.Q(schools__id__in=list(school_ids)) | models.Q(schools__isnull=True)
        ).distinct()

    def started(self, today: dt.date | None = None) -> WaveQuerySet:
        """Waves that have begun by `today` (default: today)."""
        return self.filter(starts_on__lte=today or timezone.localdate())


class Wave(models.Model):
    name = models.CharField(max_length=80, unique=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    schools = models.ManyToManyField(School, related_name="waves", blank=True)
    instrument_version = models.ForeignKey(
        InstrumentVersion,
        on_delete=models.PROTECT,
        related_name="waves",
        help_text=_("The version new assessments in this wave are answered with."),
    )

    objects = WaveQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return self.name


class Respondent(models.TextChoices):
    CAREGIVER = "caregiver", _("Caregiver")
    TEACHER = "teacher", _("Teacher")
    NURSE = "nurse", _("Nurse")
    CHILD = "child", _("Child")
    SOCIAL_WORKER = "social_worker", _("Social worker")


class Level(models.TextChoices):
    LOW = "low", _("Low")
    MODERATE = "moderate", _("Moderate")
    HIGH = "high", _("High")


class Assessment(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        VERIFIED = "verified", _("Verified")

    # Made by the client (phone or browser) so a retried submission is recognised, not doubled.
    uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="assessments")
    wave = models.ForeignKey(Wave, on_delete=models.PROTECT, related_name="assessments")
    respondent = models.CharField(max_length=16, choices=Respondent.choices)
    informant_caregiver = models.ForeignKey(
        Caregiver, null=True, blank=True, on_delete=models.SET_NULL, related_name="assessments"
    )
    informant_staff = models.ForeignKey(
        Staff, null=True, blank=True, on_delete=models.SET_NULL, related_name="informed_assessments"
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments_captured",
    )
    assessed_on = models.DateField()
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    answers = models.JSONField(default=dict)
    # The answers as (question name, answer value) pairs of AnswerTerm ids, packed as int32s,
    # so `cwtt rescore` need not decode every questionnaire's JSON each time. Derived: NULL until
    # the rescore fills it, and set back to NULL by the database itself whenever `answers`
    # changes in a statement that does not also write new codes (a trigger; migration 0006,
    # decision 0070), so no write path, not even raw SQL, can leave it stale.
    answer_codes = models.BinaryField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Why a second questionnaire of this kind was kept for the child in the wave (a second
    # caregiver, a re-interview): said by the sender who chose "keep both" (decision 0054).
    repeat_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["assessed_on", "respondent"]
        indexes = [
            # With the status, a rescore finds the (child, wave) pairs to score in the index
            # alone (decision 0070).
            models.Index(fields=["child", "wave", "status"]),
            models.Index(fields=["wave", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_respondent_display()} assessment {self.uuid}"

    @property
    def counts(self) -> bool:
        """Whether it feeds the risk profile (drafts do not)."""
        return self.status in {self.Status.SUBMITTED, self.Status.VERIFIED}

    def informant_label(self) -> str:
        kind = respondent_kind(self.respondent)
        if self.informant_caregiver_id:
            return f"{kind} ({self.informant_caregiver})"
        if self.informant_staff_id:
            return f"{kind} ({self.informant_staff.user.get_full_name()})"
        return kind


class AnswerTerm(models.Model):
    """One term of `Assessment.answer_codes`: the JSON text of a question name or of an answer
    value. Only terms that say nothing about a person are stored: question names, numbers,
    true, false, null and choice names (all defined by the instrument, or a count). Free text
    is never a term, so this table holds nothing an erasure would have to find (decision 0070).
    """

    text = models.TextField(unique=True)

    def __str__(self) -> str:
        return self.text


def respondent_kind(respondent: str) -> str:
    """What an informant label starts with: the questionnaire's kind ("Caregiver")."""
    # Respondent(...).label, not get_respondent_display(): that one hashes every lazy
    # choice label (a translation each) on every call, a tenth of a bulk rescore's time.
    kind = str(Respondent(respondent).label) if respondent in Respondent else ""
    return kind or respondent


def _level_field(verbose: str) -> models.CharField:
    return models.CharField(verbose, max_length=8, choices=Level.choices, blank=True, db_index=True)


class RiskProfile(models.Model):
    """Derived: recomputed from the child's assessments in the wave, never typed in."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="risk_profiles")
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="risk_profiles")
    instrument_version = models.ForeignKey(
        InstrumentVersion, on_delete=models.PROTECT, related_name="risk_profiles"
    )
    health = _level_field("Good health")
    nutrition = _level_field("Food and nutrition")
    economic = _level_field("Money and living conditions")
    education = _level_field("Education and learning")
    protection = _level_field("Protection and care")
    psychosocial = _level_field("Feelings and behaviour")
    overall = _level_field("Overall")
    urgent = models.BooleanField(default=False, db_index=True)
    discordant = models.BooleanField(default=False)
    # {domain: {level, findings: [...], informant_levels: {...}, discordant}}, urgent_findings;
    # `cwtt rescore` stores only which rules fired, read back as the same (profile_details.py).
    details = ProfileDetailsField(default=dict)
    assessment_count = models.PositiveSmallIntegerField(default=0)
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["wave__starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["child", "wave"], name="one_profile_per_child_wave")
        ]
        indexes = [models.Index(fields=["wave", "overall"])]

    def __str__(self) -> str:
        return f"Risk profile {self.child_id}/{self.wave_id}"


class AssessmentCorrection(models.Model):
    """A change to a questionnaire that was already sent, asked for with a reason and applied
    only when a second person (the school's coordinator or a data manager) approves it. The
    answers before and after are kept, so the correction can be read later."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPLIED = "applied", _("Approved and applied")
        REJECTED = "rejected", _("Rejected")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="corrections")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    answers_before = models.JSONField()
    answers_after = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # One open request per questionnaire: a second would be reviewed against answers
            # the first may change.
            models.UniqueConstraint(
                fields=["assessment"],
                condition=models.Q(status="pending"),
                name="one_pending_correction_per_assessment",
            )
        ]

    def __str__(self) -> str:
        return f"Correction {self.pk} of {self.assessment_id}"


class RescoreRun(models.Model):
    """One `cwtt rescore`: which waves, how far it got and when it ended. Each batch of profiles
    and the run's progress commit together, so after a crash the next `cwtt rescore` continues
    after the last (child, wave) pair done (cwtt/assessments/rescoring.py)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished")
        ABANDONED = "abandoned", _("Abandoned (started over)")

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    # The waves rescored, by id, sorted; empty means every wave.
    wave_ids = models.JSONField(default=list, blank=True)
    # The last (child, wave) pair done; pairs run in (child id, wave id) order and ids start at
    # 1, so (0, 0) means none yet.
    last_child_id = models.PositiveBigIntegerField(default=0)
    last_wave_id = models.PositiveBigIntegerField(default=0)
    total = models.PositiveIntegerField(default=0, help_text=_("Pairs to do when it started"))
    done = models.PositiveIntegerField(default=0)
    changed = models.PositiveIntegerField(default=0, help_text=_("Profiles created or changed"))
    deleted = models.PositiveIntegerField(default=0, help_text=_("Profiles with no assessments"))

    class Meta:
        ordering = ["-started_at", "-pk"]
        constraints = [
            # One run at a time: two would write the same profiles.
            models.UniqueConstraint(
                fields=["status"],
                condition=models.Q(status="running"),
                name="one_running_rescore",
            )
        ]

    def __str__(self) -> str:
        return f"Rescore {self.pk} ({self.status}, {self.done} of {self.total})"
