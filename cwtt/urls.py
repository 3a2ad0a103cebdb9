from django.urls import include, path

urlpatterns = [
    path("", include("cwtt.web.urls")),
]
