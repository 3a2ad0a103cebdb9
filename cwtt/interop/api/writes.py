"""Writes through the API, each calling the app's action after the checks its page makes.

Sending a questionnaire: the capture page's checks (the child is one the
sender may see, the questionnaire one their role captures, the wave one under way for the
child's school), then `assessment_save`, which checks the answers, ownership, consent and a
questionnaire already sent, writes the audit entry and rescores, all in one transaction.

Changing a record that exists needs the `revision` the sender last read (as the offline page's
`base_revision`): a send made from an older copy is refused (409) rather than overwriting what
someone saved since. A retry of exactly what was saved changes nothing and answers 200.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import (
    AssessmentConflict,
    AssessmentInvalid,
    AssessmentRefused,
    assessment_save,
    lock_child,
    merged_child_record,
    ownership_problems,
    redirected_message,
)
from cwtt.assessments.corrections import readable_questions
from cwtt.assessments.models import Assessment, Wave
from cwtt.cases import permissions as case_permissions
from cwtt.cases.actions import CaseRefused, case_move
from cwtt.cases.models import Case
from cwtt.instruments.actions import validator_for
from cwtt.offline.pack import revision_of
from cwtt.referrals.actions import (
    ReferralRefused,
    feedback_link_issue,
    referral_create,
    referral_move,
)
from cwtt.referrals.models import Referral
from cwtt.referrals.models import Status as ReferralStatus
from cwtt.services.models import Provider, ServiceType


@dataclass
class Answer:
    """The HTTP status and body the view returns."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)


def _problem(status: int, **errors: str) -> Answer:
    return Answer(status, {"errors": errors})


def _refused(user, asked: Any, status: int) -> None:
    """Audited like a refusal on a page (cwtt/access/middleware.py): the id asked, nothing of the
    record."""
    audit_record(
        action=AuditEntry.Action.REFUSED,
        actor=user,
        object_type="assessment",
        object_id=asked,
        detail={"page": "api_assessments", "status": status},
    )


def _saved(
    assessment: Assessment, *, created: bool, changed: bool, rescored: bool, sent_for: int
) -> Answer:
    body = {
        "uuid": str(assessment.uuid),
        "created": created,
        "changed": changed,
        "revision": revision_of(assessment),
        "risk_updated": rescored,
        "child": assessment.child_id,
    }
    if sent_for != assessment.child_id:  # merged: saved on the kept record (decision 0043)
        body["note"] = redirected_message()
    return Answer(201 if created else 200, body)


def _same_as_saved(existing: Assessment, *, respondent: str, answers, status, assessed_on) -> bool:
    checked = validator_for(existing.instrument_version_id).validate(
        respondent, dict(answers), partial=True
    )
    return (
        existing.status == status
        and existing.assessed_on == assessed_on
        and existing.answers == checked.answers
    )


def assessment_send(
    *,
    user,
    uuid: uuid_module.UUID,
    child: int,
    respondent: str,
    answers: Mapping[str, Any],
    assessed_on: dt.date,
    status: str,
    wave: int | None = None,
    informant_caregiver: int | None = None,
    keep_alongside: Sequence[str] = (),
    repeat_reason: str = "",
    base_revision: str | None = None,
) -> Answer:
    found = policy.child_for(user, child)
    if found is None:
        _refused(user, uuid, 404)
        return _problem(404, child=_("There is no child with this id among your schools."))
    sent_for = found
    try:  # registered twice and merged: saved on the kept record (decision 0043)
        found = merged_child_record(found, user)
    except AssessmentRefused as refused:
        _refused(user, uuid, 403)
        return Answer(403, {"errors": refused.errors})
    if respondent not in policy.respondents_for(user):
        _refused(user, uuid, 403)
        return _problem(403, respondent=_("Your role does not capture this questionnaire."))
    waves = list(Wave.objects.covering([found.school_id]).started().order_by("-starts_on", "-pk"))
    chosen = next((w for w in waves if w.pk == wave), None) if wave else next(iter(waves), None)
    if chosen is None:
        return _problem(
            400,
            wave=_("Choose a wave under way for the child's school.")
            if waves
            else _("There is no assessment wave for this school yet."),
        )
    caregiver = None
    if informant_caregiver:
        caregiver = found.caregivers.filter(pk=informant_caregiver).first()
        if caregiver is None:
            return _problem(
                400, informant_caregiver=_("This person is not one of the child's caregivers.")
            )
    staff = policy.informant_staff(user, respondent)
    try:
        with transaction.atomic():
            lock_child(found)  # the checks below and the write see the same state
            existing = Assessment.objects.filter(uuid=uuid).select_related("assessor").first()
            if existing is not None:
                if existing.child_id != found.pk or existing.wave_id != chosen.pk:
                    _refused(user, uuid, 409)
                    return _problem(
                        409, uuid=_("This id already belongs to another child's or wave's record.")
                    )
                refused = ownership_problems(
                    existing, respondent=respondent, status=status, assessor=user
                )
                if refused:
                    _refused(user, uuid, 403)
                    return Answer(403, {"errors": refused})
                if _same_as_saved(
                    existing,
                    respondent=respondent,
                    answers=answers,
                    status=status,
                    assessed_on=assessed_on,
                ):
                    return _saved(
                        existing, created=False, changed=False, rescored=False, sent_for=child
                    )
                if base_revision != revision_of(existing):
                    return _problem(
                        409,
                        base_revision=_(
                            "This record was changed since you read it (or you did not say "
                            "which revision you read). Read it again, then send your changes. "
                            "Nothing was changed."
                        ),
                    )
                # The sender was never shown the answers they may not read, so a record sent
                # back without them keeps the server's.
                readable = {q.name for q in readable_questions(user, existing)}
                kept = {k: v for k, v in existing.answers.items() if k not in readable}
                answers = {**kept, **answers}
            outcome = assessment_save(
                child=found,
                wave=chosen,
                respondent=respondent,
                answers=answers,
                assessed_on=assessed_on,
                status=status,
                uuid=uuid,
                assessor=user,
                informant_caregiver=caregiver,
                informant_staff=staff,
                keep_alongside=keep_alongside,
                repeat_reason=repeat_reason,
                sent_for=sent_for,
            )
    except AssessmentConflict as conflict:
        return Answer(409, {"errors": conflict.errors, "already_sent": str(conflict.other.uuid)})
    except AssessmentRefused as refused:
        _refused(user, uuid, 403)
        return Answer(403, {"errors": refused.errors})
    except AssessmentInvalid as invalid:
        return Answer(400, {"errors": invalid.errors})
    return _saved(
        outcome.assessment,
        created=outcome.created,
        changed=True,
        rescored=outcome.profile is not None,
        sent_for=child,
    )


