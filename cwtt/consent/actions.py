"""Recording consent and asking whether it is in force. Every write is audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.registry.models import Caregiver, Child

from .models import ConsentDecision, ConsentText, Purpose


class ConsentInvalid(Exception):
    """The decision cannot be recorded; `errors` maps each field to a plain message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def current_text(purpose: str, on: dt.date | None = None) -> ConsentText | None:
    on = on or timezone.localdate()
    return (
        ConsentText.objects.filter(purpose=purpose, in_use_from__lte=on)
        .order_by("-in_use_from")
        .first()
    )


def consent_in_force(child: Child) -> dict[str, ConsentDecision | None]:
    """The latest decision for each purpose (None when never asked)."""
    state: dict[str, ConsentDecision | None] = dict.fromkeys(Purpose.values)
    for decision in ConsentDecision.objects.filter(child=child).select_related(
        "text", "caregiver", "recorded_by"
    ):
        state[decision.purpose] = decision  # ordered oldest first, so the last one wins
    return state


def has_consent(child: Child, purpose: str) -> bool:
    latest = (
        ConsentDecision.objects.filter(child=child, purpose=purpose)
        .order_by("-decided_on", "-recorded_at", "-pk")
        .values_list("decision", flat=True)
        .first()
    )
    return latest == ConsentDecision.Decision.GIVEN


def children_with_consent(purpose: str, among=None) -> set[int]:
    """Ids of children whose latest decision for `purpose` is 'given' (for lists and exports),
    optionally only among the given child ids."""
    latest: dict[int, str] = {}
    decisions = ConsentDecision.objects.filter(purpose=purpose)
    if among is not None:
        decisions = decisions.filter(child_id__in=list(among))
    for child_id, decision in decisions.order_by(
        "child_id", "decided_on", "recorded_at", "pk"
    ).values_list("child_id", "decision"):
        latest[child_id] = decision
    return {child_id for child_id, decision in latest.items() if decision == "given"}


@transaction.atomic
def consent_record(
    *,
    child: Child,
    purpose: str,
    decision: str,
    decided_on: dt.date,
    recorded_by=None,
    caregiver: Caregiver | None = None,
    text: ConsentText | None = None,
) -> ConsentDecision:
    """Record a caregiver's decision (or the child's assent). Checks everything first and
    raises ConsentInvalid listing each problem; nothing is written then."""
    errors: dict[str, str] = {}
    if purpose not in Purpose.values:
        errors["purpose"] = _("'%(purpose)s' is not a purpose; use one of %(purposes)s.") % {
            "purpose": purpose[:40],  # what was sent may be anything, of any length
            "purposes": ", ".join(Purpose.values),
        }
    if decision not in ConsentDecision.Decision.values:
        errors["decision"] = _("Choose agreed, did not agree, or withdrew agreement.")
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("The date is in the future.")
    if purpose == Purpose.ASSENT:
        if caregiver is not None:
            errors["caregiver"] = _(
                "Assent is the child's own decision; leave the caregiver empty."
            )
    elif purpose in Purpose.values:
        if caregiver is None:
            errors["caregiver"] = _("Choose the caregiver who gave or refused consent.")
        elif not child.caregiver_links.filter(caregiver=caregiver).exists():
            errors["caregiver"] = _("This person is not recorded as one of the child's caregivers.")
    if decision == ConsentDecision.Decision.WITHDRAWN and not has_consent(child, purpose):
        errors["decision"] = _("There is no agreement in force to withdraw.")
    if text is None and purpose in Purpose.values:
        text = current_text(purpose, decided_on)
        if text is None:
            errors["text"] = _("No consent text is in use for this purpose on that date.")
    elif text is not None and text.purpose != purpose:
        errors["text"] = _("That consent text is for another purpose.")
    if not errors:
        # Lock the child: a send repeated (a double click, a retry) must find the decision
        # the first one recorded rather than record it twice (decision 0031).
        Child.objects.select_for_update().filter(pk=child.pk).first()
        latest = (
            ConsentDecision.objects.filter(child=child, purpose=purpose)
            .order_by("-decided_on", "-recorded_at", "-pk")
            .first()
        )
        if latest is not None and (
            latest.decision,
            latest.decided_on,
            latest.caregiver_id,
            latest.text_id,
        ) == (decision, decided_on, getattr(caregiver, "pk", None), getattr(text, "pk", None)):
            errors["decision"] = _(
                "This decision is already recorded (the same decision, by the same person, on "
                "the same day); it was not recorded a second time."
            )
    if errors:
        raise ConsentInvalid(errors)
    record = ConsentDecision.objects.create(
        child=child,
        purpose=purpose,
        decision=decision,
        decided_on=decided_on,
        caregiver=caregiver,
        text=text,
        recorded_by=recorded_by,
    )
    audit_record(
        action=AuditEntry.Action.CREATE,
        actor=recorded_by,
        actor_name="" if recorded_by else "command line",
        object_type="consent",
        object_id=record.pk,
        child_id=child.pk,
        detail={
            "purpose": purpose,
            "decision": decision,
            "decided_on": decided_on,
            "text_version": text.version,
        },
    )
    _tell_coordinators(record)
    return record


# Agreeing to share widens who reads the child's details at once (cwtt/access/policy.py).
WIDENING = {Purpose.SHARE_HEALTH, Purpose.SHARE_SOCIAL_DEVELOPMENT}


def _tell_coordinators(record: ConsentDecision) -> None:
    """When someone other than the school's coordinator records an agreement to share (a
    nurse agreeing sharing with health lets health staff, herself included, read the child's
    details at once), the coordinators are told who recorded it and for which day, so a
    consent taken in the field is never used unseen. The message holds no child's name: it
    may leave the app by e-mail."""
    from cwtt.access.roles import Role
    from cwtt.notifications.actions import notify
    from cwtt.registry.models import Staff

    by = record.recorded_by
    if by is None or record.decision != ConsentDecision.Decision.GIVEN:
        return
    if record.purpose not in WIDENING:
        return
    coordinators = Staff.objects.filter(
        role=Role.COORDINATOR, schools=record.child.school_id, user__is_active=True
    ).select_related("user")
    day = record.decided_on
    for staff in coordinators:
        if staff.user_id == by.pk:
            continue
        notify(
            staff.user,
            "A caregiver's agreement to share was recorded",
            f"{by.get_full_name() or by.get_username()} recorded an agreement to "
            f"{record.get_purpose_display().lower()}, dated {day.day} {day:%B %Y}, for a "
            f"child at {record.child.school.name}. Open the child's consent page to check it.",
            reverse("consent", args=[record.child_id]),
        )
