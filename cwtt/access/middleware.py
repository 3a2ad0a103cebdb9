"""Second factor: a person whose role needs one and who has signed in with a password only is
sent to enter a code (or to set up an authenticator app first) before any other page.

Installed after django_otp's OTPMiddleware, which tells from the session whether this sign-in
was confirmed with a code (request.user.is_verified()).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from .audit import audit_record
from .models import AuditEntry
from .two_factor import confirmed_device, needs_second_factor

# Pages open to someone signed in with a password only: the code pages and the way out.
BEFORE_SECOND_FACTOR = frozenset(
    {"login", "logout", "sign_in_code", "sign_in_set_up_code", "service_worker", "manifest"}
)


class SecondFactorMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        # Static files never get here (WhiteNoise answers them earlier); an unknown address
        # gets here not at all and is answered 404 with no data.
        match = request.resolver_match
        if match is not None and match.view_name in BEFORE_SECOND_FACTOR:
            return None
        user = request.user
        if not needs_second_factor(user) or user.is_verified():
            return None
        name = "sign_in_code" if confirmed_device(user) else "sign_in_set_up_code"
        url = reverse(name)
        if request.method == "GET":
            url += "?" + urlencode({"next": request.get_full_path()})
        return redirect(url)


# Pages open to someone who must first swap a one-time password for their own.
BEFORE_NEW_PASSWORD = BEFORE_SECOND_FACTOR | {"password_change_due"}


class PasswordChangeDueMiddleware:
    """A person who signed in with a one-time password from a colleague chooses their own
    before any other page (cwtt/access/password_reset.py). The sign-in sets the session flag
    (cwtt/access/apps.py), so other requests cost no query. After SecondFactorMiddleware: the
    code comes first, as a reset never removes it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        from .reset_views import CHANGE_DUE

        if not request.user.is_authenticated or not request.session.get(CHANGE_DUE):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in BEFORE_NEW_PASSWORD:
            return None
        return redirect("password_change_due")


class PrivatePagesMiddleware:
    """Every answer to a signed-in person is `Cache-Control: no-store, private`: a child's
    page, PDF or export is never kept in the browser's cache (where the next person on a shared
    computer would find it with the Back button) or in a proxy. Static files never get here
    (WhiteNoise answers them earlier), so scripts and styles are still cached. The public
    feedback page says the same itself (cwtt/referrals/views.py)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        # Before and after: a sign-out's answer still follows a signed-in request.
        signed_in = request.user.is_authenticated
        response = self.get_response(request)
        if signed_in or request.user.is_authenticated:
            patch_cache_control(response, no_store=True, private=True)
        return response


# Address parts that name one record; "pk" is named by the page (e.g. "referral").
RECORD_PARAMETERS = (
    "child_id",
    "assessment_uuid",
    "case_id",
    "referral_id",
    "meeting_id",
    "class_id",
    "school_id",
)


class RefusalAuditMiddleware:
    """Writes to the audit trail each time a signed-in person is refused a numbered record (the
    page answers 404 or 403 on an address naming a child, case, school ...), so that trying one
    id after another shows in the trail. One entry per refused request, holding the id asked and
    the page, never anything about the record (it may not exist). Done here rather than in
    `policy.child_for`, which is also asked "may they?" where a "no" is not a refusal."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        response = self.get_response(request)
        if response.status_code in (403, 404):
            record_refusal(request, response.status_code)
        return response


def record_refusal(request: HttpRequest, status: int) -> None:
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    if match is None or not getattr(user, "is_authenticated", False):
        return
    # The most specific record named: a child before their school.
    named = [
        (name.removesuffix("_id"), match.kwargs[name])
        for name in RECORD_PARAMETERS
        if name in match.kwargs
    ]
    if "pk" in match.kwargs:  # e.g. "referral" for referral and referral_letter
        named.append(((match.url_name or "record").split("_")[0], match.kwargs["pk"]))
    if not named:
        return
    kind, value = named[0]
    audit_record(
        action=AuditEntry.Action.REFUSED,
        actor=user,
        object_type=kind,
        object_id=value,
        detail={"page": match.url_name or "", "status": status},
    )
