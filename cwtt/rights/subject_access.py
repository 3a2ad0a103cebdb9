"""Subject access: everything CWTT holds about one child, as JSON-ready data and a readable PDF.

The record is built by walking relations, not by listing models. Every model with a foreign
key, one-to-one or many-to-many field pointing at `registry.Child` is found through Child's
meta, and so are the rows pointing at those rows (one level further: a case's notes, say). A
model added later — consent records, confidential notes, cases — therefore appears without a
change here. A few models get a richer presentation (answers next to their questions, risk
profiles with their reasons); every other model is shown field by field under its verbose
names. Dates are ISO 8601.

The record holds every sensitivity class on purpose: it is what the child's caregiver is
entitled to see, prepared by the information officer (docs/access.md, "The child's rights").
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db import models
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from cwtt.access.models import AuditEntry
from cwtt.assessments.models import Assessment, RiskProfile
from cwtt.instruments.engine.definition import (
    DOMAINS,
    InstrumentDefinition,
    label_text,
    repeat_rows_text,
)
from cwtt.instruments.labels import domain_label
from cwtt.registry.models import Child, ChildCaregiver

# A record is {"fields": {label: value}, "tables": {title: [{column: value}, ...]}}; audit
# entries also carry their raw "detail".
Record = dict[str, Any]

# Plain titles and one-line explanations for the sections a caregiver will meet most
# (translated when the record is made).
SECTION_TITLES = {
    "registry.childcaregiver": gettext_lazy("Caregivers"),
    "assessments.assessment": gettext_lazy("Assessments and the answers given"),
    "assessments.riskprofile": gettext_lazy("Risk in each area of wellbeing, with the reasons"),
}
SECTION_NOTES = {
    "child": gettext_lazy("The child's details as the school registered them."),
    "household": gettext_lazy("The home the child lives in."),
    "registry.childcaregiver": gettext_lazy("The people who look after the child."),
    "assessments.assessment": (
        gettext_lazy(
            "Each time someone (a caregiver, teacher, nurse or social worker) answered the "
            "questionnaire about the child, with every answer they gave."
        )
    ),
    "assessments.riskprofile": (
        gettext_lazy(
            "What the tool worked out from the answers in each wave: a level (low, moderate, "
            "high) in six areas of the child's wellbeing, and the reasons."
        )
    ),
    "audit": (
        gettext_lazy(
            "Every time a staff member opened, changed or exported this record, and when. Names "
            "are staff usernames."
        )
    ),
}


def reverse_relations(model: type[models.Model]) -> list[ForeignObjectRel]:
    """Every relation from another model that points at `model`.

    Hidden relations (`related_name="+"`) are included — `_meta.related_objects` leaves them
    out — so no model can hide from a subject access request. Django's auto-created
    many-to-many tables are skipped: their rows are reached through the ManyToManyRel itself.
    """
    return [
        f
        for f in model._meta.get_fields(include_hidden=True)
        if f.is_relation
        and f.auto_created
        and not f.concrete
        and isinstance(f, ForeignObjectRel)
        and not f.related_model._meta.auto_created
    ]


def rows_pointing_at(rel: ForeignObjectRel, obj: models.Model) -> models.QuerySet:
    return _ordered(rel.related_model._default_manager.filter(**{rel.field.name: obj}))


def _ordered(rows: models.QuerySet) -> models.QuerySet:
    return rows if rows.model._meta.ordering else rows.order_by("pk")


# What a model's name (`__str__`) reads from the rows it points at. A row pointing at one of
# these reads them along with its target, so a long record does not ask once per row.
NAMED_THROUGH: dict[str, tuple[str, ...]] = {
    "registry.staff": ("user",),
    "instruments.instrumentversion": ("instrument",),
}


def _read_targets(rows: list[models.Model], child: Child) -> None:
    """Read the rows these rows point at (and what their names need) in one query per field,
    not one per row: a child followed for years has hundreds of rows in the record."""
    if not rows:
        return
    lookups = []
    for field in [*rows[0]._meta.concrete_fields, *rows[0]._meta.many_to_many]:
        if not field.is_relation or field.related_model is None:
            continue
        if field.related_model is Child and field.concrete:
            # The link back to this child is left out of the record; read only other children.
            if all(getattr(row, field.attname) in (None, child.pk) for row in rows):
                continue
        lookups.append(field.name)
        named = NAMED_THROUGH.get(field.related_model._meta.label_lower, ())
        lookups.extend(f"{field.name}__{inner}" for inner in named)
    models.prefetch_related_objects(rows, *lookups)


def label_of(field: models.Field) -> str:
    return str(capfirst(field.verbose_name))


def plain(value: Any) -> Any:
    """A JSON-ready value: ISO dates, strings for decimals and ids."""
    if isinstance(value, dt.datetime):
        return (timezone.localtime(value) if timezone.is_aware(value) else value).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return _("(%(n)s bytes of binary data)") % {"n": len(value)}
    return value


def field_value(obj: models.Model, field: models.Field, child: Child) -> Any:
    if field.choices:
        return str(getattr(obj, f"get_{field.name}_display")())
    if field.is_relation:
        target = getattr(obj, field.name)
        if target is None:
            return None
        if isinstance(target, Child):
            # Another child's name is not this child's data.
            return None if target.pk == child.pk else _("another child")
        return str(target)
    return plain(field.value_from_object(obj))


def row_fields(obj: models.Model, child: Child, skip: Iterable[str] = ()) -> dict[str, Any]:
    """Every stored field of a row under its verbose name, except the link back to the child."""
    skipped = set(skip)
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        if field.name in skipped:
            continue
        if field.is_relation and field.related_model is Child:
            if getattr(obj, field.attname) == child.pk:
                continue
        out[label_of(field)] = field_value(obj, field, child)
    for field in obj._meta.many_to_many:
        if field.name in skipped or field.related_model is Child:
            continue
        out[label_of(field)] = ", ".join(str(item) for item in getattr(obj, field.name).all())
    return out


# --- richer presentations for the models a caregiver will recognise ----------------------


class _Definitions:
    """Parsed instrument versions, read once per record."""

    def __init__(self) -> None:
        self._cache: dict[int, InstrumentDefinition] = {}

    def __call__(self, assessment: Assessment) -> InstrumentDefinition:
        key = assessment.instrument_version_id
        if key not in self._cache:
            self._cache[key] = assessment.instrument_version.parsed()
        return self._cache[key]


def _answer_text(definition: InstrumentDefinition, list_name: str | None, value: Any) -> str:
    choices = {
        c.name: label_text(c.label) or c.name for c in definition.choices.get(list_name or "", [])
    }
    if isinstance(value, list):
        return ", ".join(choices.get(str(v), str(v)) for v in value)
    if choices:
        return choices.get(str(value), str(value))
    return str(plain(value))


def _assessment(obj: Assessment, child: Child, definitions: _Definitions) -> Record:
    definition = definitions(obj)
    answers = dict(obj.answers or {})
    rows = []
    for question in definition.answerable():
        if question.name in answers:
            rows.append(
                {
                    _("Question"): label_text(question.label) or question.name,
                    _("Answer"): _answer_text(
                        definition, question.list_name, answers.pop(question.name)
                    ),
                }
            )
    for repeat in definition.repeats:
        if repeat.name in answers:  # a repeat's rows, one line each (decision 0053)
            rows.append(
                {
                    _("Question"): label_text(repeat.label) or repeat.name,
                    _("Answer"): repeat_rows_text(
                        definition, repeat.name, answers.pop(repeat.name)
                    ),
                }
            )
    # Answers the instrument no longer names are still held, so they are still shown.
    rows.extend(
        {_("Question"): name, _("Answer"): str(plain(value))} for name, value in answers.items()
    )
    # The answer codes are the same answers packed for the rescore (decision 0070): shown above.
    fields = row_fields(obj, child, skip=["answers", "answer_codes"])
    return {"fields": fields, "tables": {_("Answers"): rows}}


def _risk_profile(obj: RiskProfile, child: Child, definitions: _Definitions) -> Record:
    domains = (obj.details or {}).get("domains", {})
    reasons = [
        {
            _("Area"): domain_label(domain),
            _("Level"): str(capfirst(finding.get("level", ""))),
            _("Reason"): finding.get("reason", ""),
            _("Who said it"): finding.get("informant") or "",
            _("Needs action today"): bool(finding.get("urgent")),
        }
        for domain in DOMAINS
        for finding in domains.get(domain, {}).get("findings", [])
    ]
    return {"fields": row_fields(obj, child, skip=["details"]), "tables": {_("Reasons"): reasons}}


def _caregiver_link(obj: ChildCaregiver, child: Child, definitions: _Definitions) -> Record:
    fields = row_fields(obj.caregiver, child, skip=["household"])
    fields[_("Relation")] = obj.get_relation_display()
    fields[_("Main caregiver")] = obj.is_primary
    fields.update(row_fields(obj, child, skip=["caregiver", "id", "relation", "is_primary"]))
    return {"fields": fields, "tables": {}}


PRESENTERS: dict[str, Callable[[Any, Child, _Definitions], Record]] = {
    "assessments.assessment": _assessment,
    "assessments.riskprofile": _risk_profile,
    "registry.childcaregiver": _caregiver_link,
}


def _generic(obj: models.Model, child: Child, definitions: _Definitions) -> Record:
    return {"fields": row_fields(obj, child), "tables": {}}


# --- the record ----------------------------------------------------------------------------


def _section(key: str, title: str, records: list[Record]) -> dict[str, Any]:
    # str(): the titles and notes are translated now, and the record must be JSON-ready.
    return {
        "key": key,
        "title": str(title),
        "note": str(SECTION_NOTES.get(key, "")),
        "records": records,
    }


def _audit_records(child: Child) -> list[Record]:
    """The audit entries about the child. Their detail (answers before and after, corrections)
    is the child's data too, so it is in the JSON — but not once the child is anonymised:
    anonymisation blanks them (`audit_erase_details`), and entries older than the chain's
    digests still hold the old values, which the export must not hand back."""
    from .models import Anonymisation

    anonymised = Anonymisation.objects.filter(child=child).exists()
    records = []
    for entry in AuditEntry.objects.filter(child_id=child.pk).order_by("id"):
        record: Record = {
            "fields": {
                "When": plain(entry.at),
                "Who": entry.actor_name or "—",
                "What": str(entry.get_action_display()),
                "Item": f"{entry.object_type} {entry.object_id}".strip(),
            },
            "tables": {},
        }
        if not anonymised:
            record["detail"] = entry.detail
        records.append(record)
    return records


def child_record(child: Child) -> dict[str, Any]:
    """Everything held on `child`, JSON-ready: the registry record, household, caregivers,
    every row of every model pointing at the child (and rows pointing at those), and the audit
    entries about the child ("who saw and changed this record")."""
    definitions = _Definitions()
    sections = [
        _section(
            "child",
            _("The child"),
            [{"fields": row_fields(child, child, skip=["household", "caregivers"]), "tables": {}}],
        ),
        _section(
            "household",
            pgettext("where a child lives", "Home"),
            [{"fields": row_fields(child.household, child), "tables": {}}]
            if child.household_id
            else [],
        ),
    ]
    related: list[tuple[ForeignObjectRel, list[models.Model]]] = [
        (rel, list(rows_pointing_at(rel, child))) for rel in reverse_relations(Child)
    ]
    # Rows already shown in their own section are not repeated under another row.
    seen = {(type(row), row.pk) for _rel, rows in related for row in rows}
    for rel, rows in related:
        meta = rel.related_model._meta
        present = PRESENTERS.get(meta.label_lower, _generic)
        _read_targets(rows, child)
        nested = _nested_tables(rows, child, seen)
        records = []
        for row in rows:
            record = present(row, child, definitions)
            record["tables"].update(nested.get(row.pk, {}))
            records.append(record)
        title = SECTION_TITLES.get(meta.label_lower) or str(capfirst(meta.verbose_name_plural))
        sections.append(_section(meta.label_lower, title, records))
    sections.append(_section("audit", _("Who saw and changed this record"), _audit_records(child)))
    return {
        "title": _("Everything the Child Wellbeing Tracking Tool holds about %(child)s")
        % {"child": child.full_name},
        "child_id": child.pk,
        "name": child.full_name,
        "produced_at": plain(timezone.now()),
        "sections": sections,
    }


def _nested_tables(
    rows: list[models.Model], child: Child, seen: set[tuple[type, Any]]
) -> dict[Any, dict[str, list[dict[str, Any]]]]:
    """For each row (by pk), the rows pointing at it that have no section of their own, one
    table per kind: one query per kind for all the rows, not one per row."""
    tables: dict[Any, dict[str, list[dict[str, Any]]]] = {}
    if not rows:
        return tables
    for rel in reverse_relations(type(rows[0])):
        title = str(capfirst(rel.related_model._meta.verbose_name_plural))
        if rel.many_to_many:  # no row has one towards itself; kept correct if one is added
            found = {row.pk: list(rows_pointing_at(rel, row)) for row in rows}
        else:
            found = {}
            pointing = _ordered(
                rel.related_model._default_manager.filter(**{f"{rel.field.name}__in": rows})
            )
            for item in pointing:
                found.setdefault(getattr(item, rel.field.attname), []).append(item)
        found = {
            pk: [item for item in items if (type(item), item.pk) not in seen]
            for pk, items in found.items()
        }
        _read_targets([item for items in found.values() for item in items], child)
        for pk, items in found.items():
            if items:
                tables.setdefault(pk, {})[title] = [
                    row_fields(item, child, skip=[rel.field.name]) for item in items
                ]
    return tables


def record_html(record: dict[str, Any]) -> str:
    return render_to_string("rights/child_record_pdf.html", {"record": record})


def record_pdf(record: dict[str, Any]) -> bytes:
    from weasyprint import HTML  # a heavy import, needed only here

    return HTML(string=record_html(record)).write_pdf()
