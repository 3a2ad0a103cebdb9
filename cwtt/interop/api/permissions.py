"""Who may use the API at all: a signed-in person (token or browser session) who holds a role.
What each person then sees is the access policy's answer (cwtt/access/policy.py), asked by every
view set in views.py; a person without a staff record sees nothing (403)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from cwtt.access import policy


class ReadsThroughPolicy(BasePermission):
    message = "Your account has no role in CWTT, so it cannot use the API. Ask a data manager."

    def has_permission(self, request, view) -> bool:
        return bool(
            request.user
            and request.user.is_authenticated
            and policy.role_of(request.user) is not None
        )


def policy_guarded(view):
    """Mark an API view as reached only through the access policy (checked by
    tests/access/test_every_view_is_guarded.py). `policy.guarded` wraps Django's
    login_required, which knows nothing of tokens; API views are guarded instead by DRF's
    authentication and ReadsThroughPolicy, which this checks the view class keeps."""
    view_class = getattr(view, "cls", None)
    if view_class is None or ReadsThroughPolicy not in view_class.permission_classes:
        raise TypeError(f"{view!r} must keep ReadsThroughPolicy in its permission classes")
    view.cwtt_access = "policy"
    return view
