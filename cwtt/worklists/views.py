from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cwtt.access import policy
from cwtt.assessments.triage import SHORT_LIST
from cwtt.cases.worklist import my_cases

from .caseload import caseloads, workers_for
from .my_class import classes_of, my_classes
from .tasks import split_by_due, tasks_for
from .urgent import urgent_children


@policy.guarded
def my_work(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own tasks, overdue first."""
    staff = policy.staff_of(request.user)
    today = timezone.localdate()
    tasks = tasks_for(staff, today) if staff is not None else []
    overdue, upcoming = split_by_due(tasks, today)
    cases = my_cases(request.user)
    return render(
        request,
        "worklists/my_work.html",
        {
            "tasks": tasks,
            "overdue": overdue,
            "upcoming": upcoming,
            "today": today,
            "cases": cases[:SHORT_LIST],
            "more_cases": cases[SHORT_LIST:],
            "case_count": len(cases),
            "new_cases": sum(bool(c.new) for c in cases),
            "urgent": urgent_children(request.user),
            "teaches": bool(classes_of(request.user)),
        },
    )


@policy.guarded
def my_class(request: HttpRequest) -> HttpResponse:
    """A teacher's class list, with what is still to capture in the current wave."""
    return render(request, "worklists/my_class.html", {"classes": my_classes(request.user)})


@policy.guarded
def team_caseloads(request: HttpRequest) -> HttpResponse:
    """Open cases per worker, for those who share out the work."""
    workers = workers_for(request.user)
    return render(
        request,
        "worklists/caseloads.html",
        {"loads": caseloads(workers, timezone.localdate()) if workers else []},
    )
