"""The one page action for notes: adding one from the child's page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cwtt.access import policy

from .actions import NoteInvalid, NoteNotAllowed, note_add


@policy.guarded
@require_POST
def note_add_view(request: HttpRequest, child_id: int) -> HttpResponse:
    access = policy.child_access(request.user, child_id)
    if access is None:
        raise Http404("No such child")
    try:
        note = note_add(
            user=request.user,
            child=access.child,
            text=request.POST.get("text", ""),
            sensitivity=request.POST.get("sensitivity", ""),
        )
    except NoteNotAllowed as error:
        return render(
            request,
            "notes/refused.html",
            {"child": access.child, "message": str(error)},
            status=403,
        )
    except NoteInvalid as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Note saved (%(kind)s). Only staff who may read this kind of note will see it.")
            % {"kind": note.get_sensitivity_display().lower()},
        )
    return redirect("child", child_id=access.child.pk)
