"""Finding a child: the search box on the home page and in the phone menu, and its results
(docs/search.md, decision 0048).

The query is sent by POST, never in the address: it may hold an ID number, and addresses end up
in browser history, server logs and the Referer header. Scope and whether ID numbers may be
searched come from the access policy; every search is audited like a read of the children it
shows (never with the words typed).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from cwtt.access import policy
from cwtt.access.audit import audit_record, audit_record_many
from cwtt.access.models import AuditEntry
from cwtt.registry.search import MAX_QUERY, find_children


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, ID number or class"),
        max_length=MAX_QUERY,
        error_messages={
            "required": _("Type a child's name, an ID number or a class (for example 2A)."),
            "max_length": _("Type at most %(limit_value)d letters and numbers."),
        },
    )


def identity_searchable(user) -> bool:
    """Only people who may read identity numbers may find a child by one: a search must never
    confirm a number the child's page would hide."""
    return "identity" in policy.readable_classes(user)


def age_in_years(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@policy.guarded
@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    if not policy.sees_named_children(request.user):
        raise Http404("No search for this role")
    form = SearchForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "identity_searchable": identity_searchable(request.user)}
    if request.method == "POST" and form.is_valid():
        result = find_children(
            query=form.cleaned_data["q"],
            schools=policy.schools_for(request.user),
            identity_allowed=context["identity_searchable"],
        )
        _audit(request.user, result)
        today = timezone.localdate()
        context.update(
            result=result,
            rows=[
                {"child": c, "age": age_in_years(c.date_of_birth, today)} for c in result.children
            ],
        )
    return render(request, "web/search.html", context)


def _audit(user, result) -> None:
    detail = {"via": "search", "by": result.by or "nothing", "shown": len(result.matches)}
    if result.refused_identity:
        audit_record(
            action=AuditEntry.Action.REFUSED,
            actor=user,
            object_type="child_search",
            detail={**detail, "reason": "may not read identity numbers"},
        )
    elif result.matches:
        audit_record_many(
            action=AuditEntry.Action.VIEW,
            actor=user,
            object_type="child",
            child_ids=[m.child.pk for m in result.matches],
            detail=detail,
        )
    else:
        audit_record(
            action=AuditEntry.Action.VIEW, actor=user, object_type="child_search", detail=detail
        )
