"""Every write to referrals: creating, moving between states (with the consent check before a
referral leaves the school team), and the provider's feedback links. Each runs in one
transaction and writes its audit entry (docs/referrals.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections import deque
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.access.policy import SECTOR_PURPOSES
from cwtt.registry.models import Child, Organisation

from .models import (
    FINAL_FOR_PROVIDER,
    OPEN_STATES,
    PROVIDER_STATES,
    TRANSITIONS,
    FeedbackLink,
    Referral,
    ReferralEvent,
    Status,
    Urgency,
    feedback_link_days,
)
from .rules import DEFAULT_DEADLINES, ProposedReferral

PROVIDER_LINK = "provider link"  # the actor name of answers given through a feedback link

# NGOs and community organisations that receive a referral are treated as social development:
# they do social-development work (food parcels, parenting programmes, home visits) and the
# caregiver's consent to share with social development is the one that covers them.
REFERRAL_SECTOR_PURPOSES: dict[str, str] = {
    **{str(k): v for k, v in SECTOR_PURPOSES.items()},
    Organisation.Sector.NGO: "share_social_development",
    Organisation.Sector.COMMUNITY: "share_social_development",
}
# A legal duty overrides a missing consent only for the service the law requires: the duty to
# report abuse reaches statutory child protection, not every social-development programme.
DUTY_SERVICES: dict[str, frozenset[str]] = {"report_abuse": frozenset({"statutory_protection"})}
# What a reason from each domain reveals, for referrals typed by hand (no finding behind them).
DOMAIN_CLASSES = {
    "health": "health",
    "psychosocial": "health",
    "protection": "protection",
    "education": "education",
}


# The longest free texts a referral keeps (a reason, a comment, an outcome); the typed name of a
# provider fits its column.
MAX_TEXT = 5000
MAX_NAME = 200


class ReferralRefused(Exception):
    """A referral cannot be made or moved; the message says why in plain words."""


def status_label(status: str) -> str:
    return str(Status(status).label)


def _audit(referral: Referral, action: str, by=None, by_name: str = "", **detail: Any) -> None:
    audit_record(
        action=action,
        actor=by,
        actor_name=by_name,
        object_type="referral",
        object_id=referral.pk,
        child_id=referral.child_id,
        detail=detail,
    )


# --- creating ---------------------------------------------------------------------------------


@transaction.atomic
def referral_create(
    *,
    child: Child,
    service_type,
    by,
    urgency: str,
    reason: str,
    provider=None,
    provider_name: str = "",
    sector: str = "",
    deadline: dt.timedelta | None = None,
    rule: str = "",
    finding: dict[str, Any] | None = None,
    reason_classes: list[str] | None = None,
    now: dt.datetime | None = None,
) -> Referral:
    """A draft referral. Nothing leaves the school team until it is sent."""
    now = now or timezone.now()
    problems = []
    if urgency not in Urgency.values:
        problems.append(_("Choose how urgent the referral is (urgent, high or routine)."))
    if not reason.strip():
        problems.append(_("Say why the child is referred."))
    if provider is not None:
        if not provider.service_types.filter(pk=service_type.pk).exists():
            problems.append(
                _("%(provider)s does not offer %(service)s.")
                % {"provider": provider, "service": service_type}
            )
        sector = provider.sector
        provider_name = ""
    elif not provider_name.strip():
        problems.append(_("Choose a provider from the directory, or type the provider's name."))
    if sector not in Organisation.Sector.values:
        problems.append(_("Choose the sector of the provider (health, social development ...)."))
    if len(reason.strip()) > MAX_TEXT:
        problems.append(_("Keep the reason to %(limit)s characters.") % {"limit": f"{MAX_TEXT:,}"})
    if len(provider_name.strip()) > MAX_NAME:
        problems.append(
            _("Keep the provider's name to %(limit)s characters.") % {"limit": MAX_NAME}
        )
    if problems:
        raise ReferralRefused(" ".join(problems))
    _refuse_a_repeat(
        child=child,
        service_type=service_type,
        by=by,
        rule=rule,
        reason=reason.strip(),
        provider=provider,
        provider_name=provider_name.strip(),
    )
    if reason_classes is None:
        reason_classes = [DOMAIN_CLASSES.get(service_type.domain, "general")]
    referral = Referral.objects.create(
        child=child,
        service_type=service_type,
        provider=provider,
        provider_name=provider_name.strip(),
        sector=sector,
        urgency=urgency,
        reason=reason.strip(),
        reason_classes=sorted(reason_classes),
        rule=rule,
        finding=finding or {},
        created_by=by,
        created_at=now,
        due_by=now + (deadline or DEFAULT_DEADLINES[urgency]),
    )
    ReferralEvent.objects.create(referral=referral, at=now, by=by, to_status=Status.DRAFT)
    _audit(
        referral,
        AuditEntry.Action.CREATE,
        by,
        service_type=service_type.code,
        provider=referral.to_whom,
        urgency=urgency,
        rule=rule,
    )
    return referral


def _refuse_a_repeat(
    *, child: Child, service_type, by, rule: str, reason: str, provider, provider_name: str
) -> None:
    """A referral is not made twice (decision 0031): from a proposal, while the child has an
    open referral from the same rule (two colleagues acting on one proposal); typed by hand,
    while the same person's identical draft is waiting to be sent (a send repeated by a double
    click or a retry). The child's row is locked so two sends at once see each other."""
    Child.objects.select_for_update().filter(pk=child.pk).first()
    if rule:
        earlier = Referral.objects.filter(child=child, rule=rule, status__in=OPEN_STATES)
    else:
        earlier = Referral.objects.filter(
            child=child,
            service_type=service_type,
            created_by=by,
            status=Status.DRAFT,
            reason=reason,
            provider=provider,
            provider_name="" if provider is not None else provider_name,
        )
    found = earlier.first()
    if found is not None:
        raise ReferralRefused(
            _(
                "This referral is already made (referral %(number)s, %(status)s); follow that "
                "one instead of making it again."
            )
            % {"number": found.pk, "status": status_label(found.status).lower()}
        )


