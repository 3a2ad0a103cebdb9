"""The API's view sets: each one asks the access policy, as its page does, then shapes the
answer (serializers.py). Lists show what a list page shows; a record shows what the record's
page shows to this reader, and reading a child's record is audited as the page audits it.

Thin: the rule for who sees what lives in cwtt/access (policy, sensitivity) and in the apps'
permission modules; writes go through the apps' actions (writes.py).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import Q
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.access.sensitivity import CHILD_FIELDS
from cwtt.assessments.actions import COUNTING
from cwtt.assessments.corrections import readable_questions
from cwtt.assessments.models import Assessment, RiskProfile
from cwtt.cases import permissions as case_permissions
from cwtt.cases.models import Case
from cwtt.instruments.actions import rule_sensitivities_for
from cwtt.instruments.engine.definition import DOMAINS
from cwtt.meetings.models import Meeting
from cwtt.offline.pack import revision_of
from cwtt.referrals.models import Referral
from cwtt.services.models import Provider
from cwtt.web.presenters import profile_view

from . import serializers as s
from .errors import flat_errors
from .permissions import ReadsThroughPolicy
from .writes import assessment_send, case_step, referral_make, referral_step

ID = r"[0-9]{1,18}"  # ids beyond a 64-bit integer are no record: 404, never a database error
LARGEST_ID = 2**63 - 1


class IdFilter(django_filters.Filter):
    """A record's id in a query (?child=12): a whole number the database can hold, else 400."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", LARGEST_ID)
        super().__init__(*args, **kwargs)


def audit_child_read(user, *, object_type: str, object_id: Any, access) -> None:
    """A read of a child's record, audited as the child's page audits it: the view, and the
    legal duty when details are shown under one although consent is missing."""
    audit_record(
        action=AuditEntry.Action.VIEW,
        actor=user,
        object_type=object_type,
        object_id=object_id,
        child_id=access.child.pk,
        detail={**access.audit_detail(), "through": "api"},
    )
    if access.legal_duty is not None:
        audit_record(
            action=AuditEntry.Action.LEGAL_DUTY,
            actor=user,
            object_type=object_type,
            object_id=object_id,
            child_id=access.child.pk,
            detail={"duty": access.legal_duty.code, "law": access.legal_duty.law},
        )


def _username(user) -> str | None:
    return user.get_username() if user is not None else None


class PolicyViewSet(viewsets.GenericViewSet):
    """A read-only resource: `list` shows `rows(page)` of `get_queryset()` (already narrowed by
    the policy), `retrieve` is each view set's own."""

    permission_classes = [ReadsThroughPolicy]
    lookup_value_regex = ID

    def rows(self, page) -> list[dict[str, Any]]:
        raise NotImplementedError

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(self.rows(page), many=True).data)


# --- schools


class SchoolFilter(django_filters.FilterSet):
    quintile = django_filters.NumberFilter(min_value=1, max_value=5)
    emis_number = django_filters.CharFilter()


class SchoolViewSet(PolicyViewSet):
    """Schools the reader works with: a school role's own schools, an area role's schools in
    their area (names of schools are not personal data), every school for a data manager."""

    serializer_class = s.SchoolSerializer
    filterset_class = SchoolFilter
    lookup_url_kwarg = "school_id"

    def get_queryset(self):
        return policy.areas_for(self.request.user).select_related("location").order_by("name", "pk")

    def rows(self, page):
        return [school_row(school) for school in page]

    def retrieve(self, request, school_id: str):
        found = self.get_queryset().filter(pk=int(school_id)).first()
        if found is None:
            raise NotFound("No such school.")
        return Response(self.get_serializer(school_row(found)).data)


def school_row(school) -> dict[str, Any]:
    return {
        "id": school.pk,
        "emis_number": school.emis_number,
        "name": school.name,
        "quintile": school.quintile,
        "location": school.location.code,
        "location_name": school.location.name,
        "latitude": school.latitude,
        "longitude": school.longitude,
    }


# --- children


class ChildFilter(django_filters.FilterSet):
    school = IdFilter(field_name="school_id")
    school_class = IdFilter(field_name="school_class_id")
    status = django_filters.CharFilter()


