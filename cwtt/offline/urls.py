from django.urls import path

from . import views

urlpatterns = [
    path("offline/", views.offline_page, name="offline"),
    path("offline/api/session", views.session_check, name="offline_session"),
    path("offline/api/unlock", views.unlock, name="offline_unlock"),
    path("offline/api/pack", views.pack, name="offline_pack"),
    path("offline/api/sync", views.sync, name="offline_sync"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
