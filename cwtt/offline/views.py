"""The offline app's pages and its three calls: unlock, pack, sync (docs/offline.md)."""

from __future__ import annotations

import json

from django.contrib.auth import authenticate
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from cwtt.access import policy
from cwtt.access.audit import audit_record_many
from cwtt.access.models import AuditEntry

from .pack import offline_pack
from .sync import sync_record

# Files the service worker keeps so the offline page opens with no network. None holds
# personal data: that is only ever in the encrypted store (static/offline/vault.js).
SHELL_FILES = (
    "web/cwtt.css",
    "web/device.js",
    "web/capture.js",
    "web/icon.svg",
    "offline/vault.js",
    "offline/offline.js",
)


@policy.guarded
@require_GET
def offline_page(request: HttpRequest) -> HttpResponse:
    if not policy.can_capture(request.user):
        return render(request, "offline/not_for_you.html", status=403)
    return render(request, "offline/offline.html")


@policy.guarded
@never_cache
@require_GET
def session_check(request: HttpRequest) -> JsonResponse:
    """Tells the offline page that its sign-in still holds, with a fresh form token."""
    from django.middleware.csrf import get_token

    return JsonResponse({"user": request.user.pk, "csrf": get_token(request)})


@policy.guarded
@require_POST
def unlock(request: HttpRequest) -> JsonResponse:
    """Checks the password the person typed to protect the data on their phone. The phone
    derives its key from it; the password itself is not kept anywhere. Failures count
    towards the sign-in lock-out like any other."""
    password = request.POST.get("password", "")
    user = authenticate(request, username=request.user.get_username(), password=password)
    if user is None or user.pk != request.user.pk:
        return JsonResponse(
            {
                "errors": {
                    "password": _("That is not your password. Type the one you sign in with.")
                }
            },
            status=400,
        )
    return JsonResponse({"ok": True})


@policy.guarded
@never_cache
@require_GET
def pack(request: HttpRequest) -> JsonResponse:
    if not policy.can_capture(request.user):
        return JsonResponse(
            {"errors": {"role": _("Your role does not capture assessments.")}}, status=403
        )
    data = offline_pack(request.user)
    child_ids = sorted(
        child["id"]
        for school in data["schools"]
        for group in [*school["classes"], {"children": school["unplaced"]}]
        for child in group["children"]
    )
    # One entry per child, so each child's audit report shows the copy taken to a phone.
    audit_record_many(
        action=AuditEntry.Action.EXPORT,
        actor=request.user,
        object_type="offline_pack",
        child_ids=child_ids,
        detail={"purpose": "offline work on a phone"},
    )
    return JsonResponse(data)


@policy.guarded
@require_POST
def sync(request: HttpRequest) -> JsonResponse:
    try:
        data = json.loads(request.body or b"null")
    except RequestDataTooBig:
        return JsonResponse(
            {"errors": {"record": _("The record is too large to be one questionnaire.")}},
            status=400,
        )
    except (json.JSONDecodeError, UnicodeDecodeError):
        return JsonResponse({"errors": {"record": _("The record is not valid JSON.")}}, status=400)
    except RecursionError:  # e.g. 100,000 nested brackets: no questionnaire looks like that
        return JsonResponse(
            {"errors": {"record": _("The record is nested too deeply to be a questionnaire.")}},
            status=400,
        )
    answer = sync_record(request.user, data)
    return JsonResponse(answer.body, status=answer.status)


@policy.public
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    body = render_to_string(
        "offline/sw.js",
        {
            "shell": [*(static(name) for name in SHELL_FILES), reverse("javascript-catalog")],
            "offline_url": "/offline/",
        },
    )
    response = HttpResponse(body, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


@policy.public
@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    data = {
        "name": "Child Wellbeing Tracking Tool",
        "short_name": "CWTT",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#f6f7f8",
        "theme_color": "#1f5f8b",
        "icons": [
            {"src": static("web/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("web/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("web/icon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return JsonResponse(data, content_type="application/manifest+json")
