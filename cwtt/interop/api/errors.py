"""Every refusal has one shape, {"errors": {where: message}}, as the writes' own refusals do
(writes.py): "body" for a body that cannot be read, a field's name for a field, "detail" for
the rest (no token, no role, not found, a missing CSRF token)."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from .parsers import BodyTooLarge

ABOUT_THE_BODY = (exceptions.ParseError, exceptions.UnsupportedMediaType, BodyTooLarge)


def flat_errors(errors, prefix: str = "") -> dict[str, str]:
    """DRF's nested error lists as {field: message} ("answers.cg_meals" for a nested one)."""
    flat: dict[str, str] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            flat.update(flat_errors(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(errors, list):
        if all(not isinstance(e, dict | list) for e in errors):
            flat[prefix or "body"] = " ".join(str(e) for e in errors)
        else:
            for index, value in enumerate(errors):
                flat.update(flat_errors(value, f"{prefix}.{index}" if prefix else str(index)))
    else:
        flat[prefix or "detail"] = str(errors)
    return flat


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"errors": flat_errors(response.data)}
    else:
        where = "body" if isinstance(exc, ABOUT_THE_BODY) else "detail"
        response.data = {"errors": {where: str(exc.detail)}}
    return response
