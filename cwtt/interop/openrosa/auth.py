"""How ODK Collect signs in: HTTP Basic on every request, with the person's username and either
a device key (every role) or their password (only roles that sign in on the web without a
second factor). Passwords go through django-axes, so failures count towards the same lock-out
as the sign-in page. Decision 0042.

A view wrapped in `openrosa_view` is marked as guarded by the access policy
(tests/access/test_every_view_is_guarded.py): it runs inside `policy.guarded`, with the person
found here, and reads personal data only through cwtt/access/policy.py.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cwtt.access import policy
from cwtt.access.audit import audit_record
from cwtt.access.models import AuditEntry
from cwtt.access.two_factor import needs_second_factor
from cwtt.interop.models import DeviceKey

from .actions import device_used, key_hash
from .responses import openrosa_message

REALM = "CWTT"


@dataclass(frozen=True)
class SignIn:
    user: object | None
    problem: str = ""


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    kind, _space, encoded = header.partition(" ")
    if kind.lower() != "basic" or not encoded:
        return None
    try:
        text = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, secret = text.partition(":")
    if not colon or not username or not secret:
        return None
    return username[:150], secret


def sign_in(request: HttpRequest) -> SignIn:
    """The person the request speaks for, or why not."""
    credentials = basic_credentials(request)
    if credentials is None:
        return SignIn(None)
    username, secret = credentials
    device = (
        DeviceKey.objects.select_related("user")
        .filter(key_hash=key_hash(secret), user__username=username)
        .first()
    )
    if device is not None:
        if device.revoked_at is not None or not device.user.is_active:
            audit_record(
                action=AuditEntry.Action.SIGN_IN_FAILED,
                actor_name=username,
                object_type="device_key",
                object_id=device.pk,
                detail={"via": "device key (OpenRosa)", "reason": "revoked"},
            )
            return SignIn(None, _("This phone's key was withdrawn. Ask for a new one."))
        device_used(device=device)
        return SignIn(device.user)
    user = authenticate(request, username=username, password=secret)
    # A right password of a role that needs a second factor is refused with the same words as
    # a wrong one, so that this door never confirms such a password.
    if user is None or needs_second_factor(user):
        return SignIn(None, wrong_credentials())
    audit_record(
        action=AuditEntry.Action.SIGN_IN, actor=user, detail={"via": "password (OpenRosa)"}
    )
    return SignIn(user)


def wrong_credentials() -> str:
    return _(
        "The username or the key is not right. Sign in with the settings from `cwtt device "
        "add`; a password works only for roles that sign in on the web without a code."
    )


def challenge(message: str = "") -> HttpResponse:
    response = openrosa_message(
        message or _("Sign in with your username and your phone's key."), status=401
    )
    response["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return with_openrosa_headers(response)


def with_openrosa_headers(response: HttpResponse) -> HttpResponse:
    response["X-OpenRosa-Version"] = "1.0"
    response["Date"] = http_date()
    # What Collect fetches is personal data (the class list) or about it: never cached.
    response["Cache-Control"] = "no-store, private"
    return response


def openrosa_view(view):
    """Signs the request in from its Authorization header, then runs the view as
    `policy.guarded` with that person. Every answer carries `X-OpenRosa-Version: 1.0`. No
    session is made: request.user is set back afterwards, so no cookie is sent."""
    inner = policy.guarded(view)

    @functools.wraps(inner)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        found = sign_in(request)
        if found.user is None:
            return challenge(found.problem)
        original = request.user
        request.user = found.user
        try:
            response = inner(request, *args, **kwargs)
        except Http404:
            response = openrosa_message(_("There is no such form for you."), status=404)
        finally:
            request.user = original
        return with_openrosa_headers(response)

    return csrf_exempt(wrapper)
