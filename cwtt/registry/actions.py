"""Writes to the registry: the duplicate-children queue (docs/duplicates.md; decision 0047)
and a person's own settings.

- `queue_possible_duplicates(children=...)`: after children are created (an import, or any
  other way in), find the children each may be a second record of and queue the likely pairs
  for a person to review. Never merges anything.
- `duplicates_scan(...)`: the same for every child already registered (`cwtt duplicates scan`).
- `possible_duplicate_dismiss(...)`: a person decides two children are not the same.
- `staff_language_set(...)`: a person chooses the language of their pages (decision 0062).

Merging a pair is `cwtt.quality.merging.child_merge`: it moves records of several apps above
the registry, so it lives above them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access import policy
from cwtt.access.audit import audit_record, audit_record_each
from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role

from . import duplicates
from .models import (
    Child,
    ChildCaregiver,
    ChildMerge,
    Location,
    PossibleDuplicate,
    School,
    Staff,
)

CHUNK = 900  # below SQLite's limit of 999 parameters per query

# Who decides whether two records are one child: the data manager (every school) and a school's
# coordinator (both children at their schools), the people who already correct records
# (cwtt/access/policy.py RECORD_CORRECTORS).
REVIEWERS = frozenset({Role.DATA_MANAGER, Role.COORDINATOR})


class DuplicateRefused(Exception):
    """A decision on a pair that may not be made; the message says why, in plain words."""


def may_review_duplicates(user) -> bool:
    return policy.role_of(user) in REVIEWERS


def pairs_for(user):
    """The pairs this person may review: both children at schools they may see."""
    if not may_review_duplicates(user):
        return PossibleDuplicate.objects.none()
    schools = policy.schools_for(user)
    return PossibleDuplicate.objects.filter(
        child_a__school__in=schools, child_b__school__in=schools
    )


# --- finding ------------------------------------------------------------------------------


def _districts_of(school_ids: Iterable[int]) -> dict[int, int]:
    """{school id: its district} (for a school placed higher than a circuit, that place)."""
    found = {}
    rows = School.objects.filter(pk__in=sorted(school_ids)).values_list(
        "pk", "location_id", "location__level", "location__parent_id"
    )
    for pk, location_id, level, parent_id in rows:
        found[pk] = parent_id if level == Location.Level.CIRCUIT and parent_id else location_id
    return found


def _matchable(children):
    """Children that matching reads: not merged away, not anonymised (their names are gone)."""
    return children.exclude(status=Child.Status.MERGED).filter(anonymisation__isnull=True)


def _records(children) -> list[duplicates.ChildRecord]:
    rows = _matchable(children).values_list(
        "pk", "first_name", "last_name", "date_of_birth", "sex", "school_id"
    )
    return [duplicates.ChildRecord(*row) for row in rows.order_by("pk")]


def _caregivers(child_ids: set[int]) -> Mapping[int, tuple[tuple[str, ...], tuple[str, ...]]]:
    names: dict[int, list[str]] = defaultdict(list)
    phones: dict[int, list[str]] = defaultdict(list)
    ordered = sorted(child_ids)
    for start in range(0, len(ordered), CHUNK):
        links = ChildCaregiver.objects.filter(child_id__in=ordered[start : start + CHUNK])
        for child_id, first, last, phone in links.values_list(
            "child_id", "caregiver__first_name", "caregiver__last_name", "caregiver__phone"
        ).order_by("pk"):
            names[child_id].append(f"{first} {last}")
            if phone:
                phones[child_id].append(phone)
    return {pk: (tuple(names[pk]), tuple(phones[pk])) for pk in names}


def _in_districts(school_ids: Iterable[int]):
    """The children compared with those of these schools: everyone in the same districts (a
    child who moved school is registered again in the same district far more often than
    across districts)."""
    districts = sorted(set(_districts_of(school_ids).values()))
    return Child.objects.filter(
        Q(school_id__in=list(school_ids))
        | Q(school__location_id__in=districts)
        | Q(school__location__parent_id__in=districts)
    )


def _queue(matches: list[duplicates.Match], *, found_by: str, by=None) -> int:
    """Store the matches not stored before (whatever was decided on them), with an audit entry
    each. A pair decided "not the same" is never queued again."""
    if not matches:
        return 0
    known: set[tuple[int, int]] = set()
    for chunk in _chunked({m.a for m in matches}):
        known.update(
            PossibleDuplicate.objects.filter(child_a_id__in=chunk).values_list(
                "child_a_id", "child_b_id"
            )
        )
    stamp = timezone.now()
    new = [
        PossibleDuplicate(
            child_a_id=m.a,
            child_b_id=m.b,
            score=m.score,
            reasons=list(m.reasons),
            found_by=found_by,
            found_at=stamp,
        )
        for m in matches
        if (m.a, m.b) not in known
    ]
    # Two imports at once may find the same pair: the second skips it rather than fail.
    PossibleDuplicate.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    stored = [
        pair
        for chunk in _chunked({p.child_a_id for p in new})
        for pair in PossibleDuplicate.objects.filter(child_a_id__in=chunk, found_at=stamp)
    ]
    # One INSERT per batch of entries, so an import's cost does not grow with the pairs found.
    audit_record_each(
        {
            "action": AuditEntry.Action.CREATE,
            "actor": by,
            "actor_name": "" if by else found_by,
            "object_type": "possible_duplicate",
            "object_id": pair.pk,
            "child_id": pair.child_b_id,
            "detail": {"child_a": pair.child_a_id, "child_b": pair.child_b_id, "score": pair.score},
        }
        for pair in sorted(stored, key=lambda p: p.pk)
    )
    return len(stored)


def _chunked(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


def queue_possible_duplicates(
    *, children: Iterable[Child], found_by: str = "import", by=None
) -> int:
    """Queue for review the likely duplicates of these just-created children (against every
    child of the same districts, and each other). Returns how many pairs were queued. Runs in
    the caller's transaction, so a failed import leaves no pair behind."""
    new_ids = {child.pk for child in children if child.pk}
    if not new_ids:
        return 0
    with transaction.atomic():
        school_ids = {
            school_id
            for chunk in _chunked(new_ids)
            for school_id in Child.objects.filter(pk__in=chunk).values_list("school_id", flat=True)
        }
        records = _records(_in_districts(school_ids))
        matches = duplicates.find_matches(records, against=new_ids, caregivers=_caregivers)
        return _queue(matches, found_by=found_by, by=by)