def referral_from_proposal(
    *,
    child: Child,
    proposal: ProposedReferral,
    service_type,
    by,
    reason_classes: list[str],
    provider=None,
    provider_name: str = "",
    sector: str = "",
    now: dt.datetime | None = None,
) -> Referral:
    return referral_create(
        child=child,
        service_type=service_type,
        by=by,
        urgency=proposal.urgency,
        reason=proposal.reason,
        provider=provider,
        provider_name=provider_name,
        sector=sector,
        deadline=proposal.deadline,
        rule=proposal.rule,
        finding=proposal.finding,
        reason_classes=reason_classes,
        now=now,
    )


# --- moving -----------------------------------------------------------------------------------


def sharing_purpose(referral: Referral) -> str | None:
    """The consent a referral needs before it goes to the provider's sector (None: education,
    the school team itself)."""
    return REFERRAL_SECTOR_PURPOSES.get(referral.sector)


def _consent_or_duty(referral: Referral):
    """The legal duty that allows sending without consent, None when consent is in place; or
    ReferralRefused."""
    from cwtt.consent.actions import has_consent
    from cwtt.consent.legal_duties import duty_overriding
    from cwtt.consent.models import Purpose

    purpose = sharing_purpose(referral)
    if purpose is None or has_consent(referral.child, purpose):
        return None
    duty = duty_overriding(referral.child, purpose)
    if duty is not None and referral.service_type.code in DUTY_SERVICES.get(duty.code, ()):
        return duty
    label = str(Purpose(purpose).label)
    raise ReferralRefused(
        _(
            "The referral was not sent: the caregiver has not agreed to %(purpose)s. "
            "Record the caregiver's consent on the child's Consent page first, or give the "
            "referral to someone in the school team."
        )
        % {"purpose": label[:1].lower() + label[1:]}
    )


def _refuse_long_texts(details: dict[str, Any]) -> None:
    """Free texts of a move (a reason, an outcome, the provider's feedback, a comment) are
    refused past MAX_TEXT characters rather than stored whatever their size."""
    for name in ("reason", "outcome", "feedback", "comment"):
        if len(str(details.get(name, "")).strip()) > MAX_TEXT:
            raise ReferralRefused(
                _("Keep each text to %(limit)s characters; a longer one is not saved.")
                % {"limit": f"{MAX_TEXT:,}"}
            )


