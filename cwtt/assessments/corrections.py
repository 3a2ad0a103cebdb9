"""Correcting a questionnaire that was already sent: asked for with a reason, applied only when
a second person approves it, with the answers before and after kept (docs/access.md,
"Corrections to what was captured").

A sent questionnaire belongs to the person who captured it (`assessments.actions`); nobody
changes it in place. Anyone who may capture that questionnaire at the child's school may ask
for a correction of the answers they may read; the school's coordinator, a social worker or a
data manager — never the person who asked — approves or rejects it, if they may read every
answer it changes; a correction of health answers goes to another nurse or a social worker
(decision 0064). Approving rewrites the
answers, rescored in the same transaction, and the audit trail keeps both versions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access import policy, sensitivity
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.instruments.actions import validator_for
from cwtt.instruments.engine.definition import SENSITIVITY_RANK, Question

from .actions import AssessmentInvalid, AssessmentRefused, risk_profile_recompute
from .models import Assessment, AssessmentCorrection

REVIEWER_ROLES = frozenset({Role.COORDINATOR, Role.SOCIAL_WORKER, Role.DATA_MANAGER})
# A correction that changes a health answer (a child's height or weight) is reviewed by a second
# health reader at the child's school: another nurse, or a social worker. The coordinator and
# the data manager may not read health answers, so they could never approve it (decision 0064).
HEALTH_REVIEWER_ROLES = frozenset({Role.NURSE})
REASON_LIMIT = 2000


def readable_questions(user, assessment: Assessment) -> list:
    """The questions of the assessment's questionnaire whose answers `user` may read (the
    access policy's classes for this child, after consent), in the questionnaire's order. The
    one rule for showing answers: the questionnaire's page, corrections and offline conflicts.
    A repeat the user may read wholly is in the list as a question of type "repeat" (its
    answers are a list of rows under its name; decision 0053)."""
    access = policy.child_access(user, assessment.child_id)
    classes = access.classes if access else frozenset()
    validator = validator_for(assessment.instrument_version_id)
    definition = validator.definition
    asked = {q.name for q in validator.questions(assessment.respondent)}
    # A repeat's rows (a list under its name) are read whole: only by someone who may read
    # every question in them. It stands in the list as a question of type "repeat".
    repeats = {
        r.name: r
        for r in validator.repeats(assessment.respondent)
        if definition.repeat_sensitivities(r.name) <= classes
    }
    found = []
    for question in definition.questions:
        if question.repeat is not None and question.repeat in repeats:
            repeat = repeats.pop(question.repeat)
            found.append(
                Question(
                    name=repeat.name,
                    type="repeat",
                    row=repeat.row,
                    label=repeat.label,
                    respondent=repeat.respondent,
                    sensitivity=max(
                        definition.repeat_sensitivities(repeat.name),
                        key=lambda c: SENSITIVITY_RANK.get(c, 0),
                    ),
                )
            )
        elif question.name in asked and question.sensitivity in classes:
            found.append(question)
    return found


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def correction_request(
    *, assessment: Assessment, answers: Mapping[str, Any], reason: str, by
) -> AssessmentCorrection:
    """Ask for the answers the requester may read to be changed to `answers` (the others stay
    as they are). Refused when the person may not capture this questionnaire for the child,
    the questionnaire was not sent, nothing changes, or a request is already waiting."""
    if policy.child_for(by, assessment.child_id) is None or (
        assessment.respondent not in policy.respondents_for(by)
    ):
        raise AssessmentRefused(
            {"assessment": _("You cannot ask for corrections to this questionnaire.")}
        )
    if not assessment.counts:
        raise AssessmentInvalid(
            {"assessment": _("This is a draft: its author can still change it directly.")}
        )
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentInvalid(
            {"reason": _("Say why the answers are wrong, for example who noticed and how.")}
        )
    if len(reason) > REASON_LIMIT:
        raise AssessmentInvalid(
            {"reason": _("Keep the reason under %(n)s characters.") % {"n": REASON_LIMIT}}
        )
    mine = {q.name for q in readable_questions(by, assessment)}
    proposed = {k: v for k, v in assessment.answers.items() if k not in mine}
    proposed.update({k: v for k, v in answers.items() if k in mine and v not in (None, "", [])})
    checked = validator_for(assessment.instrument_version_id).validate(
        assessment.respondent, proposed, today=assessment.assessed_on
    )
    if not checked.ok:
        raise AssessmentInvalid(checked.errors)
    if not _changed(assessment.answers, checked.answers):
        raise AssessmentInvalid(
            {"answers": _("Nothing to correct: these are the answers already held.")}
        )
    try:
        with transaction.atomic():
            correction = AssessmentCorrection.objects.create(
                assessment=assessment,
                requested_by=by,
                reason=reason,
                answers_before=assessment.answers,
                answers_after=checked.answers,
            )
            audit_record(
                action=AuditEntry.Action.CREATE,
                actor=by,
                object_type="assessment_correction",
                object_id=correction.pk,
                child_id=assessment.child_id,
                detail={
                    "assessment": str(assessment.uuid),
                    "reason": reason,
                    "before": assessment.answers,
                    "after": checked.answers,
                },
            )
    except IntegrityError:
        raise AssessmentInvalid(
            {"assessment": _("A correction of this questionnaire is already waiting for review.")}
        ) from None
    return correction


def changed_classes(correction: AssessmentCorrection) -> frozenset[str]:
    """The sensitivity classes of the answers the correction changes (a repeat's: all of its
    questions'). An answer the questionnaire does not define counts as a protection answer."""
    definition = validator_for(correction.assessment.instrument_version_id).definition
    kinds = {q.name: q.sensitivity for q in definition.questions}
    classes: set[str] = set()
    for name in _changed(correction.answers_before, correction.answers_after):
        if name in kinds:
            classes.add(kinds[name])
        elif definition.repeat(name) is not None:
            classes |= definition.repeat_sensitivities(name)
        else:
            classes.add("protection")
    return frozenset(classes)


def reads_every_change(correction: AssessmentCorrection, readable: set[str]) -> bool:
    """Whether a reader of the answers named in `readable` reads every answer the correction
    changes. Only then are its reason and its changes shown: a reason may tell a health or
    protection answer in words (decision 0064)."""
    return set(_changed(correction.answers_before, correction.answers_after)) <= readable


def may_review_role(role: str | None, classes: frozenset[str]) -> bool:
    """Whether a person in `role` reviews a correction changing answers of `classes`, before
    their scope is checked: the reviewing roles, and a nurse for a correction of health
    answers; in both cases only if the role reads every class changed."""
    if role not in REVIEWER_ROLES and not (role in HEALTH_REVIEWER_ROLES and "health" in classes):
        return False
    return classes <= sensitivity.readable_classes(role)


def can_review(user, correction: AssessmentCorrection) -> bool:
    """A second person at the child's school, in a reviewing role (a nurse too, for a
    correction of health answers), who may read every answer the correction changes."""
    if user.pk == correction.requested_by_id or not may_review_role(
        policy.role_of(user), changed_classes(correction)
    ):
        return False
    assessment = correction.assessment
    if policy.child_for(user, assessment.child_id) is None:
        return False
    return reads_every_change(correction, {q.name for q in readable_questions(user, assessment)})


def correction_review(
    *, correction: AssessmentCorrection, approve: bool, by, comment: str = ""
) -> AssessmentCorrection:
    """Approve (apply the new answers and rescore) or reject (with a comment) a waiting
    correction. Refused for the person who asked, for anyone who may not read every changed
    answer, for a correction already decided, and when the questionnaire changed since."""
    comment = (comment or "").strip()
    with transaction.atomic():
        correction = (
            AssessmentCorrection.objects.select_for_update()
            .select_related("assessment")
            .get(pk=correction.pk)
        )
        if not can_review(by, correction):
            raise AssessmentRefused(
                {"review": _("Another person must review this correction: not the one who asked.")}
                if by.pk == correction.requested_by_id
                else {"review": _("You cannot review this correction.")}
            )
        if correction.status != AssessmentCorrection.Status.PENDING:
            raise AssessmentInvalid({"review": _("This correction was already decided.")})
        if not approve and not comment:
            raise AssessmentInvalid({"comment": _("Say why the correction is rejected.")})
        if len(comment) > REASON_LIMIT:
            raise AssessmentInvalid(
                {"comment": _("Keep the comment under %(n)s characters.") % {"n": REASON_LIMIT}}
            )
        assessment = Assessment.objects.select_for_update().get(pk=correction.assessment_id)
        if approve and assessment.answers != correction.answers_before:
            raise AssessmentInvalid(
                {
                    "review": _(
                        "The questionnaire changed after this correction was asked for. Reject "
                        "it and ask again from the current answers."
                    )
                }
            )
        correction.status = (
            AssessmentCorrection.Status.APPLIED if approve else AssessmentCorrection.Status.REJECTED
        )
        correction.reviewed_by, correction.reviewed_at = by, timezone.now()
        correction.review_comment = comment
        correction.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
        audit_record(
            action=AuditEntry.Action.CHANGE,
            actor=by,
            object_type="assessment_correction",
            object_id=correction.pk,
            child_id=assessment.child_id,
            detail={"decision": correction.status, "comment": comment},
        )
        if approve:
            assessment.answers = correction.answers_after
            assessment.save(update_fields=["answers", "updated_at"])
            audit_record(
                action=AuditEntry.Action.CHANGE,
                actor=by,
                object_type="assessment",
                object_id=assessment.uuid,
                child_id=assessment.child_id,
                detail={
                    "before": {"answers": correction.answers_before, "status": assessment.status},
                    "after": {"answers": correction.answers_after, "status": assessment.status},
                    "correction": correction.pk,
                    "reason": correction.reason,
                },
            )
            risk_profile_recompute(child=assessment.child, wave=assessment.wave)
    return correction
