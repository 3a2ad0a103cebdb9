from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cwtt.access import policy

from .models import Notification


@policy.guarded
def inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own notifications; opening the page marks them read."""
    mine = list(Notification.objects.filter(user=request.user)[:100])
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    return render(request, "notifications/inbox.html", {"notifications": mine})