def _required(to: str, details: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """The details a move needs, checked; what is stored on the referral."""
    _refuse_long_texts(details)
    if to == Status.DECLINED:
        if not str(details.get("reason", "")).strip():
            raise ReferralRefused(_("Say why the referral is declined."))
        return {"decline_reason": str(details["reason"]).strip()}
    if to == Status.CANCELLED:
        if not str(details.get("reason", "")).strip():
            raise ReferralRefused(_("Say why the referral is cancelled."))
        return {"cancel_reason": str(details["reason"]).strip()}
    if to == Status.DELIVERED:
        on = details.get("delivered_on")
        if isinstance(on, str):
            try:
                on = dt.date.fromisoformat(on)
            except ValueError:
                on = None
        if not isinstance(on, dt.date):
            raise ReferralRefused(_("Give the date the service was delivered (YYYY-MM-DD)."))
        if on > timezone.localdate(now):
            raise ReferralRefused(_("The date the service was delivered cannot be in the future."))
        if not str(details.get("outcome", "")).strip():
            raise ReferralRefused(_("Say what the outcome of the service was."))
        return {
            "delivered_on": on,
            "outcome": str(details["outcome"]).strip(),
            "feedback": str(details.get("feedback", "")).strip(),
        }
    return {}


def allowed_words(status: str) -> str:
    steps = TRANSITIONS[status]
    if not steps:
        return _("nothing: it is finished")
    return ", ".join(f"{s} ({status_label(s).lower()})" for s in steps)


@transaction.atomic
def referral_move(
    referral: Referral,
    to: str,
    by=None,
    *,
    by_name: str = "",
    now: dt.datetime | None = None,
    tell_sender: bool = True,
    **details: Any,
) -> Referral:
    """Move a referral to `to`, or refuse with ReferralRefused saying which steps are allowed.

    Details: `reason` (declined, cancelled), `delivered_on`, `outcome`, `feedback` (delivered),
    `comment` (any). Sending checks the caregiver's consent for the provider's sector."""
    now = now or timezone.now()
    referral = (
        Referral.objects.select_for_update()
        .select_related("child", "service_type", "created_by")
        .get(pk=referral.pk)
    )
    current = referral.status
    if to not in Status.values:
        raise ReferralRefused(_("%(state)s is not a referral state.") % {"state": f"{to!r}"})
    if to not in TRANSITIONS[current]:
        raise ReferralRefused(
            _(
                "A referral that is %(status)s cannot become %(target)s. Next steps allowed: "
                "%(allowed)s."
            )
            % {
                "status": status_label(current).lower(),
                "target": status_label(to).lower(),
                "allowed": allowed_words(current),
            }
        )
    changes = _required(to, details, now)
    duty = _consent_or_duty(referral) if to == Status.SENT else None
    if to == Status.SENT:
        changes["sent_at"] = now
    for name, value in changes.items():
        setattr(referral, name, value)
    referral.status = to
    referral.save(update_fields=["status", *changes])
    recorded = {k: str(v) for k, v in changes.items() if k != "sent_at"}
    if duty is not None:
        recorded["legal_duty"] = duty.code
    ReferralEvent.objects.create(
        referral=referral,
        at=now,
        by=by if getattr(by, "pk", None) else None,
        by_name=by_name,
        from_status=current,
        to_status=to,
        comment=str(details.get("comment", "")).strip(),
        details=recorded,
    )
    _audit(referral, AuditEntry.Action.CHANGE, by, by_name, before=current, after=to, **recorded)
    if duty is not None:
        _audit(
            referral,
            AuditEntry.Action.LEGAL_DUTY,
            by,
            by_name,
            duty=duty.code,
            law=duty.law,
            purpose=sharing_purpose(referral),
            service_type=referral.service_type.code,
        )
    if tell_sender and to in PROVIDER_STATES and (by is None or by != referral.created_by):
        _tell_sender(referral)
    return referral


def _tell_sender(referral: Referral) -> None:
    from cwtt.notifications.actions import notify

    # No child name: the message may leave the app by e-mail.
    notify(
        referral.created_by,
        f"Referral {referral.pk} to {referral.service_type}: "
        f"{status_label(referral.status).lower()}",
        "The provider has answered. Open the referral to see the answer.",
        reverse("referral", args=[referral.pk]),
    )


def provider_path(current: str, answer: str) -> list[str]:
    """The steps from `current` to the provider's `answer` through the provider's own states,
    so a provider who answers once ("delivered") needs no earlier visit."""
    queue: deque[tuple[str, list[str]]] = deque([(current, [])])
    seen = {current}
    while queue:
        status, path = queue.popleft()
        if status == answer:
            return path
        for step in TRANSITIONS[status]:
            if step in PROVIDER_STATES and step not in seen:
                seen.add(step)
                queue.append((step, [*path, step]))
    return []


@transaction.atomic
def provider_answer(
    referral: Referral, answer: str, by=None, *, by_name: str = "", now=None, **details: Any
) -> Referral:
    """Record what the provider says (acknowledged, accepted, declined, delivered), passing
    through the steps in between."""
    if answer not in PROVIDER_STATES:
        raise ReferralRefused(_("Choose received, accepted, declined or delivered."))
    steps = provider_path(referral.status, answer)
    if not steps:
        raise ReferralRefused(
            _(
                "A referral that is %(status)s cannot become %(target)s. Next steps allowed: "
                "%(allowed)s."
            )
            % {
                "status": status_label(referral.status).lower(),
                "target": status_label(answer).lower(),
                "allowed": allowed_words(referral.status),
            }
        )
    for step in steps:
        last = step == answer
        extra = details if last else {}
        # One notification for one answer, however many steps it passes through.
        referral = referral_move(
            referral, step, by, by_name=by_name, now=now, tell_sender=last, **extra
        )
    return referral


# --- overdue ----------------------------------------------------------------------------------


def overdue_referrals(now: dt.datetime | None = None) -> QuerySet[Referral]:
    """Open referrals (not yet delivered, declined, closed or cancelled) past their deadline."""
    return Referral.objects.filter(status__in=OPEN_STATES, due_by__lt=now or timezone.now())


def overdue_referrals_notify(now: dt.datetime | None = None) -> int:
    """Tell the sender of each newly overdue referral, and their supervisor, once per referral;
    an urgent one by text message too. Run by the worker (cwtt/jobs), so it happens with nobody
    at a screen. Safe to run twice, or in two workers at once: each referral is claimed by one
    conditional update before anyone is told. Returns how many referrals were notified."""
    now = now or timezone.now()
    waiting = (
        overdue_referrals(now)
        .filter(overdue_notified_at__isnull=True)
        .select_related("service_type", "created_by__staff__supervisor__user")
    )
    told = 0
    for referral in waiting.iterator(chunk_size=200):
        with transaction.atomic():
            claimed = Referral.objects.filter(
                pk=referral.pk, overdue_notified_at__isnull=True
            ).update(overdue_notified_at=now)
            if not claimed:
                continue  # another worker told them
            _tell_overdue(referral)
            told += 1
    return told


def _tell_overdue(referral: Referral) -> None:
    from cwtt.notifications.actions import notify

    sender = referral.created_by
    due_by = timezone.localtime(referral.due_by)
    due = f"{due_by.day} {due_by:%B %Y}"
    link = reverse("referral", args=[referral.pk])
    urgent = referral.urgency == Urgency.URGENT
    # No child name: these may leave the app by e-mail or text message.
    subject = f"Referral {referral.pk} to {referral.service_type} is overdue"
    notify(
        sender,
        subject,
        f"It was due by {due} and the service has not reached the child yet. "
        "Open the referral to follow it up with the provider.",
        link,
        sms=urgent,
    )
    staff = getattr(sender, "staff", None)
    supervisor = staff.supervisor.user if staff and staff.supervisor_id else None
    if supervisor is not None and supervisor != sender:
        who = sender.get_full_name() or sender.get_username()
        notify(
            supervisor,
            subject,
            f"{who} sent this referral; it was due by {due} and the service has not reached "
            "the child yet.",
            link,
            sms=urgent,
        )


# --- feedback links ---------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feedback_link_issue(
    *, referral: Referral, by=None, now: dt.datetime | None = None
) -> tuple[FeedbackLink, str]:
    """A new link for the provider; returns the token, which is stored nowhere."""
    now = now or timezone.now()
    if referral.status == Status.DRAFT:
        raise ReferralRefused(_("Send the referral first; a draft has no feedback link."))
    if referral.status in FINAL_FOR_PROVIDER:
        raise ReferralRefused(_("The provider has already given a final answer."))
    token = secrets.token_urlsafe(32)
    link = FeedbackLink.objects.create(
        referral=referral,
        token_hash=token_hash(token),
        created_at=now,
        created_by=by,
        expires_at=now + dt.timedelta(days=feedback_link_days()),
    )
    _audit(referral, AuditEntry.Action.CREATE, by, link="feedback", expires_at=link.expires_at)
    return link, token


