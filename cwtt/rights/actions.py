"""Writes for the child's rights under POPIA: export, correction, erasure (anonymisation).

Each function runs in one transaction, checks its rule, writes its audit entry, and is the only
place that makes its change; the pages and the `cwtt child` / `cwtt retention` commands call it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access.audit import audit_erase_details, audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.models import Assessment, RiskProfile, Wave
from cwtt.registry.models import Caregiver, Child, Household

from .models import Anonymisation
from .subject_access import child_record, record_pdf, reverse_relations, rows_pointing_at

# --- subject access export ---------------------------------------------------------------

EXPORT_FORMATS = {"json": "application/json", "pdf": "application/pdf"}


@dataclass
class Export:
    content: bytes
    content_type: str
    # No name in it: file names end up in download folders, logs and e-mail subjects.
    filename: str


def child_record_export(*, child: Child, format: str, actor=None, actor_name: str = "") -> Export:
    """The child's whole record as JSON or PDF, audited as an export."""
    if format not in EXPORT_FORMATS:
        raise ValueError(f"'{format}' is not an export format; use json or pdf.")
    record = child_record(child)
    if format == "json":
        content = json.dumps(record, indent=2, ensure_ascii=False).encode()
    else:
        content = record_pdf(record)
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor=actor,
        actor_name=actor_name,
        object_type="child_record",
        object_id=child.pk,
        child_id=child.pk,
        detail={"format": format},
    )
    return Export(content, EXPORT_FORMATS[format], f"child-record-{child.pk}.{format}")


# --- correction ----------------------------------------------------------------------------

CORRECTABLE: tuple[str, ...] = (
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "sa_id_number",
    "birth_certificate_number",
)


