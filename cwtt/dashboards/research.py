"""The research page: a researcher downloads the de-identified research export of a wave, or
the panel of every wave (CSV or Parquet), with its codebook, in the browser (docs/exports.md).

Only the researcher role, and only the schools of their area (policy.areas_for): the same rows
`cwtt export research --wave` writes, restricted to those schools. Every other role gets "not
found", as for any page not theirs. Each download is recorded in the audit trail with who took
it; nothing is recorded for a refused one.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any, BinaryIO

from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.access.roles import Role
from cwtt.assessments.models import Wave
from cwtt.assessments.panel_export import AUDIT_TYPE as PANEL_AUDIT_TYPE
from cwtt.assessments.panel_export import panel_table
from cwtt.assessments.research_export import research_table
from cwtt.tabular.parquet import write_parquet
from cwtt.tabular.writing import plain_value, write_codebook_csv, write_csv, write_xlsx

# What each download is: (file suffix, content type).
KINDS = {
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("csv", "text/csv; charset=utf-8"),
    "codebook": ("csv", "text/csv; charset=utf-8"),
}
PANEL_KINDS = {
    "parquet": ("parquet", "application/vnd.apache.parquet"),
    "csv": KINDS["csv"],
    "codebook": KINDS["codebook"],
}


def _researcher_area(request: HttpRequest):
    """The schools a researcher's exports cover, or 404 for anyone who is not a researcher."""
    if policy.role_of(request.user) != Role.RESEARCHER:
        raise Http404("No research exports for this account")
    staff = policy.staff_of(request.user)
    if staff is None or staff.location is None:
        return None
    return policy.areas_for(request.user)


@policy.guarded
@require_GET
@never_cache
def research_page(request: HttpRequest) -> HttpResponse:
    area = _researcher_area(request)
    waves = list(Wave.objects.started().order_by("starts_on", "pk")) if area is not None else []
    staff = policy.staff_of(request.user)
    return render(
        request,
        "dashboards/research.html",
        {"waves": waves, "has_area": area is not None, "place": staff.location if staff else None},
    )


@policy.guarded
@require_GET
@never_cache
def research_download(request: HttpRequest, wave_id: int, kind: str) -> FileResponse:
    area = _researcher_area(request)
    if area is None or kind not in KINDS:
        raise Http404("No such export")
    wave = Wave.objects.started().filter(pk=wave_id).first()
    if wave is None:
        raise Http404("No such wave")
    columns, rows = research_table(wave=wave, schools=area)

    def write(file) -> int:
        if kind == "xlsx":
            return write_xlsx(file, columns, rows, sheet="research")
        if kind == "csv":
            return write_csv(file, [c.name for c in columns], rows)
        return write_codebook_csv(file, columns)

    suffix, content_type = KINDS[kind]
    return _attachment(
        request,
        write,
        object_type="research_export",
        object_id=wave.pk,
        detail={"wave": wave.name, "download": kind},
        name=f"cwtt-research-wave-{wave.pk}{'-codebook' if kind == 'codebook' else ''}.{suffix}",
        content_type=content_type,
    )


@policy.guarded
@require_GET
@never_cache
def panel_download(request: HttpRequest, kind: str) -> FileResponse:
    """Every wave in one file (cwtt/assessments/panel_export.py), for the researcher's area."""
    area = _researcher_area(request)
    if area is None or kind not in PANEL_KINDS:
        raise Http404("No such export")
    columns, rows = panel_table(schools=area)

    def write(file) -> int:
        if kind == "parquet":
            return write_parquet(file, columns, rows)
        if kind == "csv":
            typed = ([plain_value(v) for v in row] for row in rows)
            return write_csv(file, [c.name for c in columns], typed)
        return write_codebook_csv(file, columns)

    suffix, content_type = PANEL_KINDS[kind]
    return _attachment(
        request,
        write,
        object_type=PANEL_AUDIT_TYPE,
        object_id="",  # every wave: no one record
        detail={"download": kind},
        name=f"cwtt-research-panel{'-codebook' if kind == 'codebook' else ''}.{suffix}",
        content_type=content_type,
    )


def _attachment(
    request: HttpRequest,
    write: Callable[[BinaryIO], int],
    *,
    object_type: str,
    object_id: int | str,
    detail: dict[str, Any],
    name: str,
    content_type: str,
) -> FileResponse:
    """The file `write` makes (returning its row count), sent as a download and recorded in
    the audit trail with who took it, once it is whole: nothing is recorded for a failure."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
    try:
        count = write(file)
        with transaction.atomic():
            audit_record(
                action=AuditEntry.Action.EXPORT,
                actor=request.user,
                object_type=object_type,
                object_id=object_id,
                detail={**detail, "rows": count},
            )
    except BaseException:
        file.close()
        raise
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=name, content_type=content_type)
