"""Cases: from a risk profile to services that reach the child (docs/cases.md).

A case moves through the states in `Case.Status`; the allowed moves are data, in
cwtt/cases/workflow.py, and only cwtt/cases/actions.py changes any of these rows.

What is confidential: review notes, goal-progress comments and the notes on a service are
case notes (sensitivity class `case_notes`), encrypted at rest and shown only to the roles that
read case notes. The plan itself (goals, benchmarks, actions) is read by the whole team, so it is
written in words every team member may read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cwtt.access.encryption import EncryptedTextField
from cwtt.instruments.engine.definition import DOMAIN_LABELS
from cwtt.referrals.models import Referral

# Shown in the reader's language (the labels are in the catalogues; decision 0062).
DOMAIN_CHOICES = [(code, _(label)) for code, label in DOMAIN_LABELS.items()]


class Case(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        DISMISSED = "dismissed", _("Dismissed")
        IDENTIFIED = "identified", _("Identified")
        REGISTERED = "registered", _("Registered")
        ASSESSED = "assessed", _("Assessed")
        CASE_PLAN = "case_plan", _("Case plan")
        IMPLEMENTATION = "implementation", _("Implementation")
        REVIEW = "review", _("Review")
        CLOSED = "closed", _("Closed")

    class ClosureReason(models.TextChoices):
        PLAN_ACHIEVED = "plan_achieved", _("Plan achieved (benchmarks met)")
        TRANSFERRED = "transferred", _("Transferred to another service")
        MOVED_AWAY = "moved_away", _("The family moved away")
        LOST_CONTACT = "lost_contact", _("Lost contact with the family")
        AGED_OUT = "aged_out", _("The child aged out")
        DECLINED = "declined", _("The family declined support")
        DECEASED = "deceased", _("The child died")

    # A case in any other state is open: a child has at most one open case.
    NOT_OPEN = (Status.CLOSED, Status.DISMISSED)

    child = models.ForeignKey("registry.Child", on_delete=models.CASCADE, related_name="cases")
    # The school whose team holds the case; it changes when the child changes school.
    school = models.ForeignKey("registry.School", on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    # Why it was proposed, from the risk profile's levels only (never the findings' text).
    proposed_reason = models.CharField(max_length=300, blank=True)
    wave = models.ForeignKey(
        "assessments.Wave", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_from_profile = models.ForeignKey(
        "assessments.RiskProfile",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    lead = models.ForeignKey(
        "registry.Staff",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases_led",
    )
    team = models.ManyToManyField("registry.Staff", blank=True, related_name="case_teams")
    created_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)  # confirmed by the coordinator
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=16, choices=ClosureReason.choices, blank=True)
    dismissed_reason = models.TextField(blank=True)
    # The review due date the lead was last reminded of (cwtt/jobs): one reminder per due date.
    review_reminded_for = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "status"])]
        constraints = [
            # The database keeps the rule too: two proposals racing cannot both open a case.
            models.UniqueConstraint(
                fields=["child"],
                condition=~Q(status__in=["closed", "dismissed"]),
                name="one_open_case_per_child",
            )
        ]

    def __str__(self) -> str:
        return f"Case {self.pk} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status not in self.NOT_OPEN

    @classmethod
    def anonymise_for_child(cls, child) -> int:
        """Erasure (cwtt/rights): keep the case's states, dates and closure reason for the
        district's figures; remove every free text written about the child."""
        cases = cls.objects.filter(child=child)
        changed = cases.update(dismissed_reason="")
        CaseEvent.objects.filter(case__in=cases).update(comment="")
        Approval.objects.filter(case__in=cases).update(comment="")
        Goal.objects.filter(plan__case__in=cases).update(description="", benchmark="")
        PlanAction.objects.filter(plan__case__in=cases).update(description="")
        Review.objects.filter(case__in=cases).update(notes="")
        GoalProgress.objects.filter(review__case__in=cases).update(comment="")
        return changed


