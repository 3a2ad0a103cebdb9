"""Printable documents (WeasyPrint): a child's profile for a meeting or a provider without
access. What is printed is what the reader may see on the child's page — the same
`policy.child_access` — and every print is audited as an export."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.instruments.actions import rule_sensitivities_for

from .presenters import profile_view
from .views import school_overview


def child_profile_html(user, access) -> str:
    """The printable profile as HTML, holding only what `access` lets the reader see."""
    found = access.child
    latest = None
    if "risk_levels" in access.fields:
        profile = found.risk_profiles.select_related("wave").order_by("-wave__starts_on").first()
        if profile is not None:
            latest = profile_view(
                profile, rule_sensitivities_for(profile.instrument_version_id), access.classes
            )
    return render_to_string(
        "web/print/child_profile.html",
        {
            "child": found,
            "show": access.show,
            "latest": latest,
            "caregiver_links": found.caregiver_links.select_related("caregiver"),
            "printed_by": user.get_full_name() or user.get_username(),
            "printed_at": timezone.localtime(),
            "age_years": (timezone.localdate() - found.date_of_birth).days // 365,
        },
    )


@policy.guarded
def child_profile_pdf(request: HttpRequest, child_id: int) -> HttpResponse:
    from weasyprint import HTML

    access = policy.child_access(request.user, child_id)
    if access is None:
        raise Http404("No such child")
    found = access.child
    pdf = HTML(string=child_profile_html(request.user, access)).write_pdf()
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor=request.user,
        object_type="child_profile",
        object_id=found.pk,
        child_id=found.pk,
        detail={"format": "pdf", **access.audit_detail()},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="child-profile-{found.pk}.pdf"'
    return response


@policy.guarded
def school_report_pdf(request: HttpRequest, school_id: int) -> HttpResponse:
    """The school's report for a meeting: risk per area in the latest wave (with n), cases and
    referrals, and the classes. Counts only, so it names no child."""
    from weasyprint import HTML

    school = policy.school_for(request.user, school_id)
    if school is None:
        raise Http404("No such school")
    html = render_to_string(
        "web/print/school_report.html",
        {
            **school_overview(school),
            "printed_by": request.user.get_full_name() or request.user.get_username(),
            "printed_at": timezone.localtime(),
        },
    )
    pdf = HTML(string=html).write_pdf()
    audit_record(
        action=AuditEntry.Action.EXPORT,
        actor=request.user,
        object_type="school_report",
        object_id=school.pk,
        detail={"format": "pdf"},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="school-report-{school.emis_number}.pdf"'
    )
    return response