# --- referrals: made and moved as on the referral pages (cwtt/referrals/views.py) ------------


def _child_refused(user, child_id: int, status: int) -> None:
    audit_record(
        action=AuditEntry.Action.REFUSED,
        actor=user,
        object_type="child",
        object_id=child_id,
        detail={"page": "api_referrals", "status": status},
    )


def referral_make(
    *,
    user,
    child: int,
    service_type: str,
    urgency: str,
    reason: str,
    provider: int | None = None,
    provider_name: str = "",
    sector: str = "",
) -> tuple[Answer, Referral | None]:
    """A draft referral typed by hand, as the new-referral page makes one: for a child the
    sender may see, to a provider that offers the service (or one named by hand). The same
    draft sent twice is refused the second time (`referral_create`)."""
    access = policy.child_access(user, child)
    if access is None:
        _child_refused(user, child, 404)
        return _problem(404, child=_("There is no child with this id among your schools.")), None
    kind = ServiceType.objects.filter(code=service_type).first()
    if kind is None:
        return _problem(400, service_type=_("Choose the service the child is referred to.")), None
    chosen = None
    if provider is not None:
        chosen = Provider.objects.filter(pk=provider, service_types=kind, active=True).first()
        if chosen is None:
            return _problem(400, provider=_("Choose a provider that offers this service.")), None
    try:
        made = referral_create(
            child=access.child,
            service_type=kind,
            by=user,
            urgency=urgency,
            reason=reason,
            provider=chosen,
            provider_name=provider_name,
            sector=sector,
        )
    except ReferralRefused as refused:
        return _problem(400, referral=str(refused)), None
    return Answer(201), made


def referral_step(
    *, user, referral_id: int, from_status: str, to: str, **details: str
) -> tuple[Answer, Referral | None, str]:
    """Move a referral one step, as the referral's page does, for anyone who may see its child.
    `from_status` is the status the sender last read: if the referral has moved since, the send
    is refused (409) rather than acting on an old picture. Sending issues the provider's
    feedback link, shown once (returned as its token)."""
    found = Referral.objects.filter(pk=referral_id).first()
    if found is None or policy.child_access(user, found.child_id) is None:
        # Audited as a refused record by RefusalAuditMiddleware (the address names it).
        return _problem(404, referral=_("No such referral.")), None, ""
    try:
        with transaction.atomic():
            current = Referral.objects.select_for_update().get(pk=found.pk)
            if current.status != from_status:
                return (
                    _problem(
                        409,
                        from_status=_(
                            "This referral is now %(status)s, not %(read)s: someone moved it "
                            "since you read it. Read it again. Nothing was changed."
                        )
                        % {"status": current.status, "read": from_status},
                    ),
                    None,
                    "",
                )
            moved = referral_move(current, to, user, **details)
            token = ""
            if to == ReferralStatus.SENT:
                _link, token = feedback_link_issue(referral=moved, by=user)
    except ReferralRefused as refused:
        return _problem(400, to=str(refused)), None, ""
    return Answer(200), moved, token


# --- cases: moved one step, as the buttons on the case page (cwtt/cases/views.py) ------------


def case_step(
    *, user, case_id: int, from_status: str, to: str, comment: str = ""
) -> tuple[Answer, Case | None]:
    """Move a case one step along the workflow (`case_move`, which checks who may and what a
    step needs; steps that need a supervisor's approval are asked for on the case page).
    `from_status` is the status the sender last read: a case moved since is refused (409)."""
    found = case_permissions.case_for(user, case_id)
    if found is None:
        # Audited as a refused record by RefusalAuditMiddleware (the address names it).
        return _problem(404, case=_("No such case.")), None
    case, _access = found
    allowed = (
        case_permissions.may_confirm(user, case)
        if case.status == Case.Status.PROPOSED
        else case_permissions.may_work_on(user, case)
    )
    if not allowed:
        return _problem(
            403,
            to=_(
                "Only the case's lead, its team members or the school's coordinator can move "
                "this case (a proposed case: the coordinator)."
            ),
        ), None
    try:
        with transaction.atomic():
            current = Case.objects.select_for_update().get(pk=case.pk)
            if current.status != from_status:
                return _problem(
                    409,
                    from_status=_(
                        "This case is now %(status)s, not %(read)s: someone moved it since you "
                        "read it. Read it again. Nothing was changed."
                    )
                    % {"status": current.status, "read": from_status},
                ), None
            moved = case_move(case=current, to=to, by=user, comment=comment)
    except CaseRefused as refused:
        return Answer(400, {"errors": refused.errors or {"to": refused.message}}), None
    return Answer(200), moved
