"""The evidence tables through the API (docs/api.md, decision 0067): cohort tables, paired
change, informant agreement and outcomes of services, as `cwtt report` writes them and the
Evidence page shows them.

- **Who**: the Evidence page's readers (district and provincial officials, researchers, data
  managers: `analytics.views.reads_evidence`); anyone else is 403. An area role without an
  area recorded is 403 too, as the page says "no area".
- **Where**: the reader's area (`policy.areas_for`), split by their own level or one below it
  (`analytics.views.levels_for`); `?area=ID` (a place: a province, district or circuit)
  narrows it to a place inside it, and a place outside it is 404, as any record not the
  reader's.
- **Which waves**: only waves that are over (`analytics.views.finished_waves`), as on the page.
- **What**: the rows of the CSV, field for field (the same names, shares to three decimals,
  p-values to four significant figures, a hidden value `null`), protected as the CSV and the
  page are (cwtt/analytics/evidence.py, outcomes.py): the API computes nothing of its own.

Each answer costs the same number of queries whatever the number of children.
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from cwtt.access import policy
from cwtt.access.roles import Role
from cwtt.analytics import evidence, outcomes
from cwtt.analytics.views import finished_waves, levels_for, reads_evidence, user_has_area
from cwtt.assessments.models import Wave
from cwtt.registry.models import Location, School

from .permissions import ReadsThroughPolicy, policy_guarded
from .serializers import ProblemSerializer

LARGEST_ID = 2**63 - 1


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _p(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.4g}")


# --- the query ---------------------------------------------------------------------------------


def _id_field(help_text: str, required: bool = True) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1, max_value=LARGEST_ID, required=required, help_text=help_text
    )


class AreaQuery(serializers.Serializer):
    by = serializers.ChoiceField(
        choices=evidence.LEVELS,
        required=False,
        help_text="One row per school, circuit, district or province (your level or below; "
        "by default one level below yours).",
    )
    area = _id_field(
        "A place in your area (province, district or circuit id): only its schools.",
        required=False,
    )


class WaveQuery(AreaQuery):
    wave = _id_field("A wave that is over.")


class TwoWavesQuery(AreaQuery):
    to = _id_field("The later wave (over).")
    locals()["from"] = _id_field("The earlier wave (over).")


class AgreementQuery(serializers.Serializer):
    wave = _id_field("A wave that is over.")
    area = _id_field(
        "A place in your area (province, district or circuit id): only its schools.",
        required=False,
    )


# --- the rows (the CSV's columns) ---------------------------------------------------------------


class CohortRowSerializer(serializers.Serializer):
    area = serializers.CharField()
    wave = serializers.CharField()
    measure = serializers.CharField()
    n = serializers.IntegerField(allow_null=True)
    high = serializers.IntegerField(allow_null=True)
    share = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)


class ChangeRowSerializer(serializers.Serializer):
    area = serializers.CharField()
    measure = serializers.CharField()
    n_paired = serializers.IntegerField(allow_null=True)
    share_from = serializers.FloatField(allow_null=True)
    share_to = serializers.FloatField(allow_null=True)
    difference = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)


class AgreementRowSerializer(serializers.Serializer):
    indicator = serializers.CharField()
    informant_a = serializers.CharField()
    informant_b = serializers.CharField()
    n = serializers.IntegerField(allow_null=True)
    agreement = serializers.FloatField(allow_null=True)
    kappa = serializers.FloatField(allow_null=True)


class OutcomeRowSerializer(serializers.Serializer):
    area = serializers.CharField()
    domain = serializers.CharField()
    service = serializers.CharField()
    outcome = serializers.CharField()
    n_treated = serializers.IntegerField(allow_null=True)
    n_controls = serializers.IntegerField(allow_null=True)
    n_unmatched = serializers.IntegerField(allow_null=True)
    share_treated = serializers.FloatField(allow_null=True)
    share_controls = serializers.FloatField(allow_null=True)
    difference = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)


def cohort_row(r: evidence.CohortRow) -> dict[str, Any]:
    return {
        "area": r.area, "wave": r.wave, "measure": r.measure, "n": r.n, "high": r.high,
        "share": _share(r.share), "ci_low": _share(r.ci_low), "ci_high": _share(r.ci_high),
    }  # fmt: skip


def change_row(r: evidence.ChangeRow) -> dict[str, Any]:
    return {
        "area": r.area, "measure": r.measure, "n_paired": r.n_paired,
        "share_from": _share(r.share_from), "share_to": _share(r.share_to),
        "difference": _share(r.difference), "ci_low": _share(r.ci_low),
        "ci_high": _share(r.ci_high), "p_value": _p(r.p_value),
    }  # fmt: skip


def agreement_row(r: evidence.AgreementRow) -> dict[str, Any]:
    return {
        "indicator": r.indicator, "informant_a": r.informant_a, "informant_b": r.informant_b,
        "n": r.n, "agreement": _share(r.agreement), "kappa": _share(r.kappa),
    }  # fmt: skip


def outcome_row(r: outcomes.OutcomeRow) -> dict[str, Any]:
    return {
        "area": r.area, "domain": r.domain, "service": r.service, "outcome": r.outcome,
        "n_treated": r.n_treated, "n_controls": r.n_controls, "n_unmatched": r.n_unmatched,
        "share_treated": _share(r.share_treated), "share_controls": _share(r.share_controls),
        "difference": _share(r.difference), "ci_low": _share(r.ci_low),
        "ci_high": _share(r.ci_high), "p_value": _p(r.p_value),
    }  # fmt: skip


# --- the views ---------------------------------------------------------------------------------

REFUSALS = {
    400: OpenApiResponse(ProblemSerializer, "A wave, level or area to fix"),
    403: OpenApiResponse(
        ProblemSerializer, "Not for this account (area roles and data managers only)"
    ),
    404: OpenApiResponse(ProblemSerializer, "No such place in your area"),
}


class EvidenceView(generics.ListAPIView):
    """One evidence table, in pages of rows (`Pages`), for the reader's area."""

    permission_classes = [ReadsThroughPolicy]
    filter_backends: list = []
    query_class: type[serializers.Serializer] = AreaQuery
    queryset = School.objects.none()  # the rows are worked out, not a queryset

    def table(self, query: dict[str, Any], schools, by: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        user = request.user
        if not reads_evidence(user):
            raise PermissionDenied(
                _(
                    "The evidence tables are for district and provincial officials, "
                    "researchers and data managers."
                )
            )
        if not user_has_area(user):
            raise PermissionDenied(
                _("Your account has no area. Ask a data manager to set your district.")
            )
        found = self.query_class(data=request.query_params)
        found.is_valid(raise_exception=True)
        query = dict(found.validated_data)
        levels = levels_for(user)
        by = query.get("by") or (levels[-2] if len(levels) > 1 else levels[0])
        if by not in levels:
            raise ValidationError(
                {"by": _("Choose one of: %(levels)s.") % {"levels": ", ".join(levels)}}
            )
        rows = self.table(query, self._schools(user, query.get("area")), by)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @staticmethod
    def _schools(user, area_id: int | None):
        schools = policy.areas_for(user)
        if area_id is None:
            return schools
        place = Location.objects.filter(pk=area_id).first()
        staff = policy.staff_of(user)
        mine = policy.role_of(user) == Role.DATA_MANAGER or (
            place is not None
            and staff is not None
            and staff.location is not None
            and place.pk in staff.location.descendant_ids()
        )
        if place is None or not mine:
            raise NotFound(_("No such place in your area."))
        return schools.filter(location_id__in=place.descendant_ids())

    @staticmethod
    def wave(query: dict[str, Any], key: str) -> Wave:
        found = finished_waves().filter(pk=query[key]).first()
        if found is None:
            raise ValidationError({key: _("No wave that is over has this id.")})
        return found

    def two_waves(self, query: dict[str, Any]) -> tuple[Wave, Wave]:
        earlier, later = self.wave(query, "from"), self.wave(query, "to")
        if earlier.pk == later.pk:
            raise ValidationError({"to": _("Choose two different waves.")})
        return earlier, later


class CohortView(EvidenceView):
    """Per area, the share of children at high risk per domain and per indicator in a wave,
    with n and a Wilson 95% interval (`cwtt report cohort`)."""

    serializer_class = CohortRowSerializer
    query_class = WaveQuery

    @extend_schema(
        parameters=[WaveQuery], responses={200: CohortRowSerializer(many=True), **REFUSALS}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def table(self, query, schools, by):
        return [cohort_row(r) for r in evidence.cohort(self.wave(query, "wave"), schools, by)]


class ChangeView(EvidenceView):
    """Per area, the change between two waves on the same children, with Newcombe's paired
    interval and McNemar's test (`cwtt report change`)."""

    serializer_class = ChangeRowSerializer
    query_class = TwoWavesQuery

    @extend_schema(
        parameters=[TwoWavesQuery], responses={200: ChangeRowSerializer(many=True), **REFUSALS}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def table(self, query, schools, by):
        earlier, later = self.two_waves(query)
        return [change_row(r) for r in evidence.change(earlier, later, schools, by)]


class AgreementView(EvidenceView):
    """Cohen's kappa per indicator for each pair of informants, where they disagree most first
    (`cwtt report agreement`), over the reader's area."""

    serializer_class = AgreementRowSerializer
    query_class = AgreementQuery

    @extend_schema(
        parameters=[AgreementQuery],
        responses={200: AgreementRowSerializer(many=True), **REFUSALS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def table(self, query, schools, by):
        return [agreement_row(r) for r in evidence.agreement(self.wave(query, "wave"), schools)]


class OutcomesView(EvidenceView):
    """Per area, domain (then service type) and outcome: children served between two waves
    against comparable children not served (same school, grade and baseline level), with the
    difference, its 95% interval and p-value (`cwtt report outcomes`)."""

    serializer_class = OutcomeRowSerializer
    query_class = TwoWavesQuery

    @extend_schema(
        parameters=[TwoWavesQuery], responses={200: OutcomeRowSerializer(many=True), **REFUSALS}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def table(self, query, schools, by):
        earlier, later = self.two_waves(query)
        try:
            found = outcomes.outcomes(earlier, later, schools, by)
        except outcomes.OutcomesError as problem:
            raise ValidationError({"to": str(problem)}) from None
        return [outcome_row(r) for r in found]


def _path(route: str, view: type[EvidenceView], name: str):
    return path(route, policy_guarded(view.as_view()), name=name)


urlpatterns = [
    _path("evidence/cohort/", CohortView, "api-evidence-cohort"),
    _path("evidence/change/", ChangeView, "api-evidence-change"),
    _path("evidence/agreement/", AgreementView, "api-evidence-agreement"),
    _path("evidence/outcomes/", OutcomesView, "api-evidence-outcomes"),
]
