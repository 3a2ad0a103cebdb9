from django.urls import path

from . import views

urlpatterns = [
    path("schools/<int:school_id>/dashboard/", views.school_dashboard, name="school_dashboard"),
    path("dashboards/area/", views.area_dashboard, name="area_dashboard"),
]
