"""Writes for assessments and risk profiles. Views, the API and imports all come through here."""

from __future__ import annotations

import datetime as dt
import uuid as uuid_module
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.consent.actions import children_with_consent, has_consent
from cwtt.consent.models import Purpose
from cwtt.instruments.actions import scorer_for, validator_for
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.instruments.engine.scoring import AssessmentScore
from cwtt.instruments.models import InstrumentVersion
from cwtt.registry.actions import kept_record
from cwtt.registry.models import Child

from .models import Assessment, RiskProfile, Wave
from .signals import profile_scored


class AssessmentInvalid(Exception):
    """The assessment cannot be saved; `errors` maps each field or question to a message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


class AssessmentRefused(AssessmentInvalid):
    """The sender may not change this record: it is someone else's, or another questionnaire,
    or it would step back from submitted. Corrections go through `correction_request`."""


class AssessmentConflict(AssessmentInvalid):
    """Another questionnaire of the same kind was already sent for the child in the wave. The
    sender decides: keep both (send again with the other's id in `keep_alongside`) or drop theirs."""

    def __init__(self, errors: Mapping[str, str], *, other: Assessment) -> None:
        super().__init__(errors)
        self.other = other


COUNTING = (Assessment.Status.SUBMITTED, Assessment.Status.VERIFIED)
REPEAT_REASON_LIMIT = 2000


@dataclass
class SaveOutcome:
    assessment: Assessment
    created: bool
    profile: RiskProfile | None


def child_facts(child: Child, on: dt.date) -> dict[str, Any]:
    """The registry facts that scoring rules may read as ${child_...}."""
    return child_facts_of(child.date_of_birth, child.sex, child.grant_status, on)


def child_age_months(days: int) -> float:
    """A child's age in months after this many days of life, as `Child.age_months` gives it."""
    return round(days / 30.4375, 2)


def child_facts_of(
    date_of_birth: dt.date, sex: str, grant_status: str, on: dt.date
) -> dict[str, Any]:
    """`child_facts` from the columns alone, for a bulk reader that holds no Child."""
    age = child_age_months((on - date_of_birth).days)
    return dict(zip(CHILD_FACTS, (age, sex, grant_status), strict=True))


# The names of the child's facts, in the order `child_facts_of` takes them (age first).
CHILD_FACTS = ("child_age_months", "child_sex", "child_csg")


def consent_missing_for(child: Child, respondent: str) -> str | None:
    """Why an assessment of this child cannot be submitted now, or None. The caregiver's
    consent for assessment is needed for every questionnaire; the child's own questionnaire
    needs the child's assent too. A draft may be saved meanwhile."""
    if not has_consent(child, Purpose.ASSESSMENT):
        return _no_consent_for_assessment()
    if respondent == "child" and not has_consent(child, Purpose.ASSENT):
        return _no_assent()
    return None


def consent_missing_for_many(
    child_ids: Collection[int], respondents: Sequence[str]
) -> dict[int, dict[str, str]]:
    """`consent_missing_for` for a whole class list (the offline pack): for each child, the
    questionnaires among `respondents` that cannot be submitted, and why. One query per
    consent asked about, whatever the number of children."""
    assessed = children_with_consent(Purpose.ASSESSMENT, among=child_ids)
    assenting = (
        children_with_consent(Purpose.ASSENT, among=child_ids) if "child" in respondents else set()
    )
    problems: dict[int, dict[str, str]] = {}
    for child_id in child_ids:
        if child_id not in assessed:
            problems[child_id] = dict.fromkeys(respondents, _no_consent_for_assessment())
        elif "child" in respondents and child_id not in assenting:
            problems[child_id] = {"child": _no_assent()}
        else:
            problems[child_id] = {}
    return problems


def _no_consent_for_assessment() -> str:
    return _(
        "The caregiver's consent for assessment is not on record (or was withdrawn). Record "
        "it on the child's consent page first; you can save a draft meanwhile."
    )


def _no_assent() -> str:
    return _("The child's own agreement (assent) is not on record. Record it first.")


def wave_dates_problem(wave: Wave, day: dt.date) -> str | None:
    """Why `day` cannot be an interview date in `wave`, or None."""
    if wave.starts_on <= day <= wave.ends_on:
        return None
    return _(
        "The interview date must fall within the wave '%(wave)s' (%(starts)s to %(ends)s)."
    ) % {"wave": wave.name, "starts": wave.starts_on.isoformat(), "ends": wave.ends_on.isoformat()}


def default_interview_date(wave: Wave) -> dt.date:
    """Today, or the wave's last day when the wave has ended (its first before it starts)."""
    return min(max(timezone.localdate(), wave.starts_on), wave.ends_on)


def lock_child(child: Child) -> str | None:
    """Take the child's row lock for the rest of the transaction, so two questionnaires for
    one child cannot both pass the 'already sent?' check (PostgreSQL). SQLite takes its one
    write lock when the transaction begins (settings: transaction_mode IMMEDIATE). Returns the
    child's status as it is under the lock (a merge takes the same lock)."""
    found = list(
        Child.objects.select_for_update().filter(pk=child.pk).values_list("status", flat=True)
    )
    return found[0] if found else None


def merged_child_record(child: Child, sender) -> Child:
    """The record a questionnaire for `child` is saved on: the child itself, or, when the child
    was registered twice and merged away, the kept record (through a chain of merges; decision
    0043). Refused (`AssessmentRefused`, nothing written) when the kept record is at a school the
    sender does not work with. Callers with no person (imports, the generator) are trusted."""
    kept = kept_record(child)
    if kept.pk == child.pk:
        return child
    if sender is not None and not policy.children_for(sender).filter(pk=kept.pk).exists():
        raise AssessmentRefused({"child": merged_elsewhere_message()})
    return kept


def merged_elsewhere_message() -> str:
    return _(
        "This child was registered twice and the two records were joined into one at a school "
        "you do not work with. Nothing was saved."
    )


def redirected_message() -> str:
    return _(
        "This child was registered twice and the two records were joined into one; the "
        "questionnaire was saved on the joined record."
    )


def ownership_problems(
    existing: Assessment, *, respondent: str, status: str, assessor
) -> dict[str, str]:
    """Why this send may not change an existing record, or {}. A record belongs to the person
    and questionnaire that made it (DESIGN §4, "Idempotent, owned intake"): no one else may
    change it, it cannot become another questionnaire, and once sent it stays sent. Callers
    with no person (the synthetic generator) are trusted."""
    if respondent != existing.respondent:
        return {
            "respondent": _(
                "This record is a %(kind)s questionnaire; it cannot become another one. "
                "Nothing was changed."
            )
            % {"kind": existing.get_respondent_display().lower()}
        }
    if assessor is not None and existing.assessor_id != getattr(assessor, "pk", None):
        return {
            "uuid": _(
                "This record was captured by someone else, so you cannot change it. If "
                "something in it is wrong, ask for a correction. Nothing was changed."
            )
        }
    if existing.counts and status == Assessment.Status.DRAFT:
        return {
            "status": _(
                "A questionnaire that was sent cannot go back to a draft. Ask for a correction "
                "instead. Nothing was changed."
            )
        }
    return {}


def already_sent(
    *, child: Child, wave: Wave, respondent: str, except_ids: Collection[Any]
) -> Assessment | None:
    """Another counting questionnaire of this kind for the child in the wave, if any."""
    return (
        Assessment.objects.filter(child=child, wave=wave, respondent=respondent)
        .filter(status__in=COUNTING)
        .exclude(uuid__in=list(except_ids))
        .select_related("assessor", "instrument_version")
        .order_by("submitted_at", "pk")
        .first()
    )


def assessment_save(
    *,
    child: Child,
    wave: Wave,
    respondent: str,
    answers: Mapping[str, Any],
    assessed_on: dt.date,
    status: str = Assessment.Status.SUBMITTED,
    uuid: uuid_module.UUID | str | None = None,
    assessor=None,
    informant_caregiver=None,
    informant_staff=None,
    instrument_version: InstrumentVersion | None = None,
    keep_alongside: Collection[str] = (),
    repeat_reason: str = "",
    sent_for: Child | None = None,
) -> SaveOutcome:
    """Create or update an assessment, identified by its client-made `uuid`.

    A retry with the same uuid and the same content changes nothing. Answers are checked against
    the instrument version; a draft may leave required questions empty. When the assessment
    counts (submitted or verified), the child's risk profile for the wave is recomputed in the
    same transaction, so the profile never disagrees with the answers.

    An existing record may only be changed by the person who made it, as the same
    questionnaire, and never back to a draft (`AssessmentRefused`). A second questionnaire of
    the same kind for the child in the wave is refused (`AssessmentConflict`) unless the sender
    names the one already sent in `keep_alongside`, and a person who keeps both says why in
    `repeat_reason` (kept on the record; decision 0054). The check runs under the child's lock,
    so two sent at once cannot both pass it.

    A questionnaire for a child merged away is saved on the kept record (`merged_child_record`;
    decision 0043); callers that already followed the merge name the child the sender chose in
    `sent_for`, and the audit entry says it was redirected.
    """
    if sent_for is None and child.status == Child.Status.MERGED:
        sent_for, child = child, merged_child_record(child, assessor)
    if sent_for is not None and sent_for.pk == child.pk:
        sent_for = None
    errors: dict[str, str] = {}
    if status not in Assessment.Status.values:
        errors["status"] = _("'%(status)s' is not a status; use draft, submitted or verified.") % {
            "status": status
        }
    if respondent not in {c for c, _ in Assessment._meta.get_field("respondent").choices}:
        errors["respondent"] = _("'%(respondent)s' is not a respondent type.") % {
            "respondent": respondent
        }
    if assessed_on > timezone.localdate():
        errors["assessed_on"] = _("The assessment date is in the future.")
    elif assessed_on < child.date_of_birth:
        errors["assessed_on"] = _("The assessment date is before the child was born.")
    elif outside := wave_dates_problem(wave, assessed_on):
        errors["assessed_on"] = outside
    try:
        uuid_value = uuid_module.UUID(str(uuid)) if uuid else uuid_module.uuid4()
    except ValueError:
        errors["uuid"] = _("'%(uuid)s' is not a valid UUID.") % {"uuid": uuid}
        uuid_value = None
    if wave.schools.exists() and not wave.schools.filter(pk=child.school_id).exists():
        errors["wave"] = _("The wave '%(wave)s' does not include the child's school.") % {
            "wave": wave.name
        }
    if status != Assessment.Status.DRAFT:
        missing = consent_missing_for(child, respondent)
        if missing:
            errors["consent"] = missing
    if errors:
        raise AssessmentInvalid(errors)

    repeat_reason = (repeat_reason or "").strip()
    if len(repeat_reason) > REPEAT_REASON_LIMIT:
        raise AssessmentInvalid(
            {
                "repeat_reason": _("Keep the reason under %(n)s characters.")
                % {"n": REPEAT_REASON_LIMIT}
            }
        )
    kept = set()
    for value in keep_alongside:
        try:
            kept.add(uuid_module.UUID(str(value)))
        except ValueError:
            raise AssessmentInvalid(
                {"keep_alongside": _("'%(id)s' is not a record id.") % {"id": value}}
            ) from None

    with transaction.atomic():
        if lock_child(child) == Child.Status.MERGED:
            # Merged away between the sender's checks and this lock: nothing is written.
            raise AssessmentRefused(
                {"child": _("This child's record was just joined to another. Send it again.")}
            )
        existing = Assessment.objects.filter(uuid=uuid_value).select_related("assessor").first()
        if existing is not None and (existing.child_id != child.pk or existing.wave_id != wave.pk):
            raise AssessmentRefused(
                {"uuid": _("This id already belongs to another child's or wave's assessment.")}
            )
        if existing is not None:
            refused = ownership_problems(
                existing, respondent=respondent, status=status, assessor=assessor
            )
            if refused:
                raise AssessmentRefused(refused)
        if (
            existing is not None
            and existing.status == Assessment.Status.VERIFIED
            and status != Assessment.Status.VERIFIED
        ):
            raise AssessmentInvalid(
                {"status": _("A verified assessment cannot go back to draft or submitted.")}
            )
        version = (
            existing.instrument_version
            if existing is not None
            else instrument_version or wave.instrument_version
        )
        checked = validator_for(version.pk).validate(
            respondent, answers, partial=status == Assessment.Status.DRAFT, today=assessed_on
        )
        if not checked.ok:
            raise AssessmentInvalid(checked.errors)
        # After the answers are checked, so the person sees what to fix in them first.
        if status != Assessment.Status.DRAFT and (existing is None or not existing.counts):
            other = already_sent(
                child=child, wave=wave, respondent=respondent, except_ids={uuid_value, *kept}
            )
            if other is not None:
                raise AssessmentConflict(
                    {
                        "keep_alongside": _(
                            "A %(kind)s questionnaire for this child in this wave was already "
                            "sent on %(day)s. Nothing was saved. If this one is from another "
                            "person (for example a second caregiver), choose to keep both; "
                            "otherwise there is nothing more to send."
                        )
                        % {
                            "kind": other.get_respondent_display().lower(),
                            "day": other.assessed_on.isoformat(),
                        }
                    },
                    other=other,
                )
            repeated = bool(kept) and already_sent(
                child=child, wave=wave, respondent=respondent, except_ids={uuid_value}
            )
            # A person keeping a repeat says why; callers with no person (the synthetic
            # generator, imports of old data) are trusted, and data quality flags any repeat
            # kept without a reason (cwtt/quality/checks.py `repeated_questionnaires`).
            if repeated and assessor is not None and not repeat_reason:
                raise AssessmentInvalid(
                    {
                        "repeat_reason": _(
                            'Say why both questionnaires are kept, for example "the mother and '
                            'the grandmother both answered". Nothing was saved.'
                        )
                    }
                )
        created = existing is None
        assessment = existing or Assessment(uuid=uuid_value, child=child, wave=wave)
        counted_before = not created and assessment.counts
        before = None if created else {"answers": assessment.answers, "status": assessment.status}
        existing_reason = assessment.repeat_reason
        assessment.respondent = respondent
        assessment.answers = checked.answers
        assessment.assessed_on = assessed_on
        assessment.status = status
        assessment.instrument_version = version
        if repeat_reason:
            assessment.repeat_reason = repeat_reason
        assessment.informant_caregiver = informant_caregiver
        assessment.informant_staff = informant_staff
        if assessor is not None and getattr(assessor, "pk", None):
            assessment.assessor = assessor
        if assessment.counts and assessment.submitted_at is None:
            assessment.submitted_at = timezone.now()
        assessment.save()
        after = {"answers": assessment.answers, "status": assessment.status}
        if assessment.repeat_reason:
            after["repeat_reason"] = assessment.repeat_reason
            if before is not None:
                before["repeat_reason"] = existing_reason
        if after != before:  # a retried submission changes nothing and is not a change
            detail: dict[str, Any] = {"before": before, "after": after}
            if sent_for is not None:
                detail["redirected_from_child"] = sent_for.pk
            audit_record(
                action=AuditEntry.Action.CREATE if created else AuditEntry.Action.CHANGE,
                actor=assessor,
                object_type="assessment",
                object_id=assessment.uuid,
                child_id=child.pk,
                detail=detail,
            )
        profile = None
        if assessment.counts or counted_before:
            profile = risk_profile_recompute(child=child, wave=wave)
    return SaveOutcome(assessment, created, profile)


def scoring_version(answered_with: InstrumentVersion) -> InstrumentVersion:
    """The version whose rules score an assessment: the latest of its instrument.

    An assessment keeps the version it was answered with (that says what its questions meant),
    but risk is scored with the rules in force, so publishing a new threshold and running
    `cwtt rescore` changes profiles. See docs/decisions/0009-scoring-with-the-version-in-force.md.
    """
    return InstrumentVersion.objects.filter(instrument_id=answered_with.instrument_id).latest(
        "number"
    )


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """What scoring reads of one counting assessment, without the model: a bulk reader
    (`cwtt rescore`) builds these straight from database rows."""

    uuid: str
    respondent: str
    assessed_on: dt.date
    answers: Mapping[str, Any]
    facts: Mapping[str, Any]  # child_facts on the day it was answered
    informant: str  # Assessment.informant_label()

    @classmethod
    def of(cls, assessment: Assessment) -> Questionnaire:
        return cls(
            str(assessment.uuid),
            assessment.respondent,
            assessment.assessed_on,
            assessment.answers,
            child_facts(assessment.child, assessment.assessed_on),
            assessment.informant_label(),
        )


def score_assessment(assessment: Assessment, version: InstrumentVersion) -> AssessmentScore:
    return _score(Questionnaire.of(assessment), version)


def _score(questionnaire: Questionnaire, version: InstrumentVersion) -> AssessmentScore:
    return scorer_for(version.pk).score(
        questionnaire.respondent,
        questionnaire.answers,
        questionnaire.facts,
        informant=questionnaire.informant,
    )


def _answered_with(assessments: Sequence[Assessment]) -> InstrumentVersion:
    return max(
        (a.instrument_version for a in assessments), key=lambda v: (v.instrument_id, v.number)
    )


def risk_profile_fields(
    assessments: Sequence[Assessment], version: InstrumentVersion
) -> dict[str, Any]:
    """A profile's derived fields from one child's counting assessments in one wave, scored
    with `version` (see `scoring_version`).

    The assessments need their child and informants loaded or set in memory; nothing here
    queries the database.
    """
    return profile_fields([Questionnaire.of(a) for a in assessments], version)


def profile_fields(
    questionnaires: Sequence[Questionnaire], version: InstrumentVersion
) -> dict[str, Any]:
    """`risk_profile_fields` from plain questionnaires: the one place a scoring result maps
    onto RiskProfile columns."""
    # A fixed order, so the findings' order does not depend on how the assessments were read.
    ordered = sorted(questionnaires, key=lambda q: (q.assessed_on, q.respondent, q.uuid))
    scorer = scorer_for(version.pk)
    result = scorer.combine(
        [scorer.score(q.respondent, q.answers, q.facts, informant=q.informant) for q in ordered]
    )
    fields: dict[str, Any] = {d: result.domains[d].level or "" for d in DOMAINS}
    fields.update(
        instrument_version=version,
        overall=result.overall or "",
        urgent=result.urgent,
        discordant=bool(result.discordant_domains),
        details=result.to_dict(),
        assessment_count=len(questionnaires),
    )
    return fields


def risk_profiles_build(
    groups: Iterable[tuple[Child, Wave, Sequence[Assessment]]],
) -> list[RiskProfile]:
    """Unsaved profiles for many (child, wave, counting assessments) at once, for bulk_create.

    For bulk writers that already hold the assessments in memory (the synthetic district
    generator); the same derivation as `risk_profile_recompute`, with the version in force
    looked up once per instrument. One profile per group, in order; no group may be empty.
    """
    in_force: dict[int, InstrumentVersion] = {}
    profiles = []
    for child, wave, assessments in groups:
        answered_with = _answered_with(assessments)
        version = in_force.get(answered_with.instrument_id)
        if version is None:
            version = in_force[answered_with.instrument_id] = scoring_version(answered_with)
        profiles.append(
            RiskProfile(child=child, wave=wave, **risk_profile_fields(assessments, version))
        )
    return profiles


def risk_profile_recompute(*, child: Child, wave: Wave) -> RiskProfile | None:
    """Derive the child's profile for the wave from its counting assessments (or delete it)."""
    assessments = list(
        Assessment.objects.filter(
            child=child,
            wave=wave,
            status__in=[Assessment.Status.SUBMITTED, Assessment.Status.VERIFIED],
        ).select_related(
            "instrument_version", "informant_caregiver", "informant_staff__user", "child"
        )
    )
    if not assessments:
        RiskProfile.objects.filter(child=child, wave=wave).delete()
        return None
    fields = risk_profile_fields(assessments, scoring_version(_answered_with(assessments)))
    profile, _created = RiskProfile.objects.update_or_create(
        child=child, wave=wave, defaults=fields
    )
    profile_scored.send(sender=RiskProfile, profile=profile)
    return profile


def wave_create(
    *,
    name: str,
    starts_on: dt.date,
    ends_on: dt.date,
    instrument_version: InstrumentVersion,
    schools: Iterable | None = None,
) -> Wave:
    """Open a wave of assessments. No schools means every school takes part."""
    errors = _wave_problems(name=name, starts_on=starts_on, ends_on=ends_on)
    if errors:
        raise AssessmentInvalid(errors)
    with transaction.atomic():
        wave = Wave.objects.create(
            name=name.strip(),
            starts_on=starts_on,
            ends_on=ends_on,
            instrument_version=instrument_version,
        )
        if schools:
            wave.schools.set(list(schools))
    return wave


def _wave_problems(
    *, name: str, starts_on: dt.date, ends_on: dt.date, wave: Wave | None = None
) -> dict[str, str]:
    errors: dict[str, str] = {}
    others = Wave.objects.exclude(pk=wave.pk) if wave is not None else Wave.objects.all()
    if not name.strip():
        errors["name"] = _("A wave needs a name, e.g. 'Wave 3 (2027)'.")
    elif others.filter(name=name.strip()).exists():
        errors["name"] = _("There is already a wave called '%(name)s'.") % {"name": name.strip()}
    if ends_on < starts_on:
        errors["ends_on"] = _("The wave ends before it starts.")
    return errors


def wave_change(
    *, wave: Wave, name: str, starts_on: dt.date, ends_on: dt.date, schools: Iterable = ()
) -> dict[str, Any]:
    """Rename a wave, move its dates or change its schools (none: every school), with the same
    checks as opening one. The instrument version is not changed here: it is chosen when the
    wave opens, so that the wave's answers are comparable. Returns what changed, as
    {"field": [before, after]}."""
    errors = _wave_problems(name=name, starts_on=starts_on, ends_on=ends_on, wave=wave)
    if errors:
        raise AssessmentInvalid(errors)
    schools = list(schools)
    before = {
        "name": wave.name,
        "starts_on": wave.starts_on.isoformat(),
        "ends_on": wave.ends_on.isoformat(),
        "schools": sorted(wave.schools.values_list("emis_number", flat=True)),
    }
    after = {
        "name": name.strip(),
        "starts_on": starts_on.isoformat(),
        "ends_on": ends_on.isoformat(),
        "schools": sorted(s.emis_number for s in schools),
    }
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    with transaction.atomic():
        wave.name, wave.starts_on, wave.ends_on = name.strip(), starts_on, ends_on
        wave.save(update_fields=["name", "starts_on", "ends_on"])
        wave.schools.set(schools)
    return changed