def duplicates_scan(*, school_ids: Iterable[int] | None = None) -> int:
    """Queue the likely duplicates among children already registered, district by district:
    the districts of these schools, or every district. Returns how many pairs were queued."""
    chosen = (
        School.objects.all()
        if school_ids is None
        else School.objects.filter(pk__in=list(school_ids))
    )
    by_district: dict[int, list[int]] = defaultdict(list)
    for school_id, district in _districts_of(chosen.values_list("pk", flat=True)).items():
        by_district[district].append(school_id)
    queued = 0
    for district in sorted(by_district):
        with transaction.atomic():
            records = _records(_in_districts(by_district[district]))
            matches = duplicates.find_matches(records, caregivers=_caregivers)
            queued += _queue(matches, found_by="scan")
    return queued


# --- deciding -----------------------------------------------------------------------------


def _pair_for_decision(*, pair_id: int, by) -> PossibleDuplicate:
    """The pair, locked, if `by` may decide it and it still waits; else DuplicateRefused."""
    if not may_review_duplicates(by):
        raise DuplicateRefused(
            _(
                "Only a data manager, or a school's coordinator for their schools, decides "
                "whether two records are the same child. Nothing was changed."
            )
        )
    pair = pairs_for(by).select_for_update().filter(pk=pair_id).first()
    if pair is None:
        raise DuplicateRefused(_("There is no such pair among those you may review."))
    if pair.status != PossibleDuplicate.Status.PENDING:
        raise DuplicateRefused(
            _("This pair was already decided (%(decision)s). Nothing was changed.")
            % {"decision": pair.get_status_display().lower()}
        )
    return pair


def possible_duplicate_dismiss(*, pair_id: int, by) -> PossibleDuplicate:
    """Record that the two children are not the same; the pair is never proposed again."""
    with transaction.atomic():
        pair = _pair_for_decision(pair_id=pair_id, by=by)
        pair.status = PossibleDuplicate.Status.NOT_DUPLICATE
        pair.decided_by = by
        pair.decided_at = timezone.now()
        pair.save(update_fields=["status", "decided_by", "decided_at"])
        audit_record(
            action=AuditEntry.Action.CHANGE,
            actor=by,
            object_type="possible_duplicate",
            object_id=pair.pk,
            child_id=pair.child_b_id,
            detail={
                "child_a": pair.child_a_id,
                "child_b": pair.child_b_id,
                "decision": PossibleDuplicate.Status.NOT_DUPLICATE,
            },
        )
        return pair


def kept_record(child: Child) -> Child:
    """The record a merged-away child lives on now: follows ChildMerge through a chain of
    merges (A into B, later B into C gives C). An active child is its own record. A chain
    never loops (a merged-away child is never merged again), but a broken one stops where it
    is rather than run forever."""
    seen = {child.pk}
    while child.status == Child.Status.MERGED:
        merge = (
            ChildMerge.objects.filter(merged_away=child)
            .select_related("kept__school", "kept__school_class", "kept__household")
            .first()
        )
        if merge is None or merge.kept_id in seen:
            break
        seen.add(merge.kept_id)
        child = merge.kept
    return child


# --- a person's own settings --------------------------------------------------------------


def staff_language_set(*, staff: Staff, language: str) -> None:
    """Keep the language a person chose for the pages (cwtt/web/language.py checks it is one
    of those offered). Their own choice about their own screen: not audited."""
    staff.language = language
    staff.save(update_fields=["language"])