class CaseEvent(models.Model):
    """The case's history: every move between states (and transfers), who and when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=16, choices=Case.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Case.Status.choices)
    # About the process ("family asked to wait"), read by the whole team; not a case note.
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_to_status_display()} on case {self.case_id}"


class Approval(models.Model):
    """A supervisor's approval of a case plan or of a closure. The case moves only when one is
    approved (cwtt/cases/actions.py, `approval_decide`)."""

    class Kind(models.TextChoices):
        PLAN = "plan", _("Case plan")
        CLOSURE = "closure", _("Closure")

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Rejected")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="approvals")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    closure_reason = models.CharField(max_length=16, choices=Case.ClosureReason.choices, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=8, choices=Decision.choices, blank=True)  # "" = waiting
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} approval on case {self.case_id}"

    @property
    def pending(self) -> bool:
        return not self.decision


class CasePlan(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="plan")
    created_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    def __str__(self) -> str:
        return f"Plan of case {self.case_id}"


class Goal(models.Model):
    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="goals")
    domain = models.CharField(max_length=16, choices=DOMAIN_CHOICES)
    description = models.CharField(max_length=300)
    # Measurable: how the team will know the goal is met ("immunisations up to date").
    benchmark = models.CharField(max_length=300)
    achieved = models.BooleanField(default=False)
    achieved_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["domain", "pk"]

    def __str__(self) -> str:
        return self.description


class PlanAction(models.Model):
    """One thing someone will do for the plan ("Action" in the issue; named so that it is not
    mistaken for an audit action or cwtt/cases/actions.py)."""

    plan = models.ForeignKey(CasePlan, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=300)
    organisation = models.ForeignKey(
        "registry.Organisation", on_delete=models.PROTECT, related_name="case_actions"
    )
    person = models.ForeignKey(
        "registry.Staff", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description


class Review(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reviews")
    held_on = models.DateField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    notes = EncryptedTextField(blank=True)  # case notes
    # When the next review falls due, as worked out when this one was recorded.
    next_due_on = models.DateField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Review of case {self.case_id} on {self.held_on}"


class GoalProgress(models.Model):
    class Progress(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        SOME = "some", _("Some progress")
        ACHIEVED = "achieved", _("Achieved")

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="progress")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="progress")
    progress = models.CharField(max_length=12, choices=Progress.choices)
    comment = EncryptedTextField(blank=True)  # case notes

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "goal"], name="one_progress_per_goal")
        ]

    def __str__(self) -> str:
        return f"{self.get_progress_display()} on goal {self.goal_id}"


class ServiceDelivered(models.Model):
    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("Delivered")
        PARTLY = "partly", _("Partly delivered")
        NOT_DELIVERED = "not_delivered", _("Not delivered")

    # Null for a service given outside a case; kept when a case is removed.
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="services"
    )
    child = models.ForeignKey(
        "registry.Child", on_delete=models.CASCADE, related_name="services_delivered"
    )
    service_type = models.ForeignKey(
        "services.ServiceType", on_delete=models.PROTECT, related_name="deliveries"
    )
    delivered_on = models.DateField()
    provider = models.ForeignKey(
        "services.Provider",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    provider_name = models.CharField(max_length=200, blank=True)  # when not in the directory
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    notes = EncryptedTextField(blank=True)  # case notes
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-delivered_on", "-pk"]
        verbose_name_plural = "services delivered"

    def __str__(self) -> str:
        return f"{self.service_type} on {self.delivered_on}"

    @property
    def provided_by(self) -> str:
        return self.provider.name if self.provider_id else self.provider_name

    @classmethod
    def anonymise_for_child(cls, child) -> int:
        """Erasure (cwtt/rights): keep what was delivered and when; remove the notes."""
        return cls.objects.filter(child=child).update(notes="")


# --- the action queue (cwtt/cases/queue.py, decision 0059)


class SchoolCapacity(models.Model):
    """How many new cases each case worker at a school can take on in a month. Without a row
    the default applies (settings.CWTT_NEW_CASES_PER_WORKER). Set with `capacity_set`."""

    school = models.OneToOneField(
        "registry.School", on_delete=models.CASCADE, related_name="case_capacity"
    )
    new_cases_per_worker = models.PositiveSmallIntegerField()
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "school capacities"

    def __str__(self) -> str:
        return f"{self.new_cases_per_worker} new cases a month per worker at {self.school_id}"


class GroupResponse(models.Model):
    """One response to a need many children at a school share in a wave (a food programme, a
    parenting group), accepted or dismissed by the coordinator. Proposals are computed
    (cwtt/cases/groups.py); a row is written only when the coordinator decides, so each need
    is decided once per school and wave."""

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")

    school = models.ForeignKey(
        "registry.School", on_delete=models.PROTECT, related_name="group_responses"
    )
    wave = models.ForeignKey("assessments.Wave", on_delete=models.CASCADE, related_name="+")
    need = models.CharField(max_length=24)  # a code of cwtt/cases/groups.py NEEDS
    status = models.CharField(max_length=12, choices=Status.choices)
    children = models.ManyToManyField("registry.Child", related_name="group_responses")
    service_type = models.ForeignKey(
        "services.ServiceType", on_delete=models.PROTECT, related_name="group_responses"
    )
    provider = models.ForeignKey(
        "services.Provider",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_responses",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)
    comment = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            # Decided once: a replayed or racing accept finds the first one's row.
            models.UniqueConstraint(fields=["school", "wave", "need"], name="one_group_per_need")
        ]

    def __str__(self) -> str:
        return f"Group response {self.need} at school {self.school_id} ({self.status})"

    @property
    def referral_rule(self) -> str:
        """The `rule` of the draft referrals an accept writes, one per child."""
        return f"group_{self.need}"

    def referrals(self) -> QuerySet[Referral]:
        """The referrals the accept wrote. Not a many-to-many field: a referral is reached from
        its child, and a child's record (cwtt/rights) reads rows pointing at a referral one
        referral at a time when they are many-to-many."""
        return Referral.objects.filter(
            rule=self.referral_rule,
            child__in=self.children.all(),
            created_by=self.decided_by,
            created_at__gte=self.decided_at,
        )
