from django.urls import include, path

urlpatterns = [
    path("", include("cwtt.web.urls")),
    path("", include("cwtt.meetings.urls")),
    path("", include("cwtt.worklists.urls")),
    path("", include("cwtt.notes.urls")),
    path("", include("cwtt.rights.urls")),
    path("", include("cwtt.access.urls")),
    path("", include("cwtt.consent.urls")),
    path("", include("cwtt.notifications.urls")),
    path("", include("cwtt.cases.urls")),
    path("", include("cwtt.referrals.urls")),
    path("", include("cwtt.services.urls")),
]
