"""The registry: places, schools, classes, children, households, caregivers, organisations, staff."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cwtt.access.roles import Role

from . import search_keys, validation


class Location(models.Model):
    class Level(models.TextChoices):
        PROVINCE = "province", _("Province")
        DISTRICT = "district", _("District")
        CIRCUIT = "circuit", _("Circuit")

    PARENT_LEVEL = {Level.DISTRICT: Level.PROVINCE, Level.CIRCUIT: Level.DISTRICT}

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)
    level = models.CharField(max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        expected = self.PARENT_LEVEL.get(self.level)
        if expected is None and self.parent_id:
            raise ValidationError({"parent": _("A province has no parent location.")})
        if expected is not None and (self.parent is None or self.parent.level != expected):
            raise ValidationError(
                {
                    "parent": _("A %(level)s must belong to a %(parent)s.")
                    % {"level": self.get_level_display().lower(), "parent": expected.label.lower()}
                }
            )

    def descendant_ids(self) -> list[int]:
        ids, frontier = [self.pk], [self.pk]
        while frontier:
            frontier = list(
                Location.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
            )
            ids.extend(frontier)
        return ids


class School(models.Model):
    emis_number = models.CharField(
        "EMIS number",
        max_length=12,
        unique=True,
        error_messages={"unique": _("Another school already has this EMIS number.")},
    )
    name = models.CharField(max_length=160)
    quintile = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("Poverty ranking 1 (poorest) to 5; quintiles 1-3 are no-fee schools."),
    )
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="schools")
    # Where the school is, for finding services near it (optional).
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = validation.emis_problems(self.emis_number or "")
        if problems:
            raise ValidationError({"emis_number": problems})


class SchoolClass(models.Model):
    class Grade(models.TextChoices):
        R = "R", _("Grade R")
        ONE = "1", _("Grade 1")
        TWO = "2", _("Grade 2")
        THREE = "3", _("Grade 3")

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="classes")
    grade = models.CharField(max_length=1, choices=Grade.choices)
    name = models.CharField(max_length=40, help_text=_("For example 2A"))
    year = models.PositiveSmallIntegerField()
    # The class teachers: their "My class" page lists these children (decision 0049).
    teachers = models.ManyToManyField(
        "Staff", blank=True, related_name="classes_taught", help_text=_("The class teachers.")
    )

    class Meta:
        ordering = ["year", "grade", "name"]
        verbose_name_plural = "classes"
        constraints = [
            models.UniqueConstraint(fields=["school", "year", "name"], name="unique_class_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_grade_display()}, {self.year})"


class Household(models.Model):
    class Water(models.TextChoices):
        PIPED_DWELLING = "piped_dwelling", _("Tap inside the home")
        PIPED_YARD = "piped_yard", _("Tap in the yard")
        COMMUNAL_TAP = "communal_tap", _("Communal tap")
        OTHER = "other", _("River, well, tanker or other")

    class Electricity(models.TextChoices):
        CONNECTED = "connected", _("Connected")
        INFORMAL = "informal", _("Informal connection")
        NONE = "none", _("None")

    class Sanitation(models.TextChoices):
        FLUSH = "flush", _("Flush toilet")
        VIP = "vip", _("Ventilated pit latrine")
        PIT = "pit", _("Pit latrine without ventilation")
        NONE = "none", _("None")

    address = models.CharField(max_length=255)
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    water = models.CharField(max_length=20, choices=Water.choices, blank=True)
    electricity = models.CharField(max_length=20, choices=Electricity.choices, blank=True)
    sanitation = models.CharField(max_length=20, choices=Sanitation.choices, blank=True)
    members = models.PositiveSmallIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Household {self.pk}"

    def clean(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError(_("Give both latitude and longitude, or neither."))


class Caregiver(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="caregivers")
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    phone = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Child(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class GrantStatus(models.TextChoices):
        RECEIVES = "receives", _("Receives the Child Support Grant")
        APPLIED = "applied", _("Applied, waiting")
        NOT_RECEIVING = "not_receiving", _("Does not receive it")
        UNKNOWN = "unknown", _("Not known")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRANSFERRED = "transferred", _("Transferred")
        EXITED = "exited", _("Exited")
        # Registered twice: this record was merged into another (ChildMerge says which). Kept,
        # never deleted, so its history stays readable (docs/duplicates.md).
        MERGED = "merged", _("Merged into another record")

    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=1, choices=Sex.choices)
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="children")
    school_class = models.ForeignKey(
        SchoolClass, null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    household = models.ForeignKey(
        Household, null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    caregivers = models.ManyToManyField(
        Caregiver, through="ChildCaregiver", related_name="children"
    )
    sa_id_number = models.CharField("SA ID number", max_length=13, blank=True)
    birth_certificate_number = models.CharField(max_length=30, blank=True)
    grant_status = models.CharField(
        "Child Support Grant",
        max_length=16,
        choices=GrantStatus.choices,
        default=GrantStatus.UNKNOWN,
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        verbose_name_plural = "children"
        indexes = [models.Index(fields=["school", "status"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        # The search keys are derived from the name and numbers: written with them, in the
        # same transaction. bulk_create and bulk_update callers call ChildSearchKey.write_for.
        if search_keys.needs_new_keys(kwargs.get("update_fields")):
            ChildSearchKey.write_for([self])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def age_months(self, on: dt.date) -> float:
        return (on - self.date_of_birth).days / 30.4375

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.date_of_birth:
            dob_problems = validation.date_of_birth_problems(self.date_of_birth)
            if dob_problems:
                errors["date_of_birth"] = dob_problems
        if self.sa_id_number:
            id_problems = validation.sa_id_problems(
                self.sa_id_number, None if errors else self.date_of_birth, self.sex
            )
            if id_problems:
                errors["sa_id_number"] = id_problems
        if (
            self.school_class_id
            and self.school_id
            and self.school_class.school_id != self.school_id
        ):
            errors["school_class"] = [str(_("The class belongs to another school."))]
        if errors:
            raise ValidationError(errors)

    def warnings(self) -> list[str]:
        """Things worth a second look that are not errors (shown, never blocking)."""
        if not self.date_of_birth:
            return []
        return validation.age_warnings(self.date_of_birth)


class ChildSearchKey(models.Model):
    """One key a child is found by: a keyed hash of a name word, its sound, or an identity
    number (cwtt/registry/search_keys.py; docs/search.md). Derived data, rewritten whenever the
    name or numbers change; `cwtt search_index` rewrites them all."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="search_keys")
    key = models.CharField(max_length=search_keys.KEY_LENGTH)

    class Meta:
        indexes = [models.Index(fields=["key", "child"], name="child_search_key")]

    def __str__(self) -> str:
        return f"search key of child {self.child_id}"

    @classmethod
    def write_for(cls, children, *, batch_size: int = 2000) -> int:
        """Replace the keys of these (saved) children. Two statements per batch whatever the
        number; returns the number of keys written."""
        children = list(children)
        written = 0
        for start in range(0, len(children), batch_size):
            batch = children[start : start + batch_size]
            cls.objects.filter(child_id__in=[c.pk for c in batch]).delete()
            rows = [
                cls(child_id=c.pk, key=key)
                for c in batch
                for key in sorted(search_keys.child_keys(c))
            ]
            cls.objects.bulk_create(rows, batch_size=batch_size)
            written += len(rows)
        return written