class CorrectionInvalid(Exception):
    """Nothing was saved; `errors` maps each field (or "__all__") to its problems."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = {key: list(messages) for key, messages in errors.items()}
        super().__init__(
            "; ".join(
                f"{'record' if key == NON_FIELD_ERRORS else key}: {message}"
                for key, messages in self.errors.items()
                for message in messages
            )
        )


def _parsed(name: str, raw: Any) -> Any:
    field = Child._meta.get_field(name)
    value = raw.strip() if isinstance(raw, str) else raw
    try:
        return field.to_python(value)
    except ValidationError:
        if isinstance(field, models.DateField):
            raise ValidationError(
                _("Enter the date as YYYY-MM-DD, for example 2018-03-14.")
            ) from None
        raise


def child_correct(
    *,
    child: Child,
    changes: Mapping[str, Any],
    reason: str,
    actor=None,
    actor_name: str = "",
) -> Child:
    """Correct the child's identifying details, checked by the model's own rules.

    Every problem is collected and reported together; on any problem nothing is saved. The
    audit entry holds the changed fields only, before and after, and the reason.
    """
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [
            _(
                "Give the reason for the correction, for example who asked and which document "
                "shows the right value."
            )
        ]
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        errors[NON_FIELD_ERRORS] = [
            _("%(fields)s cannot be corrected here; use %(allowed)s.")
            % {"fields": ", ".join(unknown), "allowed": ", ".join(CORRECTABLE)}
        ]
    with transaction.atomic():
        target = Child.objects.select_for_update().get(pk=child.pk)
        if Anonymisation.objects.filter(child=target).exists():
            raise CorrectionInvalid(
                {
                    NON_FIELD_ERRORS: [
                        _("This child's identity has been removed; there is nothing to correct.")
                    ]
                }
            )
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for name in CORRECTABLE:
            if name not in changes:
                continue
            try:
                value = _parsed(name, changes[name])
            except ValidationError as error:
                errors[name] = list(error.messages)
                continue
            if value != getattr(target, name):
                before[name], after[name] = getattr(target, name), value
                setattr(target, name, value)
        if not errors and not after:
            errors[NON_FIELD_ERRORS] = [_("Nothing to correct: the new values are the ones held.")]
        if not errors:
            try:
                target.full_clean()
            except ValidationError as error:
                for key, messages in error.message_dict.items():
                    errors.setdefault(key, []).extend(messages)
        if errors:
            raise CorrectionInvalid(errors)
        target.save(update_fields=[*after, "updated_at"])
        audit_record(
            action=AuditEntry.Action.CHANGE,
            actor=actor,
            actor_name=actor_name,
            object_type="child",
            object_id=target.pk,
            child_id=target.pk,
            detail={"before": before, "after": after, "reason": reason.strip()},
        )
    return target


# --- erasure: anonymisation ------------------------------------------------------------------

# Models whose rows stay, made non-identifying field by field below: they carry the aggregates.
KEPT = frozenset(
    {
        "registry.childcaregiver",
        "assessments.assessment",
        "assessments.riskprofile",
        "rights.anonymisation",
    }
)
REMOVED_FIRST_NAME = "Removed"


class AnonymisationRefused(Exception):
    pass


def holds_free_text(model: type[models.Model]) -> bool:
    """Whether a model stores free text or ciphertext (notes, comments, encrypted fields):
    rows of such models are deleted, as free text can say anything about anyone."""
    return any(
        isinstance(field, models.TextField | models.BinaryField)
        or "encrypt" in type(field).__name__.lower()
        for field in model._meta.concrete_fields
    )


def _informant_names(details: dict[str, Any]) -> dict[str, str]:
    """Informant labels ("Caregiver (Grace Mokoena)") → the bare respondent ("Caregiver"),
    numbered when one wave had two informants of the same kind."""
    labels: list[str] = []
    domains = details.get("domains", {})
    for data in domains.values():
        labels.extend(data.get("informant_levels", {}))
        labels.extend(f.get("informant") or "" for f in data.get("findings", []))
    labels.extend(f.get("informant") or "" for f in details.get("urgent_findings", []))
    distinct = list(dict.fromkeys(label for label in labels if label))
    bases = {label: label.partition(" (")[0] for label in distinct}
    mapping: dict[str, str] = {}
    for base in dict.fromkeys(bases.values()):
        same = [label for label in distinct if bases[label] == base]
        for number, label in enumerate(same, start=1):
            mapping[label] = base if len(same) == 1 else f"{base} {number}"
    return mapping


def _without_informant_names(details: dict[str, Any]) -> dict[str, Any]:
    mapping = _informant_names(details)

    def finding(f: dict[str, Any]) -> dict[str, Any]:
        return {**f, "informant": mapping.get(f.get("informant") or "", f.get("informant"))}

    result = dict(details)
    result["domains"] = {
        domain: {
            **data,
            "findings": [finding(f) for f in data.get("findings", [])],
            "informant_levels": {
                mapping.get(k, k): v for k, v in data.get("informant_levels", {}).items()
            },
        }
        for domain, data in details.get("domains", {}).items()
    }
    if "urgent_findings" in details:
        result["urgent_findings"] = [finding(f) for f in details["urgent_findings"]]
    return result


def _anonymise_related(obj: models.Model, removed: dict[str, int], depth: int) -> None:
    """Rows of models this module does not know: delete those holding free text; keep the
    rest, with their optional links to a caregiver or household emptied, and look one level
    further into them. A model may instead define a classmethod `anonymise_for_child(child)
    -> int` (rows changed) to do its own, finer anonymisation."""
    for rel in reverse_relations(type(obj)):
        model = rel.related_model
        key = model._meta.label_lower
        rows = rows_pointing_at(rel, obj)
        if depth == 0 and key in KEPT:
            for row in rows:
                _anonymise_related(row, removed, depth + 1)
            continue
        hook = getattr(model, "anonymise_for_child", None)
        if depth == 0 and callable(hook):
            removed[key] = removed.get(key, 0) + int(hook(obj))
        elif holds_free_text(model):
            count = rows.count()
            if count and rel.many_to_many:
                # A shared row (a meeting about several children): only this child leaves it.
                links = rel.through._default_manager
                links.filter(**{rel.field.m2m_reverse_field_name(): obj}).delete()
            elif count:
                rows.delete()
            if count:
                removed[key] = removed.get(key, 0) + count
        elif depth == 0:
            # Kept rows (a consent decision, say) must not lead back to the family by name.
            # (Not rows shared with other children through a many-to-many relation.)
            people = (
                [
                    f.name
                    for f in model._meta.concrete_fields
                    if f.is_relation and f.null and f.related_model in (Caregiver, Household)
                ]
                if not rel.many_to_many
                else []
            )
            for name in people:
                count = rows.exclude(**{f"{name}__isnull": True}).update(**{name: None})
                if count:
                    removed[f"{key}.{name}"] = removed.get(f"{key}.{name}", 0) + count
            for row in rows:
                _anonymise_related(row, removed, depth + 1)


def _free_text_questions(
    assessment: Assessment, cache: dict[int, frozenset[str]]
) -> frozenset[str]:
    key = assessment.instrument_version_id
    if key not in cache:
        definition = assessment.instrument_version.parsed()
        cache[key] = frozenset(q.name for q in definition.questions if q.type == "text")
    return cache[key]


def _without_free_text(answers: dict[str, Any], texts: frozenset[str]) -> tuple[dict, int]:
    """The answers without free text, also inside a repeat's rows (a household member's name),
    and how many answers went (decision 0053)."""
    kept: dict[str, Any] = {}
    dropped = 0
    for name, value in answers.items():
        if name in texts:
            dropped += 1
            continue
        if isinstance(value, list) and any(isinstance(row, dict) for row in value):
            rows = []
            for row in value:
                if isinstance(row, dict):
                    clean = {k: v for k, v in row.items() if k not in texts}
                    dropped += len(row) - len(clean)
                    row = clean
                rows.append(row)
            value = rows
        kept[name] = value
    return kept, dropped


def coarse_birth_date(born: dt.date, wave_starts: Iterable[dt.date]) -> dt.date:
    """The date of birth kept after anonymisation: the same year and month, and instead of the
    real day the middle of the range of days that give the same age in whole months on every
    date in `wave_starts` (where research exports and age bands measure it). So those ages do
    not change, and an age in days is out by a fortnight at most."""
    days = {start.day for start in wave_starts}
    last = calendar.monthrange(born.year, born.month)[1]
    low = max((d for d in days if d < born.day), default=0) + 1
    high = min([d for d in days if d >= born.day] + [last])
    return born.replace(day=(low + high) // 2)


def child_anonymise(*, child: Child, rule: str, actor=None, actor_name: str = "") -> dict[str, int]:
    """Remove what identifies the child, keeping what the aggregates are made of.

    Kept: risk profiles (levels and reasons), assessments with their non-identifying answers,
    school, waves, sex, grant status, month and year of birth and the age in whole months at
    each wave (`coarse_birth_date`) — so district tables and research exports do not change.
    Removed: names, ID and birth certificate numbers, the day of birth, the class, the
    household's address and position (or the link to a household other children share),
    caregivers' names and phones (or the link to a caregiver who also cares for another child),
    who the informants were, free-text answers, and every related row holding free text or
    ciphertext. The audit trail keeps who did what and when; the details of its entries
    about the child (answers before and after, reasons, corrected values) are blanked
    (`audit_erase_details`), which the chain's digests allow.

    Returns what was removed, as counts. Done once per child: a second call is refused.
    """
    now = timezone.now()
    removed: dict[str, int] = {}
    with transaction.atomic():
        target = Child.objects.select_for_update().get(pk=child.pk)
        done = Anonymisation.objects.filter(child=target).first()
        if done is not None:
            raise AnonymisationRefused(
                _("Child %(child)s's identity was already removed on %(day)s.")
                % {"child": target.pk, "day": f"{done.at:%Y-%m-%d}"}
            )

        free_text: dict[int, frozenset[str]] = {}
        for assessment in Assessment.objects.filter(child=target).select_related(
            "instrument_version"
        ):
            texts = _free_text_questions(assessment, free_text)
            kept, dropped = _without_free_text(assessment.answers, texts)
            links = int(bool(assessment.informant_caregiver_id)) + int(
                bool(assessment.informant_staff_id)
            )
            if dropped or links:
                assessment.answers = kept
                assessment.informant_caregiver = None
                assessment.informant_staff = None
                assessment.save(
                    update_fields=[
                        "answers",
                        "informant_caregiver",
                        "informant_staff",
                        "updated_at",
                    ]
                )
                removed["free_text_answers"] = removed.get("free_text_answers", 0) + dropped
                removed["informant_links"] = removed.get("informant_links", 0) + links

        for profile in RiskProfile.objects.filter(child=target):
            details = _without_informant_names(profile.details or {})
            if details != profile.details:
                profile.details = details
                profile.save(update_fields=["details"])  # not recomputed: computed_at stays

        for link in target.caregiver_links.select_related("caregiver"):
            caregiver = link.caregiver
            if caregiver.child_links.exclude(child=target).exists():
                link.delete()  # they still care for another child, whose record needs them
                removed["caregivers_unlinked"] = removed.get("caregivers_unlinked", 0) + 1
            else:
                caregiver.first_name = caregiver.last_name = caregiver.phone = ""
                caregiver.save(update_fields=["first_name", "last_name", "phone"])
                removed["caregivers_blanked"] = removed.get("caregivers_blanked", 0) + 1

        household = target.household
        if household is not None:
            if household.children.exclude(pk=target.pk).exists():
                target.household = None
                removed["household_unlinked"] = 1
            else:
                household.address = ""
                household.latitude = household.longitude = None
                household.save(update_fields=["address", "latitude", "longitude"])
                removed["household_address"] = 1

        # Records merged into this one hold the same child's names (docs/duplicates.md): they
        # go too. Read before the merge rows (which hold a free-text reason) are removed.
        merged_away = list(
            Child.objects.filter(merged_into__kept=target, anonymisation__isnull=True)
        )

        _anonymise_related(target, removed, depth=0)

        target.first_name = REMOVED_FIRST_NAME
        target.last_name = f"(record {target.pk})"
        target.sa_id_number = ""
        target.birth_certificate_number = ""
        wave_starts = Wave.objects.filter(
            Q(risk_profiles__child=target) | Q(assessments__child=target)
        ).values_list("starts_on", flat=True)
        target.date_of_birth = coarse_birth_date(target.date_of_birth, set(wave_starts))
        target.school_class = None
        if target.status == Child.Status.ACTIVE:
            target.status = Child.Status.EXITED  # an erased child is no longer worked with
        target.save()
        removed["identity"] = 1

        removed["audit_details"] = audit_erase_details(
            target.pk, reason=rule, actor=actor if getattr(actor, "pk", None) else None
        )
        Anonymisation.objects.create(
            child=target,
            at=now,
            rule=rule,
            by=actor_name or (actor.get_username() if getattr(actor, "pk", None) else ""),
        )
        audit_record(
            action=AuditEntry.Action.DELETE,
            actor=actor,
            actor_name=actor_name,
            object_type="child_identity",
            object_id=target.pk,
            child_id=target.pk,
            detail={"rule": rule, "removed": removed},
        )
        for record in merged_away:
            child_anonymise(child=record, rule=rule, actor=actor, actor_name=actor_name)
            removed["merged_records"] = removed.get("merged_records", 0) + 1
    return removed


def child_erase(*, child: Child, reason: str, actor=None, actor_name: str = "") -> dict[str, int]:
    """An individual erasure request (POPIA s24), acted on by the information officer: the same
    anonymisation as the retention rule, with the request's reason recorded."""
    if not reason.strip():
        raise AnonymisationRefused(
            _("Give the reason: who asked, when, and why the request is valid (no names needed).")
        )
    return child_anonymise(
        child=child,
        rule=f"Erasure request: {reason.strip()}",
        actor=actor,
        actor_name=actor_name,
    )
