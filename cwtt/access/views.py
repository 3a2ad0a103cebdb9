"""The second-factor pages: enter the code from an authenticator app, or set one up first
(docs/access.md, "Signing in"; decision 0011). Both show only the signed-in person's own
device, never anyone's personal data."""

from __future__ import annotations

from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import policy
from .actions import CodeOutcome, second_factor_check, second_factor_start
from .two_factor import confirmed_device, key_for_typing, needs_second_factor, qr_code_svg


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def _code_from(request: HttpRequest) -> str | None:
    """The six digits typed, allowing spaces ("123 456"); None if it is not six digits."""
    code = "".join(request.POST.get("code", "").split()).replace("-", "")
    return code if len(code) == 6 and code.isdigit() else None


def _refusal(outcome: CodeOutcome) -> str:
    if outcome.wait_seconds:
        seconds = outcome.wait_seconds
        if seconds < 120:
            wait = ngettext("%(n)d second", "%(n)d seconds", seconds) % {"n": seconds}
        else:
            minutes = round(seconds / 60)
            wait = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
        return _(
            "Too many wrong codes. Wait %(wait)s, then enter the code your app shows at that time."
        ) % {"wait": wait}
    return _(
        "That code did not match. The code changes every 30 seconds: "
        "enter the one your app shows now."
    )


NOT_SIX_DIGITS = gettext_lazy("Enter the 6 digits your authenticator app shows for CWTT.")


def _confirmed_with_code(request: HttpRequest, device) -> None:
    # A new session key once the sign-in is complete, so a key seen before cannot be reused.
    request.session.cycle_key()
    django_otp.login(request, device)


@policy.guarded
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if not needs_second_factor(user) or user.is_verified():
        return redirect(next_url)
    device = confirmed_device(user)
    if device is None:
        return redirect(_with_next("sign_in_set_up_code", next_url))
    error = ""
    if request.method == "POST":
        code = _code_from(request)
        if code is None:
            error = NOT_SIX_DIGITS
        else:
            outcome = second_factor_check(user=user, device=device, code=code)
            if outcome.accepted:
                _confirmed_with_code(request, device)
                return redirect(next_url)
            error = _refusal(outcome)
    return render(request, "web/two_factor_verify.html", {"error": error, "next": next_url})


@policy.guarded
@sensitive_post_parameters("code")
@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_set_up_code(request: HttpRequest) -> HttpResponse:
    user = request.user
    next_url = _next_url(request)
    if not needs_second_factor(user) or user.is_verified():
        return redirect(next_url)
    if confirmed_device(user) is not None:
        # Once an app is set up, signing in with the password alone never shows a new secret;
        # a lost phone is reset by a data manager (cwtt user reset-code).
        return redirect(_with_next("sign_in_code", next_url))
    device = second_factor_start(user=user)
    error = ""
    if request.method == "POST":
        code = _code_from(request)
        if code is None:
            error = NOT_SIX_DIGITS
        else:
            outcome = second_factor_check(user=user, device=device, code=code)
            if outcome.accepted:
                _confirmed_with_code(request, device)
                messages.success(
                    request,
                    _(
                        "Your authenticator app is set up. Each time you sign in, CWTT will ask "
                        "for the code it shows."
                    ),
                )
                return redirect(next_url)
            error = _refusal(outcome)
    return render(
        request,
        "web/two_factor_setup.html",
        {
            "error": error,
            "next": next_url,
            # segno draws the SVG from the set-up link; it holds no text from the request.
            "qr_code": mark_safe(qr_code_svg(device)),  # noqa: S308
            "key": key_for_typing(device),
        },
    )
