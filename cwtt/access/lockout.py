"""What django-axes shows and logs when a username is locked out after repeated failed
sign-ins (settings AXES_LOCKOUT_CALLABLE and AXES_CLIENT_STR_CALLABLE; decision 0011)."""

from __future__ import annotations

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def cool_off_minutes(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return round(cool_off.total_seconds() / 60) if cool_off else 0


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The page for a locked-out sign-in: plain words, and who can help. It names neither the
    username nor whether such an account exists."""
    return render(
        request,
        "web/locked_out.html",
        {"minutes": cool_off_minutes(request)},
        status=429,
    )


def client_str_for_logs(username, ip_address, user_agent, path_info, request) -> str:
    """How axes names a client in its log lines: by the page only. Usernames, addresses and
    browser strings stay out of the logs; the audit trail records failed sign-ins."""
    if isinstance(path_info, (tuple, list)):
        path_info = path_info[0] if path_info else ""
    return f"a sign-in at {path_info}"