class ChildViewSet(PolicyViewSet):
    """Children of the reader's schools. The list carries the general fields a class list
    shows; a child's own address carries the record as the child's page shows it to this
    reader (fields by role and consent), and reading it is audited."""

    serializer_class = s.ChildSummarySerializer
    filterset_class = ChildFilter
    lookup_url_kwarg = "child_id"

    def get_queryset(self):
        return policy.children_for(self.request.user).order_by("last_name", "first_name", "pk")

    def rows(self, page):
        return [child_summary(child) for child in page]

    @extend_schema(responses=s.ChildSerializer)
    def retrieve(self, request, child_id: str):
        access = policy.child_access(request.user, int(child_id))
        if access is None:
            raise NotFound("No such child.")
        audit_child_read(
            request.user, object_type="child", object_id=access.child.pk, access=access
        )
        return Response(s.ChildSerializer(child_record(access)).data)


def child_summary(child) -> dict[str, Any]:
    return {
        "id": child.pk,
        "first_name": child.first_name,
        "last_name": child.last_name,
        "date_of_birth": child.date_of_birth,
        "sex": child.sex,
        "school": child.school_id,
        "school_class": child.school_class_id,
        "status": child.status,
    }


def child_record(access) -> dict[str, Any]:
    """The child's record with every field the reader may not see set to null."""
    child, shown = access.child, access.fields

    def when(name: str, value):
        return value if name in shown else None

    household = child.household
    links = child.caregiver_links.select_related("caregiver").order_by("-is_primary", "pk")
    return {
        **child_summary(child),
        "grant_status": when("grant_status", child.grant_status),
        "household_conditions": when(
            "household_conditions",
            {
                "water": household.water,
                "electricity": household.electricity,
                "sanitation": household.sanitation,
            }
            if household
            else None,
        ),
        "caregivers": when(
            "caregiver_names",
            [
                {
                    "first_name": link.caregiver.first_name,
                    "last_name": link.caregiver.last_name,
                    "relation": link.relation,
                    "is_primary": link.is_primary,
                    "phone": when("caregiver_phone", link.caregiver.phone),
                }
                for link in links
            ],
        ),
        "household_address": when("household_address", household.address if household else ""),
        "sa_id_number": when("sa_id_number", child.sa_id_number),
        "birth_certificate_number": when(
            "birth_certificate_number", child.birth_certificate_number
        ),
        "via": access.via,
        "withheld": sorted(set(CHILD_FIELDS) - shown),
        "details_withheld_for": access.withheld_for,
    }


# --- risk profiles


class RiskProfileFilter(django_filters.FilterSet):
    child = IdFilter(field_name="child_id")
    wave = IdFilter(field_name="wave_id")
    overall = django_filters.ChoiceFilter(
        choices=[("low", "low"), ("moderate", "moderate"), ("high", "high")]
    )
    urgent = django_filters.BooleanFilter()


class RiskProfileViewSet(PolicyViewSet):
    """Risk levels per domain for the reader's children (as the class list and the child's page
    show them); a profile's own address adds the reasons the reader may read, the others
    replaced by one notice that a concern exists."""

    serializer_class = s.RiskProfileSerializer
    filterset_class = RiskProfileFilter

    def get_queryset(self):
        return (
            RiskProfile.objects.filter(child__in=policy.children_for(self.request.user))
            .select_related("wave", "child")
            .order_by("child_id", "wave__starts_on", "pk")
        )

    def rows(self, page):
        withheld = policy.details_withheld(self.request.user, [p.child for p in page])
        return [profile_row(p, withheld=p.child_id in withheld) for p in page]

    @extend_schema(responses=s.RiskProfileDetailSerializer)
    def retrieve(self, request, pk: str):
        profile = RiskProfile.objects.filter(pk=int(pk)).select_related("wave").first()
        access = policy.child_access(request.user, profile.child_id) if profile else None
        if access is None:
            raise NotFound("No such risk profile.")
        audit_child_read(
            request.user, object_type="risk_profile", object_id=profile.pk, access=access
        )
        withheld = "risk_levels" not in access.fields
        row = profile_row(profile, withheld=withheld)
        row["domains"], row["urgent_reasons"] = [], []
        if not withheld:
            view = profile_view(
                profile, rule_sensitivities_for(profile.instrument_version_id), access.classes
            )
            row["domains"] = [
                {
                    "domain": d.domain,
                    "label": str(d.label),
                    "level": d.level,
                    "discordant": d.discordant,
                    "informant_levels": d.informant_levels,
                    "reasons": [_reason(r) for r in d.reasons],
                }
                for d in view.domains
            ]
            row["urgent_reasons"] = [_reason(r) for r in view.urgent_reasons]
        return Response(s.RiskProfileDetailSerializer(row).data)


