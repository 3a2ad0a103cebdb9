"""/api/v1/planning/targeting/ and /api/v1/planning/workforce/: the Planning page's figures for
other systems (docs/api.md, "Planning"; decision 0069).

The same figures as the page, from the same code (cwtt/planning/page.py `planning_figures`): the
same people (district and provincial officials for their area, data managers for every school;
everyone else 404), the same area, the same day's counts, and every count of children
suppressed and rounded as the page shows it. A count the page shows as "not shown" is `null`
here, and so is everything worked out from it (unmet need, workers needed, cost). No child is
read or named. The workforce scenario (caseload, review interval, costs) is the page's form,
given as query parameters; a bad value is refused (400), not replaced.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from cwtt.planning.forms import ScenarioForm
from cwtt.planning.page import default_by, planner_area, planning_figures
from cwtt.planning.targeting import DEFAULT_MONTHS
from cwtt.planning.workforce import PROFESSIONS, load_unit_costs

from .errors import flat_errors
from .permissions import ReadsThroughPolicy
from .serializers import ProblemSerializer

NO_AREA = (
    "Your account has no area to plan for. Ask a data manager to set your district or province."
)


def _count(cell) -> int | None:
    return None if cell.hidden else (cell.count or 0)


def _number(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _about(area, figures: dict[str, Any]) -> dict[str, Any]:
    """What both answers start with: the place, the wave and the suppression rules applied."""
    return {
        "place": area.name,
        "wave": figures["wave"].name if figures["wave"] else None,
        "small_cell": figures["k"],
        "rounding_base": figures["base"],
    }


# --- shapes -----------------------------------------------------------------------------------


class DomainTargetSerializer(serializers.Serializer):
    domain = serializers.CharField()
    high_risk = serializers.IntegerField(
        allow_null=True, help_text="Children at high risk (rounded); null when not shown"
    )
    places = serializers.IntegerField(help_text="Whole places a year the services in reach offer")
    services_in_reach = serializers.IntegerField()
    unmet_need = serializers.IntegerField(allow_null=True, help_text="null when not shown")


class TargetSchoolSerializer(serializers.Serializer):
    rank = serializers.IntegerField(
        allow_null=True, help_text="1 is most in need; null: too few children assessed to rank"
    )
    school = serializers.CharField()
    emis = serializers.CharField()
    children_assessed = serializers.IntegerField(allow_null=True)
    unmet_need = serializers.IntegerField(
        allow_null=True, help_text="Summed over the domains; null when any part is not shown"
    )
    domains = DomainTargetSerializer(many=True)
    reason = serializers.CharField()


class TargetingSerializer(serializers.Serializer):
    place = serializers.CharField()
    wave = serializers.CharField(allow_null=True)
    small_cell = serializers.IntegerField(help_text="Counts below this are not shown")
    rounding_base = serializers.IntegerField(help_text="Shown counts are rounded to this")
    months = serializers.IntegerField(help_text="The planning period the places are counted over")
    schools = TargetSchoolSerializer(many=True)


class ProfessionFigureSerializer(serializers.Serializer):
    profession = serializers.CharField()
    label = serializers.CharField()
    cases = serializers.IntegerField(allow_null=True)
    workers_needed = serializers.FloatField(allow_null=True)
    staff_now = serializers.FloatField()
    workers_to_add = serializers.FloatField(allow_null=True)
    annual_cost_needed = serializers.FloatField(allow_null=True)
    annual_cost_to_add = serializers.FloatField(allow_null=True)


class WorkforceRowSerializer(serializers.Serializer):
    area = serializers.CharField()
    total = serializers.BooleanField(help_text="The whole area")
    children_assessed = serializers.IntegerField(allow_null=True)
    professions = ProfessionFigureSerializer(many=True)
    annual_cost_needed = serializers.FloatField(allow_null=True)
    annual_cost_to_add = serializers.FloatField(allow_null=True)


class UnitCostSerializer(serializers.Serializer):
    profession = serializers.CharField()
    annual_cost = serializers.FloatField()
    source = serializers.CharField()


class ProjectionYearSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    workers = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Full-time workers needed per profession; null where today's count is not shown",
    )
    annual_cost = serializers.FloatField()


class ScenarioSerializer(serializers.Serializer):
    caseload = serializers.IntegerField()
    review_weeks = serializers.IntegerField()
    duration_years = serializers.IntegerField()
    growth = serializers.IntegerField()
    by = serializers.CharField()


class WorkforceSerializer(serializers.Serializer):
    place = serializers.CharField()
    wave = serializers.CharField(allow_null=True)
    small_cell = serializers.IntegerField()
    rounding_base = serializers.IntegerField()
    scenario = ScenarioSerializer()
    cases_per_worker = serializers.FloatField(
        help_text="Cases one full-time worker carries at this review interval"
    )
    currency = serializers.CharField()
    unit_costs = UnitCostSerializer(many=True)
    rows = WorkforceRowSerializer(many=True)
    projection = ProjectionYearSerializer(many=True, allow_null=True)


SCENARIO_PARAMETERS = [
    OpenApiParameter("caseload", int, description="Cases per full-time worker (1-1000; 60)"),
    OpenApiParameter("review_weeks", int, description="Weeks between reviews of a case (1-52)"),
    OpenApiParameter("duration_years", int, description="Years a case stays open (1-20)"),
    OpenApiParameter("growth", int, description="Yearly change in Grade R intake, % (-50 to 50)"),
    OpenApiParameter(
        "by",
        str,
        enum=["school", "circuit", "district"],
        description="Rows per school, circuit or district (default: one level below the area)",
    ),
    *(
        OpenApiParameter(f"cost_{p.code}", int, description=f"Yearly cost of one of: {p.label}")
        for p in PROFESSIONS
    ),
]


class MonthsForm(forms.Form):
    months = forms.IntegerField(min_value=1, max_value=60, required=False)


REFUSALS = {
    404: OpenApiResponse(ProblemSerializer, "Not a planner, or no area set"),
}


# --- the view set -----------------------------------------------------------------------------


class PlanningViewSet(viewsets.ViewSet):
    """The Planning page's two tables (decision 0069)."""

    permission_classes = [ReadsThroughPolicy]

    def _area(self, request):
        try:
            area = planner_area(request.user)
        except Http404:
            raise NotFound("No planning figures for this account.") from None
        if area is None:
            raise NotFound(NO_AREA)
        return area

    def _scenario(self, asked, area, costs) -> dict[str, Any]:
        """The page's scenario form with `asked` (query parameters) over its defaults."""
        form = ScenarioForm(costs=costs)
        form.fields["by"].initial = default_by(area)
        data = {name: field.initial for name, field in form.fields.items()}
        data.update({k: v for k, v in asked.items() if k in form.fields})
        bound = ScenarioForm(data, costs=costs)
        if not bound.is_valid():
            raise ValidationError(flat_errors(dict(bound.errors)))
        return bound.cleaned_data

    @extend_schema(
        summary="Schools ranked by unmet need",
        parameters=[
            OpenApiParameter(
                "months",
                int,
                description="The planning period: places services offer in it (1-60; 12)",
            )
        ],
        responses={
            200: TargetingSerializer,
            400: OpenApiResponse(ProblemSerializer, "A planning period to fix"),
            **REFUSALS,
        },
    )
    @action(detail=False, methods=["get"])
    def targeting(self, request):
        area = self._area(request)
        period = MonthsForm(request.query_params)
        if not period.is_valid():
            raise ValidationError(flat_errors(dict(period.errors)))
        costs = load_unit_costs()
        scenario = self._scenario({}, area, costs)  # the ranking takes no scenario
        months = period.cleaned_data["months"] or DEFAULT_MONTHS
        figures = planning_figures(area, scenario, costs, months=months)
        schools = [
            {
                "rank": row.rank,
                "school": row.school,
                "emis": row.emis,
                "children_assessed": _count(row.n),
                "unmet_need": row.unmet_shown,
                "domains": [
                    {
                        "domain": d.domain,
                        "high_risk": _count(d.high),
                        "places": d.places,
                        "services_in_reach": d.providers,
                        "unmet_need": d.unmet,
                    }
                    for d in row.domains
                ],
                "reason": row.reason,
            }
            for row in figures["ranking"]
        ]
        return Response(
            TargetingSerializer(
                {
                    **_about(area, figures),
                    "months": months,
                    "schools": schools,
                }
            ).data
        )

    @extend_schema(
        summary="Workers needed against today's staff, their cost, and a projection",
        parameters=SCENARIO_PARAMETERS,
        responses={
            200: WorkforceSerializer,
            400: OpenApiResponse(ProblemSerializer, "A scenario value to fix"),
            **REFUSALS,
        },
    )
    @action(detail=False, methods=["get"])
    def workforce(self, request):
        area = self._area(request)
        costs = load_unit_costs()
        scenario = self._scenario(request.query_params, area, costs)
        figures = planning_figures(area, scenario, costs)
        table, used = figures["workforce"], figures["costs"]
        rows = [
            {
                "area": row.label,
                "total": row.total,
                "children_assessed": _count(row.n),
                "professions": [
                    {
                        "profession": p.code,
                        "label": str(p.label),
                        "cases": _count(p.cases),
                        "workers_needed": _number(p.needed),
                        "staff_now": _number(p.staff),
                        "workers_to_add": _number(p.gap),
                        "annual_cost_needed": _number(p.cost_needed, 0),
                        "annual_cost_to_add": _number(p.cost_gap, 0),
                    }
                    for p in row.professions
                ],
                "annual_cost_needed": _number(row.cost_needed, 0),
                "annual_cost_to_add": _number(row.cost_gap, 0),
            }
            for row in table.rows
        ]
        projection = figures["projection"]
        years = None
        if projection is not None:
            years = [
                {
                    "year": y["year"],
                    "workers": {
                        p.code: _number(v) for p, v in zip(PROFESSIONS, y["workers"], strict=True)
                    },
                    "annual_cost": _number(y["cost"], 0),
                }
                for y in projection["rows"]
            ]
        return Response(
            WorkforceSerializer(
                {
                    **_about(area, figures),
                    "scenario": {k: scenario[k] for k in ScenarioSerializer().fields},
                    "cases_per_worker": _number(table.per_worker),
                    "currency": used.currency,
                    "unit_costs": [
                        {
                            "profession": p.code,
                            "annual_cost": used.annual(p.code),
                            "source": used.costs[p.code].source,
                        }
                        for p in PROFESSIONS
                    ],
                    "rows": rows,
                    "projection": years,
                }
            ).data
        )
