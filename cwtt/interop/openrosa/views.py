"""The OpenRosa 1.0 API that ODK Collect, KoboCollect and Enketo speak (docs/openrosa.md):
form list, form, manifest, class list and submission. Thin: sign-in is `openrosa_view`
(auth.py), what a person gets is forms.py, what a submission does is submission.py."""

from __future__ import annotations

import logging
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from pyxform.errors import PyXFormError

from cwtt.access.audit import audit_record_many
from cwtt.access.models import AuditEntry

from .auth import openrosa_view
from .forms import OfferedForm, class_list, class_list_csv, md5_of, offered_form, offered_forms
from .responses import XML, openrosa_message
from .submission import receive
from .xform import CLASS_LIST

logger = logging.getLogger(__name__)

SUBMISSION_PART = "xml_submission_file"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024


def max_submission_bytes() -> int:
    """What Collect is told it may send in one request (X-OpenRosa-Accept-Content-Length)."""
    return int(getattr(settings, "CWTT_OPENROSA_MAX_BYTES", DEFAULT_MAX_BYTES))


def _form_or_404(request: HttpRequest, form_id: str, version: int) -> OfferedForm:
    form = offered_form(request.user, form_id, version)
    if form is None:
        raise Http404("No such form for you")
    return form


def _urls(request: HttpRequest, form: OfferedForm) -> dict[str, str]:
    args = [form.xform.form_id, form.version.number]
    return {
        name: request.build_absolute_uri(reverse(f"openrosa_{name}", args=args))
        for name in ("form", "manifest", "class_list")
    }


@openrosa_view
@require_GET
def form_list(request: HttpRequest) -> HttpResponse:
    items = []
    for form in offered_forms(request.user):
        try:
            xform = form.xform
        except PyXFormError as error:
            # One questionnaire pyxform cannot convert on its own (e.g. its relevance reads
            # another questionnaire's answer) must not take the others' list down with it.
            logger.warning(
                "OpenRosa: %s v%s cannot be converted: %s", form.respondent, form.version.pk, error
            )
            continue
        urls = _urls(request, form)
        items.append(
            "<xform>"
            f"<formID>{escape(xform.form_id)}</formID>"
            f"<name>{escape(xform.title)}</name>"
            f"<version>{escape(xform.version)}</version>"
            f"<hash>{xform.md5}</hash>"
            f"<downloadUrl>{escape(urls['form'])}</downloadUrl>"
            f"<manifestUrl>{escape(urls['manifest'])}</manifestUrl>"
            "</xform>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xforms xmlns="http://openrosa.org/xforms/xformsList">' + "".join(items) + "</xforms>"
    )
    return HttpResponse(body, content_type=XML)


@openrosa_view
@require_GET
def form_xml(request: HttpRequest, form_id: str, version: int) -> HttpResponse:
    return HttpResponse(_form_or_404(request, form_id, version).xform.xml, content_type=XML)


@openrosa_view
@require_GET
def manifest(request: HttpRequest, form_id: str, version: int) -> HttpResponse:
    form = _form_or_404(request, form_id, version)
    # The hash changes when the class list does, so Collect fetches it again; the list itself
    # is only read, and audited, when Collect asks for it.
    data = class_list_csv(class_list(request.user, form))
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest xmlns="http://openrosa.org/xforms/xformsManifest"><mediaFile>'
        f"<filename>{CLASS_LIST}</filename><hash>{md5_of(data)}</hash>"
        f"<downloadUrl>{escape(_urls(request, form)['class_list'])}</downloadUrl>"
        "</mediaFile></manifest>"
    )
    return HttpResponse(body, content_type=XML)


@openrosa_view
@require_GET
def class_list_file(request: HttpRequest, form_id: str, version: int) -> HttpResponse:
    form = _form_or_404(request, form_id, version)
    children = class_list(request.user, form)
    # One entry per child, as for the offline pack: each child's audit report shows the copy
    # of their name taken to a phone.
    audit_record_many(
        action=AuditEntry.Action.EXPORT,
        actor=request.user,
        object_type="openrosa_class_list",
        child_ids=[c.pk for c in children],
        detail={"purpose": "class list for ODK Collect", "form": form.xform.form_id},
    )
    return HttpResponse(class_list_csv(children), content_type="text/csv; charset=utf-8")


@openrosa_view
@require_http_methods(["HEAD", "POST"])
def submission(request: HttpRequest) -> HttpResponse:
    limit = max_submission_bytes()
    if request.method == "HEAD":
        response = HttpResponse(status=204)
        response["X-OpenRosa-Accept-Content-Length"] = str(limit)
        return response
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        # Refused before a byte of the body is read.
        return openrosa_message(
            _("The form is larger than this server takes (%(mb)s MB). Nothing was saved.")
            % {"mb": round(limit / 1024 / 1024, 1)},
            status=413,
        )
    if not (request.content_type or "").startswith("multipart/form-data"):
        return openrosa_message(
            _("Send the form as multipart/form-data with the part xml_submission_file."),
            status=400,
        )
    upload = request.FILES.get(SUBMISSION_PART)
    if upload is None:
        return openrosa_message(
            _("The request has no part named xml_submission_file. Nothing was saved."),
            status=400,
        )
    # Other parts are attachments (photos, audio); the CWTT instruments ask for none, so they
    # are not kept (decision 0042).
    received = receive(request.user, upload.read(limit + 1))
    response = openrosa_message(received.message, status=received.status)
    response["X-OpenRosa-Accept-Content-Length"] = str(limit)
    return response
