"""Pages for breaking the glass (cwtt/access/emergency.py): asking for emergency access to a
child outside one's schools, and the supervisor's view of a request."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from cwtt.access import policy
from cwtt.access.emergency import EmergencyRefused, emergency_open
from cwtt.access.models import EmergencyAccess
from cwtt.access.roles import Role
from cwtt.registry.models import School


@policy.guarded
@require_http_methods(["GET", "POST"])
def emergency_request(request: HttpRequest) -> HttpResponse:
    if policy.role_of(request.user) != Role.SOCIAL_WORKER:
        raise Http404("Only social workers can open a record in an emergency")
    errors: dict[str, str] = {}
    form = {
        k: request.POST.get(k, "").strip()
        for k in ("school", "first_name", "last_name", "date_of_birth", "reason")
    }
    if request.method == "POST":
        school = (
            School.objects.filter(pk=form["school"]).first() if form["school"].isdigit() else None
        )
        try:
            born = dt.date.fromisoformat(form["date_of_birth"])
        except ValueError:
            born = None
        try:
            grant = emergency_open(
                user=request.user,
                school=school,
                first_name=form["first_name"],
                last_name=form["last_name"],
                date_of_birth=born,
                reason=form["reason"],
            )
        except EmergencyRefused as refused:
            errors = refused.errors
        else:
            return redirect("child", child_id=grant.child_id)
    return render(
        request,
        "web/emergency_request.html",
        {
            "schools": School.objects.order_by("name").only("pk", "name"),
            "form": form,
            "errors": errors,
            "hours": policy.emergency_hours(),
        },
    )


@policy.guarded
def emergency_review(request: HttpRequest, grant_id: int) -> HttpResponse:
    """The supervisor (or a data manager) reads who opened what, when and why."""
    grant = (
        EmergencyAccess.objects.select_related("user", "child__school").filter(pk=grant_id).first()
    )
    may_review = grant is not None and (
        grant.user_id == request.user.pk
        or grant.supervisor_notified_id == request.user.pk
        or policy.role_of(request.user) == Role.DATA_MANAGER
    )
    if not may_review:
        raise Http404("No such emergency access")
    return render(
        request,
        "web/emergency_review.html",
        {
            "grant": grant,
            "child_visible": policy.child_access(request.user, grant.child_id) is not None,
        },
    )
