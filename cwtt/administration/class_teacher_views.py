"""The page where a coordinator or the data manager ticks the classes a teacher teaches
(cwtt/administration/class_teachers.py; decision 0065)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cwtt.access import policy
from cwtt.access.roles import Role

from .class_teachers import ClassesRefused, choices, classes_set, teacher_for


def _back(user) -> str:
    if policy.role_of(user) == Role.DATA_MANAGER:
        return reverse("administration_users")
    return reverse("school_staff")


@policy.guarded
@require_http_methods(["GET", "POST"])
def teacher_classes(request: HttpRequest, user_id: int) -> HttpResponse:
    teacher = teacher_for(request.user, user_id)
    if teacher is None:
        raise Http404("No such teacher")
    name = teacher.user.get_full_name() or teacher.user.username
    status = 200
    if request.method == "POST":
        try:
            added, removed = classes_set(
                teacher=teacher, chosen=request.POST.getlist("classes"), by=request.user
            )
        except ClassesRefused as refused:
            messages.error(request, str(refused))
            status = 400
        else:
            messages.success(
                request,
                _("Saved. %(name)s's My class page shows the classes ticked.") % {"name": name}
                if added or removed
                else _("Nothing changed: these were already %(name)s's classes.") % {"name": name},
            )
            return redirect(_back(request.user))
    return render(
        request,
        "administration/teacher_classes.html",
        {
            "teacher": teacher,
            "name": name,
            "choices": choices(request.user, teacher),
            "back": _back(request.user),
        },
        status=status,
    )
