"""Sending a questionnaire through the API: the capture page's checks (the child is one the
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
    ownership_problems,
)
from cwtt.assessments.corrections import readable_questions
from cwtt.assessments.models import Assessment, Wave
from cwtt.instruments.actions import validator_for
from cwtt.offline.pack import revision_of

STAFF_RESPONDENTS = frozenset({"teacher", "nurse", "social_worker"})


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


def _saved(assessment: Assessment, *, created: bool, changed: bool, rescored: bool) -> Answer:
    return Answer(
        201 if created else 200,
        {
            "uuid": str(assessment.uuid),
            "created": created,
            "changed": changed,
            "revision": revision_of(assessment),
            "risk_updated": rescored,
        },
    )


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
    base_revision: str | None = None,
) -> Answer:
    found = policy.child_for(user, child)
    if found is None:
        _refused(user, uuid, 404)
        return _problem(404, child=_("There is no child with this id among your schools."))
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
    staff = policy.staff_of(user) if respondent in STAFF_RESPONDENTS else None
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
                    return _saved(existing, created=False, changed=False, rescored=False)
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
    )
