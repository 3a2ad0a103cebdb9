"""Receiving what a phone captured without signal.

Each record comes with the id the phone gave it, so a retry after a lost answer is recognised
and changes nothing. It also says which server version it started from (`base_revision`): if
the record was changed on the server since, nothing is written and the phone is sent both
versions to let its user decide (a conflict). A finished questionnaire for a child who already
has one from someone else in the wave is a conflict too: the user decides whether to keep both.

A conflict shows only the answers the sender may read on the child's page (the access policy's
classes), and showing them is audited. A record belongs to the person and questionnaire that
made it: someone else's record, a change of questionnaire or a step back to draft is refused
(403) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
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
from cwtt.assessments.models import Assessment
from cwtt.instruments.actions import validator_for
from cwtt.instruments.engine.definition import label_text

from .pack import current_waves, revision_of

SENT_STATUSES = {Assessment.Status.DRAFT, Assessment.Status.SUBMITTED}


@dataclass
class SyncAnswer:
    """What the phone is told: an HTTP status and a JSON body."""

    status: int
    body: dict[str, Any] = field(default_factory=dict)


def _is_uuid(value: Any) -> bool:
    try:
        uuid_module.UUID(str(value))
    except ValueError:
        return False
    return isinstance(value, str)


def _problems(data: Any) -> dict[str, str]:
    if not isinstance(data, dict):
        return {"record": _("Send one record as a JSON object.")}
    problems: dict[str, str] = {}
    if not _is_uuid(data.get("uuid", "")):
        problems["uuid"] = _("Each record needs the id the phone gave it (a UUID).")
    for name in ("child", "wave"):
        if not isinstance(data.get(name), int):
            problems[name] = _("'%(name)s' must be a number.") % {"name": name}
    if not isinstance(data.get("respondent"), str):
        problems["respondent"] = _("Say whose questionnaire this is (for example caregiver).")
    if not isinstance(data.get("answers"), dict):
        problems["answers"] = _("The answers must be a JSON object of question name to answer.")
    if data.get("status") not in SENT_STATUSES:
        problems["status"] = _("The status must be 'draft' or 'submitted'.")
    try:
        dt.date.fromisoformat(str(data.get("assessed_on", "")))
    except ValueError:
        problems["assessed_on"] = _("Give the date of the interview as YYYY-MM-DD.")
    caregiver = data.get("informant_caregiver")
    if caregiver is not None and not isinstance(caregiver, int):
        problems["informant_caregiver"] = _("'informant_caregiver' must be a number or null.")
    base = data.get("base_revision")
    if base is not None and not isinstance(base, str):
        problems["base_revision"] = _("'base_revision' must be the text the server gave, or null.")
    keep = data.get("keep_alongside", [])
    if not isinstance(keep, list) or not all(_is_uuid(k) for k in keep):
        problems["keep_alongside"] = _("'keep_alongside' must be a list of record ids.")
    reason = data.get("repeat_reason", "")
    if not isinstance(reason, str):
        problems["repeat_reason"] = _("'repeat_reason' must be text.")
    return problems


def _questions(assessment: Assessment, language: str = "") -> list[dict[str, Any]]:
    """The questionnaire's questions with their labels and answer labels, so the conflict
    screen can show both versions in words rather than codes."""
    definition = assessment.instrument_version.parsed()
    validator = validator_for(assessment.instrument_version_id)

    def described(question) -> dict[str, Any]:
        return {
            "name": question.name,
            "label": label_text(question.label, language) or question.name,
            "choices": {
                c.name: label_text(c.label, language) or c.name
                for c in definition.choices.get(question.list_name or "", [])
            },
        }

    found = [described(q) for q in validator.questions(assessment.respondent)]
    # A repeat's answers are a list of rows; the phone shows each row's answers in words.
    for repeat in validator.repeats(assessment.respondent):
        found.append(
            {
                "name": repeat.name,
                "label": label_text(repeat.label, language) or repeat.name,
                "choices": {},
                "rows": {
                    q.name: described(q)
                    for q in validator.row_questions(repeat, assessment.respondent)
                },
            }
        )
    return found


def _server_side(assessment: Assessment, readable_names: set[str], *, own: bool) -> dict[str, Any]:
    """The server's copy as the phone may be shown it: only answers the reader may read. For
    the sender's own record the names of the others are listed, so the phone keeps its own
    answer for them when the person merges; of someone else's record nothing more is said."""
    who = assessment.assessor
    shown = {k: v for k, v in assessment.answers.items() if k in readable_names}
    return {
        "uuid": str(assessment.uuid),
        "revision": revision_of(assessment),
        "status": assessment.status,
        "answers": shown,
        "withheld": sorted(set(assessment.answers) - set(shown)) if own else [],
        "assessed_on": assessment.assessed_on.isoformat(),
        "changed_at": assessment.updated_at.isoformat(),
        "changed_by": (who.get_full_name() or who.username) if who else "",
    }


def _conflict(user, child, kind: str, assessment: Assessment) -> SyncAnswer:
    """A 409 holding what the reader may see of the server's copy; showing it is a read of the
    child's record, so it is audited like one."""
    readable = {q.name for q in readable_questions(user, assessment)}
    server = _server_side(assessment, readable, own=assessment.assessor_id == user.pk)
    audit_record(
        action=AuditEntry.Action.VIEW,
        actor=user,
        object_type="assessment",
        object_id=assessment.uuid,
        child_id=child.pk,
        detail={
            "via": f"offline sync conflict ({kind})",
            "answers_shown": sorted(server["answers"]),
        },
    )
    questions = [q for q in _questions(assessment) if q["name"] in readable]
    return SyncAnswer(409, {"conflict": kind, "server": server, "questions": questions})


