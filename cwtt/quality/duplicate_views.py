"""The review queue of children who may be registered twice (docs/duplicates.md).

Data managers review every pair; a school's coordinator the pairs whose two children are both
at their schools (cwtt/registry/actions.py `pairs_for`). Each pair is shown side by side with
only the fields the reader may read (cwtt/access/sensitivity.py), and decided with "Same
child — merge" (cwtt/quality/merging.py) or "Not the same child". Thin: check the reader, call
the action, say what happened.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from cwtt.access import policy
from cwtt.access.audit import audit_record_many
from cwtt.access.models import AuditEntry
from cwtt.access.sensitivity import visible_fields
from cwtt.assessments.models import Assessment
from cwtt.registry.actions import (
    DuplicateRefused,
    may_review_duplicates,
    pairs_for,
    possible_duplicate_dismiss,
)
from cwtt.registry.duplicates import reason_labels
from cwtt.registry.models import ChildCaregiver, PossibleDuplicate

from .merging import REASON_MAX, child_merge

PER_PAGE = 20


def _reader(user) -> None:
    if not may_review_duplicates(user):
        raise PermissionDenied(
            _(
                "Children who may be registered twice are reviewed by coordinators and data managers."
            )
        )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[
            ("merge", gettext_lazy("Same child — merge")),
            ("not_same", gettext_lazy("Not the same")),
        ]
    )
    keep = forms.ChoiceField(
        required=False,
        choices=[("a", gettext_lazy("the first record")), ("b", gettext_lazy("the second record"))],
    )
    reason = forms.CharField(required=False, max_length=REASON_MAX, widget=forms.Textarea)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "merge":
            if not data.get("keep"):
                self.add_error("keep", _("Choose which record to keep."))
            if not (data.get("reason") or "").strip():
                self.add_error("reason", _("Say why these two records are the same child."))
        return data


def _side(
    child, fields: frozenset[str], readable: frozenset[str], carers, counts
) -> list[tuple[str, Any]]:
    """One child's column, (label, value) per row: a row for each field the reader's role
    reads (`readable`), its value only where `fields` allows it for this child."""
    shown: list[tuple[str, Any]] = []

    def add(name: str, label: str, value: Any) -> None:
        if name not in readable:
            return  # the reader's role never reads it: no row at all
        if name not in fields:
            shown.append((label, _("not shown: no consent to share with your sector")))
        else:
            shown.append((label, value if value not in ("", None) else "—"))

    add("first_name", _("First name"), child.first_name)
    add("last_name", _("Surname"), child.last_name)
    add("date_of_birth", _("Date of birth"), child.date_of_birth)
    add("sex", _("Sex"), child.get_sex_display())
    add("school", _("School"), child.school.name)
    add("school_class", _("Class"), child.school_class or "")
    add("status", _("Status"), child.get_status_display())
    add(
        "caregiver_names",
        _("Caregivers"),
        ", ".join(f"{c.caregiver} ({c.get_relation_display().lower()})" for c in carers),
    )
    add(
        "caregiver_phone",
        _("Caregiver phone"),
        ", ".join(c.caregiver.phone for c in carers if c.caregiver.phone),
    )
    add("household_address", _("Address"), child.household.address if child.household else "")
    add("sa_id_number", _("SA ID number"), child.sa_id_number)
    add("birth_certificate_number", _("Birth certificate"), child.birth_certificate_number)
    shown.append((_("Questionnaires"), counts.get(child.pk, 0)))
    shown.append((_("Registered on"), child.created_at.date()))
    return shown


@policy.guarded
@require_GET
def duplicates_review(request: HttpRequest) -> HttpResponse:
    """The pairs waiting for the reader's decision, most likely first."""
    user = request.user
    _reader(user)
    waiting = (
        pairs_for(user)
        .filter(status=PossibleDuplicate.Status.PENDING)
        .select_related(
            "child_a__school",
            "child_a__school_class",
            "child_a__household",
            "child_b__school",
            "child_b__school_class",
            "child_b__household",
        )
        .order_by("-score", "pk")
    )
    page = Paginator(waiting, PER_PAGE).get_page(request.GET.get("page"))
    pairs = list(page.object_list)
    children = [c for pair in pairs for c in (pair.child_a, pair.child_b)]
    ids = [c.pk for c in children]
    carers: dict[int, list[ChildCaregiver]] = defaultdict(list)
    for link in (
        ChildCaregiver.objects.filter(child_id__in=ids)
        .select_related("caregiver")
        .order_by("-is_primary", "pk")
    ):
        carers[link.child_id].append(link)
    counts = dict(
        Assessment.objects.filter(child_id__in=ids)
        .values("child_id")
        .annotate(n=Count("pk"))
        .values_list("child_id", "n")
        .order_by()
    )
    fields = visible_fields(policy.readable_classes(user))
    # Without the caregiver's consent to share with the reader's sector, only general fields
    # (as on the child's page: policy.child_access).
    withheld = policy.details_withheld(user, children)
    general = visible_fields(frozenset({"general"}))
    rows = [
        {
            "pair": pair,
            "a": pair.child_a,
            "b": pair.child_b,
            "fields": [
                (label, first, second)
                for (label, first), (_label, second) in zip(
                    _side(
                        pair.child_a,
                        general if pair.child_a_id in withheld else fields,
                        fields,
                        carers[pair.child_a_id],
                        counts,
                    ),
                    _side(
                        pair.child_b,
                        general if pair.child_b_id in withheld else fields,
                        fields,
                        carers[pair.child_b_id],
                        counts,
                    ),
                    strict=True,
                )
            ],
            "reasons": reason_labels(pair.reasons),
            "percent": round(pair.score * 100),
        }
        for pair in pairs
    ]
    if ids:
        # Names, birth dates and (for those who read them) ID numbers were shown: a read.
        audit_record_many(
            action=AuditEntry.Action.VIEW,
            actor=user,
            object_type="possible_duplicates",
            child_ids=sorted(set(ids)),
            detail={"page": page.number},
        )
    return render(
        request,
        "quality/duplicates.html",
        {"rows": rows, "page": page, "form": DecisionForm(), "reason_max": REASON_MAX},
    )


@policy.guarded
@require_POST
def duplicate_decide(request: HttpRequest, pair_id: int) -> HttpResponse:
    user = request.user
    _reader(user)
    back = redirect(reverse("duplicates_review"))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return back
    pair = pairs_for(user).filter(pk=pair_id).select_related("child_a", "child_b").first()
    if pair is None:
        messages.error(request, _("There is no such pair among those you may review."))
        return back
    try:
        if form.cleaned_data["decision"] == "not_same":
            possible_duplicate_dismiss(pair_id=pair.pk, by=user)
            messages.success(request, _("Marked as two different children. Nothing was merged."))
        else:
            keep, duplicate = (
                (pair.child_a, pair.child_b)
                if form.cleaned_data["keep"] == "a"
                else (pair.child_b, pair.child_a)
            )
            child_merge(
                keep=keep,
                duplicate=duplicate,
                by=user,
                reason=form.cleaned_data["reason"],
                pair=pair,
            )
            messages.success(
                request,
                _("Merged: %(name)s's records are now all on one record.")
                % {"name": keep.full_name},
            )
    except DuplicateRefused as refusal:
        messages.error(request, str(refusal))
    return back
