"""The links in the page header, per role.

Each link names the roles it is for, so the menu shows a person only the work their job needs.
A page whose app is not installed (its URL name does not resolve) is left out. On a phone the
links fold into a menu button; on a wide screen they sit in a row (web/base.html, cwtt.css).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from cwtt.access import policy
from cwtt.access.roles import AREA_ROLES, SCHOOL_ROLES, Role

EVERYONE = frozenset(Role)
CAPTURE_ROLES = frozenset(policy.CAPTURE_RESPONDENTS)


@dataclass(frozen=True)
class Link:
    label: str
    url_name: str
    roles: frozenset[str]


LINKS: tuple[Link, ...] = (
    Link(_("Home"), "home", EVERYONE),
    Link(_("Find a child"), "search", SCHOOL_ROLES | {Role.DATA_MANAGER}),
    Link(_("My work"), "my_work", SCHOOL_ROLES | {Role.DATA_MANAGER}),
    Link(_("My class"), "my_class", {Role.TEACHER}),
    Link(_("Work offline"), "offline", CAPTURE_ROLES),
    Link(_("Referrals"), "my_referrals", SCHOOL_ROLES | {Role.DATA_MANAGER}),
    Link(_("Caseloads"), "caseloads", {Role.COORDINATOR, Role.SOCIAL_WORKER, Role.DATA_MANAGER}),
    Link(_("Data quality"), "quality", {Role.COORDINATOR, Role.DATA_MANAGER}),
    Link(_("Staff"), "school_staff", {Role.COORDINATOR}),
    Link(_("Services"), "services", SCHOOL_ROLES | {Role.DATA_MANAGER}),
    Link(_("Emergency access"), "emergency_request", {Role.SOCIAL_WORKER}),
    Link(_("Dashboard"), "area_dashboard", AREA_ROLES),
    Link(_("Evidence"), "evidence", AREA_ROLES),
    Link(_("Planning"), "planning", {Role.DISTRICT_OFFICIAL, Role.PROVINCIAL_OFFICIAL}),
    Link(_("Research data"), "research_exports", {Role.RESEARCHER}),
    Link(_("Administration"), "administration", {Role.DATA_MANAGER}),
)


def links_for(user, path: str = "") -> list[dict[str, object]]:
    """The header links this user sees, each marked when it is the page being shown."""
    role = policy.role_of(user)
    if role is None:
        return []
    shown = []
    for link in LINKS:
        if role not in link.roles:
            continue
        try:
            url = reverse(link.url_name)
        except NoReverseMatch:
            continue
        current = path == url if url == "/" else path.startswith(url)
        shown.append({"label": link.label, "url": url, "current": current})
    return shown


def navigation(request) -> dict[str, object]:
    """Template context processor: `nav_links` for the header, and `child_search` for the
    search box (web/_search_box.html): "" when the person may not search for children, "names"
    when they may search by name and class, "numbers" when also by ID number."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": [], "child_search": ""}
    return {"nav_links": links_for(user, request.path), "child_search": child_search_kind(user)}


def child_search_kind(user) -> str:
    if not policy.sees_named_children(user):
        return ""
    return "numbers" if "identity" in policy.readable_classes(user) else "names"