def _reason(finding: dict[str, Any]) -> dict[str, Any]:
    return {
        "reason": str(finding.get("reason", "")),
        "level": finding.get("level", ""),
        "informant": finding.get("informant"),
        "withheld": bool(finding.get("withheld")),
    }


def profile_row(profile: RiskProfile, *, withheld: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": profile.pk,
        "child": profile.child_id,
        "wave": profile.wave_id,
        "wave_name": profile.wave.name,
        "details_withheld": withheld,
    }
    for name in (*DOMAINS, "overall", "urgent", "discordant", "assessment_count", "computed_at"):
        row[name] = None if withheld else getattr(profile, name)
    return row


# --- assessments


class AssessmentFilter(django_filters.FilterSet):
    child = IdFilter(field_name="child_id")
    wave = IdFilter(field_name="wave_id")
    respondent = django_filters.CharFilter()
    status = django_filters.CharFilter()


class AssessmentViewSet(PolicyViewSet):
    """Questionnaires of the reader's children (another person's drafts are theirs alone); a
    questionnaire's own address adds the answers the reader may read, as its page does, and is
    audited. Sending one (POST) follows the capture page's rules."""

    serializer_class = s.AssessmentSerializer
    filterset_class = AssessmentFilter
    lookup_field = "uuid"
    lookup_url_kwarg = "assessment_uuid"
    lookup_value_regex = (
        r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
    )

    def get_queryset(self):
        user = self.request.user
        mine = Q(assessor_id=user.pk) if user.pk else Q(pk__in=[])
        return (
            Assessment.objects.filter(child__in=policy.children_for(user))
            .filter(Q(status__in=COUNTING) | mine)
            .select_related("assessor")
            .order_by("-assessed_on", "-pk")
        )

    def rows(self, page):
        return [assessment_row(a) for a in page]

    @extend_schema(responses=s.AssessmentDetailSerializer)
    def retrieve(self, request, assessment_uuid: str):
        found = self.get_queryset().filter(uuid=assessment_uuid).first()
        if found is None:
            raise NotFound("No such assessment.")
        shown = {q.name for q in readable_questions(request.user, found)}
        audit_record(
            action=AuditEntry.Action.VIEW,
            actor=request.user,
            object_type="assessment",
            object_id=found.uuid,
            child_id=found.child_id,
            detail={"answers_shown": len(shown), "through": "api"},
        )
        row = assessment_row(found)
        row["answers"] = {k: v for k, v in found.answers.items() if k in shown}
        row["answers_withheld"] = len([k for k in found.answers if k not in shown])
        return Response(s.AssessmentDetailSerializer(row).data)

    @extend_schema(
        request=s.AssessmentWriteSerializer,
        responses={
            200: OpenApiResponse(s.SaveResultSerializer, "Already saved, or changed"),
            201: OpenApiResponse(s.SaveResultSerializer, "Saved as a new record"),
            400: OpenApiResponse(s.ProblemSerializer, "Something to fix; nothing was saved"),
            403: OpenApiResponse(s.ProblemSerializer, "Not yours to send or change"),
            404: OpenApiResponse(s.ProblemSerializer, "No such child among your schools"),
            409: OpenApiResponse(s.ProblemSerializer, "Changed since read, or already sent"),
            413: OpenApiResponse(description="The body is too large"),
        },
    )
    def create(self, request):
        form = s.AssessmentWriteSerializer(data=request.data)
        if not form.is_valid():
            return Response({"errors": flat_errors(form.errors)}, status=400)
        answer = assessment_send(user=request.user, **form.validated_data)
        return Response(answer.body, status=answer.status)


