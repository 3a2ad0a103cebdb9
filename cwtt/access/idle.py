"""Idle sign-out: a sign-in ends after settings.IDLE_MINUTES (CWTT_IDLE_MINUTES) without a
request that a person made (docs/access.md, "Signing in"; decision 0027).

Pages that ask the server something by themselves — the school dashboard's refresh every
minute, the offline page's session check and the sends it starts on its own — mark those
requests with the AUTOMATIC_HEADER. They are answered as usual while the sign-in holds, but do
not count as activity, so a page left open on a shared computer does not keep a sign-in alive.

The session cookie outlives the idle time (settings.SESSION_COOKIE_AGE): it is this rule, not
the cookie's expiry, that ends the sign-in, so that each kind of page is told in its own way.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

AUTOMATIC_HEADER = "X-CWTT-Automatic"
# When the person last did something, in seconds since the epoch (JSON keeps it as a number).
LAST_ACTIVITY = "cwtt_last_activity"


def is_automatic(request: HttpRequest) -> bool:
    return bool(request.headers.get(AUTOMATIC_HEADER))


def idle_message() -> str:
    return _("Your sign-in ended after %(n)s minutes without activity. Sign in again.") % {
        "n": settings.IDLE_MINUTES
    }


def sign_in_url(next_path: str) -> str:
    return resolve_url(settings.LOGIN_URL) + "?" + urlencode({"next": next_path})


def page_path(request: HttpRequest) -> str:
    """The address of the page the person sees: for htmx, the page that asked, not the part."""
    if getattr(request, "htmx", False) and request.htmx.current_url_abs_path:
        return request.htmx.current_url_abs_path
    return request.get_full_path()


class IdleSignOutMiddleware:
    """After AuthenticationMiddleware, MessageMiddleware and django-htmx's middleware."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            last = request.session.get(LAST_ACTIVITY)
            if last is not None and now() - last >= settings.IDLE_MINUTES * 60:
                ended = self.sign_out(request)
                if ended is not None:
                    return ended
        response = self.get_response(request)
        # After the view, so that the sign-in request itself starts the count; a sign-out
        # leaves nothing to stamp. Only a sign-in held by the session: a REST API request
        # signed with a token (decision 0044) has none, and must not start one.
        if (
            request.user.is_authenticated
            and SESSION_KEY in request.session
            and (not is_automatic(request) or LAST_ACTIVITY not in request.session)
        ):
            request.session[LAST_ACTIVITY] = now()
        if getattr(request, "htmx", False) and is_sign_in_redirect(response):
            # htmx would follow the redirect and swap the sign-in page into the part it
            # refreshes; send the whole page there instead.
            return HttpResponseClientRedirect(sign_in_url(page_path(request)))
        return response

    def sign_out(self, request: HttpRequest) -> HttpResponse | None:
        """Ends the sign-in. Returns the answer for a page's own request (htmx is sent to the
        sign-in page; a script gets 401 and a sentence), or None: a page the person asked
        for goes on without a sign-in, which sends them to sign in, where the message says
        why. The sign-out is audited like any other; the phone's offline store is not touched
        (no Clear-Site-Data), so no unsent work is lost."""
        logout(request)
        if getattr(request, "htmx", False):
            messages.info(request, idle_message())
            return HttpResponseClientRedirect(sign_in_url(page_path(request)))
        if is_automatic(request):
            return JsonResponse({"errors": {"session": idle_message()}}, status=401)
        messages.info(request, idle_message())
        return None


def is_sign_in_redirect(response: HttpResponse) -> bool:
    location = response.get("Location", "") if response.status_code in (301, 302) else ""
    return location.split("?")[0] == resolve_url(settings.LOGIN_URL)


def now() -> float:
    return timezone.now().timestamp()
