"""A filled-in form from ODK Collect becomes an assessment (decision 0042).

The instance names its form (`id`, `version`), the child (`child_id`), the day (`assessed_on`)
and its own id (`meta/instanceID`, "uuid:..."), which becomes the assessment's id, so a retry
is recognised. The answers are the instance's elements named like the questionnaire's
questions, wherever their group puts them; each element named like a repeat is one of its rows,
kept as a list under the repeat's name (decision 0053); everything else (notes, calculations,
meta) is not an answer. Then `assessment_save` applies the same rules as the capture page and the offline sync:
answers checked, consent, wave dates, ownership, one questionnaire of a kind per child and wave;
scored and audited in the same transaction.

Statuses: 201 saved; 202 the same form was already received; 400 the XML, form, version or
answers are wrong; 403 the child or questionnaire is not this person's to capture; 409 the id
belongs to another record or to someone else, or the questionnaire was already sent.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from dataclasses import dataclass
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.db import transaction
from django.utils import timezone
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
    redirected_message,
)
from cwtt.assessments.models import Assessment, Respondent
from cwtt.instruments.actions import validator_for
from cwtt.instruments.models import InstrumentVersion
from cwtt.offline.pack import current_waves

from .xform import CHILD_FIELD, DATE_FIELD, split_form_id


@dataclass(frozen=True)
class Received:
    status: int
    message: str


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _leaves(root: Element) -> dict[str, str]:
    """Each element without children, by name (the first, when a name repeats)."""
    found: dict[str, str] = {}
    for element in root.iter():
        if len(element) == 0:
            found.setdefault(_local(element.tag), (element.text or "").strip())
    return found


def _refused(user, kind: str, asked: object, status: int) -> None:
    """Trying other people's records or children leaves its trace, as on the pages."""
    audit_record(
        action=AuditEntry.Action.REFUSED,
        actor=user,
        object_type=kind,
        object_id=asked,
        detail={"page": "openrosa_submission", "status": status},
    )


def parse_instance(xml: bytes) -> Element | None:
    try:
        return fromstring(xml, forbid_dtd=True)
    except (ParseError, DefusedXmlException, ValueError):
        return None


def receive(user, xml: bytes) -> Received:
    """Check one submission and save it, in one transaction."""
    with transaction.atomic():
        return _receive(user, xml)


