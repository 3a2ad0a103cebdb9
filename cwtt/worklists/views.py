from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cwtt.access import policy

from .caseload import caseloads, workers_for
from .tasks import split_by_due, tasks_for


@policy.guarded
def my_work(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own tasks, overdue first."""
    staff = policy.staff_of(request.user)
    today = timezone.localdate()
    tasks = tasks_for(staff, today) if staff is not None else []
    overdue, upcoming = split_by_due(tasks, today)
    return render(
        request,
        "worklists/my_work.html",
        {
            "tasks": tasks,
            "overdue": overdue,
            "upcoming": upcoming,
            "today": today,
        },
    )


@policy.guarded
def team_caseloads(request: HttpRequest) -> HttpResponse:
    """Open cases per worker, for those who share out the work."""
    workers = workers_for(request.user)
    return render(
        request,
        "worklists/caseloads.html",
        {"loads": caseloads(workers, timezone.localdate()) if workers else []},
    )
