"""The dashboards: a school's, for its team, and an area's, for district, provincial and research
roles (docs/dashboards.md). Thin: ask the access policy, count, render. The school's are read
from the live records on every request; an area's are the day's (snapshots.py)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from cwtt.access import policy
from cwtt.access.roles import Role

from .school import school_page
from .snapshots import figures_for


@policy.guarded
@never_cache
def school_dashboard(request: HttpRequest, school_id: int) -> HttpResponse:
    """For the people who may see the school's children (policy.schools_for); for everyone
    else, including district roles, the school does not exist."""
    school = policy.school_for(request.user, school_id)
    if school is None:
        raise Http404("No such school")
    return render(request, "dashboards/school.html", school_page(school, request.user))


@policy.guarded
def area_dashboard(request: HttpRequest) -> HttpResponse:
    if not (policy.sees_aggregates_only(request.user) or may_see_every_area(request.user)):
        raise Http404("No area dashboard for this account")
    return area_response(request)


def may_see_every_area(user) -> bool:
    return policy.role_of(user) == Role.DATA_MANAGER


def area_response(request: HttpRequest) -> HttpResponse:
    """The area dashboard, also shown as the home page of district, provincial and research
    roles (cwtt/web/views.py `home`). The caller has checked the reader's role. The figures are
    the day's (cwtt/dashboards/snapshots.py), not the live records'."""
    staff = policy.staff_of(request.user)
    location = staff.location if staff is not None else None
    response = render(
        request,
        "dashboards/area.html",
        {
            "place": location.name if location is not None else _("All schools"),
            "figures": figures_for(request.user),
        },
    )
    add_never_cache_headers(response)
    return response