def _normalised(assessment: Assessment, respondent: str, answers: dict[str, Any]) -> dict:
    return (
        validator_for(assessment.instrument_version_id)
        .validate(respondent, answers, partial=True)
        .answers
    )


def _refused(user, kind: str, asked: Any, status: int) -> None:
    """A refusal through the API is audited like one on a page (cwtt/access/middleware.py), so
    trying one id after another shows in the trail; nothing about the record is written."""
    audit_record(
        action=AuditEntry.Action.REFUSED,
        actor=user,
        object_type=kind,
        object_id=asked,
        detail={"page": "offline_sync", "status": status},
    )


def sync_record(user, data: Any) -> SyncAnswer:
    """Check one record against the server's and save it, all in one transaction, so that a
    change made on the server between the check and the write cannot be overwritten."""
    with transaction.atomic():
        return _sync_record(user, data)


def _sync_record(user, data: Any) -> SyncAnswer:
    problems = _problems(data)
    if problems:
        return SyncAnswer(400, {"errors": problems})
    child = policy.child_for(user, data["child"])
    if child is None:
        _refused(user, "child", data["child"], 404)
        return SyncAnswer(
            404, {"errors": {"child": _("This child is not at one of your schools.")}}
        )
    sent_for = child
    try:  # registered twice and merged: saved on the kept record (decision 0043)
        child = merged_child_record(child, user)
    except AssessmentRefused as refused:
        _refused(user, "child", data["child"], 403)
        return SyncAnswer(403, {"errors": refused.errors})
    respondent = data["respondent"]
    if respondent not in policy.respondents_for(user):
        return SyncAnswer(
            403, {"errors": {"respondent": _("Your role does not fill in this questionnaire.")}}
        )
    wave = next((w for w in current_waves([child.school_id]) if w.pk == data["wave"]), None)
    if wave is None:
        return SyncAnswer(
            422, {"errors": {"wave": _("This wave is not open for the child's school.")}}
        )
    record_id = str(uuid_module.UUID(str(data["uuid"])))
    assessed_on = dt.date.fromisoformat(data["assessed_on"])
    status = data["status"]
    lock_child(child)  # the checks below and the write see the same state
    existing = (
        Assessment.objects.filter(uuid=record_id)
        .select_related("assessor", "instrument_version")
        .first()
    )
    if existing is not None:
        if existing.child_id != child.pk or existing.wave_id != wave.pk:
            return SyncAnswer(
                422, {"errors": {"uuid": _("This id already belongs to another child's record.")}}
            )
        refused = ownership_problems(existing, respondent=respondent, status=status, assessor=user)
        if refused:
            _refused(user, "assessment", record_id, 403)
            return SyncAnswer(403, {"errors": refused})
        same = (
            existing.status == status
            and existing.assessed_on == assessed_on
            and existing.answers == _normalised(existing, respondent, data["answers"])
        )
        if same:  # a retry of what was already received
            return SyncAnswer(
                200,
                _moved({"saved": record_id, "revision": revision_of(existing)}, sent_for, child),
            )
        if data.get("base_revision") != revision_of(existing):
            return _conflict(user, child, "changed", existing)
    answers = data["answers"]
    if existing is not None:
        # The sender was never shown the answers they may not read (a conflict withholds them),
        # so a record sent back without one of them keeps the server's answer.
        readable = {q.name for q in readable_questions(user, existing)}
        kept = {k: v for k, v in existing.answers.items() if k not in readable}
        answers = {**kept, **answers}
    caregiver = (
        child.caregivers.filter(pk=data["informant_caregiver"]).first()
        if data.get("informant_caregiver")
        else None
    )
    staff = policy.informant_staff(user, respondent)
    try:
        outcome = assessment_save(
            child=child,
            wave=wave,
            respondent=respondent,
            answers=answers,
            assessed_on=assessed_on,
            status=status,
            uuid=record_id,
            assessor=user,
            informant_caregiver=caregiver,
            informant_staff=staff,
            keep_alongside=data.get("keep_alongside", []),
            repeat_reason=data.get("repeat_reason", ""),
            sent_for=sent_for,
        )
    except AssessmentConflict as conflict:
        return _conflict(user, child, "also_done", conflict.other)
    except AssessmentRefused as refused:
        _refused(user, "assessment", record_id, 403)
        return SyncAnswer(403, {"errors": refused.errors})
    except AssessmentInvalid as invalid:
        return SyncAnswer(422, {"errors": invalid.errors})
    return SyncAnswer(
        200,
        _moved(
            {
                "saved": record_id,
                "revision": revision_of(outcome.assessment),
                "risk_updated": outcome.profile is not None,
            },
            sent_for,
            child,
        ),
    )


def _moved(body: dict[str, Any], sent_for, child) -> dict[str, Any]:
    """A record sent for a merged-away child was saved on the kept one: the phone moves its copy
    there, says so, and fetches its class lists again (decision 0043)."""
    if sent_for.pk != child.pk:
        body.update({"moved_to": child.pk, "message": redirected_message()})
    return body
