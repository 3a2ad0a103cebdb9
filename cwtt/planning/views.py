"""The Planning page for district and provincial officials (and data managers, for every
school): which schools need help first and why, the workers that needs, what they cost, and
how the need may change. Thin: ask the access policy for the area, work out, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from cwtt.access import policy

from .forms import ScenarioForm
from .page import default_by, planner_area, planning_figures
from .workforce import load_unit_costs


@policy.guarded
@never_cache
def planning_page(request: HttpRequest) -> HttpResponse:
    area = planner_area(request.user)
    if area is None:
        return render(request, "planning/planning.html", {"no_area": True})
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
