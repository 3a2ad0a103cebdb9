from django.urls import include, path

urlpatterns = [
    path("api/v1/", include("cwtt.interop.api.urls")),
    path("", include("cwtt.interop.openrosa.urls")),
]