def assessment_row(assessment: Assessment) -> dict[str, Any]:
    return {
        "uuid": assessment.uuid,
        "child": assessment.child_id,
        "wave": assessment.wave_id,
        "details_withheld": False,
        "respondent": assessment.respondent,
        "status": assessment.status,
        "assessed_on": assessment.assessed_on,
        "submitted_at": assessment.submitted_at,
        "assessor": _username(assessment.assessor),
        "revision": revision_of(assessment),
    }


# --- cases


class CaseFilter(django_filters.FilterSet):
    school = IdFilter(field_name="school_id")
    child = IdFilter(field_name="child_id")
    status = django_filters.CharFilter()


class CaseViewSet(PolicyViewSet):
    """Cases of the reader's children, as the school's case list shows them; a case's own
    address adds its plan's goals, reviews and services, with case notes only for readers of
    case notes, and is audited. Its `move/` moves it one step, as the buttons on its page."""

    serializer_class = s.CaseSerializer
    filterset_class = CaseFilter
    lookup_url_kwarg = "case_id"

    def get_queryset(self):
        return (
            Case.objects.filter(child__in=policy.children_for(self.request.user))
            .select_related("child", "lead__user")
            .order_by("-created_at", "-pk")
        )

    def rows(self, page):
        withheld = policy.details_withheld(self.request.user, [c.child for c in page])
        return [case_row(c, show_reason=c.child_id not in withheld) for c in page]

    @extend_schema(responses=s.CaseDetailSerializer)
    def retrieve(self, request, case_id: str):
        found = case_permissions.case_for(request.user, int(case_id))
        if found is None:
            raise NotFound("No such case.")
        case, access = found
        audit_child_read(request.user, object_type="case", object_id=case.pk, access=access)
        show_reason = "risk_levels" in access.fields
        notes = case_permissions.reads_case_notes(access)
        plan = getattr(case, "plan", None)
        row = case_row(case, show_reason=show_reason)
        row["dismissed_reason"] = case.dismissed_reason if show_reason else None
        row["goals"] = [
            {
                "domain": g.domain,
                "description": g.description,
                "benchmark": g.benchmark,
                "achieved": g.achieved,
                "achieved_on": g.achieved_on,
            }
            for g in (plan.goals.all() if plan else [])
        ]
        row["reviews"] = [
            {
                "held_on": r.held_on,
                "next_due_on": r.next_due_on,
                "notes": r.notes if notes else None,
            }
            for r in case.reviews.order_by("held_on", "pk")
        ]
        row["services"] = [
            {
                "service_type": str(d.service_type),
                "delivered_on": d.delivered_on,
                "provided_by": d.provided_by,
                "outcome": d.outcome,
                "notes": d.notes if notes else None,
            }
            for d in case.services.select_related("service_type", "provider").order_by(
                "delivered_on", "pk"
            )
        ]
        return Response(s.CaseDetailSerializer(row).data)

    @extend_schema(
        request=s.CaseMoveSerializer,
        responses={
            200: OpenApiResponse(s.CaseSerializer, "Moved"),
            400: OpenApiResponse(
                s.ProblemSerializer, "Not a step allowed now, or a detail missing"
            ),
            403: OpenApiResponse(s.ProblemSerializer, "Not yours to move"),
            404: OpenApiResponse(s.ProblemSerializer, "No such case"),
            409: OpenApiResponse(s.ProblemSerializer, "Moved by someone else since you read it"),
            413: OpenApiResponse(s.ProblemSerializer, "The body is too large"),
        },
    )
    @action(detail=True, methods=["post"])
    def move(self, request, case_id: str):
        form = s.CaseMoveSerializer(data=request.data)
        if not form.is_valid():
            return Response({"errors": flat_errors(form.errors)}, status=400)
        answer, moved = case_step(user=request.user, case_id=int(case_id), **form.validated_data)
        if moved is None:
            return Response(answer.body, status=answer.status)
        access = policy.child_access(request.user, moved.child_id)
        return Response(
            s.CaseSerializer(case_row(moved, show_reason="risk_levels" in access.fields)).data
        )


def case_row(case: Case, *, show_reason: bool) -> dict[str, Any]:
    return {
        "id": case.pk,
        "child": case.child_id,
        "school": case.school_id,
        "status": case.status,
        "details_withheld": not show_reason,
        "proposed_reason": case.proposed_reason if show_reason else None,
        "lead": _username(case.lead.user) if case.lead_id else None,
        "created_at": case.created_at,
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "closure_reason": case.closure_reason,
    }


