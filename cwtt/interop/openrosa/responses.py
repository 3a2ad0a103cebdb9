"""The XML answers of the OpenRosa API (https://docs.getodk.org/openrosa-http/)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from django.http import HttpResponse

XML = "text/xml; charset=utf-8"


def openrosa_message(message: str, *, status: int) -> HttpResponse:
    """An `OpenRosaResponse` with one message, which Collect shows to the person."""
    nature = "submit_success" if status < 300 else "error"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        f'<message nature="{nature}">{escape(message)}</message>'
        "</OpenRosaResponse>"
    )
    return HttpResponse(body, content_type=XML, status=status)
