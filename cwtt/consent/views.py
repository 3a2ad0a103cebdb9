"""The consent page of a child: what is in force, the history, and recording a decision."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cwtt.access import policy

from .actions import ConsentInvalid, consent_in_force, consent_record, current_text
from .models import ConsentDecision, Purpose


@policy.guarded
@require_http_methods(["GET", "POST"])
def child_consent(request: HttpRequest, child_id: int) -> HttpResponse:
    child = policy.child_for(request.user, child_id)
    if child is None:
        raise Http404("No such child")
    may_record = policy.can_record_consent(request.user)
    errors: dict[str, str] = {}
    form = {"decided_on": timezone.localdate().isoformat()}
    if request.method == "POST":
        if not may_record:
            raise Http404("You cannot record consent")
        form = {
            k: request.POST.get(k, "").strip()
            for k in ("purpose", "decision", "caregiver", "decided_on")
        }
        caregiver = None
        if form["caregiver"]:
            if form["caregiver"].isdigit():  # anything else is no caregiver of the list
                caregiver = child.caregivers.filter(pk=form["caregiver"]).first()
            if caregiver is None:
                errors["caregiver"] = _("Choose one of the child's caregivers.")
        try:
            decided_on = dt.date.fromisoformat(form["decided_on"])
        except ValueError:
            errors["decided_on"] = _("Enter the date of the decision (YYYY-MM-DD).")
        if not errors:
            try:
                consent_record(
                    child=child,
                    purpose=form["purpose"],
                    decision=form["decision"],
                    decided_on=decided_on,
                    caregiver=caregiver,
                    recorded_by=request.user,
                )
            except ConsentInvalid as invalid:
                errors = invalid.errors
            else:
                messages.success(request, _("The decision has been recorded."))
                return redirect("consent", child_id=child.pk)
        messages.error(request, _("The decision was not recorded; see the notes below."))
        # What was sent may be of any size: show back no more than a field can hold.
        form = {k: v[:40] for k, v in form.items()}
    history = (
        ConsentDecision.objects.filter(child=child)
        .select_related("caregiver", "recorded_by", "text")
        .order_by("-decided_on", "-recorded_at")
    )
    return render(
        request,
        "consent/child_consent.html",
        {
            "child": child,
            "in_force": consent_in_force(child),
            "history": history,
            "may_record": may_record,
            "purposes": Purpose.choices,
            "decisions": ConsentDecision.Decision.choices,
            "caregivers": child.caregivers.all(),
            "texts": [current_text(p) for p in Purpose.values],
            "errors": errors,
            "form": form,
        },
    )