# --- referrals


class ReferralFilter(django_filters.FilterSet):
    child = IdFilter(field_name="child_id")
    status = django_filters.CharFilter()
    urgency = django_filters.CharFilter()
    mine = django_filters.BooleanFilter(method="made_by_me", label="Only referrals I made")

    def made_by_me(self, queryset, name, value):
        return queryset.filter(created_by=self.request.user) if value else queryset


class ReferralViewSet(PolicyViewSet):
    """Referrals of the reader's children. The reason (with the outcome and the provider's
    feedback) is shown only to readers of every class it draws on, as the referral's page
    shows it; a referral's own address is audited. Anyone who may see the child makes a
    referral (POST, a draft) and moves it a step (POST to its `move/`), as on its page."""

    serializer_class = s.ReferralSerializer
    filterset_class = ReferralFilter
    lookup_url_kwarg = "referral_id"

    def get_queryset(self):
        return (
            Referral.objects.filter(child__in=policy.children_for(self.request.user))
            .select_related("child", "service_type", "created_by")
            .order_by("-created_at", "-pk")
        )

    def rows(self, page):
        readable = policy.readable_classes(self.request.user)
        withheld = policy.details_withheld(self.request.user, [r.child for r in page])
        return [
            referral_row(r, readable & {"general"} if r.child_id in withheld else readable)
            for r in page
        ]

    def retrieve(self, request, referral_id: str):
        found = (
            Referral.objects.filter(pk=int(referral_id))
            .select_related("service_type", "created_by")
            .first()
        )
        access = policy.child_access(request.user, found.child_id) if found else None
        if access is None:
            raise NotFound("No such referral.")
        audit_child_read(request.user, object_type="referral", object_id=found.pk, access=access)
        return Response(self.get_serializer(referral_row(found, access.classes)).data)

    @extend_schema(
        request=s.ReferralWriteSerializer,
        responses={
            201: OpenApiResponse(s.ReferralSerializer, "Saved as a draft"),
            400: OpenApiResponse(s.ProblemSerializer, "Something to fix; nothing was saved"),
            404: OpenApiResponse(s.ProblemSerializer, "No such child among your schools"),
            413: OpenApiResponse(s.ProblemSerializer, "The body is too large"),
        },
    )
    def create(self, request):
        form = s.ReferralWriteSerializer(data=request.data)
        if not form.is_valid():
            return Response({"errors": flat_errors(form.errors)}, status=400)
        answer, made = referral_make(user=request.user, **form.validated_data)
        if made is None:
            return Response(answer.body, status=answer.status)
        classes = policy.child_access(request.user, made.child_id).classes
        return Response(s.ReferralSerializer(referral_row(made, classes)).data, status=201)

    @extend_schema(
        request=s.ReferralMoveSerializer,
        responses={
            200: OpenApiResponse(s.ReferralMovedSerializer, "Moved"),
            400: OpenApiResponse(
                s.ProblemSerializer, "Not a step allowed now, or a detail missing"
            ),
            404: OpenApiResponse(s.ProblemSerializer, "No such referral"),
            409: OpenApiResponse(s.ProblemSerializer, "Moved by someone else since you read it"),
            413: OpenApiResponse(s.ProblemSerializer, "The body is too large"),
        },
    )
    @action(detail=True, methods=["post"])
    def move(self, request, referral_id: str):
        form = s.ReferralMoveSerializer(data=request.data)
        if not form.is_valid():
            return Response({"errors": flat_errors(form.errors)}, status=400)
        answer, moved, token = referral_step(
            user=request.user, referral_id=int(referral_id), **form.validated_data
        )
        if moved is None:
            return Response(answer.body, status=answer.status)
        row = referral_row(moved, policy.child_access(request.user, moved.child_id).classes)
        row["feedback_url"] = (
            request.build_absolute_uri(reverse("referral_feedback", args=[token]))
            if token
            else None
        )
        return Response(s.ReferralMovedSerializer(row).data)