def _receive(user, xml: bytes) -> Received:
    root = parse_instance(xml)
    if root is None:
        return Received(400, _("The form sent is not readable XML. Nothing was saved."))
    named = split_form_id(root.get("id", ""))
    version = None
    if named is not None:
        code, respondent = named
        version = (
            InstrumentVersion.objects.filter(instrument__code=code, number=_number(root))
            .select_related("instrument")
            .first()
        )
    if named is None or version is None or respondent not in version.parsed().respondents():
        return Received(
            400,
            _(
                "This server has no form '%(form)s' version '%(version)s'. Get the blank forms "
                "again and fill this one in anew. Nothing was saved."
            )
            % {"form": root.get("id", ""), "version": root.get("version", "")},
        )
    if respondent not in policy.respondents_for(user):
        return Received(403, _("Your role does not fill in this questionnaire. Nothing was saved."))
    leaves = _leaves(root)
    record_id = _record_id(leaves.get("instanceID", ""))
    if record_id is None:
        return Received(400, _("The form has no instance id (meta/instanceID). Nothing was saved."))
    child_id = leaves.get(CHILD_FIELD, "")
    child = policy.child_for(user, int(child_id)) if child_id.isdigit() else None
    if child is None:
        _refused(user, "child", child_id[:64], 403)
        return Received(403, _("The child chosen is not on your class list. Nothing was saved."))
    sent_for = child
    try:  # registered twice and merged: saved on the kept record (decision 0043)
        child = merged_child_record(child, user)
    except AssessmentRefused as refused:
        _refused(user, "child", child_id[:64], 403)
        return Received(403, _plain(refused.errors))
    wave = next(
        (w for w in current_waves([child.school_id]) if w.instrument_version_id == version.pk),
        None,
    )
    if wave is None:
        return Received(
            400,
            _(
                "No assessment wave at this child's school uses version %(version)s of this "
                "form. Get the blank forms again. Nothing was saved."
            )
            % {"version": version.number},
        )
    try:
        assessed_on = dt.date.fromisoformat(leaves.get(DATE_FIELD) or "")
    except ValueError:
        assessed_on = timezone.localdate()
    validator = validator_for(version.pk)
    names = {q.name for q in validator.questions(respondent)}
    answers: dict[str, object] = {
        name: value for name, value in leaves.items() if name in names and value
    }
    answers.update(_repeat_rows(root, validator, respondent))

    lock_child(child)  # the checks below and the write see the same state
    existing = Assessment.objects.filter(uuid=record_id).first()
    if existing is not None:
        if existing.assessor_id != user.pk:
            _refused(user, "assessment", record_id, 409)
            return Received(
                409,
                _("A record with this form's id was made by someone else. Nothing was saved."),
            )
        same = (
            existing.child_id == child.pk
            and existing.respondent == respondent
            and existing.instrument_version_id == version.pk
            and existing.assessed_on == assessed_on
            and existing.answers
            == validator_for(version.pk).validate(respondent, answers, partial=True).answers
        )
        if same:
            return Received(202, _("This form was already received. Nothing more to do."))
        return Received(
            409,
            _(
                "A different form with this id was already received. If something in it is "
                "wrong, ask for a correction on the child's page. Nothing was saved."
            ),
        )
    staff = policy.informant_staff(user, respondent)
    try:
        outcome = assessment_save(
            child=child,
            wave=wave,
            respondent=respondent,
            answers=answers,
            assessed_on=assessed_on,
            status=Assessment.Status.SUBMITTED,
            uuid=record_id,
            assessor=user,
            informant_staff=staff,
            instrument_version=version,
            sent_for=sent_for,
        )
    except AssessmentConflict as conflict:
        # The capture page lets the sender keep both; Collect cannot ask, so say where to.
        return Received(
            409,
            _(
                "A %(kind)s questionnaire for this child in this wave was already sent on "
                "%(day)s. Nothing was saved. If this one is from another person (for example a "
                "second caregiver), enter it on the child's capture page and choose to keep both."
            )
            % {
                "kind": conflict.other.get_respondent_display().lower(),
                "day": conflict.other.assessed_on.isoformat(),
            },
        )
    except AssessmentRefused as refused:
        _refused(user, "assessment", record_id, 409)
        return Received(409, _plain(refused.errors))
    except AssessmentInvalid as invalid:
        return Received(400, _plain(invalid.errors))
    if not outcome.created:  # the same form sent twice at once: the second found the first
        return Received(202, _("This form was already received. Nothing more to do."))
    kind = Respondent(respondent).label
    saved = _("%(kind)s questionnaire for %(child)s saved.") % {
        "kind": kind,
        "child": child.first_name,
    }
    if sent_for.pk != child.pk:
        saved = f"{saved} {redirected_message()}"
    return Received(201, saved)


def _repeat_rows(root: Element, validator, respondent: str) -> dict[str, list[dict[str, str]]]:
    """Each repeat's rows: every element named like the repeat is a row, and its answers are
    the leaves inside it (in the row's groups too) named like the repeat's questions. The
    validator refuses more rows than a form takes (decision 0053)."""
    found: dict[str, list[dict[str, str]]] = {}
    for repeat in validator.repeats(respondent):
        names = {q.name for q in validator.row_questions(repeat, respondent)}
        rows = []
        for element in root.iter():
            if _local(element.tag) != repeat.name or len(element) == 0:
                continue
            row: dict[str, str] = {}
            for leaf in element.iter():
                name = _local(leaf.tag)
                if len(leaf) == 0 and name in names and (leaf.text or "").strip():
                    row.setdefault(name, (leaf.text or "").strip())
            rows.append(row)
        if rows:
            found[repeat.name] = rows
    return found


def _number(root: Element) -> int:
    text = root.get("version", "")
    return int(text) if text.isdigit() and len(text) < 10 else -1


def _record_id(text: str) -> str | None:
    try:
        return str(uuid_module.UUID(text.removeprefix("uuid:")))
    except ValueError:
        return None


def _plain(errors: dict[str, str]) -> str:
    """Every problem on its own line, naming the question; Collect shows the text as it is."""
    lines = [
        message if name in {"keep_alongside", "uuid"} else f"{name}: {message}"
        for name, message in errors.items()
    ]
    if not any("Nothing was" in line for line in lines):
        lines.append(_("Nothing was saved."))
    return "\n".join(lines)
