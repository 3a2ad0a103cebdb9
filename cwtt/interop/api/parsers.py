"""JSON bodies, bounded: a body larger than settings.CWTT_API_MAX_BODY is refused (413) before
it is read whole, and a body nested too deeply for the parser is refused (400), never a server
error. DRF's own JSONParser reads the request stream without Django's size limit."""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.CWTT_API_MAX_BODY
        too_large = BodyTooLarge(
            f"The request body is larger than {limit} bytes. Send less at a time."
        )
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and str(declared).isdigit() and int(declared) > limit:
            raise too_large
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_large
        try:
            text = raw.decode("utf-8")
            return json.loads(text, parse_constant=strict_constant)  # no NaN or Infinity
        except UnicodeDecodeError:
            raise ParseError("The body is not UTF-8 text.") from None
        except RecursionError:
            raise ParseError("The JSON body is nested too deeply.") from None
        except ValueError as error:
            raise ParseError(f"The body is not valid JSON: {error}") from None