def referral_row(referral: Referral, classes: frozenset[str]) -> dict[str, Any]:
    shown = set(referral.reason_classes) <= classes

    def when(value):
        return value if shown else None

    return {
        "id": referral.pk,
        "child": referral.child_id,
        "service_type": referral.service_type.code,
        "provider": referral.provider_id,
        "provider_name": referral.provider_name,
        "sector": referral.sector,
        "urgency": referral.urgency,
        "status": referral.status,
        "created_by": _username(referral.created_by),
        "created_at": referral.created_at,
        "due_by": referral.due_by,
        "sent_at": referral.sent_at,
        "delivered_on": referral.delivered_on,
        "reason_withheld": not shown,
        "reason": when(referral.reason),
        "outcome": when(referral.outcome),
        "feedback": when(referral.feedback),
        "decline_reason": when(referral.decline_reason),
        "cancel_reason": when(referral.cancel_reason),
    }


# --- services (the directory of providers)


class ProviderFilter(django_filters.FilterSet):
    service_type = django_filters.CharFilter(
        field_name="service_types__code", distinct=True, label="Code of a kind of help"
    )
    domain = django_filters.CharFilter(field_name="service_types__domain", distinct=True)
    sector = django_filters.CharFilter()
    active = django_filters.BooleanFilter()


class ServiceViewSet(PolicyViewSet):
    """The service directory: who offers which kind of help. Providers are not personal data;
    every role that may use the API sees the directory, as every role sees its page."""

    serializer_class = s.ProviderSerializer
    filterset_class = ProviderFilter

    def get_queryset(self):
        return (
            Provider.objects.select_related("organisation")
            .prefetch_related("service_types")
            .order_by("name", "pk")
        )

    def rows(self, page):
        return [provider_row(p) for p in page]

    def retrieve(self, request, pk: str):
        found = self.get_queryset().filter(pk=int(pk)).first()
        if found is None:
            raise NotFound("No such service provider.")
        return Response(self.get_serializer(provider_row(found)).data)


def provider_row(provider: Provider) -> dict[str, Any]:
    return {
        "id": provider.pk,
        "name": provider.name,
        "organisation": provider.organisation.name if provider.organisation_id else None,
        "sector": provider.sector,
        "service_types": sorted(t.code for t in provider.service_types.all()),
        "address": provider.address,
        "latitude": provider.latitude,
        "longitude": provider.longitude,
        "phone": provider.phone,
        "email": provider.email,
        "hours": provider.hours,
        "eligibility": provider.eligibility,
        "active": provider.active,
    }


# --- meetings


class MeetingFilter(django_filters.FilterSet):
    school = IdFilter(field_name="school_id")
    status = django_filters.CharFilter()
    kind = django_filters.CharFilter()


class MeetingViewSet(PolicyViewSet):
    """Meetings of the reader's schools; a meeting's own address adds its agenda, decisions and
    action items, as the meeting's page shows them to the school's team."""

    serializer_class = s.MeetingSerializer
    filterset_class = MeetingFilter
    lookup_url_kwarg = "meeting_id"

    def get_queryset(self):
        return Meeting.objects.filter(school__in=policy.schools_for(self.request.user)).order_by(
            "-held_on", "-pk"
        )

    def rows(self, page):
        return [meeting_row(m) for m in page]

    @extend_schema(responses=s.MeetingDetailSerializer)
    def retrieve(self, request, meeting_id: str):
        found = self.get_queryset().filter(pk=int(meeting_id)).first()
        if found is None:
            raise NotFound("No such meeting.")
        row = meeting_row(found)
        row["items"] = [
            {
                "id": i.pk,
                "kind": i.kind,
                "position": i.position,
                "child": i.child_id,
                "text": i.text,
                "decision": i.decision,
            }
            for i in found.items.order_by("position", "pk")
        ]
        row["actions"] = [
            {
                "id": a.pk,
                "item": a.item_id,
                "description": a.description,
                "owner": _username(a.owner.user),
                "due_on": a.due_on,
                "done_on": a.done_on,
            }
            for a in found.actions.select_related("owner__user").order_by("due_on", "pk")
        ]
        row["attendees"] = [
            {"name": a.name, "sector": a.sector} for a in found.attendees.order_by("pk")
        ]
        return Response(s.MeetingDetailSerializer(row).data)


def meeting_row(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "school": meeting.school_id,
        "kind": meeting.kind,
        "held_on": meeting.held_on,
        "status": meeting.status,
    }
