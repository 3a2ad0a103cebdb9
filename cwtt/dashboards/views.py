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

from .compare import CompareFilters, comparison
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


# Who sees the comparison's school rows. Researchers work with the de-identified export, which
# names no school; they compare circuits and quintiles only (decision 0052).
SCHOOL_ROWS = frozenset({Role.DISTRICT_OFFICIAL, Role.PROVINCIAL_OFFICIAL, Role.DATA_MANAGER})


def _place(request: HttpRequest) -> str:
    staff = policy.staff_of(request.user)
    location = staff.location if staff is not None else None
    return location.name if location is not None else _("All schools")


def area_response(request: HttpRequest) -> HttpResponse:
    """The area dashboard: the filters and the comparison of circuits, quintiles and schools,
    then the day's figures. The caller has checked the reader's role. Everything is read from
    the day's snapshot (cwtt/dashboards/snapshots.py), never from the live records; the
    filters only choose among its numbers (compare.py). A filter value that is not the
    reader's (another district's circuit, a wave that does not exist) gets a plain message
    and no figures from the comparison."""
    snapshot = figures_for(request.user)
    data = snapshot.comparison if snapshot is not None else {}
    form = CompareFilters(request.GET or None, data)
    valid = form.is_valid() if request.GET else True
    compared = None
    if snapshot is not None and valid:
        chosen = form.chosen() if request.GET else CompareFilters(None, data).initial_choice()
        with_schools = policy.role_of(request.user) in SCHOOL_ROWS
        compared = comparison(data, chosen, with_schools=with_schools)
    response = render(
        request,
        "dashboards/area.html",
        {"place": _place(request), "figures": snapshot, "form": form, "compared": compared},
        status=200 if valid else 400,
    )
    add_never_cache_headers(response)
    return response


def area_home(request: HttpRequest) -> HttpResponse:
    """The home page of district, provincial and research roles: what needs their attention
    (the latest wave's share at high risk, and the circuits or schools with the most need),
    from the same snapshot as the dashboard, with the way to the full comparison."""
    snapshot = figures_for(request.user)
    data = snapshot.comparison if snapshot is not None else {}
    with_schools = policy.role_of(request.user) in SCHOOL_ROWS
    compared = comparison(
        data, CompareFilters(None, data).initial_choice(), with_schools=with_schools
    )
    most_need = []
    if compared.get("wave"):
        rows = compared["parts"] or compared["schools"]
        most_need = [r for r in rows if not r.hidden][:HOME_ROWS]
    response = render(
        request,
        "dashboards/area_home.html",
        {
            "place": _place(request),
            "figures": snapshot,
            "compared": compared,
            "most_need": most_need,
            "need_of": compared.get("part_heading") if compared.get("parts") else _("School"),
            "researcher": policy.role_of(request.user) == Role.RESEARCHER,
        },
    )
    add_never_cache_headers(response)
    return response


HOME_ROWS = 3  # circuits or schools with the most need on an area role's home page