def feedback_link_find(token: str) -> FeedbackLink | None:
    return (
        FeedbackLink.objects.select_related("referral__child", "referral__service_type")
        .filter(token_hash=token_hash(token))
        .first()
    )


def feedback_link_problem(link: FeedbackLink, now: dt.datetime | None = None) -> str | None:
    """Why the link can no longer be used, in plain words; None when it can."""
    now = now or timezone.now()
    if link.used_at is not None or link.referral.status in FINAL_FOR_PROVIDER:
        return _(
            "This referral has already been answered, or no longer needs an answer. Thank you."
        )
    if now >= link.expires_at:
        return _(
            "This link has expired. Please contact the person who referred the child (their "
            "details are on the referral letter)."
        )
    return None


def feedback_link_seen(link: FeedbackLink) -> None:
    """A view of a working link. Views of a link that no longer works are not audited."""
    _audit(link.referral, AuditEntry.Action.VIEW, by_name=PROVIDER_LINK, link=link.pk)


@transaction.atomic
def feedback_answer(
    *, link: FeedbackLink, answer: str, now: dt.datetime | None = None, **details: Any
) -> Referral:
    now = now or timezone.now()
    link = FeedbackLink.objects.select_for_update().select_related("referral").get(pk=link.pk)
    problem = feedback_link_problem(link, now)
    if problem:
        raise ReferralRefused(problem)
    referral = provider_answer(link.referral, answer, by_name=PROVIDER_LINK, now=now, **details)
    if referral.status in FINAL_FOR_PROVIDER:
        link.used_at = now
        link.save(update_fields=["used_at"])
    return referral