class ChildCaregiver(models.Model):
    class Relation(models.TextChoices):
        MOTHER = "mother", _("Mother")
        FATHER = "father", _("Father")
        GRANDPARENT = "grandparent", _("Grandparent")
        AUNT_UNCLE = "aunt_uncle", _("Aunt or uncle")
        SIBLING = "sibling", _("Older brother or sister")
        FOSTER = "foster", _("Foster parent")
        OTHER = "other", _("Other")

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="caregiver_links")
    caregiver = models.ForeignKey(Caregiver, on_delete=models.CASCADE, related_name="child_links")
    relation = models.CharField(max_length=16, choices=Relation.choices)
    is_primary = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["child", "caregiver"], name="unique_child_caregiver")
        ]

    def __str__(self) -> str:
        return f"{self.caregiver} ({self.get_relation_display()})"


class Organisation(models.Model):
    class Sector(models.TextChoices):
        EDUCATION = "education", _("Education")
        HEALTH = "health", _("Health")
        SOCIAL_DEVELOPMENT = "social_development", _("Social development")
        NGO = "ngo", _("Non-governmental organisation")
        COMMUNITY = "community", _("Community")

    name = models.CharField(max_length=160, unique=True)
    sector = models.CharField(max_length=24, choices=Sector.choices)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="staff")
    role = models.CharField(max_length=24, choices=Role.choices)
    schools = models.ManyToManyField(School, blank=True, related_name="staff")
    location = models.ForeignKey(
        Location,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text=_("For district and provincial roles: the area they oversee."),
    )
    phone = models.CharField(
        max_length=20, blank=True, help_text=_("For text messages about urgent work.")
    )
    supervisor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supervisees",
        help_text=_("Told when this person opens a child's record in an emergency."),
    )
    # The language of the pages, chosen with the switch in the page header (decision 0062):
    # applied at every request after sign-in, so it follows the person to another phone.
    # Empty: the browser's preferred language.
    language = models.CharField(max_length=8, blank=True, default="")

    class Meta:
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.username} ({self.get_role_display()})"


class PossibleDuplicate(models.Model):
    """Two children who may be one child registered twice, found by cwtt/registry/duplicates.py
    when a child is created or imported, waiting for a person to decide (docs/duplicates.md).
    Nothing is merged without that decision (decision 0047)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        MERGED = "merged", _("The same child: merged")
        NOT_DUPLICATE = "not_duplicate", _("Not the same child")
        CLOSED = "closed", _("Closed: one of the two was merged with another record")

    # The smaller id first, so a pair is stored once whichever child was found first.
    child_a = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    child_b = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    # The probability, 0 to 1, that the two are one child.
    score = models.FloatField()
    # Reason codes ("birth:day_month_swapped"), never the names themselves.
    reasons = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    found_at = models.DateTimeField(default=timezone.now)
    found_by = models.CharField(max_length=20, help_text=_("import, creation or scan"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["child_a", "child_b"], name="one_pair_of_children"),
            models.CheckConstraint(
                condition=models.Q(child_a__lt=models.F("child_b")), name="pair_in_id_order"
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="duplicates_waiting")]

    def __str__(self) -> str:
        return f"Possible duplicate {self.child_a_id}/{self.child_b_id} ({self.score:.2f})"


class ChildMerge(models.Model):
    """One child's second record merged into the first: what pointed at `merged_away` now points
    at `kept`; `merged_away` stays, with status "merged", so the history is never lost."""

    kept = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="merges_kept")
    merged_away = models.OneToOneField(Child, on_delete=models.PROTECT, related_name="merged_into")
    pair = models.ForeignKey(
        PossibleDuplicate, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    # What moved, by model: {"assessments.assessment": 3, ...}, and the rows left behind.
    moved = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Child {self.merged_away_id} merged into {self.kept_id}"
