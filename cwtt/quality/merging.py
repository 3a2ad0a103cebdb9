"""Merging one child registered twice: `child_merge(keep=..., duplicate=..., by=..., reason=...)`
(docs/duplicates.md; decision 0047).

Everything that points at the duplicate is found through the model graph (every relation to
`registry.Child`, as the subject access record finds them) and handled by the rule MERGE_RULES
names for it; a relation with no rule stops the merge before it writes anything, and
tests/quality/test_merging.py fails when a model gains a relation to Child that has no rule
here. The duplicate is not deleted: it stays, with status "merged", and a ChildMerge row holds
both ids, who merged, when and why. One transaction, one audit entry on each child.

It lives here, above the registry, because it moves the records of apps that stand above the
registry (assessments, cases, referrals, meetings) and rescores the kept child.

Refused, with nothing changed:
- by anyone but a data manager, or a coordinator with both children at their schools;
- a child merged into itself; a child already merged away (a second merge of a pair, or two at
  once: the second waits for the first's lock and then finds it done);
- either child anonymised (the names are gone: nothing to compare);
- both children with an open case (a child has one open case: close or dismiss one first).
Questionnaires all move. Two of the same kind in one wave may stand side by side (as when a
sender keeps a second one alongside the first: cwtt/assessments/actions.py), and both count;
the merge record says how many such waves there were, for the reviewer to look at. Risk
profiles are derived: after the move, the kept child's profile is recomputed for every
wave either child had one in, and the duplicate's profiles are gone (cases made from them point
at the kept child's profile).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.assessments.actions import COUNTING, risk_profile_recompute
from cwtt.assessments.models import Assessment, RiskProfile, Wave
from cwtt.cases.actions import cases_follow_child
from cwtt.cases.models import Case
from cwtt.registry.actions import (
    REVIEWERS,
    DuplicateRefused,
    queue_possible_duplicates,
)
from cwtt.registry.models import (
    Child,
    ChildCaregiver,
    ChildMerge,
    ChildSearchKey,
    PossibleDuplicate,
)
from cwtt.rights.subject_access import reverse_relations

REASON_MAX = 1000


class MergeRefused(DuplicateRefused):
    """The merge may not be made; the message says why and that nothing changed."""


# How each relation to a child is handled, by "app.model.field". "move": point it at the kept
# child. The others are functions below, named for what they do.
MOVE = "move"
HISTORY = "history"  # left as it is: it records what happened to that record
MERGE_RULES: dict[str, str] = {
    "access.emergencyaccess.child": MOVE,
    "assessments.assessment.child": MOVE,  # after the same-kind-same-wave check
    "assessments.riskprofile.child": "rescore",
    "cases.case.child": MOVE,
    "cases.groupresponse.children": "group_responses",  # the kept child takes the place  # after the one-open-case check; then they follow to the school
    "cases.servicedelivered.child": MOVE,
    "consent.consentdecision.child": MOVE,  # the latest decision stays the one in force
    "meetings.agendaitem.child": MOVE,
    "notes.childnote.child": MOVE,
    "referrals.referral.child": MOVE,
    "registry.childcaregiver.child": "caregivers",
    "registry.childsearchkey.child": "unsearchable",  # the merged-away record is not found
    "registry.childmerge.kept": HISTORY,  # records merged into the duplicate earlier stay so
    "registry.childmerge.merged_away": "refuse_if_any",  # checked first: never merged twice
    "registry.possibleduplicate.child_a": "pairs",
    "registry.possibleduplicate.child_b": "pairs",
    "rights.anonymisation.child": "refuse_if_any",
}


def _group_responses(keep: Child, duplicate: Child) -> int:
    """The group responses (a food programme, a parenting group) that listed the duplicate list
    the kept child instead, once."""
    groups = list(duplicate.group_responses.all())
    for group in groups:
        group.children.remove(duplicate)
        group.children.add(keep)
    return len(groups)


def _unsearchable(keep: Child, duplicate: Child) -> int:
    """Search finds the kept record only (the kept child's own keys already cover its names)."""
    deleted, _ = ChildSearchKey.objects.filter(child=duplicate).delete()
    return deleted


def relation_key(rel) -> str:
    return f"{rel.related_model._meta.label_lower}.{rel.field.name}"


def child_relations() -> list:
    return reverse_relations(Child)


def unhandled_relations() -> list[str]:
    """Relations to Child with no rule in MERGE_RULES (a new model someone added)."""
    return sorted(key for key in map(relation_key, child_relations()) if key not in MERGE_RULES)


def _refuse(message: str) -> None:
    raise MergeRefused(_("%(problem)s Nothing was changed.") % {"problem": message})


def _lock_pair(keep: Child, duplicate: Child) -> tuple[Child, Child]:
    """Both children, re-read under a row lock taken in id order (so two merges never wait on
    each other in a circle). It is the lock a questionnaire's save takes (assessments
    `lock_child`), so one sent for either child meanwhile waits for the merge."""
    locked = {
        c.pk: c
        for c in Child.objects.select_for_update()
        .filter(pk__in=[keep.pk, duplicate.pk])
        .order_by("pk")
    }
    return locked[keep.pk], locked[duplicate.pk]


def _check_reader(keep: Child, duplicate: Child, by) -> None:
    """The person may merge these two: both at schools they work with, not one record twice."""
    if keep.pk == duplicate.pk:
        _refuse(_("A record cannot be merged into itself."))
    visible = set(
        policy.children_for(by).filter(pk__in=[keep.pk, duplicate.pk]).values_list("pk", flat=True)
    )
    if visible != {keep.pk, duplicate.pk}:
        _refuse(
            _(
                "You may merge only children at schools you work with; one of these two is at "
                "another school."
            )
        )


def _check_records(keep: Child, duplicate: Child) -> None:
    """The two records may become one."""
    for child in (keep, duplicate):
        if child.status == Child.Status.MERGED:
            _refuse(
                _("Record %(number)s was already merged into another record.")
                % {"number": child.pk}
            )
        if hasattr(child, "anonymisation"):
            _refuse(
                _("Record %(number)s was anonymised; its names are gone.") % {"number": child.pk}
            )
    open_cases = Case.objects.filter(child__in=[keep, duplicate]).exclude(status__in=Case.NOT_OPEN)
    if len({case.child_id for case in open_cases}) == 2:
        _refuse(
            _(
                "Both records have an open case, and a child has one open case at a time. Close "
                "or dismiss one of the two cases first, then merge."
            )
        )


def _same_kind_in_a_wave(keep: Child, duplicate: Child) -> int:
    """Waves in which both children have a sent questionnaire of the same kind."""
    sent = (
        Assessment.objects.filter(child__in=[keep, duplicate], status__in=COUNTING)
        .values_list("child_id", "wave_id", "respondent")
        .distinct()
    )
    seen: dict[tuple[int, str], set[int]] = {}
    for child_id, wave_id, respondent in sent:
        seen.setdefault((wave_id, respondent), set()).add(child_id)
    return len({wave for (wave, _), ids in seen.items() if len(ids) == 2})


def _move(rel, keep: Child, duplicate: Child) -> int:
    rows = rel.related_model._default_manager.filter(**{rel.field.name: duplicate})
    return rows.update(**{rel.field.name: keep})


def _caregivers(keep: Child, duplicate: Child) -> dict[str, int]:
    """The duplicate's caregivers become the kept child's; a caregiver both had stays once."""
    have = set(keep.caregiver_links.values_list("caregiver_id", flat=True))
    has_primary = keep.caregiver_links.filter(is_primary=True).exists()
    links = duplicate.caregiver_links.all()
    both = links.filter(caregiver_id__in=have)
    shared = both.count()
    both.delete()  # the same person, already linked to the kept child
    moved = links.update(child=keep, is_primary=False) if has_primary else links.update(child=keep)
    if not has_primary:
        primaries = ChildCaregiver.objects.filter(child=keep, is_primary=True).order_by("pk")
        extra = list(primaries.values_list("pk", flat=True)[1:])
        ChildCaregiver.objects.filter(pk__in=extra).update(is_primary=False)
    return {"moved": moved, "already_linked": shared}


def _rescore(keep: Child, duplicate: Child) -> dict[str, int]:
    """Move or drop the duplicate's derived profiles; the kept child's are recomputed after the
    assessments have moved (see child_merge)."""
    kept = {p.wave_id: p for p in RiskProfile.objects.filter(child=keep)}
    moved = dropped = 0
    for profile in RiskProfile.objects.filter(child=duplicate):
        if profile.wave_id in kept:
            Case.objects.filter(created_from_profile=profile).update(
                created_from_profile=kept[profile.wave_id]
            )
            profile.delete()
            dropped += 1
        else:
            RiskProfile.objects.filter(pk=profile.pk).update(child=keep)
            moved += 1
    return {"moved": moved, "recomputed_instead": dropped}


def _close_pairs(keep: Child, duplicate: Child, pair: PossibleDuplicate | None, by) -> int:
    """Other pairs waiting with the duplicate in them are closed: it is no longer a record of
    its own (the kept child is looked at again instead)."""
    now = timezone.now()
    waiting = PossibleDuplicate.objects.filter(
        models.Q(child_a=duplicate) | models.Q(child_b=duplicate),
        status=PossibleDuplicate.Status.PENDING,
    )
    if pair is not None:
        waiting = waiting.exclude(pk=pair.pk)
    return waiting.update(status=PossibleDuplicate.Status.CLOSED, decided_by=by, decided_at=now)


def child_merge(
    *,
    keep: Child,
    duplicate: Child,
    by,
    reason: str,
    pair: PossibleDuplicate | None = None,
) -> ChildMerge:
    """Merge `duplicate` into `keep` (see the module's docstring). Raises MergeRefused."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise MergeRefused(_("Say why these two records are the same child. Nothing was changed."))
    if len(reason) > REASON_MAX:
        raise MergeRefused(
            _(
                "The reason is %(length)s characters long; keep it under %(most)s. "
                "Nothing was changed."
            )
            % {"length": len(reason), "most": REASON_MAX}
        )
    missing = unhandled_relations()
    if missing:
        # A model was added without saying how a merge treats it: stop, never half-merge.
        raise MergeRefused(
            "Merging is not possible until CWTT knows how to move "
            + ", ".join(missing)
            + ". Nothing was changed."
        )
    if policy.role_of(by) not in REVIEWERS:
        _refuse(
            _(
                "Only a data manager, or a school's coordinator for their schools, merges two "
                "records of a child."
            )
        )
    with transaction.atomic():
        # Locks in one order everywhere (the two children by id, then the pair), so two merges
        # never wait on each other in a circle; the second sees what the first did.
        keep, duplicate = _lock_pair(keep, duplicate)
        _check_reader(keep, duplicate, by)
        if pair is None:  # merged without the queue: the pair waiting for these two, if any
            low, high = sorted((keep.pk, duplicate.pk))
            pair = PossibleDuplicate.objects.filter(
                child_a_id=low, child_b_id=high, status=PossibleDuplicate.Status.PENDING
            ).first()
        if pair is not None:
            pair = PossibleDuplicate.objects.select_for_update().filter(pk=pair.pk).first()
            if pair is None or {pair.child_a_id, pair.child_b_id} != {keep.pk, duplicate.pk}:
                _refuse(_("These two records are not the pair under review."))
            if pair.status != PossibleDuplicate.Status.PENDING:
                _refuse(
                    _("This pair was already decided (%(decision)s).")
                    % {"decision": pair.get_status_display().lower()}
                )
        _check_records(keep, duplicate)
        waves = set(
            Assessment.objects.filter(child__in=[keep, duplicate]).values_list("wave_id", flat=True)
        ) | set(RiskProfile.objects.filter(child=duplicate).values_list("wave_id", flat=True))
        moved: dict[str, Any] = {}
        alongside = _same_kind_in_a_wave(keep, duplicate)
        if alongside:
            moved["waves_with_two_of_a_kind"] = alongside
        handlers: dict[str, Callable[[Child, Child], Any]] = {
            "rescore": _rescore,
            "caregivers": _caregivers,
            "unsearchable": _unsearchable,
            "group_responses": _group_responses,
        }
        # Profiles first, so none is left pointing at the duplicate when assessments move.
        relations = sorted(
            child_relations(), key=lambda r: MERGE_RULES[relation_key(r)] != "rescore"
        )
        for rel in relations:
            key = relation_key(rel)
            rule = MERGE_RULES[key]
            if rule == MOVE:
                count = _move(rel, keep, duplicate)
            elif rule in handlers:
                count = handlers[rule](keep, duplicate)
            else:  # history, pairs and refusals are dealt with around the loop
                continue
            if count:
                moved[key] = count
        for wave in Wave.objects.filter(pk__in=waves).order_by("starts_on", "pk"):
            risk_profile_recompute(child=keep, wave=wave)
        followed = cases_follow_child(keep)
        if followed:
            moved["cases_moved_to_school"] = followed
        closed = _close_pairs(keep, duplicate, pair, by)
        if closed:
            moved["other_pairs_closed"] = closed
        duplicate.status = Child.Status.MERGED
        duplicate.save(update_fields=["status", "updated_at"])
        merge = ChildMerge.objects.create(
            kept=keep, merged_away=duplicate, pair=pair, by=by, reason=reason, moved=moved
        )
        if pair is not None:
            pair.status = PossibleDuplicate.Status.MERGED
            pair.decided_by = by
            pair.decided_at = timezone.now()
            pair.save(update_fields=["status", "decided_by", "decided_at"])
        detail = {
            "kept": keep.pk,
            "merged_away": duplicate.pk,
            "pair": pair.pk if pair else None,
            "moved": moved,
            "reason": reason,
        }
        for child in (keep, duplicate):
            audit_record(
                action=AuditEntry.Action.CHANGE,
                actor=by,
                object_type="child_merge",
                object_id=merge.pk,
                child_id=child.pk,
                detail=detail,
            )
        # The kept child may now look like yet another record: look again.
        queue_possible_duplicates(children=[keep], found_by="merge", by=by)
        return merge
