"""The Planning page for district and provincial officials (and data managers, for every
school): which schools need help first and why, the workers that needs, what they cost, and
how the need may change. Thin: ask the access policy for the area, work out, render."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from cwtt.access import policy
from cwtt.access.roles import Role

from .forms import ScenarioForm
from .page import area_of, default_by, planning_figures
from .workforce import load_unit_costs

PLANNERS = frozenset({Role.DISTRICT_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.DATA_MANAGER})


@policy.guarded
@never_cache
def planning_page(request: HttpRequest) -> HttpResponse:
    role = policy.role_of(request.user)
    if role not in PLANNERS:
        raise Http404("No planning page for this account")
    staff = policy.staff_of(request.user)
    location = staff.location if staff is not None and role != Role.DATA_MANAGER else None
    if role != Role.DATA_MANAGER and location is None:
        return render(request, "planning/planning.html", {"no_area": True})
    area = area_of(location, policy.areas_for(request.user))
    costs = load_unit_costs()
    form = ScenarioForm(request.GET or None, costs=costs, initial={"by": default_by(area)})
    form.fields["by"].initial = default_by(area)
    scenario = form.scenario()
    return render(
        request,
        "planning/planning.html",
        {
            "place": area.name,
            "form": form,
            "scenario": scenario,
            **planning_figures(area, scenario, costs),
        },
    )
