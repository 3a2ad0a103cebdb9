from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from cwtt.access.policy import public
from cwtt.web.language import language_set

urlpatterns = [
    # Interface strings for the site's scripts (the offline page), in the reader's language.
    path(
        "jsi18n/",
        public(JavaScriptCatalog.as_view(packages=["cwtt.offline", "cwtt.web"])),
        name="javascript-catalog",
    ),
    path("language/", language_set, name="language"),
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
    path("", include("cwtt.dashboards.urls")),
    path("", include("cwtt.analytics.urls")),
    path("", include("cwtt.quality.urls")),
    path("", include("cwtt.offline.urls")),
    path("", include("cwtt.administration.urls")),
    path("", include("cwtt.operations.urls")),
    path("", include("cwtt.interop.urls")),
    path("", include("cwtt.planning.urls")),
]
