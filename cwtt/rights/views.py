"""Pages for the child's rights: the record to hand to a caregiver, and corrections.

Thin: find the child through the access policy (404 outside the person's scope), check the role
(403 with a plain message inside it), call the action.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.registry.models import Child

from .actions import CORRECTABLE, CorrectionInvalid, child_correct, child_record_export
from .subject_access import child_record

EXPORTERS = policy.RECORD_EXPORTERS
CORRECTORS = policy.RECORD_CORRECTORS
NOT_ALLOWED = {
    "export": gettext_lazy(
        "Only the information officer (the data manager) can give out a child's whole "
        "record. If a caregiver asks for it, pass the request on to them."
    ),
    "correct": gettext_lazy(
        "Only the information officer (the data manager) or the school's coordinator "
        "can correct a child's details. Tell one of them what is wrong."
    ),
}


def may_export(user) -> bool:
    """Whether the user may download a child's whole record (for the child page's links)."""
    return policy.role_of(user) in EXPORTERS


def may_correct(user) -> bool:
    """Whether the user may correct the details of a child they can see."""
    return policy.role_of(user) in CORRECTORS


def _child_or_refusal(
    request: HttpRequest, child_id: int, roles: frozenset[str], what: str
) -> Child | HttpResponse:
    child = policy.child_for(request.user, child_id)
    if child is None:
        raise Http404("No such child")
    if policy.role_of(request.user) not in roles:
        return render(
            request,
            "rights/not_allowed.html",
            {"child": child, "message": NOT_ALLOWED[what]},
            status=403,
        )
    return child


@policy.guarded
@require_GET
def record(request: HttpRequest, child_id: int) -> HttpResponse:
    found = _child_or_refusal(request, child_id, EXPORTERS, "export")
    if isinstance(found, HttpResponse):
        return found
    audit_record(
        action=AuditEntry.Action.VIEW,
        actor=request.user,
        object_type="child_record",
        object_id=found.pk,
        child_id=found.pk,
    )
    sections = [
        {"title": s["title"], "count": len(s["records"])} for s in child_record(found)["sections"]
    ]
    return render(request, "rights/record.html", {"child": found, "sections": sections})


def _download(request: HttpRequest, child_id: int, format: str) -> HttpResponse:
    found = _child_or_refusal(request, child_id, EXPORTERS, "export")
    if isinstance(found, HttpResponse):
        return found
    export = child_record_export(child=found, format=format, actor=request.user)
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    return response


@policy.guarded
@require_GET
@never_cache
def record_pdf(request: HttpRequest, child_id: int) -> HttpResponse:
    return _download(request, child_id, "pdf")


@policy.guarded
@require_GET
@never_cache
def record_json(request: HttpRequest, child_id: int) -> HttpResponse:
    return _download(request, child_id, "json")


@policy.guarded
@require_http_methods(["GET", "POST"])
def correct(request: HttpRequest, child_id: int) -> HttpResponse:
    found = _child_or_refusal(request, child_id, CORRECTORS, "correct")
    if isinstance(found, HttpResponse):
        return found
    values = {name: getattr(found, name) for name in CORRECTABLE}
    values["date_of_birth"] = found.date_of_birth.isoformat()
    reason = ""
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name in CORRECTABLE}
        reason = request.POST.get("reason", "")
        try:
            child_correct(child=found, changes=values, reason=reason, actor=request.user)
        except CorrectionInvalid as invalid:
            errors = invalid.errors
            messages.error(request, _("Nothing was saved: some details need attention."))
        else:
            messages.success(request, _("The correction was saved and recorded."))
            return redirect("child", child_id=found.pk)
    fields = [
        {
            "name": name,
            "label": capfirst(Child._meta.get_field(name).verbose_name),
            "value": values[name],
            "errors": errors.get(name, []),
        }
        for name in CORRECTABLE
    ]
    shown = {*CORRECTABLE, "reason"}
    return render(
        request,
        "rights/correct.html",
        {
            "child": found,
            "fields": {f["name"]: f for f in fields},
            "sexes": Child.Sex.choices,
            "reason": reason,
            "reason_errors": errors.get("reason", []),
            "general_errors": [m for key, ms in errors.items() if key not in shown for m in ms],
        },
    )
